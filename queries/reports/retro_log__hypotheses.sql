-- The hypotheses of retro $retro_id with the item each is about, by name as of $as_of (its key
-- while it has not shipped), and the action item each came out of (verdicts come from the
-- impact analysis, queries.impact.hypotheses_table, merged by the page).
SELECT h.hypothesis_id, h.item_key, coalesce(i.item_name, h.item_key) AS item_name, h.metric, h.direction,
       h.min_change, a.text AS from_action, a.jira_key AS from_action_jira_key, h.action_id
FROM hypotheses AS h
LEFT JOIN action_items AS a ON a.action_id = h.action_id
LEFT JOIN fct_shipped_items($as_of) AS i USING (item_key)
WHERE h.retro_id = $retro_id
ORDER BY h.item_key, h.metric
