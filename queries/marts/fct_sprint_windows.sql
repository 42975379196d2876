-- args: as_of
-- Sprints as they stood at as_of, with the window the sprint facts are measured over
-- (docs/metrics.md §4): t_start = activation (else planned start); t_end = completion for a
-- sprint closed by as_of, else as_of (active). Sprints not started by as_of (future,
-- no start date, or a start after as_of) are left out. A sprint Jira calls closed but
-- that has no completion date ends at its planned end (or as_of, if that is earlier).
WITH sprints AS (
    SELECT * FROM stg_sprint_sprints
    WHERE raw_state <> 'future' AND started_at IS NOT NULL AND started_at <= as_of
),
ends AS (
    SELECT
        *,
        CASE WHEN complete_at IS NOT NULL THEN complete_at
             WHEN raw_state = 'closed' THEN planned_end_at END AS closed_at
    FROM sprints
),
final AS (
    SELECT
        source,
        sprint_id,
        board_id,
        sprint_name,
        goal,
        planned_start_at,
        planned_end_at,
        complete_at,
        activated_at,
        CASE WHEN closed_at <= as_of THEN 'closed' ELSE 'active' END AS state,
        started_at AS t_start,
        CASE WHEN closed_at <= as_of THEN greatest(closed_at, started_at) ELSE as_of END AS t_end
    FROM ends
)
SELECT * FROM final
