-- scalar: team_name
-- The key two team names are compared by: case-insensitive, surrounding spaces ignored ("Atlas",
-- " atlas " are one team). How a retro team finds its board (fct_retro_team_boards), how a
-- team's retros are told apart from another's (fct_retro_actions, the slide's latest retros)
-- and how `--team NAME` finds its board (reports/boards_named.sql).
lower(trim(team_name))
