-- Hypotheses from retros held on or before $as_of's day (docs/metrics.md §8) with the item they
-- are about: shipped_on is NULL when the item has not shipped by $as_of (not in
-- fct_shipped_items). queries.impact.hypotheses_table adds the impact verdict.
-- Filters as the impact query, on the item: $project (the item's project, or the key's
-- prefix for an item not shipped yet), $board_id (the board's project), $date_from /
-- $date_to on shipped_on (an item not shipped yet passes when $date_to is not before as_of).
WITH cfg AS (
    SELECT local_ts($as_of)::DATE AS as_of_on
),
joined AS (
    SELECT
        h.hypothesis_id,
        h.retro_id,
        r.held_on,
        r.team,
        h.item_key,
        coalesce(i.item_name, h.item_key) AS item_name,
        i.shipped_on,
        trim(h.metric) AS metric,
        h.direction,
        h.min_change,
        coalesce(i.project_key, CASE WHEN contains(h.item_key, '-') THEN split_part(h.item_key, '-', 1) END) AS project_key
    FROM hypotheses AS h
    LEFT JOIN retros AS r USING (retro_id)
    LEFT JOIN fct_shipped_items($as_of) AS i USING (item_key)
    WHERE r.held_on IS NULL OR r.held_on <= (SELECT as_of_on FROM cfg)
),
final AS (
    SELECT hypothesis_id, retro_id, held_on, team, item_key, item_name, shipped_on, metric, direction, min_change
    FROM joined
    WHERE ($project IS NULL OR project_key = $project)
      AND ($board_id IS NULL OR project_key IN (SELECT project_key FROM raw_boards WHERE board_id = $board_id))
      AND ($date_from IS NULL OR shipped_on >= $date_from OR shipped_on IS NULL)
      AND ($date_to IS NULL OR shipped_on <= $date_to
           OR (shipped_on IS NULL AND $date_to >= (SELECT as_of_on FROM cfg)))
)
SELECT * FROM final
ORDER BY held_on, hypothesis_id
