-- Which boards a retro team's figures come from: the boards whose name equals the team's
-- name (team_key: case-insensitive, trimmed); a team that matches no board is measured over all
-- boards (team_matched = false). One row per team x board.
WITH teams AS (
    SELECT DISTINCT team FROM retros
),
boards AS (
    SELECT source, board_id, name, project_key FROM raw_boards
),
matched AS (
    SELECT t.team, b.source, b.board_id, b.project_key, true AS team_matched
    FROM teams AS t
    JOIN boards AS b ON team_key(b.name) = team_key(t.team)
),
unmatched AS (
    SELECT t.team, b.source, b.board_id, b.project_key, false AS team_matched
    FROM teams AS t
    CROSS JOIN boards AS b
    WHERE t.team NOT IN (SELECT team FROM matched)
),
final AS (
    SELECT * FROM matched
    UNION ALL
    SELECT * FROM unmatched
)
SELECT * FROM final
