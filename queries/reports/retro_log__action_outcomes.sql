-- What the actions of retro $retro_id (agreed there or carried into it) led to: every working
-- agreement and hypothesis, of any retro, that names one of them as its action_id. Their
-- verdicts (retro_log__agreement_verdicts; the impact analysis for hypotheses) are merged
-- by the page on outcome_id.
WITH actions AS (
    SELECT action_id FROM action_items WHERE retro_id = $retro_id
    UNION
    SELECT action_id FROM action_reviews WHERE retro_id = $retro_id
),
outcomes AS (
    SELECT g.action_id, 'agreement' AS kind, g.text AS outcome, g.agreement_id AS outcome_id,
           g.retro_id AS outcome_retro_id
    FROM agreements AS g
    WHERE g.action_id IN (SELECT action_id FROM actions)
    UNION ALL
    SELECT h.action_id, 'hypothesis', h.item_key || ' moves ' || h.metric || ' ' || h.direction,
           h.hypothesis_id, h.retro_id
    FROM hypotheses AS h
    WHERE h.action_id IN (SELECT action_id FROM actions)
),
final AS (
    SELECT a.text AS action, a.jira_key, o.kind, o.outcome, r.held_on AS made_on, o.action_id, o.outcome_id
    FROM outcomes AS o
    JOIN action_items AS a USING (action_id)
    LEFT JOIN retros AS r ON r.retro_id = o.outcome_retro_id
)
SELECT * FROM final
ORDER BY action, kind, outcome_id
