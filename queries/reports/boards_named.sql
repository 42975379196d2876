-- The boards named $team (the team-name rule, team_key): what `export tech-health --team NAME`
-- reads its figures from.
SELECT board_id, name
FROM raw_boards
WHERE team_key(name) = team_key($team)
ORDER BY board_id
