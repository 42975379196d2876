-- scalar: team_name, kind, board
-- Whether a retro is one the delivery views read for board `board` (NULL: every team): a
-- delivery retro (scrum or PM/engineering; product retros belong to Product outcomes) of a
-- delivery team (its name matches a board: fct_retro_team_boards) in scope for that board
-- (retro_team_in_scope). The Sprint retro page's last retro and the tech-health slide's
-- retros are chosen by it, so they name the same retro. Pass the team as a qualified column.
kind <> 'product'
AND retro_team_in_scope(team_name, board, NULL)
AND EXISTS (SELECT 1 FROM fct_retro_team_boards AS b WHERE b.team = team_name AND b.team_matched)
