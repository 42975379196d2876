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
    done_on    DATE
);

CREATE TABLE IF NOT EXISTS agreements (
    agreement_id  VARCHAR NOT NULL PRIMARY KEY,
    retro_id      VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    start_on      DATE NOT NULL,
    review_on     DATE NOT NULL,
    metric        VARCHAR,                   -- delivery metric (cycle_time_p85, debt_share, ...) or product metric
    target        DOUBLE,
    direction     VARCHAR CHECK (direction IS NULL OR direction IN ('up', 'down'))
);

CREATE TABLE IF NOT EXISTS hypotheses (
    hypothesis_id  VARCHAR NOT NULL PRIMARY KEY,
    retro_id       VARCHAR NOT NULL,
    item_key       VARCHAR NOT NULL,         -- the shipped item
    metric         VARCHAR NOT NULL,
    direction      VARCHAR NOT NULL DEFAULT 'up' CHECK (direction IN ('up', 'down')),
    min_change     DOUBLE NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS settings (
    key    VARCHAR NOT NULL PRIMARY KEY,
    value  VARCHAR
);
