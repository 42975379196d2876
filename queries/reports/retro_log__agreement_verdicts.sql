-- Every working agreement's verdict at $as_of, for the Retro log to show beside the agreement
-- and beside the action it came from: delivery metrics judged by fct_retro_agreements,
-- product metrics by the impact engine's fct_metric_agreements (as retro_follow_through).
-- One query for all retros, so switching retros on the page reuses it.
SELECT d.agreement_id, coalesce(p.verdict, d.verdict) AS verdict, coalesce(p.reason, d.reason) AS reason
FROM fct_retro_agreements($as_of, NULL) AS d
LEFT JOIN fct_metric_agreements($as_of) AS p
  ON p.agreement_id = d.agreement_id AND d.verdict = 'product metric'
ORDER BY d.agreement_id
