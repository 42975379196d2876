-- Sprints as loaded, with the instant each one really started (docs/metrics.md §4):
-- started_at = DC activatedDate when present, else startDate (the planned start can be
-- edited after the fact; activation is when the sprint was actually started).
-- State and end instant depend on as_of and are worked out in the sprint-window mart.
WITH sprints AS (
    SELECT * FROM raw_sprints
),
final AS (
    SELECT
        source,
        sprint_id,
        board_id,
        name AS sprint_name,
        lower(state) AS raw_state,
        goal,
        start_at AS planned_start_at,
        end_at AS planned_end_at,
        complete_at,
        activated_at,
        coalesce(activated_at, start_at) AS started_at
    FROM sprints
)
SELECT * FROM final
