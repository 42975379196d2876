-- The action items retro $retro_id leaves open on day $on (action_status_on): its own, by id,
-- then those carried into it from earlier retros (action_reviews), oldest first, each naming
-- the retro that agreed it (from_retro; NULL for its own). What the slide lists under a retro.
WITH own AS (
    SELECT a.action_id, a.text, a.due_on, NULL::VARCHAR AS from_retro, 0 AS part,
           NULL::DATE AS agreed_on
    FROM action_items AS a
    WHERE a.retro_id = $retro_id AND action_status_on(a.status, a.done_on, $on::DATE) = 'open'
),
carried AS (
    SELECT a.action_id, a.text, a.due_on, coalesce(nullif(o.title, ''), 'an earlier retro') AS from_retro, 1 AS part,
           o.held_on AS agreed_on
    FROM action_reviews AS v
    JOIN action_items AS a USING (action_id)
    LEFT JOIN retros AS o ON o.retro_id = a.retro_id
    WHERE v.retro_id = $retro_id AND action_status_on(a.status, a.done_on, $on::DATE) = 'open'
      AND a.action_id NOT IN (SELECT action_id FROM own)
)
SELECT text, due_on, from_retro
FROM (SELECT * FROM own UNION ALL SELECT * FROM carried)
ORDER BY part, CASE WHEN part = 0 THEN action_id END, agreed_on, due_on NULLS LAST, action_id
