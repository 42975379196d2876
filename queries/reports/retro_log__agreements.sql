-- The working agreements of retro $retro_id (verdicts come from retro__agreement_evaluation).
SELECT agreement_id, text, start_on, review_on, metric, target, direction
FROM agreements
WHERE retro_id = $retro_id
ORDER BY start_on, agreement_id
