-- One row per product metric known to the warehouse (a definition, daily values, or both):
-- unit, better direction, description, the days and segments it has values for.
WITH defs AS (
    SELECT metric, unit, higher_is_better, description FROM raw_metric_definitions
),
stats AS (
    SELECT
        metric,
        min(day) AS first_day,
        max(day) AS last_day,
        count(*) FILTER (WHERE segment = '') AS days_all_users,
        list_sort(list_distinct(list(segment) FILTER (WHERE segment <> ''))) AS segments
    FROM raw_metric_points
    GROUP BY metric
),
final AS (
    SELECT
        coalesce(d.metric, s.metric) AS metric,
        d.unit,
        coalesce(d.higher_is_better, true) AS higher_is_better,
        CASE WHEN coalesce(d.higher_is_better, true) THEN 'up' ELSE 'down' END AS better_direction,
        d.description,
        s.first_day,
        s.last_day,
        coalesce(s.days_all_users, 0) AS days_all_users,
        coalesce(s.segments, []::VARCHAR[]) AS segments
    FROM defs AS d
    FULL OUTER JOIN stats AS s USING (metric)
)
SELECT * FROM final
