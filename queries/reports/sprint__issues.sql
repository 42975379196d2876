-- The chosen sprint's issues as its report lists them: every committed or added issue with
-- its outcome at the window's end (completed, not completed = carried over or still open in
-- a running sprint, removed), whether it was added after the start, when it joined, left or
-- was (finally) done, and its points (at the end; when it left, for a removed issue).
-- Issues done before the sprint started are in no list. $board_id is the sprint's board.
SELECT
    m.issue_key,
    CASE WHEN m.completed THEN 'completed'
         WHEN m.removed THEN 'removed'
         ELSE 'not completed' END AS outcome,
    m.added,
    CASE WHEN m.added THEN m.first_joined_at END AS added_at,
    CASE WHEN m.removed THEN m.last_left_at END AS removed_at,
    CASE WHEN m.completed THEN m.done_since_at END AS completed_at,
    m.entry_points,
    m.exit_points AS points,
    st.name AS status,
    m.work_type,
    m.summary,
    m.issue_id,
    m.sprint_id,
    m.board_id,
    m.source
FROM fct_sprint_board_members($as_of, $board_id) AS m
LEFT JOIN stg_statuses AS st ON st.source = m.source AND st.status_id = m.status_at_end
WHERE m.sprint_id = $sprint_id AND (m.committed OR m.added)
ORDER BY CASE WHEN m.completed THEN 1 WHEN m.removed THEN 3 ELSE 2 END,
         coalesce(m.done_since_at, m.last_left_at, m.first_joined_at), m.issue_key
