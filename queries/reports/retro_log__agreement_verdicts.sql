-- Every working agreement's verdict at $as_of, for the Retro log to show beside the agreement
-- and beside the action it came from: delivery and product metrics alike (fct_agreement_verdicts).
-- One query for all retros, so switching retros on the page reuses it. direction: the one it
-- is judged by (its own, else the metric's better direction).
SELECT agreement_id, verdict, reason, direction
FROM fct_agreement_verdicts($as_of, NULL)
ORDER BY agreement_id
