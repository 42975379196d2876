-- The action items of retro $retro_id, by due date.
SELECT action_id, text, owner, due_on, status, done_on
FROM action_items
WHERE retro_id = $retro_id
ORDER BY due_on NULLS LAST, action_id
