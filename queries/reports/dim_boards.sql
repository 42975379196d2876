-- Team boards for the sidebar, by name.
SELECT board_id, name, project_key, source
FROM raw_boards
ORDER BY name, board_id
