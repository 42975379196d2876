-- The action items agreed at retro $retro_id, by due date, with their Jira key.
SELECT action_id, text, owner, due_on, status, done_on, jira_key
FROM action_items
WHERE retro_id = $retro_id
ORDER BY due_on NULLS LAST, action_id
