-- Hypotheses from retros held on or before $as_of's day (METRICS.md §8) with the item they
-- are about: shipped_on is NULL when the item has not shipped by $as_of (not in
-- fct_shipped_items). queries.impact.hypotheses_table adds the impact verdict.
WITH cfg AS (
    SELECT timezone(coalesce((SELECT value FROM cfg_param WHERE key = 'timezone'), 'UTC'), $as_of)::DATE AS as_of_on
),
final AS (
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
        h.min_change
    FROM hypotheses AS h
    LEFT JOIN retros AS r USING (retro_id)
    LEFT JOIN fct_shipped_items($as_of) AS i USING (item_key)
    WHERE r.held_on IS NULL OR r.held_on <= (SELECT as_of_on FROM cfg)
)
SELECT * FROM final
ORDER BY held_on, hypothesis_id
