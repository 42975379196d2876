-- Action items still open at $as_of from the team's retros, oldest first, for the next
-- retro to start with: overdue (past its due date, or past the next retro when it has
-- none) and older than one retro cycle (from a retro before the team's latest one).
-- Filters: $board_id / $project = the retro team's board (as retro_follow_through);
-- the date range is ignored: an open action stays on the list until it is closed.
WITH actions AS (
    SELECT a.*
    FROM fct_retro_actions($as_of) AS a
    WHERE a.is_open
      AND retro_team_in_scope(a.team, $board_id, $project)
),
final AS (
    SELECT
        held_on,
        team,
        text,
        owner,
        due_on,
        effective_due_on,
        due_from,
        is_overdue,
        days_overdue,
        older_than_one_cycle,
        retros_since,
        age_days,
        retro_title,
        jira_key,
        times_carried,
        action_id,
        retro_id
    FROM actions
)
SELECT * FROM final
ORDER BY held_on, effective_due_on NULLS LAST, action_id
