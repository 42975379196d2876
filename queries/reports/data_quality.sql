-- Data problems that distort the figures, one row per finding, as of $as_of, each with the
-- team it belongs to and why it matters. Issue checks cover non-epic, non-sub-task issues in
-- scope ($board_id, $project) created on or before $date_to and not completed before $date_from:
--   done_without_start       complete without ever being in an in_progress status
--   no_estimate              no story points, no range estimate, no original estimate
--   partial_range            some but not all of best / likely / worst
--   range_out_of_order       best > likely or likely > worst
--   unknown_status           a status id (current or in the history) missing from the
--                            status table
--   transition_before_creation  a status change dated before the issue was created
--   sprint_without_dates     a started (active/closed) sprint with no start date, or a closed
--                            one with no completion date (sprints of $board_id, or all)
WITH scope AS MATERIALIZED (
    SELECT *
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE overlaps_period(created_on, completed_on, $date_from, $date_to)
),
done_without_start AS (
    SELECT source, issue_id, NULL::VARCHAR AS board_id, 'done_without_start' AS "check", issue_key,
           'completed ' || strftime(completed_at, '%Y-%m-%d %H:%M') || ' UTC in ' || status
               || ' without an in-progress status' AS detail,
           'it has no cycle time, so flow and calibration figures leave it out' AS why_it_matters
    FROM scope
    WHERE completed_at IS NOT NULL AND start_at IS NULL
),
no_estimate AS (
    SELECT source, issue_id, NULL, 'no_estimate', issue_key,
           issue_type || ' in ' || status || ' has no story points, range or time estimate',
           'it counts 0 points in velocity and debt share and is missing from calibration'
    FROM scope
    WHERE story_points IS NULL AND estimate_best IS NULL AND estimate_likely IS NULL
      AND estimate_worst IS NULL AND original_estimate_seconds IS NULL
),
partial_range AS (
    SELECT source, issue_id, NULL, 'partial_range', issue_key,
           'best=' || coalesce(estimate_best::VARCHAR, '-') || ' likely=' || coalesce(estimate_likely::VARCHAR, '-')
               || ' worst=' || coalesce(estimate_worst::VARCHAR, '-'),
           'range scores need all three values; this estimate is left out of hit rate and bias'
    FROM scope
    WHERE (estimate_best IS NULL OR estimate_likely IS NULL OR estimate_worst IS NULL)
      AND NOT (estimate_best IS NULL AND estimate_likely IS NULL AND estimate_worst IS NULL)
),
range_out_of_order AS (
    SELECT source, issue_id, NULL, 'range_out_of_order', issue_key,
           'best=' || estimate_best::VARCHAR || ' likely=' || estimate_likely::VARCHAR
               || ' worst=' || estimate_worst::VARCHAR,
           'a range must satisfy best <= likely <= worst; this one is left out of range scores'
    FROM scope
    WHERE estimate_best > estimate_likely OR estimate_likely > estimate_worst
),
status_refs AS (
    SELECT i.source, i.issue_id, i.status_id, NULL::TIMESTAMPTZ AS changed_at, 'current status' AS place
    FROM stg_issues AS i
    UNION ALL
    SELECT c.source, c.issue_id, unnest([c.from_status_id, c.to_status_id]), c.changed_at, 'history'
    FROM stg_status_changes AS c
    WHERE c.changed_at <= $as_of
),
unknown_status AS (
    SELECT s.source, s.issue_id, NULL, 'unknown_status', s.issue_key,
           'status id ' || r.status_id || ' (' || r.place || ') is not in the status table',
           'its category is unknown, so the issue is never counted as started or done while in it'
    FROM (
        -- unknown ids first (few), then de-duplicated: not millions of known references
        SELECT DISTINCT r.source, r.issue_id, r.status_id, r.place
        FROM status_refs AS r
        ANTI JOIN raw_statuses AS st ON st.source = r.source AND st.status_id = r.status_id
        WHERE r.status_id IS NOT NULL
    ) AS r
    JOIN scope AS s USING (source, issue_id)
),
transition_before_creation AS (
    SELECT s.source, s.issue_id, NULL, 'transition_before_creation', s.issue_key,
           count(*)::VARCHAR || ' status change(s) before creation ' || strftime(s.created_at, '%Y-%m-%d %H:%M')
               || ' UTC, earliest ' || strftime(min(c.changed_at), '%Y-%m-%d %H:%M') || ' UTC',
           'clock anomaly: those changes are counted at the creation instant, which shortens lead and cycle time'
    FROM stg_status_changes AS c
    JOIN scope AS s USING (source, issue_id)
    WHERE c.changed_at < s.created_at
    GROUP BY s.source, s.issue_id, s.issue_key, s.created_at
),
sprint_without_dates AS (
    SELECT sp.source, NULL, sp.board_id, 'sprint_without_dates', NULL::VARCHAR,
           'sprint ' || sp.sprint_id || ' "' || sp.name || '" (' || sp.state || ') has no '
               || CASE WHEN sp.start_at IS NULL AND sp.activated_at IS NULL THEN 'start date' ELSE 'completion date' END,
           'sprint facts need the sprint window; this sprint is left out or ends at its planned end'
    FROM raw_sprints AS sp
    WHERE sp.state IN ('active', 'closed')
      AND ($board_id IS NULL OR sp.board_id = $board_id)
      AND ((sp.start_at IS NULL AND sp.activated_at IS NULL) OR (sp.state = 'closed' AND sp.complete_at IS NULL))
),
final AS (
    SELECT * FROM done_without_start
    UNION ALL SELECT * FROM no_estimate
    UNION ALL SELECT * FROM partial_range
    UNION ALL SELECT * FROM range_out_of_order
    UNION ALL SELECT * FROM unknown_status
    UNION ALL SELECT * FROM transition_before_creation
    UNION ALL SELECT * FROM sprint_without_dates
),
-- the team: the names of the issue's boards (the chosen one only, when a team is chosen), or
-- of the sprint's board (its id when the board itself is not loaded, as the sidebar shows it)
issue_teams AS (
    SELECT bi.source, bi.issue_id, string_agg(DISTINCT b.name, ', ' ORDER BY b.name) AS team
    FROM stg_board_issues AS bi
    SEMI JOIN final AS f ON f.source = bi.source AND f.issue_id = bi.issue_id
    JOIN raw_boards AS b ON b.source = bi.source AND b.board_id = bi.board_id
    WHERE $board_id IS NULL OR bi.board_id = $board_id
    GROUP BY ALL
)
SELECT f."check", coalesce(t.team, b.name, f.board_id) AS team, f.issue_key, f.detail, f.why_it_matters
FROM final AS f
LEFT JOIN issue_teams AS t ON t.source = f.source AND t.issue_id = f.issue_id
LEFT JOIN raw_boards AS b ON b.source = f.source AND b.board_id = f.board_id
-- issue keys in their natural order (ATL-16 before ATL-114): the project part, then the number
ORDER BY f."check", team, regexp_extract(f.issue_key, '^(.*?)([0-9]+)$', 1),
         try_cast(regexp_extract(f.issue_key, '([0-9]+)$', 1) AS BIGINT) NULLS FIRST, f.issue_key, f.detail
