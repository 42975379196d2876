-- The segments product metrics have daily values in (all users, '', left out), in name order:
-- what `impact` names when asked for a segment none of them has.
SELECT DISTINCT segment FROM raw_metric_points WHERE segment <> '' ORDER BY segment
