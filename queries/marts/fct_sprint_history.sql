-- args: in_board
-- What the sprint replay (fct_sprint_board_members) reads of each issue's history, in one
-- relation: its status segments (kind 'status': status_id held over [valid_from, valid_to)),
-- its estimate segments (kind 'estimate': points) and its stays in each sprint (kind
-- 'sprint': sprint_id and stay_no, joined at valid_from, left at valid_to), exactly as
-- fct_sprint_status_segments, fct_sprint_estimate_segments and
-- fct_sprint_membership_intervals give them (NULL valid_from = since forever, NULL valid_to =
-- still). None of it depends on as_of: a load stores it for every issue the replay can read
-- (facts.sprint_history, docs/facts.md "Sprint members at another instant"), and a question
-- about another instant replays the sprints from those rows instead of the changelogs.
-- in_board: only the issues fct_sprint_scope(in_board) names (NULL = every issue).
SELECT source, issue_id, 'status' AS kind, NULL::VARCHAR AS sprint_id, NULL::INTEGER AS stay_no, valid_from,
       valid_to, status_id, NULL::DOUBLE AS points
FROM fct_sprint_status_segments(in_board)
UNION ALL
SELECT source, issue_id, 'estimate', NULL, NULL, valid_from, valid_to, NULL, points
FROM fct_sprint_estimate_segments(in_board)
UNION ALL
SELECT source, issue_id, 'sprint', sprint_id, stay_no, joined_at, left_at, NULL, NULL
FROM fct_sprint_membership_intervals(in_board)
