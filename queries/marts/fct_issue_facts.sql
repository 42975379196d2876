-- args: as_of
-- One row per issue as of `as_of` (METRICS.md §1–3, §6): the contract the other marts,
-- reports and pages build on. Sub-tasks are excluded (their parents count); issues created
-- after as_of are absent; history after as_of is ignored. Estimates are replayed from the
-- field history to their value at as_of (no history: the current value).
--   start_at      first entry into an in_progress-category status (created straight into
--                 one: created_at); NULL if never started.
--   completed_at  start of the final uninterrupted stay in done-category statuses, when
--                 the issue is in one at as_of; no visible status history: resolved_at
--                 (if <= as_of; NULL resolution: created_at).
--   rework_days   union of the intervals from each backward transition until the issue
--                 next reaches that transition's source rank, or completion, or as_of
--                 (a day inside two nested rework intervals counts once).
-- *_on / completed_week are dates in the configured reporting timezone (ISO week Monday).
WITH params AS (
    SELECT (SELECT value FROM cfg_param WHERE key = 'timezone') AS tz
),
issues AS (
    SELECT * FROM stg_issues WHERE NOT is_subtask AND created_at <= as_of
),
stays AS MATERIALIZED (
    SELECT * FROM fct_status_intervals(as_of)
),
per_issue AS (
    SELECT
        source,
        issue_id,
        arg_max({'status_id': status_id, 'status': status, 'category': category}, seq) AS last_stay,
        count(*) - 1 AS visible_changes,
        min(entered_at) FILTER (WHERE category = 'in_progress') AS start_at,
        max(entered_at) FILTER (WHERE category = 'done' AND prev_category IS DISTINCT FROM 'done') AS last_done_entry_at,
        count(*) FILTER (WHERE stage_rank < prev_stage_rank) AS backward_transitions,
        count(*) FILTER (WHERE stage_rank < prev_stage_rank AND prev_is_review) AS qa_bounces,
        count(*) FILTER (WHERE stage_rank < prev_stage_rank AND prev_category = 'done') AS reopens
    FROM stays
    GROUP BY ALL
),
completion AS (
    SELECT
        p.*,
        i.created_at,
        CASE
            WHEN p.last_stay.category IS DISTINCT FROM 'done' THEN NULL
            WHEN p.visible_changes > 0 THEN p.last_done_entry_at
            WHEN i.resolved_at IS NULL THEN i.created_at
            WHEN i.resolved_at <= as_of THEN greatest(i.resolved_at, i.created_at)
            ELSE NULL
        END AS completed_at
    FROM per_issue AS p
    JOIN issues AS i USING (source, issue_id)
),
backward AS (
    SELECT source, issue_id, seq, entered_at AS backward_at, prev_stage_rank AS from_rank
    FROM stays
    WHERE stage_rank < prev_stage_rank
),
backward_reach AS (
    SELECT b.source, b.issue_id, b.seq, b.backward_at, min(s.entered_at) AS reach_at
    FROM backward AS b
    LEFT JOIN stays AS s
        ON s.source = b.source AND s.issue_id = b.issue_id AND s.seq > b.seq AND s.stage_rank >= b.from_rank
    GROUP BY ALL
),
rework_intervals AS (
    SELECT
        r.source, r.issue_id, r.seq, r.backward_at,
        greatest(least(coalesce(r.reach_at, as_of), coalesce(c.completed_at, as_of)), r.backward_at) AS end_at
    FROM backward_reach AS r
    JOIN completion AS c USING (source, issue_id)
),
rework_union AS (
    -- sorted by start, each interval adds the part beyond every earlier interval's end
    SELECT
        source, issue_id, backward_at, end_at,
        max(end_at) OVER (PARTITION BY source, issue_id ORDER BY backward_at, seq
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_until
    FROM rework_intervals
),
rework AS (
    SELECT
        source, issue_id,
        sum(greatest(epoch(end_at - greatest(backward_at, coalesce(covered_until, backward_at))), 0)) / 86400.0
            AS rework_days
    FROM rework_union
    GROUP BY ALL
),
estimates AS (
    SELECT
        f.source, f.issue_id,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'story_points' AND changed_at <= as_of) AS sp_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'story_points') AS sp_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_best' AND changed_at <= as_of) AS eb_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_best') AS eb_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_likely' AND changed_at <= as_of) AS el_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_likely') AS el_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_worst' AND changed_at <= as_of) AS ew_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_worst') AS ew_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'original_estimate' AND changed_at <= as_of) AS oe_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'original_estimate') AS oe_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'time_spent' AND changed_at <= as_of) AS ts_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'time_spent') AS ts_first
    FROM stg_issue_field_changes AS f
    SEMI JOIN issues AS i ON i.source = f.source AND i.issue_id = f.issue_id
    GROUP BY ALL
),
final AS (
    SELECT
        i.source,
        i.issue_id,
        i.issue_key,
        i.project_key,
        i.issue_type,
        i.work_type,
        c.last_stay.status AS status,
        c.last_stay.status_id AS status_id,
        c.last_stay.category AS status_category,
        i.summary,
        i.created_at,
        c.start_at,
        c.completed_at,
        i.resolved_at,
        CASE WHEN c.completed_at IS NOT NULL AND c.start_at IS NOT NULL
             THEN epoch(c.completed_at - c.start_at) / 86400.0 END AS cycle_time_days,
        CASE WHEN c.completed_at IS NOT NULL
             THEN epoch(c.completed_at - i.created_at) / 86400.0 END AS lead_time_days,
        CASE WHEN e.sp_last IS NOT NULL THEN e.sp_last.v WHEN e.sp_first IS NOT NULL THEN e.sp_first.v
             ELSE i.story_points END AS story_points,
        CASE WHEN e.eb_last IS NOT NULL THEN e.eb_last.v WHEN e.eb_first IS NOT NULL THEN e.eb_first.v
             ELSE i.estimate_best END AS estimate_best,
        CASE WHEN e.el_last IS NOT NULL THEN e.el_last.v WHEN e.el_first IS NOT NULL THEN e.el_first.v
             ELSE i.estimate_likely END AS estimate_likely,
        CASE WHEN e.ew_last IS NOT NULL THEN e.ew_last.v WHEN e.ew_first IS NOT NULL THEN e.ew_first.v
             ELSE i.estimate_worst END AS estimate_worst,
        CASE WHEN e.oe_last IS NOT NULL THEN e.oe_last.v WHEN e.oe_first IS NOT NULL THEN e.oe_first.v
             ELSE i.original_estimate_seconds END AS original_estimate_seconds,
        CASE WHEN e.ts_last IS NOT NULL THEN e.ts_last.v WHEN e.ts_first IS NOT NULL THEN e.ts_first.v
             ELSE i.time_spent_seconds END AS time_spent_seconds,
        c.backward_transitions,
        c.qa_bounces,
        c.reopens,
        coalesce(r.rework_days, 0.0) AS rework_days,
        i.labels,
        i.components,
        i.is_escaped_bug,
        regexp_matches(i.issue_type, '^epic$', 'i') AS is_epic,
        i.epic_id,
        i.parent_id,
        i.sprint_ids,
        -- local wall time: a cheap epoch shift for UTC, ICU only for other zones
        (CASE WHEN p.tz = 'UTC' THEN make_timestamp(epoch_us(i.created_at)) ELSE timezone(p.tz, i.created_at) END)::DATE
            AS created_on,
        (CASE WHEN p.tz = 'UTC' THEN make_timestamp(epoch_us(c.start_at)) ELSE timezone(p.tz, c.start_at) END)::DATE
            AS start_on,
        (CASE WHEN p.tz = 'UTC' THEN make_timestamp(epoch_us(c.completed_at)) ELSE timezone(p.tz, c.completed_at) END)::DATE
            AS completed_on,
        date_trunc('week', (CASE WHEN p.tz = 'UTC' THEN make_timestamp(epoch_us(c.completed_at))
                                 ELSE timezone(p.tz, c.completed_at) END))::DATE AS completed_week
    FROM issues AS i
    JOIN completion AS c USING (source, issue_id)
    LEFT JOIN rework AS r USING (source, issue_id)
    LEFT JOIN estimates AS e USING (source, issue_id)
    CROSS JOIN params AS p
)
SELECT * FROM final
