-- Daily product-metric values (docs/metrics.md §7) with their definitions: one row per metric,
-- day and segment ('' = all users). higher_is_better defaults to true when a metric has
-- no definition.
WITH points AS (
    SELECT source, metric, day, segment, value FROM raw_metric_points
),
defs AS (
    SELECT metric, unit, higher_is_better, description FROM raw_metric_definitions
),
final AS (
    SELECT
        p.metric,
        p.segment,
        p.day,
        p.value,
        d.unit,
        coalesce(d.higher_is_better, true) AS higher_is_better,
        p.source
    FROM points AS p
    LEFT JOIN defs AS d USING (metric)
)
SELECT * FROM final
