-- scalar: team_name
-- The key two team names are compared by: case-insensitive, surrounding spaces ignored ("Atlas",
-- " atlas " are one team). How a retro team finds its board (fct_retro_team_boards), how a
-- team's retros are told apart from another's (fct_retro_actions, the slide's latest retros),
-- how `--team NAME` finds its board (reports/boards_named.sql) and which open actions a new
-- retro carries in (connectors.userdata.start_retro, on the user-data store).
lower(trim(team_name))
