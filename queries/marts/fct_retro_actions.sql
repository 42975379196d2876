-- args: as_of
-- Action items of retros held on or before as_of's day (reporting timezone), as they stood
-- then (docs/metrics.md §8). Choices where the spec is silent (docs/retro-outcomes.md):
--   effective_due_on  the due date; without one, the team's next retro (an action is
--                     reviewed at the next retro); neither yet -> not due.
--   is_due            effective_due_on <= as_of's day, and not dropped. Dropped items are a
--                     team decision, not a failure: out of the denominator, counted apart.
--   is_done           status done with done_on <= as_of's day (no done_on: done).
--   done_on_time      due, done, and done_on <= effective_due_on (no done_on: on time).
--   is_open           not dropped and not done as of as_of (done after as_of = still open).
--   is_overdue        open and effective_due_on < as_of's day.
--   older_than_one_cycle  from a retro held before the team's latest retro as of as_of.
--   times_carried     how many later retros (held by as_of) it was carried into
--                     (action_reviews). A carried action is still ONE row here, counted
--                     at the retro that agreed it: follow-through never counts it twice.
WITH cfg AS (
    SELECT local_ts(as_of)::DATE AS as_of_on
),
team_retros AS (
    SELECT
        r.*,
        team_key(r.team) AS team_key,
        lead(r.held_on) OVER (PARTITION BY team_key(r.team) ORDER BY r.held_on, r.created_at NULLS LAST, r.retro_id)
            AS next_retro_on
    FROM retros AS r
    WHERE r.held_on <= (SELECT as_of_on FROM cfg)
),
latest AS (
    SELECT team_key, max(held_on) AS latest_held_on FROM team_retros GROUP BY team_key
),
carried AS (
    SELECT v.action_id, count(*)::INTEGER AS times_carried
    FROM action_reviews AS v
    JOIN team_retros AS r USING (retro_id)
    GROUP BY v.action_id
),
items AS (
    SELECT
        a.action_id,
        a.retro_id,
        r.team,
        r.kind AS retro_kind,
        r.title AS retro_title,
        r.held_on,
        a.text,
        a.owner,
        a.due_on,
        a.status AS recorded_status,
        a.done_on,
        a.jira_key,
        coalesce(c.times_carried, 0) AS times_carried,
        coalesce(a.due_on, r.next_retro_on) AS effective_due_on,
        CASE WHEN a.due_on IS NOT NULL THEN 'due date'
             WHEN r.next_retro_on IS NOT NULL THEN 'next retro' END AS due_from,
        (SELECT as_of_on FROM cfg) AS as_of_on,
        r.held_on < l.latest_held_on AS older_than_one_cycle,
        (SELECT count(*) FROM team_retros AS r2 WHERE r2.team_key = r.team_key AND r2.held_on > r.held_on)::INTEGER
            AS retros_since
    FROM action_items AS a
    JOIN team_retros AS r USING (retro_id)
    JOIN latest AS l USING (team_key)
    LEFT JOIN carried AS c USING (action_id)
),
flags AS (
    SELECT
        *,
        action_status_on(recorded_status, done_on, as_of_on) = 'dropped' AS is_dropped,
        action_status_on(recorded_status, done_on, as_of_on) = 'done' AS is_done,
        recorded_status <> 'dropped' AND coalesce(effective_due_on <= as_of_on, false) AS is_due,
        action_status_on(recorded_status, done_on, as_of_on) AS status
    FROM items
),
final AS (
    SELECT
        *,
        is_due AND is_done AND (done_on IS NULL OR done_on <= effective_due_on) AS done_on_time,
        coalesce(is_done AND done_on > effective_due_on, false) AS done_late,
        NOT is_dropped AND NOT is_done AS is_open,
        NOT is_dropped AND NOT is_done AND coalesce(effective_due_on < as_of_on, false) AS is_overdue,
        CASE WHEN NOT is_dropped AND NOT is_done AND effective_due_on < as_of_on
             THEN date_diff('day', effective_due_on, as_of_on) END AS days_overdue,
        date_diff('day', held_on, as_of_on) AS age_days
    FROM flags
)
SELECT * FROM final
