-- The (shipped item, metric) pairs the impact analysis judges at $as_of: each item's own
-- targeted metrics plus the metrics hypotheses link to it (the item's own direction and
-- minimum change win; else the hypothesis's). Filters: $date_from / $date_to on shipped_on,
-- $project on the item's project, $board_id on the board's project.
WITH items AS (
    SELECT * FROM fct_shipped_items($as_of)
),
filtered AS (
    SELECT *
    FROM items
    WHERE in_period(shipped_on, $date_from, $date_to)
      AND ($project IS NULL OR project_key = $project)
      AND ($board_id IS NULL OR project_key IN (SELECT project_key FROM raw_boards WHERE board_id = $board_id))
),
own AS (
    SELECT item_key, trim(unnest(metrics)) AS metric, expected_direction AS direction, min_change,
           1 AS priority, '' AS tie
    FROM filtered
),
hyp AS (
    SELECT h.item_key, trim(h.metric) AS metric, h.direction, h.min_change, 2 AS priority, h.hypothesis_id AS tie
    FROM hypotheses AS h
    JOIN filtered AS f USING (item_key)
),
pairs AS (
    SELECT *, row_number() OVER (PARTITION BY item_key, metric ORDER BY priority, tie) AS pick
    FROM (SELECT * FROM own UNION ALL SELECT * FROM hyp)
    WHERE metric <> ''
),
final AS (
    SELECT
        f.item_key,
        f.item_name,
        f.shipped_on,
        p.metric,
        p.direction,
        p.min_change,
        f.origin,
        f.project_key,
        f.epic_key
    FROM pairs AS p
    JOIN filtered AS f USING (item_key)
    WHERE p.pick = 1
)
SELECT * FROM final
ORDER BY shipped_on, item_key, metric
