-- The warehouse: raw tables that connectors write to (the connector contract).
-- Every row is keyed by source + the source's stable id (Jira ids, never keys:
-- keys change when issues move). Timestamps are UTC TIMESTAMPTZ. Nothing here is
-- derived; staging views and marts are rebuilt from these tables on every connect.
-- `source` names where the row came from: 'demo', or 'jira:<site url>', or 'file:<name>'.

CREATE TABLE IF NOT EXISTS raw_projects (
    source       VARCHAR NOT NULL,
    project_id   VARCHAR NOT NULL,
    project_key  VARCHAR NOT NULL,
    name         VARCHAR,
    PRIMARY KEY (source, project_id)
);

CREATE TABLE IF NOT EXISTS raw_boards (
    source               VARCHAR NOT NULL,
    board_id             VARCHAR NOT NULL,
    name                 VARCHAR NOT NULL,
    board_type           VARCHAR,            -- scrum | kanban
    project_key          VARCHAR,            -- the board's location project, when known
    estimation_field_id  VARCHAR,            -- e.g. customfield_10016; NULL = issue count
    PRIMARY KEY (source, board_id)
);

-- Board columns in left-to-right order with the status ids mapped to them.
-- The last column that has statuses is the board's "done" column.
CREATE TABLE IF NOT EXISTS raw_board_columns (
    source       VARCHAR NOT NULL,
    board_id     VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    column_name  VARCHAR NOT NULL,
    status_id    VARCHAR NOT NULL,
    PRIMARY KEY (source, board_id, status_id)
);

CREATE TABLE IF NOT EXISTS raw_statuses (
    source        VARCHAR NOT NULL,
    status_id     VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    category_key  VARCHAR NOT NULL,          -- Jira statusCategory.key: new | indeterminate | done
    PRIMARY KEY (source, status_id)
);

CREATE TABLE IF NOT EXISTS raw_sprints (
    source        VARCHAR NOT NULL,
    sprint_id     VARCHAR NOT NULL,
    board_id      VARCHAR,                   -- originBoardId
    name          VARCHAR NOT NULL,
    state         VARCHAR NOT NULL,          -- future | active | closed
    goal          VARCHAR,
    start_at      TIMESTAMPTZ,
    end_at        TIMESTAMPTZ,
    complete_at   TIMESTAMPTZ,
    activated_at  TIMESTAMPTZ,               -- DC activatedDate: when it was really started
    PRIMARY KEY (source, sprint_id)
);

-- Current state of every issue (sub-tasks included, with their parent).
CREATE TABLE IF NOT EXISTS raw_issues (
    source                     VARCHAR NOT NULL,
    issue_id                   VARCHAR NOT NULL,
    issue_key                  VARCHAR NOT NULL,
    project_key                VARCHAR NOT NULL,
    issue_type                 VARCHAR NOT NULL,
    is_subtask                 BOOLEAN NOT NULL DEFAULT false,
    parent_id                  VARCHAR,
    epic_id                    VARCHAR,
    summary                    VARCHAR,
    status_id                  VARCHAR NOT NULL,
    resolution                 VARCHAR,
    labels                     VARCHAR[],
    components                 VARCHAR[],
    fix_versions               VARCHAR[],
    sprint_ids                 VARCHAR[],    -- current value of the sprint field
    story_points               DOUBLE,
    estimate_best              DOUBLE,
    estimate_likely            DOUBLE,
    estimate_worst             DOUBLE,
    original_estimate_seconds  DOUBLE,
    time_spent_seconds         DOUBLE,
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ,
    resolved_at                TIMESTAMPTZ,
    is_deleted                 BOOLEAN NOT NULL DEFAULT false,   -- soft delete (reconciled)
    PRIMARY KEY (source, issue_id)
);

-- Every status transition from the changelog. No author: metrics are team-level.
CREATE TABLE IF NOT EXISTS raw_status_changes (
    source            VARCHAR NOT NULL,
    issue_id          VARCHAR NOT NULL,
    history_id        VARCHAR NOT NULL,
    item_seq          INTEGER NOT NULL,      -- position of the item inside the history
    changed_at        TIMESTAMPTZ NOT NULL,
    from_status_id    VARCHAR,
    from_status_name  VARCHAR,               -- the name as it was at the time
    to_status_id      VARCHAR NOT NULL,
    to_status_name    VARCHAR
    -- key: (source, issue_id, history_id, item_seq). Not declared: an index on ~10M
    -- history rows quadruples load time; the loader replaces an issue's history whole.
);

-- Every other changelog item. field_key is the connector's canonical name:
-- sprint | story_points | estimate_best | estimate_likely | estimate_worst |
-- original_estimate | time_spent | issue_type | labels | components | fix_versions |
-- key | project | parent | resolution | other.
-- For sprint items from_value/to_value are comma-separated sprint-id lists ("38, 40").
CREATE TABLE IF NOT EXISTS raw_field_changes (
    source       VARCHAR NOT NULL,
    issue_id     VARCHAR NOT NULL,
    history_id   VARCHAR NOT NULL,
    item_seq     INTEGER NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL,
    field_key    VARCHAR NOT NULL,
    field        VARCHAR,                    -- Jira's field name as given
    field_id     VARCHAR,                    -- Jira's fieldId (may be missing)
    from_value   VARCHAR,
    from_string  VARCHAR,
    to_value     VARCHAR,
    to_string    VARCHAR
    -- key: (source, issue_id, history_id, item_seq); not declared, as above.
);

CREATE TABLE IF NOT EXISTS raw_versions (
    source       VARCHAR NOT NULL,
    version_id   VARCHAR NOT NULL,
    project_key  VARCHAR,
    name         VARCHAR NOT NULL,
    is_released  BOOLEAN NOT NULL DEFAULT false,
    release_on   DATE,
    PRIMARY KEY (source, version_id)
);

-- Product metrics: one value per metric, day and segment ('' = all users).
CREATE TABLE IF NOT EXISTS raw_metric_points (
    source   VARCHAR NOT NULL,
    metric   VARCHAR NOT NULL,
    day      DATE NOT NULL,
    segment  VARCHAR NOT NULL DEFAULT '',
    value    DOUBLE NOT NULL
    -- key: (metric, day, segment); not declared (fast bulk import), the loader upserts by it.
);

CREATE TABLE IF NOT EXISTS raw_metric_definitions (
    source            VARCHAR NOT NULL,
    metric            VARCHAR NOT NULL,
    unit              VARCHAR,
    higher_is_better  BOOLEAN NOT NULL DEFAULT true,
    description       VARCHAR,
    PRIMARY KEY (metric)
);

-- Shipped items (epics / features) with the metrics they are meant to move.
CREATE TABLE IF NOT EXISTS raw_shipped_items (
    source              VARCHAR NOT NULL,
    item_key            VARCHAR NOT NULL,
    name                VARCHAR NOT NULL,
    shipped_on          DATE NOT NULL,
    epic_key            VARCHAR,
    metrics             VARCHAR[],           -- targeted metric names
    expected_direction  VARCHAR NOT NULL DEFAULT 'up',   -- up | down
    min_change          DOUBLE NOT NULL DEFAULT 0,       -- minimum meaningful relative change (0.02 = 2 %)
    origin              VARCHAR NOT NULL DEFAULT 'import', -- import | epic | version
    PRIMARY KEY (source, item_key)
);

-- One row per load (sync, import, demo), written in the same transaction as the data.
CREATE TABLE IF NOT EXISTS raw_loads (
    load_id      VARCHAR NOT NULL PRIMARY KEY,
    source       VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,           -- demo | sync | import
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    status       VARCHAR NOT NULL,           -- ok
    data_as_of   TIMESTAMPTZ,                -- the instant the loaded data describes
    row_counts   VARCHAR,                    -- JSON object: table -> rows written
    detail       VARCHAR
);

-- Incremental-sync bookmarks per source and scope (e.g. the last sync instant).
CREATE TABLE IF NOT EXISTS raw_sync_state (
    source  VARCHAR NOT NULL,
    scope   VARCHAR NOT NULL,
    value   VARCHAR,
    PRIMARY KEY (source, scope)
);
