-- What the actions of retro $retro_id (agreed there or carried into it) led to: every working
-- agreement and hypothesis, of any retro, that names one of them as its action_id, with the
-- agreement's verdict at $as_of (delivery: fct_retro_agreements; product: the impact
-- engine's fct_metric_agreements). A hypothesis's verdict comes from the impact analysis
-- (queries.impact.hypotheses_table), merged by the page on outcome_id.
WITH actions AS (
    SELECT action_id FROM action_items WHERE retro_id = $retro_id
    UNION
    SELECT action_id FROM action_reviews WHERE retro_id = $retro_id
),
judged AS (
    SELECT d.agreement_id, coalesce(p.verdict, d.verdict) AS verdict, coalesce(p.reason, d.reason) AS reason
    FROM fct_retro_agreements($as_of, NULL) AS d
    LEFT JOIN fct_metric_agreements($as_of) AS p
      ON p.agreement_id = d.agreement_id AND d.verdict = 'product metric'
),
outcomes AS (
    SELECT g.action_id, 'agreement' AS kind, g.text AS outcome, j.verdict, j.reason, g.agreement_id AS outcome_id,
           g.retro_id AS outcome_retro_id
    FROM agreements AS g
    LEFT JOIN judged AS j USING (agreement_id)
    WHERE g.action_id IN (SELECT action_id FROM actions)
    UNION ALL
    SELECT h.action_id, 'hypothesis', h.item_key || ' moves ' || h.metric || ' ' || h.direction, NULL, NULL,
           h.hypothesis_id, h.retro_id
    FROM hypotheses AS h
    WHERE h.action_id IN (SELECT action_id FROM actions)
),
final AS (
    SELECT a.text AS action, a.jira_key, o.kind, o.outcome, o.verdict, o.reason, r.held_on AS made_on,
           o.action_id, o.outcome_id
    FROM outcomes AS o
    JOIN action_items AS a USING (action_id)
    LEFT JOIN retros AS r ON r.retro_id = o.outcome_retro_id
)
SELECT * FROM final
ORDER BY action, kind, outcome_id
