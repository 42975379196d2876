-- What the Retro log's forms offer: metrics an agreement or hypothesis can link to
-- (kind 'delivery' = judged from Jira data, 'product' = a product metric with data) and
-- shipped items a hypothesis can be about (kind 'item', with the metrics the item itself
-- targets in `targets`, in the order it names them, and the direction it expects them to move
-- in `expected`; empty / NULL for the others), as of $as_of.
SELECT 'delivery' AS kind, metric AS value, definition AS label, []::VARCHAR[] AS targets, NULL::VARCHAR AS expected
FROM fct_retro_delivery_metrics
UNION ALL
SELECT 'product', metric, coalesce(description, metric), []::VARCHAR[], NULL FROM fct_metric_catalog
UNION ALL
SELECT 'item', item_key, item_key || ' · ' || item_name, metrics, expected_direction FROM fct_shipped_items($as_of)
ORDER BY kind, value
