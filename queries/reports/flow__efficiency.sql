-- Flow efficiency and blocked time of each issue completed (at $as_of) in
-- $date_from..$date_to that has a cycle time (docs/metrics.md §2 "Flow efficiency"), over
-- its lead time [created_at, completed_at):
--   flagged_days  = time Jira's Flagged field was set (changelog items of the field named
--                   "Flagged"; the value before the first change is that change's `from`);
--   waiting_days  = time in in-progress statuses matching [workflow] waiting_pattern;
--   blocked_days  = time flagged or in an in-progress status matching blocked_pattern
--                   (the union: an overlap counts once);
--   active_days   = time in the other in-progress statuses (neither waiting nor blocked),
--                   less the flagged time in them;
--   efficiency    = active_days / lead_time_days.
-- Durations are summed in whole microseconds and turned into days once (exact in any order).
-- Scope: $board_id / $project.
WITH done AS MATERIALIZED (
    SELECT source, issue_id, issue_key, summary, work_type, created_at, completed_at, lead_time_days,
           cycle_time_days
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE cycle_time_days IS NOT NULL AND lead_time_days > 0
      AND in_period(completed_on, $date_from, $date_to)
),
kinds AS MATERIALIZED (
    -- per status, not per stay: a pattern read from the config is compiled for every row
    SELECT
        source,
        status_id,
        regexp_matches(name, (SELECT value FROM cfg_param WHERE key = 'waiting_pattern'), 'i') AS is_waiting,
        regexp_matches(name, (SELECT value FROM cfg_param WHERE key = 'blocked_pattern'), 'i') AS is_blocked
    FROM stg_statuses
    WHERE category = 'in_progress'
),
stays AS MATERIALIZED (
    -- in-progress stays clipped to the lead time, with their kind
    SELECT
        s.source,
        s.issue_id,
        greatest(s.entered_at, d.created_at) AS t0,
        least(s.until_at, d.completed_at) AS t1,
        k.is_waiting,
        k.is_blocked
    FROM fct_status_intervals($as_of) AS s
    JOIN done AS d USING (source, issue_id)
    JOIN kinds AS k ON k.source = s.source AND k.status_id = s.status_id
    WHERE s.category = 'in_progress' AND s.entered_at < d.completed_at AND s.until_at > d.created_at
),
flag_changes AS (
    SELECT
        c.source,
        c.issue_id,
        c.changed_at,
        coalesce(trim(c.from_string), '') <> '' AS was_flagged,
        coalesce(trim(c.to_string), '') <> '' AS is_flagged,
        lead(c.changed_at) OVER w AS next_at,
        row_number() OVER w AS n
    FROM raw_field_changes AS c
    SEMI JOIN done AS d ON d.source = c.source AND d.issue_id = c.issue_id
    WHERE lower(trim(c.field)) = 'flagged' AND c.changed_at <= $as_of
    WINDOW w AS (PARTITION BY c.source, c.issue_id
                 ORDER BY change_ord(c.changed_at, c.history_id, c.item_seq))   -- the one changelog order
),
flag_raw AS (
    SELECT source, issue_id, NULL::TIMESTAMPTZ AS f0, changed_at AS f1 FROM flag_changes WHERE n = 1 AND was_flagged
    UNION ALL
    SELECT source, issue_id, changed_at, next_at FROM flag_changes WHERE is_flagged
),
flags AS MATERIALIZED (
    -- flagged periods clipped to the lead time
    SELECT f.source, f.issue_id, greatest(coalesce(f.f0, d.created_at), d.created_at) AS t0,
           least(coalesce(f.f1, $as_of), d.completed_at) AS t1
    FROM flag_raw AS f
    JOIN done AS d USING (source, issue_id)
    WHERE greatest(coalesce(f.f0, d.created_at), d.created_at) < least(coalesce(f.f1, $as_of), d.completed_at)
),
per_stay AS (
    SELECT
        s.source, s.issue_id, s.is_waiting, s.is_blocked,
        micros_between(s.t0, s.t1) AS us,
        -- least/greatest skip NULLs: a stay without flags must overlap nothing
        coalesce(sum(greatest(micros_between(greatest(s.t0, f.t0), least(s.t1, f.t1)), 0))
                 FILTER (WHERE f.t0 IS NOT NULL), 0) AS flagged_overlap_us
    FROM stays AS s
    LEFT JOIN flags AS f ON f.source = s.source AND f.issue_id = s.issue_id
    GROUP BY s.source, s.issue_id, s.t0, s.t1, s.is_waiting, s.is_blocked
),
per_issue AS (
    SELECT
        source, issue_id,
        sum(us - flagged_overlap_us) FILTER (WHERE NOT is_waiting AND NOT is_blocked) AS active_us,
        sum(us) FILTER (WHERE is_waiting) AS waiting_us,
        sum(us - flagged_overlap_us) FILTER (WHERE is_blocked) AS blocked_status_only_us
    FROM per_stay
    GROUP BY source, issue_id
),
flagged AS (
    SELECT source, issue_id, sum(micros_between(t0, t1)) AS flagged_us FROM flags GROUP BY source, issue_id
),
final AS (
    SELECT
        d.issue_key,
        d.summary,
        d.work_type,
        d.completed_at,
        d.lead_time_days,
        d.cycle_time_days,
        seconds_from_us(coalesce(p.active_us, 0)) / 86400.0 AS active_days,
        seconds_from_us(coalesce(p.waiting_us, 0)) / 86400.0 AS waiting_days,
        seconds_from_us(coalesce(g.flagged_us, 0)) / 86400.0 AS flagged_days,
        seconds_from_us(coalesce(g.flagged_us, 0) + coalesce(p.blocked_status_only_us, 0)) / 86400.0 AS blocked_days,
        seconds_from_us(coalesce(p.active_us, 0)) / 86400.0 / d.lead_time_days AS efficiency,
        d.source
    FROM done AS d
    LEFT JOIN per_issue AS p USING (source, issue_id)
    LEFT JOIN flagged AS g USING (source, issue_id)
)
SELECT * FROM final
ORDER BY completed_at, issue_key
