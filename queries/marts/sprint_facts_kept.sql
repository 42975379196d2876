-- args: as_of
-- The sprints whose row of the sprint_facts report stored by the last load holds at as_of,
-- with that row, so the report reads them instead of adding up their members again. Here:
-- none (a connection computing live, a loader, a plain DuckDB client), as a relation of the
-- report's key alone. A connection reading stored facts replaces it with the stored rows
-- that hold (stored_sprint_rows_at over facts.sprint_facts; queries/facts.py keep_stored_sprint_rows).
SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS sprint_id
WHERE false
