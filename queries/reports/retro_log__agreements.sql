-- The working agreements of retro $retro_id with their verdict at $as_of (delivery metrics
-- judged by fct_retro_agreements, product metrics by the impact engine's
-- fct_metric_agreements, as retro_follow_through) and the action item each came out of.
WITH judged AS (
    SELECT d.agreement_id, coalesce(p.verdict, d.verdict) AS verdict, coalesce(p.reason, d.reason) AS reason
    FROM fct_retro_agreements($as_of, NULL) AS d
    LEFT JOIN fct_metric_agreements($as_of) AS p
      ON p.agreement_id = d.agreement_id AND d.verdict = 'product metric'
    WHERE d.retro_id = $retro_id
)
SELECT g.agreement_id, j.verdict, g.text, a.text AS from_action, a.jira_key AS from_action_jira_key,
       g.start_on, g.review_on, g.metric, g.target, g.direction, j.reason, g.action_id
FROM agreements AS g
LEFT JOIN judged AS j USING (agreement_id)
LEFT JOIN action_items AS a ON a.action_id = g.action_id
WHERE g.retro_id = $retro_id
ORDER BY g.start_on, g.agreement_id
