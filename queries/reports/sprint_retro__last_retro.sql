-- The team's latest delivery retro (scrum or PM/engineering) held on or before $as_of (the team = the board's name,
-- every delivery team when $board_id is NULL: delivery_retro_in_scope, the slide's rule too) with its action items and working agreements, one row
-- per item. Listing only: follow-through and agreement verdicts are the Metrics engine's.
-- Actions carried into that retro from earlier ones (action_reviews) are listed too, as
-- 'carried action': the retro reviewed them, so the next one starts from their status.
-- action_id lets the page leave these actions out of its list of earlier open ones.
WITH last_retro AS (
    SELECT retro_id, held_on, team, kind, title
    FROM retros
    WHERE held_on <= local_ts($as_of)::DATE AND delivery_retro_in_scope(retros.team, retros.kind, $board_id)
    ORDER BY held_on DESC, created_at DESC NULLS LAST, retro_id DESC
    LIMIT 1
),
items AS (
    SELECT r.retro_id, r.held_on, r.team, r.kind, r.title, 'action' AS item, a.text, a.owner, a.due_on AS due_or_review_on,
           action_status_on(a.status, a.done_on, local_ts($as_of)::DATE) AS status,   -- as it stood at $as_of
           CASE WHEN a.done_on > local_ts($as_of)::DATE THEN NULL ELSE a.done_on END AS done_on, NULL::VARCHAR AS metric, NULL::DOUBLE AS target,
           a.action_id
    FROM last_retro AS r JOIN action_items AS a USING (retro_id)
    UNION ALL
    SELECT r.retro_id, r.held_on, r.team, r.kind, r.title, 'carried action' AS item, a.text, a.owner, a.due_on,
           action_status_on(a.status, a.done_on, local_ts($as_of)::DATE),
           CASE WHEN a.done_on > local_ts($as_of)::DATE THEN NULL ELSE a.done_on END, NULL::VARCHAR, NULL::DOUBLE, a.action_id
    FROM last_retro AS r JOIN action_reviews AS v USING (retro_id) JOIN action_items AS a ON a.action_id = v.action_id
    UNION ALL
    SELECT r.retro_id, r.held_on, r.team, r.kind, r.title, 'agreement' AS item, g.text, NULL AS owner, g.review_on,
           CASE WHEN g.review_on > local_ts($as_of)::DATE THEN 'running' ELSE 'due for review' END AS status,
           NULL::DATE AS done_on, g.metric, g.target, NULL::VARCHAR AS action_id
    FROM last_retro AS r JOIN agreements AS g USING (retro_id)
),
final AS (
    SELECT * FROM items
    UNION ALL   -- a retro with no items still names itself
    SELECT r.retro_id, r.held_on, r.team, r.kind, r.title, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM last_retro AS r
    WHERE NOT EXISTS (SELECT 1 FROM items)
)
SELECT * FROM final ORDER BY item, due_or_review_on, text
