-- One row per sprint started by $as_of, rebuilt from history (docs/metrics.md §4): committed,
-- added, removed, completed and carried-over issues and points; say/do ratio and scope
-- change; estimate_change_points closes the identity
--   committed + added + estimate changes = completed + carry-over + removed (points)
--   committed + added = completed + carry-over + removed (issues).
-- start_at = T_start (activation, else planned start); end_at = T_end (completion, or
-- $as_of while active). Filters: $board_id = the sprint's board; $project = the issues'
-- project (a sprint with no issue of that project is left out); $date_from/$date_to on
-- the sprint's start day in the reporting timezone.
-- is_running: the sprint has started and not closed by $as_of (state 'active'). Its figures
-- are "so far" (completed so far; carry-over = still open so far): pages label it running,
-- show no say/do or carry-over for it and leave it out of closed-sprint averages.
-- A sprint whose stored row holds at $as_of (its window the stored one: sprint_facts_kept,
-- docs/facts.md "Sprints whose window did not move") is that row, read rather than added up
-- again; on a connection computing live there is none. Stored rows count every member, so
-- every filter that narrows a sprint's members ($project) must leave `kept` empty; filters
-- on the sprint itself ($board_id, the dates) narrow it through `windows`.
WITH windows AS (
    SELECT w.*
    FROM fct_sprint_windows($as_of) AS w
    WHERE ($board_id IS NULL OR w.board_id = $board_id)
      AND in_period(local_ts(w.t_start)::DATE, $date_from, $date_to)
),
kept AS MATERIALIZED (
    SELECT k.*
    FROM sprint_facts_kept($as_of) AS k
    SEMI JOIN windows USING (source, sprint_id)
    WHERE $project IS NULL
),
members AS (
    SELECT *
    FROM fct_sprint_board_members($as_of, $board_id)
    WHERE ($project IS NULL OR project_key = $project) AND (committed OR added)
),
per_sprint AS (
    SELECT
        w.source,
        w.sprint_id,
        any_value(w.sprint_name) AS sprint_name,
        any_value(w.board_id) AS board_id,
        any_value(w.state) AS state,
        any_value(w.t_start) AS start_at,
        any_value(w.t_end) AS end_at,
        any_value(w.planned_start_at) AS planned_start_at,
        any_value(w.planned_end_at) AS planned_end_at,
        any_value(w.goal) AS goal,
        count(m.issue_id) FILTER (WHERE m.committed) AS committed_issues,
        coalesce(sum_sorted(list(m.entry_points) FILTER (WHERE m.committed)), 0) AS committed_points,
        count(m.issue_id) FILTER (WHERE m.added) AS added_issues,
        coalesce(sum_sorted(list(m.entry_points) FILTER (WHERE m.added)), 0) AS added_points,
        count(m.issue_id) FILTER (WHERE m.removed) AS removed_issues,
        coalesce(sum_sorted(list(m.exit_points) FILTER (WHERE m.removed)), 0) AS removed_points,
        count(m.issue_id) FILTER (WHERE m.completed) AS completed_issues,
        coalesce(sum_sorted(list(m.exit_points) FILTER (WHERE m.completed)), 0) AS completed_points,
        count(m.issue_id) FILTER (WHERE m.carryover) AS carryover_issues,
        coalesce(sum_sorted(list(m.exit_points) FILTER (WHERE m.carryover)), 0) AS carryover_points,
        coalesce(sum_sorted(list(m.estimate_change_points)), 0) AS estimate_change_points,
        count(m.issue_id) AS member_issues
    FROM (SELECT * FROM windows ANTI JOIN kept USING (source, sprint_id)) AS w
    LEFT JOIN members AS m USING (source, sprint_id)
    GROUP BY w.source, w.sprint_id
),
final AS (
    SELECT
        sprint_id,
        sprint_name,
        board_id,
        state,
        start_at,
        end_at,
        state <> 'closed' AS is_running,
        committed_issues,
        committed_points,
        added_issues,
        added_points,
        removed_issues,
        removed_points,
        completed_issues,
        completed_points,
        carryover_issues,
        carryover_points,
        completed_points / nullif(committed_points, 0) AS say_do_ratio,
        (added_points + removed_points) / nullif(committed_points, 0) AS scope_change,
        estimate_change_points,
        completed_issues / nullif(committed_issues, 0) AS say_do_ratio_issues,
        planned_start_at,
        planned_end_at,
        goal,
        source
    FROM per_sprint
    WHERE $project IS NULL OR member_issues > 0
)
SELECT * FROM final
UNION ALL BY NAME
SELECT * FROM kept
ORDER BY board_id, start_at, sprint_id, source
