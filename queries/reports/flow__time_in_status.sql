-- Time in each status of the issues completed (at $as_of) in $date_from..$date_to that have
-- a cycle time (the cycle-time scatter's set, docs/metrics.md §2): each issue's days in a
-- status = the sum of its stays there before its completion (in whole microseconds: exact in
-- any order); per status, how many of the issues were ever in it and the median and p85
-- (quantile_cont) of their days there. One row per status name and category (status_bands:
-- two sources' statuses that share an id or a name but not a category stay apart); an
-- issue's days in a row are the sum over the row's statuses.
-- Done statuses are left out. is_waiting / is_blocked: an in-progress status whose name
-- matches [workflow] waiting_pattern / blocked_pattern. Scope: $board_id / $project.
WITH done AS (
    SELECT source, issue_id, completed_at
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE cycle_time_days IS NOT NULL
      AND in_period(completed_on, $date_from, $date_to)
),
per_issue AS (
    SELECT
        s.source,
        s.issue_id,
        s.status_id,
        arg_max(s.status, (s.entered_at, s.status)) AS status,
        max(s.entered_at) AS last_entered_at,
        any_value(s.category) AS category,
        any_value(s.stage_rank) AS stage_rank,
        sum(micros_between(s.entered_at, least(s.until_at, d.completed_at))) AS us
    FROM fct_status_intervals($as_of) AS s
    JOIN done AS d USING (source, issue_id)
    WHERE s.entered_at < d.completed_at AND coalesce(s.category, '') <> 'done'
    GROUP BY s.source, s.issue_id, s.status_id
),
statuses AS (
    -- a status is a source and an id (two sources may share an id). Its name is the same on
    -- every stay unless the warehouse has no current name for it; then the name the latest
    -- stay carried (docs/metrics.md), the same at every run
    SELECT source, status_id, arg_max(status, (last_entered_at, status)) AS status, any_value(category) AS category
    FROM per_issue GROUP BY source, status_id
),
banded AS (
    -- one row per status name and category (marts/status_bands.sql)
    SELECT * FROM status_bands('statuses')
),
per_band AS (
    -- an issue's days in a band: the sum over the band's statuses it was in
    SELECT
        b.band,
        any_value(b.status) AS name,
        any_value(b.category) AS category,
        min(p.stage_rank) AS stage_rank,
        seconds_from_us(sum(p.us)) / 86400.0 AS days
    FROM per_issue AS p
    JOIN banded AS b USING (source, status_id)
    GROUP BY p.source, p.issue_id, b.band
),
final AS (
    SELECT
        band AS status,
        any_value(category) AS category,
        min(stage_rank) AS stage_rank,
        count(*) AS issues,
        quantile_cont(days, 0.5) AS median_days,
        quantile_cont(days, 0.85) AS p85_days,
        any_value(category) = 'in_progress'
            AND regexp_matches(any_value(name), (SELECT value FROM cfg_param WHERE key = 'waiting_pattern'), 'i')
            AS is_waiting,
        any_value(category) = 'in_progress'
            AND regexp_matches(any_value(name), (SELECT value FROM cfg_param WHERE key = 'blocked_pattern'), 'i')
            AS is_blocked
    FROM per_band
    GROUP BY band
)
SELECT * FROM final
ORDER BY stage_rank NULLS LAST, status
