-- One row per ISO week (Monday start, reporting timezone): throughput = issues completed
-- that week; cycle_time_p50/p85/p95 = continuous quantiles (linear interpolation) of the
-- cycle time of those of them that have a start; wip_end_of_week = issues started and not
-- complete at the end of the week (for the week holding $as_of: at $as_of).
-- Weeks run from the first week with a start or completion (or the week of $date_from) to
-- the week of $date_to (default: of $as_of), never past $as_of.
WITH scope AS MATERIALIZED (
    SELECT * FROM fct_issue_scoped($as_of, $board_id, $project)
),
weeks AS (
    SELECT week FROM week_spine(
        (SELECT least(min(completed_week), min(date_trunc('week', start_on)::DATE)) FROM scope),
        $as_of, $date_from, $date_to)
),
completed AS (
    SELECT
        completed_week AS week,
        count(*) AS throughput,
        quantile_cont(cycle_time_days, 0.50) AS cycle_time_p50,
        quantile_cont(cycle_time_days, 0.85) AS cycle_time_p85,
        quantile_cont(cycle_time_days, 0.95) AS cycle_time_p95
    FROM scope
    WHERE completed_at IS NOT NULL
    GROUP BY ALL
),
wip_stays AS MATERIALIZED (
    -- an issue is in WIP from max(stay entered, start) until it leaves a non-done stay
    SELECT greatest(s.entered_at, f.start_at) AS from_at, s.left_at, s.until_at
    FROM fct_status_intervals($as_of) AS s
    JOIN scope AS f USING (source, issue_id)
    WHERE f.start_at IS NOT NULL AND s.category IS DISTINCT FROM 'done'
      AND greatest(s.entered_at, f.start_at) < s.until_at
),
wip_events AS (
    SELECT from_at AS at, 1 AS delta FROM wip_stays
    UNION ALL
    SELECT left_at AS at, -1 AS delta FROM wip_stays WHERE left_at IS NOT NULL
),
wip_by_week AS (
    SELECT date_trunc('week', local_ts(e.at))::DATE AS week,
           sum(e.delta) AS delta
    FROM wip_events AS e
    GROUP BY ALL
),
final AS (
    SELECT
        w.week,
        coalesce(c.throughput, 0) AS throughput,
        c.cycle_time_p50,
        c.cycle_time_p85,
        c.cycle_time_p95,
        coalesce((SELECT sum(d.delta) FROM wip_by_week AS d WHERE d.week <= w.week), 0)::BIGINT AS wip_end_of_week
    FROM weeks AS w
    LEFT JOIN completed AS c USING (week)
)
SELECT * FROM final ORDER BY week
