-- args: as_of
-- One row per issue as of `as_of` (docs/metrics.md §1–3, §6): the contract the other marts,
-- reports and pages build on. Sub-tasks are excluded (their parents count); issues created
-- after as_of are absent; history after as_of is ignored. Estimates are replayed from the
-- field history to their value at as_of (no history: the current value; estimates_at).
--   start_at      first entry into an in_progress-category status (created straight into
--                 one: created_at); NULL if never started.
--   completed_at  start of the final uninterrupted stay in done-category statuses, when
--                 the issue is in one at as_of; no visible status history: resolved_at
--                 (if <= as_of; NULL resolution: created_at).
--   rework_days   union of the intervals from each backward transition until the issue
--                 next reaches that transition's source rank, or completion, or as_of
--                 (a day inside two nested rework intervals counts once).
-- *_on / completed_week are dates in the configured reporting timezone (ISO week Monday).
-- Built from aggregates over the status changes (each change judged by its own from/to
-- status), with no per-stay window: fct_status_intervals has the stays for the reports
-- that need durations (time in status, CFD, WIP).
WITH issues AS (
    SELECT * FROM stg_issues WHERE NOT is_subtask AND created_at <= as_of
),
issue_keys AS (
    -- what the steps before the last read of each issue (they read it three times: kept
    -- narrow, the issue's text columns are read once, at the end)
    SELECT source, issue_id, created_at, resolved_at, status_id FROM issues
),
changes AS MATERIALIZED (
    SELECT
        c.source,
        c.issue_id,
        greatest(c.changed_at, i.created_at) AS moved_at,
        c.changed_at <= as_of AS visible,
        c.ord,
        c.from_status_id,
        c.to_status_id,
        c.to_status_name,
        f.category AS from_category,
        f.stage_rank AS from_rank,
        coalesce(f.is_review, false) AS from_review,
        t.category AS to_category,
        t.stage_rank AS to_rank
    FROM stg_status_changes AS c
    JOIN issue_keys AS i USING (source, issue_id)
    LEFT JOIN stg_statuses AS f ON f.source = c.source AND f.status_id = c.from_status_id
    LEFT JOIN stg_statuses AS t ON t.source = c.source AND t.status_id = c.to_status_id
),
per_issue AS (
    SELECT
        source,
        issue_id,
        count(*) FILTER (WHERE visible) AS visible_changes,
        arg_max({'status_id': to_status_id, 'name_then': to_status_name}, ord) FILTER (WHERE visible) AS last_change,
        arg_min({'status_id': from_status_id}, ord) AS first_change,
        min(moved_at) FILTER (WHERE visible AND to_category = 'in_progress') AS first_in_progress_at,
        max(moved_at) FILTER (WHERE visible AND enters_done(from_category, to_category)) AS last_done_entry_at,
        count(*) FILTER (WHERE visible AND to_rank < from_rank) AS backward_transitions,
        count(*) FILTER (WHERE visible AND to_rank < from_rank AND from_review) AS qa_bounces,
        count(*) FILTER (WHERE visible AND to_rank < from_rank AND from_category = 'done') AS reopens
    FROM changes
    GROUP BY source, issue_id
),
state AS (
    -- status at as_of: the last visible change's target, else the status the issue was
    -- created in (the first change's `from`, else its current status)
    SELECT
        i.source,
        i.issue_id,
        i.created_at,
        i.resolved_at,
        coalesce(p.visible_changes, 0) AS visible_changes,
        p.first_in_progress_at,
        p.last_done_entry_at,
        coalesce(p.backward_transitions, 0) AS backward_transitions,
        coalesce(p.qa_bounces, 0) AS qa_bounces,
        coalesce(p.reopens, 0) AS reopens,
        coalesce(p.first_change.status_id, i.status_id) AS initial_status_id,
        CASE WHEN p.last_change IS NOT NULL THEN p.last_change.status_id
             ELSE coalesce(p.first_change.status_id, i.status_id) END AS status_id,
        p.last_change.name_then AS status_name_then
    FROM issue_keys AS i
    LEFT JOIN per_issue AS p USING (source, issue_id)
),
completion AS (
    SELECT
        s.*,
        coalesce(st.name, s.status_name_then, s.status_id) AS status,
        st.category AS status_category,
        CASE WHEN ini.category = 'in_progress' THEN s.created_at ELSE s.first_in_progress_at END AS start_at,
        completion_at(st.category = 'done', s.visible_changes > 0, s.last_done_entry_at, s.created_at,
                      s.resolved_at, as_of) AS completed_at
    FROM state AS s
    LEFT JOIN stg_statuses AS st ON st.source = s.source AND st.status_id = s.status_id
    LEFT JOIN stg_statuses AS ini ON ini.source = s.source AND ini.status_id = s.initial_status_id
),
backward AS (
    SELECT source, issue_id, ord, moved_at AS backward_at, from_rank
    FROM changes
    WHERE visible AND to_rank < from_rank
),
backward_reach AS (
    -- when the issue next reached a status ranked at least as high as the one it left
    SELECT b.source, b.issue_id, b.ord, b.backward_at, min(c.moved_at) AS reach_at
    FROM backward AS b
    LEFT JOIN changes AS c
        ON c.source = b.source AND c.issue_id = b.issue_id AND c.visible
       AND c.ord > b.ord AND c.to_rank >= b.from_rank
    GROUP BY b.source, b.issue_id, b.ord, b.backward_at
),
rework_intervals AS (
    SELECT
        r.source, r.issue_id, r.ord, r.backward_at,
        greatest(least(coalesce(r.reach_at, as_of), coalesce(c.completed_at, as_of)), r.backward_at) AS end_at
    FROM backward_reach AS r
    JOIN completion AS c USING (source, issue_id)
),
rework_union AS (
    -- sorted by start, each interval adds the part beyond every earlier interval's end
    SELECT
        source, issue_id, backward_at, end_at,
        max(end_at) OVER (PARTITION BY source, issue_id ORDER BY backward_at, ord
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_until
    FROM rework_intervals
),
rework AS (
    SELECT
        source, issue_id,
        -- in whole microseconds, converted once: exact in any order
        seconds_from_us(sum(greatest(micros_between(greatest(backward_at, coalesce(covered_until, backward_at)), end_at), 0)))
            / 86400.0 AS rework_days
    FROM rework_union
    GROUP BY ALL
),
field_changes AS (
    SELECT f.* FROM stg_issue_field_changes AS f
    SEMI JOIN issue_keys AS i ON i.source = f.source AND i.issue_id = f.issue_id
),
estimates AS (
    SELECT * FROM estimates_at('field_changes', as_of)
),
final AS (
    SELECT
        i.source,
        i.issue_id,
        i.issue_key,
        i.project_key,
        i.issue_type,
        i.work_type,
        c.status,
        c.status_id,
        c.status_category,
        i.summary,
        i.created_at,
        c.start_at,
        c.completed_at,
        i.resolved_at,
        CASE WHEN c.completed_at IS NOT NULL AND c.start_at IS NOT NULL
             THEN seconds_between(c.start_at, c.completed_at) / 86400.0 END AS cycle_time_days,
        CASE WHEN c.completed_at IS NOT NULL
             THEN seconds_between(i.created_at, c.completed_at) / 86400.0 END AS lead_time_days,
        replayed_or_current(e.story_points, i.story_points) AS story_points,
        replayed_or_current(e.estimate_best, i.estimate_best) AS estimate_best,
        replayed_or_current(e.estimate_likely, i.estimate_likely) AS estimate_likely,
        replayed_or_current(e.estimate_worst, i.estimate_worst) AS estimate_worst,
        replayed_or_current(e.original_estimate, i.original_estimate_seconds) AS original_estimate_seconds,
        replayed_or_current(e.time_spent, i.time_spent_seconds) AS time_spent_seconds,
        c.backward_transitions,
        c.qa_bounces,
        c.reopens,
        coalesce(r.rework_days, 0.0) AS rework_days,
        i.labels,
        i.components,
        i.is_escaped_bug,
        is_epic_type(i.issue_type) AS is_epic,
        i.epic_id,
        i.parent_id,
        i.sprint_ids,
        local_ts(i.created_at)::DATE AS created_on,
        local_ts(c.start_at)::DATE AS start_on,
        local_ts(c.completed_at)::DATE AS completed_on,
        date_trunc('week', local_ts(c.completed_at))::DATE AS completed_week
    FROM issues AS i
    JOIN completion AS c USING (source, issue_id)
    LEFT JOIN rework AS r USING (source, issue_id)
    LEFT JOIN estimates AS e USING (source, issue_id)
)
SELECT * FROM final
