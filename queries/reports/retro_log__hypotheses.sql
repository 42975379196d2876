-- The hypotheses of retro $retro_id (verdicts come from the impact analysis).
SELECT hypothesis_id, item_key, metric, direction, min_change
FROM hypotheses
WHERE retro_id = $retro_id
ORDER BY item_key, metric
