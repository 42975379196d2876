-- The demo at scale (connectors/demo.py, `retroscope demo --scale N`): the story teams and a
-- pool of generic teams are generated row by row; every further generic team is a copy of
-- one pool team with its own ids. The caller registers `_demo_replicas`, one row per copy:
-- team (its index), pool_project / pool_board (the pool team copied), project / board_id
-- (the copy's), d_id / d_hid / d_sprint (added to issue ids, history ids, sprint ids, which
-- keeps every id unique and the sprint ids in the 1000 * (team + 1) + sprint scheme).
-- Runs inside the demo's staged load, after the pool's rows were written.
CREATE OR REPLACE TEMP TABLE _demo_pool_issues AS
SELECT i.issue_id, i.project_key
FROM raw_issues AS i
WHERE i.source = 'demo' AND i.project_key IN (SELECT pool_project FROM _demo_replicas);

INSERT INTO raw_sprints BY NAME
SELECT s.* REPLACE (
    (s.sprint_id::BIGINT + r.d_sprint)::VARCHAR AS sprint_id,
    r.board_id AS board_id,
    r.project || substr(s.name, length(r.pool_project) + 1) AS name)
FROM raw_sprints AS s
JOIN _demo_replicas AS r ON s.source = 'demo' AND s.board_id = r.pool_board
ORDER BY r.team, s.sprint_id::BIGINT;

INSERT INTO raw_issues BY NAME
SELECT i.* REPLACE (
    (i.issue_id::BIGINT + r.d_id)::VARCHAR AS issue_id,
    r.project || substr(i.issue_key, length(r.pool_project) + 1) AS issue_key,
    r.project AS project_key,
    (i.parent_id::BIGINT + r.d_id)::VARCHAR AS parent_id,
    (i.epic_id::BIGINT + r.d_id)::VARCHAR AS epic_id,
    list_transform(i.sprint_ids, lambda x: (x::BIGINT + r.d_sprint)::VARCHAR) AS sprint_ids)
FROM raw_issues AS i
JOIN _demo_replicas AS r ON i.source = 'demo' AND i.project_key = r.pool_project
ORDER BY r.team, i.issue_id::BIGINT;

INSERT INTO raw_status_changes BY NAME
SELECT c.* REPLACE (
    (c.issue_id::BIGINT + r.d_id)::VARCHAR AS issue_id,
    (c.history_id::BIGINT + r.d_hid)::VARCHAR AS history_id)
FROM raw_status_changes AS c
JOIN _demo_pool_issues AS p ON c.source = 'demo' AND c.issue_id = p.issue_id
JOIN _demo_replicas AS r ON r.pool_project = p.project_key
ORDER BY r.team, c.history_id::BIGINT, c.item_seq;

INSERT INTO raw_field_changes BY NAME
SELECT c.* REPLACE (
    (c.issue_id::BIGINT + r.d_id)::VARCHAR AS issue_id,
    (c.history_id::BIGINT + r.d_hid)::VARCHAR AS history_id,
    CASE WHEN c.field_key = 'sprint' AND c.from_value <> ''
         THEN array_to_string(list_transform(string_split(c.from_value, ', '),
                                             lambda x: (x::BIGINT + r.d_sprint)::VARCHAR), ', ')
         ELSE c.from_value END AS from_value,
    CASE WHEN c.field_key = 'sprint' AND c.to_value <> ''
         THEN array_to_string(list_transform(string_split(c.to_value, ', '),
                                             lambda x: (x::BIGINT + r.d_sprint)::VARCHAR), ', ')
         ELSE c.to_value END AS to_value,
    CASE WHEN c.field_key = 'sprint'
         THEN replace(c.from_string, r.pool_project || ' Sprint', r.project || ' Sprint')
         ELSE c.from_string END AS from_string,
    CASE WHEN c.field_key = 'sprint'
         THEN replace(c.to_string, r.pool_project || ' Sprint', r.project || ' Sprint')
         ELSE c.to_string END AS to_string)
FROM raw_field_changes AS c
JOIN _demo_pool_issues AS p ON c.source = 'demo' AND c.issue_id = p.issue_id
JOIN _demo_replicas AS r ON r.pool_project = p.project_key
ORDER BY r.team, c.history_id::BIGINT, c.item_seq;

DROP TABLE _demo_pool_issues;
