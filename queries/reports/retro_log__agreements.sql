-- The working agreements of retro $retro_id with the action item each came out of (verdicts
-- come from retro_log__agreement_verdicts, merged by the page).
SELECT g.agreement_id, g.text, a.text AS from_action, a.jira_key AS from_action_jira_key,
       g.start_on, g.review_on, g.metric, g.target, g.direction, g.action_id
FROM agreements AS g
LEFT JOIN action_items AS a ON a.action_id = g.action_id
WHERE g.retro_id = $retro_id
ORDER BY g.start_on, g.agreement_id
