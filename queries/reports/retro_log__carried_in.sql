-- The actions carried into retro $retro_id from the team's earlier retros (action_reviews,
-- written when the retro was started): one row per action, never a copy. age_days = days
-- from the retro that agreed it to this retro; times_carried = how many retros (this one
-- included, none after it) it has been carried into; status_here = the status this retro
-- left it in; status / done_on = the action's status now.
WITH here AS (
    SELECT retro_id, held_on FROM retros WHERE retro_id = $retro_id
),
reviews AS (
    SELECT v.action_id, v.status_then, r.held_on
    FROM action_reviews AS v
    JOIN retros AS r USING (retro_id)
),
final AS (
    SELECT
        a.action_id,
        a.text,
        a.owner,
        a.jira_key,
        o.title AS from_retro,
        o.held_on AS agreed_on,
        a.due_on,
        date_diff('day', o.held_on, h.held_on) AS age_days,
        (SELECT count(*) FROM reviews AS x WHERE x.action_id = a.action_id AND x.held_on <= h.held_on)::INTEGER
            AS times_carried,
        v.status_then AS status_here,
        a.status,
        a.done_on
    FROM action_reviews AS v
    JOIN here AS h USING (retro_id)
    JOIN action_items AS a USING (action_id)
    LEFT JOIN retros AS o ON o.retro_id = a.retro_id
)
SELECT * FROM final
ORDER BY agreed_on, due_on NULLS LAST, action_id
