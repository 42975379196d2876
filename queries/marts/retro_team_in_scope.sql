-- scalar: team_name, board, project
-- Whether a retro team's items (retros, actions, agreements) belong to the board / project
-- a page or query is narrowed to: the team's name is that board's name (case-insensitive,
-- trimmed; fct_retro_team_boards) and, when a project is asked for, the board is that
-- project's. With neither asked for, every team counts, including teams matching no board.
-- Pass the team as a qualified column (r.team): a bare `team` would name fct_retro_team_boards's.
(board IS NULL AND project IS NULL) OR EXISTS (
    SELECT 1 FROM fct_retro_team_boards AS t
    WHERE t.team = team_name AND t.team_matched
      AND (board IS NULL OR t.board_id = board)
      AND (project IS NULL OR t.project_key = project))
