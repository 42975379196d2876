-- args: as_of, in_board, in_project
-- When each issue was complete, as known at as_of (docs/metrics.md §1 "Completion"; scope
-- as fct_issue_scoped: epics and sub-tasks left out, board / project NULL = all): one row
-- per span [valid_from, valid_to) (valid_to NULL = still at as_of) over which the issue's
-- completion instant is `completed_at`; outside every span it is not complete. For any
-- instant T <= as_of, the issues complete at T and their completion are the spans holding T
-- (valid_from <= T < valid_to), exactly fct_issue_facts(T).completed_at: so the forecast's
-- and the backtest's completions at many past instants are one range predicate over the
-- status stays as of one instant (the stored one), never a replay per instant.
-- Why it is exact: an issue complete at T sits in a done-category stay holding T (its status
-- at T), and no change falls inside a stay, so the changes visible at T are those up to the
-- stay's entry. Its completion is then completion_at (the rule fct_issue_facts uses) over
-- those changes: the last entry into done (enters_done) up to that entry, or its creation
-- when there is none; in the stay it was created in (no change visible), its resolution once
-- resolved (not before creation), or its creation when it has no resolution date. The stay an issue
-- is still in at as_of needs no join: its completion is the one fct_issue_facts has at as_of
-- (stored), so only the done stays left before as_of (reopened, or moved on to another done
-- status) look their entry up.
WITH scoped AS (
    SELECT source, issue_id, created_at, resolved_at, completed_at, completed_on
    FROM fct_issue_scoped(as_of, in_board, in_project)
),
stays AS (
    SELECT s.source, s.issue_id, s.seq, s.entered_at, s.left_at
    FROM fct_status_intervals(as_of) AS s
    WHERE s.category = 'done' AND (s.left_at IS NULL OR s.left_at > s.entered_at)
),
entries AS (
    -- entries into done (enters_done, the rule fct_issue_facts counts them by)
    SELECT c.source, c.issue_id, c.changed_at
    FROM stg_status_changes AS c
    JOIN stg_statuses AS t ON t.source = c.source AND t.status_id = c.to_status_id AND t.category = 'done'
    LEFT JOIN stg_statuses AS f ON f.source = c.source AND f.status_id = c.from_status_id
    WHERE enters_done(f.category, t.category) AND c.changed_at <= as_of
),
left_stays AS (
    -- done stays left by as_of, after a change: the last entry into done up to the stay's
    -- entry (a change dated before creation counts at creation; a stay never starts before it)
    -- (few: a plain join, cheaper than an ASOF join, which sorts every entry)
    SELECT s.source, s.issue_id, s.entered_at, s.left_at, max(e.changed_at) AS entry_at
    FROM (SELECT * FROM stays WHERE left_at IS NOT NULL AND seq > 0) AS s
    LEFT JOIN entries AS e
        ON e.source = s.source AND e.issue_id = s.issue_id AND e.changed_at <= s.entered_at
    GROUP BY s.source, s.issue_id, s.entered_at, s.left_at
),
final AS (
    -- the done stay an issue is in at as_of: its completion is the one at as_of (the stay it
    -- was created in: from its resolution, if any, which is its completion)
    SELECT s.source, s.issue_id, CASE WHEN s.seq = 0 THEN i.completed_at ELSE s.entered_at END AS valid_from,
           NULL::TIMESTAMPTZ AS valid_to, i.completed_at, i.completed_on
    FROM stays AS s
    JOIN scoped AS i USING (source, issue_id)
    WHERE s.left_at IS NULL AND i.completed_at IS NOT NULL
    UNION ALL
    -- the done stay it was created in, left by as_of: no change is seen in it, so it is
    -- complete (completion_at, as seen up to the stay's end) from that completion, its
    -- resolution or its creation, until it left (none when resolved only after it left)
    SELECT source, issue_id, completed_at, left_at, completed_at, NULL
    FROM (
        SELECT s.source, s.issue_id, s.left_at,
               completion_at(true, false, NULL, i.created_at, i.resolved_at, s.left_at) AS completed_at
        FROM stays AS s
        JOIN scoped AS i USING (source, issue_id)
        WHERE s.left_at IS NOT NULL AND s.seq = 0
    )
    UNION ALL
    -- a later done stay left by as_of: the completion seen in it (completion_at), from its entry
    SELECT s.source, s.issue_id, s.entered_at, s.left_at,
           completion_at(true, true, greatest(s.entry_at, i.created_at), i.created_at, i.resolved_at, s.entered_at),
           NULL
    FROM left_stays AS s
    JOIN scoped AS i USING (source, issue_id)
)
SELECT source, issue_id, valid_from, valid_to, completed_at,
       coalesce(completed_on, local_ts(completed_at)::DATE) AS completed_on
FROM final
-- a span, not empty; a stay it was created in and left before its resolution holds none
-- (completion_at is NULL there)
WHERE valid_from IS NOT NULL AND (valid_to IS NULL OR valid_to > valid_from)
