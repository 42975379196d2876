-- The user-input store: what people type or import (retros, anonymous cards, action
-- items, working agreements, hypotheses, settings). It lives in its own DuckDB file
-- beside the warehouse; syncs never open it for writing, so nothing here is lost when
-- a sync runs or fails. Cards have no author column by design.

CREATE TABLE IF NOT EXISTS retros (
    retro_id    VARCHAR NOT NULL PRIMARY KEY,
    held_on     DATE NOT NULL,
    team        VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL CHECK (kind IN ('scrum', 'product', 'pm-eng')),
    title       VARCHAR,
    created_at  TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS retro_cards (
    card_id      VARCHAR NOT NULL PRIMARY KEY,
    retro_id     VARCHAR NOT NULL,
    column_name  VARCHAR NOT NULL,           -- the column / prompt the card was written under
    text         VARCHAR NOT NULL,
    theme        VARCHAR,
    votes        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS action_items (
    action_id  VARCHAR NOT NULL PRIMARY KEY,
    retro_id   VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    owner      VARCHAR,                      -- who drives it; never aggregated per person
    due_on     DATE,
    status     VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
    done_on    DATE,
    jira_key   VARCHAR                       -- optional Jira issue, e.g. ABC-123 (shown as a link, never written to)
);

-- An action reviewed at a later retro of its team (carried in when that retro was started):
-- one row per (action, retro), never a copy of the action. status_then = the action's status
-- as that retro left it ('open' when carried in; 'done' / 'dropped' when closed there).
CREATE TABLE IF NOT EXISTS action_reviews (
    review_id    VARCHAR NOT NULL PRIMARY KEY,  -- '<action_id>@<retro_id>'
    action_id    VARCHAR NOT NULL,
    retro_id     VARCHAR NOT NULL,
    reviewed_on  DATE NOT NULL,
    status_then  VARCHAR NOT NULL CHECK (status_then IN ('open', 'done', 'dropped'))
);

CREATE TABLE IF NOT EXISTS agreements (
    agreement_id  VARCHAR NOT NULL PRIMARY KEY,
    retro_id      VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    start_on      DATE NOT NULL,
    review_on     DATE NOT NULL,
    metric        VARCHAR,                   -- delivery metric (cycle_time_p85, debt_share, ...) or product metric
    target        DOUBLE,
    direction     VARCHAR CHECK (direction IS NULL OR direction IN ('up', 'down')),
    action_id     VARCHAR                    -- optional: the action item it came out of
);

CREATE TABLE IF NOT EXISTS hypotheses (
    hypothesis_id  VARCHAR NOT NULL PRIMARY KEY,
    retro_id       VARCHAR NOT NULL,
    item_key       VARCHAR NOT NULL,         -- the shipped item
    metric         VARCHAR NOT NULL,
    direction      VARCHAR NOT NULL DEFAULT 'up' CHECK (direction IN ('up', 'down')),
    min_change     DOUBLE NOT NULL DEFAULT 0,
    action_id      VARCHAR                   -- optional: the action item it came out of
);

CREATE TABLE IF NOT EXISTS settings (
    key    VARCHAR NOT NULL PRIMARY KEY,
    value  VARCHAR
);

-- Every forecast the app showed or exported, so it can be scored once its dates pass
-- (docs/metrics.md "Forecasts held to account"). One row per distinct forecast: the id
-- is a hash of what makes two forecasts the same (scope, as_of, question, inputs, method),
-- so showing the same forecast again writes nothing. Added after the first release: a
-- store created before it gets the table the next time it is opened for writing.
CREATE TABLE IF NOT EXISTS forecasts (
    forecast_id  VARCHAR NOT NULL PRIMARY KEY,
    made_at      TIMESTAMPTZ NOT NULL,      -- when it was first shown or exported (wall clock)
    as_of        TIMESTAMPTZ NOT NULL,      -- the instant the data was taken at
    board_id     VARCHAR,                   -- scope (NULL = every board)
    project      VARCHAR,                   -- scope (NULL = every project)
    kind         VARCHAR NOT NULL CHECK (kind IN ('when', 'how_many')),
    items        INTEGER,                   -- 'when': items to finish
    target_on    DATE,                      -- 'how_many': the date
    p50_on       DATE,                      -- 'when': done by this day with 50/85/95 % confidence
    p85_on       DATE,
    p95_on       DATE,
    p50_items    INTEGER,                   -- 'how_many': at least this many with 50/85/95 % confidence
    p85_items    INTEGER,
    p95_items    INTEGER,
    method       VARCHAR NOT NULL,          -- 'monte_carlo'
    runs         INTEGER,
    window_from  DATE,                      -- the throughput sample's days
    window_to    DATE,
    source       VARCHAR NOT NULL CHECK (source IN ('page', 'export', 'backtest'))
);

-- Migrations: a store written by an older Retroscope gains the newer columns (the tables
-- above are created when missing). Applied whenever the store is opened for writing.
ALTER TABLE action_items ADD COLUMN IF NOT EXISTS jira_key VARCHAR;
ALTER TABLE agreements ADD COLUMN IF NOT EXISTS action_id VARCHAR;
ALTER TABLE hypotheses ADD COLUMN IF NOT EXISTS action_id VARCHAR;
