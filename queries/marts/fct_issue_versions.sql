-- args: as_of
-- Every issue's facts through its history, as seen at `as_of` (docs/metrics.md §1–3, §6;
-- docs/facts.md "Any as_of stays exact"): one row per issue and version, the span
-- [valid_from, valid_to) between two of its events over which its facts stay the same
-- (valid_to NULL: the version holding as_of). The events are what the facts read by instant:
-- the issue's creation, each status and estimate change (a change dated before the creation
-- counts at it) and its resolution. Sub-tasks have none (their parents count), nor issues
-- created after as_of. Every rule of the issue facts lives here, once; fct_issue_facts reads
-- the version holding its as_of (issue_facts_of). Only the columns that follow the history are
-- here; the others (key, type, summary, labels, created_at, resolved_at, ...) are the issue's
-- current values, the same at every instant.
--   start_at      first entry into an in_progress-category status (created straight into
--                 one: created_at); NULL if never started.
--   completed_at  start of the final uninterrupted stay in done-category statuses, when
--                 the issue is in one; no status change seen yet: resolved_at once resolved
--                 (NULL resolution: created_at).
--   story_points, estimates, time spent: replayed from the field history (estimates_at; a
--                 field with no change: the issue's current value).
--   rework        union of the intervals from each backward transition until the issue
--                 next reaches that transition's source rank, or completion, or the instant
--                 read (a day inside two nested rework intervals counts once), kept as
--                 rework_closed_us (the rework before the stretch still running, or all of
--                 it when none runs, in whole microseconds) and rework_open_since (where that
--                 stretch began, NULL when none): rework_days_at gives the days at any
--                 instant of the version. The union is taken once per issue over its whole
--                 history (each interval running until it is reached, or for ever), as
--                 disjoint segments with the rework before each; a version reads it up to
--                 its cutoff (the instant, or the completion) from the last segment begun by
--                 then: sorts of the issue's history, not pairs of its versions, however
--                 many times it bounced.
-- *_on / completed_week are dates in the configured reporting timezone (ISO week Monday).
-- Computed in one pass over each issue's changes in order (running aggregates: each change
-- judged by its own from/to status), over the whole history, then clipped to as_of by
-- issue_versions_at, the rule a reader applies to the stored versions for an earlier instant.
WITH issues AS MATERIALIZED (
    -- k: a number per issue, the key every step below joins and partitions on (two strings,
    -- source and issue_id, cost a third more at 1M issues); materialised, so it is one number
    SELECT row_number() OVER () AS k, source, issue_id, created_at, resolved_at, status_id, story_points,
           estimate_best, estimate_likely, estimate_worst, original_estimate_seconds, time_spent_seconds
    FROM stg_issues
    WHERE issue_counts_at(is_subtask, created_at, as_of)
),
changes AS MATERIALIZED (
    SELECT
        i.k,
        greatest(c.changed_at, i.created_at) AS moved_at,
        c.ord,
        c.from_status_id,
        c.to_status_id,
        c.to_status_name,
        f.category AS from_category,
        f.stage_rank AS from_rank,
        coalesce(f.is_review, false) AS from_review,
        t.category AS to_category,
        t.stage_rank AS to_rank,
        t.stage_rank < f.stage_rank AS backward   -- a backward transition (NULL: a status unknown)
    FROM stg_status_changes AS c
    JOIN issues AS i USING (source, issue_id)
    LEFT JOIN stg_statuses AS f ON f.source = c.source AND f.status_id = c.from_status_id
    LEFT JOIN stg_statuses AS t ON t.source = c.source AND t.status_id = c.to_status_id
),
first_changes AS (
    -- the status the issue was created in: the first change's `from`
    SELECT k, arg_min({'status_id': from_status_id}, ord) AS first_change
    FROM changes
    GROUP BY k
),
status_steps AS (
    -- at each instant with a status change: what the changes up to it add up to. The changelog
    -- order (ord) is by time first, so the changes up to a row are the rows before it, the
    -- last change is the row itself, and the last row of an instant holds all of its changes
    SELECT
        k,
        moved_at,
        count(*) OVER w AS status_changes,
        {'status_id': to_status_id, 'name_then': to_status_name} AS last_change,
        min(moved_at) FILTER (WHERE to_category = 'in_progress') OVER w AS first_in_progress_at,
        max(moved_at) FILTER (WHERE enters_done(from_category, to_category)) OVER w AS last_done_entry_at,
        count(*) FILTER (WHERE backward) OVER w AS backward_transitions,
        count(*) FILTER (WHERE backward AND from_review) OVER w AS qa_bounces,
        count(*) FILTER (WHERE backward AND from_category = 'done') OVER w AS reopens
    FROM changes
    WINDOW w AS (PARTITION BY k ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    QUALIFY lead(moved_at) OVER (PARTITION BY k ORDER BY ord) IS DISTINCT FROM moved_at
),
field_changes AS (
    SELECT i.k, f.field_key, f.changed_at, f.from_number, f.to_number, f.ord,
           greatest(f.changed_at, i.created_at) AS moved_at
    FROM stg_issue_field_changes AS f
    JOIN issues AS i USING (source, issue_id)
),
field_instants AS (
    -- an issue with field changes: its creation and each change's instant
    SELECT k, created_at AS fact_at FROM issues SEMI JOIN field_changes USING (k)
    UNION
    SELECT k, moved_at FROM field_changes
),
field_pairs AS (
    -- in the shape estimates_at reads: the number k stands for the issue (one source)
    SELECT NULL AS source, f.k AS issue_id, f.* EXCLUDE (k), x.fact_at
    FROM field_changes AS f JOIN field_instants AS x USING (k)
),
estimate_steps AS (
    SELECT issue_id AS k, * EXCLUDE (source, issue_id) FROM estimates_at('field_pairs')
),
events AS (
    -- every instant an issue's facts can change at, once, marked where a status or an estimate
    -- step falls
    SELECT k, fact_at, bool_or(status_step) AS status_step, bool_or(estimate_step) AS estimate_step
    FROM (
        SELECT k, created_at AS fact_at, false AS status_step, false AS estimate_step FROM issues
        UNION ALL
        SELECT k, greatest(resolved_at, created_at), false, false FROM issues WHERE resolved_at IS NOT NULL
        UNION ALL
        SELECT k, moved_at, true, false FROM status_steps
        UNION ALL
        SELECT k, fact_at, false, true FROM estimate_steps
    )
    GROUP BY k, fact_at
),
spans AS (
    -- each version: its end (the next event), and the last status and estimate steps up to its
    -- start
    SELECT
        k,
        fact_at,
        lead(fact_at) OVER w AS valid_to,
        max(CASE WHEN status_step THEN fact_at END) OVER w AS status_step_at,
        max(CASE WHEN estimate_step THEN fact_at END) OVER w AS estimate_step_at
    FROM events
    WINDOW w AS (PARTITION BY k ORDER BY fact_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
with_estimates AS (
    SELECT v.k, v.fact_at, v.valid_to, s.* EXCLUDE (k, moved_at),
           x.* EXCLUDE (k, fact_at)
    FROM spans AS v
    LEFT JOIN status_steps AS s
        ON s.k = v.k AND s.moved_at = v.status_step_at
    LEFT JOIN estimate_steps AS x
        ON x.k = v.k AND x.fact_at = v.estimate_step_at
),
state AS (
    -- status in the version: the last change's target, else the status the issue was created
    -- in (the first change's `from`, else its current status)
    SELECT
        v.*,
        i.source,
        i.issue_id,
        i.created_at,
        i.resolved_at,
        replayed_or_current(v.story_points, i.story_points) AS story_points_then,
        replayed_or_current(v.estimate_best, i.estimate_best) AS estimate_best_then,
        replayed_or_current(v.estimate_likely, i.estimate_likely) AS estimate_likely_then,
        replayed_or_current(v.estimate_worst, i.estimate_worst) AS estimate_worst_then,
        replayed_or_current(v.original_estimate, i.original_estimate_seconds) AS original_estimate_then,
        replayed_or_current(v.time_spent, i.time_spent_seconds) AS time_spent_then,
        coalesce(fc.first_change.status_id, i.status_id) AS initial_status_id,
        CASE WHEN v.last_change IS NOT NULL THEN v.last_change.status_id
             ELSE coalesce(fc.first_change.status_id, i.status_id) END AS status_id,
        v.last_change.name_then AS status_name_then
    FROM with_estimates AS v
    JOIN issues AS i USING (k)
    LEFT JOIN first_changes AS fc USING (k)
),
completion AS (
    SELECT
        s.*,
        coalesce(st.name, s.status_name_then, s.status_id) AS status,
        st.category AS status_category,
        CASE WHEN ini.category = 'in_progress' THEN s.created_at ELSE s.first_in_progress_at END AS start_at,
        completion_at(st.category = 'done', coalesce(s.status_changes, 0) > 0, s.last_done_entry_at, s.created_at,
                      s.resolved_at, s.fact_at) AS completed_at
    FROM state AS s
    LEFT JOIN stg_statuses AS st ON st.source = s.source AND st.status_id = s.status_id
    LEFT JOIN stg_statuses AS ini ON ini.source = s.source AND ini.status_id = s.initial_status_id
),
backward_moves AS (
    SELECT k, ord, moved_at AS backward_at, from_rank
    FROM changes
    WHERE backward
),
reach_points AS (
    -- for each rank an issue's backward moves left from, its changes into a status ranked at
    -- least as high (a few ranks per issue: a few rows per change)
    SELECT c.k, b.from_rank, c.ord, c.moved_at
    FROM changes AS c
    JOIN (SELECT DISTINCT k, from_rank FROM backward_moves) AS b
        ON b.k = c.k AND c.to_rank >= b.from_rank
),
backward_reach AS (
    -- each backward transition, and when the issue next reached a status ranked at least as
    -- high as the one it left (the first such change after it: reached once that instant
    -- has come; NULL: never)
    SELECT b.k, b.ord, b.backward_at, p.moved_at AS reach_at
    FROM backward_moves AS b
    ASOF LEFT JOIN reach_points AS p
        ON p.k = b.k AND p.from_rank = b.from_rank AND b.ord < p.ord
),
rework_islands AS (
    -- sorted by start, an interval opens a new island unless an earlier one still runs at its
    -- start (not reached by then, or never)
    SELECT
        k, backward_at, reach_at,
        sum(opens) OVER (PARTITION BY k ORDER BY backward_at, ord ROWS UNBOUNDED PRECEDING) AS island
    FROM (
        SELECT
            *,
            CASE WHEN coalesce(bool_or(reach_at IS NULL) OVER w, false) OR backward_at <= max(reach_at) OVER w
                 THEN 0 ELSE 1 END AS opens
        FROM backward_reach
        WINDOW w AS (PARTITION BY k ORDER BY backward_at, ord
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    )
),
rework_segments AS (
    -- the union of the full intervals [backward move, reach) over the whole history, as
    -- disjoint segments in time order (seg_to NULL: never reached, the last one), each with
    -- the rework of the segments before it in whole microseconds
    SELECT
        k, seg_from, seg_to,
        coalesce(sum(micros_between(seg_from, seg_to)) OVER (
            PARTITION BY k ORDER BY seg_from ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ), 0) AS closed_before_us
    FROM (
        SELECT k, min(backward_at) AS seg_from,
               CASE WHEN bool_or(reach_at IS NULL) THEN NULL ELSE max(reach_at) END AS seg_to
        FROM rework_islands
        GROUP BY k, island
    )
),
rework AS (
    -- the rework of each version after a backward move, up to its cutoff (the instant read, or
    -- the completion): the segments begun by then (the last one's start at most the cutoff);
    -- when the issue is not complete and that segment has not ended, it is still running
    -- since its start. Narrow rows: the ASOF join sorts them.
    SELECT
        k, fact_at,
        closed_before_us + CASE WHEN running THEN 0 ELSE micros_between(seg_from, seg_end) END AS rework_closed_us,
        CASE WHEN running THEN seg_from END AS rework_open_since
    FROM (
        SELECT
            c.k, c.fact_at, r.seg_from, r.closed_before_us,
            -- the segment up to the cutoff; running: not complete, and not ended by the instant
            least(coalesce(r.seg_to, c.cutoff_at), c.cutoff_at) AS seg_end,
            c.completed_at IS NULL AND coalesce(r.seg_to > c.cutoff_at, true) AS running
        FROM (
            SELECT k, fact_at, completed_at, coalesce(completed_at, fact_at) AS cutoff_at
            FROM completion
            WHERE backward_transitions > 0
        ) AS c
        ASOF JOIN rework_segments AS r
            ON r.k = c.k AND c.cutoff_at >= r.seg_from
    )
),
versions AS (
    SELECT
        c.source,
        c.issue_id,
        c.fact_at AS valid_from,
        c.valid_to,
        c.status,
        c.status_id,
        c.status_category,
        c.start_at,
        c.completed_at,
        CASE WHEN c.completed_at IS NOT NULL AND c.start_at IS NOT NULL
             THEN seconds_between(c.start_at, c.completed_at) / 86400.0 END AS cycle_time_days,
        CASE WHEN c.completed_at IS NOT NULL
             THEN seconds_between(c.created_at, c.completed_at) / 86400.0 END AS lead_time_days,
        c.story_points_then AS story_points,
        c.estimate_best_then AS estimate_best,
        c.estimate_likely_then AS estimate_likely,
        c.estimate_worst_then AS estimate_worst,
        c.original_estimate_then AS original_estimate_seconds,
        c.time_spent_then AS time_spent_seconds,
        coalesce(c.backward_transitions, 0) AS backward_transitions,
        coalesce(c.qa_bounces, 0) AS qa_bounces,
        coalesce(c.reopens, 0) AS reopens,
        coalesce(r.rework_closed_us, 0) AS rework_closed_us,
        r.rework_open_since,
        local_ts(c.start_at)::DATE AS start_on,
        local_ts(c.completed_at)::DATE AS completed_on,
        date_trunc('week', local_ts(c.completed_at))::DATE AS completed_week
    FROM completion AS c
    LEFT JOIN rework AS r USING (k, fact_at)
)
SELECT * FROM issue_versions_at('versions', as_of)
