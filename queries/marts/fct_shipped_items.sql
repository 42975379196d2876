-- args: as_of
-- Shipped items (docs/metrics.md §7) as of `as_of`: imported items (raw_shipped_items) plus, as
-- configured by cfg_param shipped_from_epics / shipped_from_versions, epics completed by
-- as_of (completion per fct_issue_facts: the last entry into done, or resolved_at when an
-- issue has no history) and released fix versions (release_on). Items shipped after
-- as_of's day are absent. One row per item_key; on the same key an imported item wins over
-- a derived epic, an epic over a version; between imports the source loaded last wins.
-- Derived items target no metric themselves: hypotheses link them to metrics.
WITH cfg AS (
    SELECT
        coalesce((SELECT value FROM cfg_param WHERE key = 'shipped_from_epics'), 'true') = 'true' AS from_epics,
        coalesce((SELECT value FROM cfg_param WHERE key = 'shipped_from_versions'), 'false') = 'true' AS from_versions,
        local_ts(as_of)::DATE AS as_of_on
),
last_loads AS (
    SELECT source, max(finished_at) AS loaded_at FROM raw_loads WHERE status = 'ok' GROUP BY source
),
issue_projects AS (
    SELECT issue_key, any_value(project_key) AS project_key FROM stg_issues GROUP BY issue_key
),
imported AS (
    SELECT
        s.item_key,
        s.name AS item_name,
        s.shipped_on,
        s.epic_key,
        coalesce(
            p.project_key,
            CASE WHEN contains(coalesce(s.epic_key, s.item_key), '-')
                 THEN split_part(coalesce(s.epic_key, s.item_key), '-', 1) END
        ) AS project_key,
        coalesce(s.metrics, []::VARCHAR[]) AS metrics,
        s.expected_direction,
        s.min_change,
        s.origin,
        s.source,
        1 AS priority,
        l.loaded_at
    FROM raw_shipped_items AS s
    LEFT JOIN last_loads AS l USING (source)
    LEFT JOIN issue_projects AS p ON p.issue_key = s.epic_key
    WHERE s.shipped_on <= (SELECT as_of_on FROM cfg)
),
epics AS (
    SELECT
        f.issue_key AS item_key,
        coalesce(f.summary, f.issue_key) AS item_name,
        f.completed_on AS shipped_on,
        f.issue_key AS epic_key,
        f.project_key,
        []::VARCHAR[] AS metrics,
        'up' AS expected_direction,
        0.0 AS min_change,
        'epic' AS origin,
        f.source,
        2 AS priority,
        NULL::TIMESTAMPTZ AS loaded_at
    FROM fct_issue_facts(as_of) AS f
    WHERE (SELECT from_epics FROM cfg)
      AND f.is_epic
      AND f.completed_at IS NOT NULL
),
versions AS (
    SELECT
        coalesce(v.project_key || ' ', '') || v.name AS item_key,
        v.name AS item_name,
        v.release_on AS shipped_on,
        NULL::VARCHAR AS epic_key,
        v.project_key,
        []::VARCHAR[] AS metrics,
        'up' AS expected_direction,
        0.0 AS min_change,
        'version' AS origin,
        v.source,
        3 AS priority,
        NULL::TIMESTAMPTZ AS loaded_at
    FROM raw_versions AS v
    WHERE (SELECT from_versions FROM cfg)
      AND v.is_released
      AND v.release_on IS NOT NULL
      AND v.release_on <= (SELECT as_of_on FROM cfg)
),
candidates AS (
    SELECT item_key, item_name, shipped_on, epic_key, project_key, metrics, expected_direction,
           min_change, origin, source, priority, loaded_at
    FROM imported
    UNION ALL BY NAME
    SELECT * FROM epics
    UNION ALL BY NAME
    SELECT * FROM versions
),
ranked AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY item_key ORDER BY priority, loaded_at DESC NULLS LAST, source) AS pick
    FROM candidates
),
final AS (
    SELECT item_key, item_name, shipped_on, epic_key, project_key, metrics, expected_direction,
           min_change, origin, source
    FROM ranked
    WHERE pick = 1
)
SELECT * FROM final
