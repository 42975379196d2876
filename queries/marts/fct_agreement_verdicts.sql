-- args: as_of, in_board
-- Every working agreement of a retro held on or before as_of's day with its verdict
-- (docs/metrics.md §8), whichever kind of metric it is linked to: delivery metrics as
-- fct_retro_agreements judges them, product metrics as the impact engine's
-- fct_metric_agreements judges them (its direction, values, window and reason replace the
-- delivery mart's). Every row carries one of 'met', 'not met', 'too early', 'not measurable':
-- a product metric the impact engine has no row for is not measurable (both marts know the
-- same product metrics, so this is a safeguard). metric_kind keeps 'product' for those.
-- in_board: as fct_retro_agreements (the agreements of the team named like that board,
-- measured on it alone; NULL = every agreement).
-- The one merge of the two marts: the Retro log, follow-through and the agreement evaluation read it.
WITH merged AS (
    SELECT
        d.agreement_id,
        d.retro_id,
        d.team,
        d.held_on,
        d.text,
        d.start_on,
        d.review_on,
        d.metric,
        d.metric_kind,
        d.target,
        coalesce(p.direction, d.direction) AS direction,
        CASE WHEN p.agreement_id IS NULL THEN d.before_from_on ELSE p.before_from_on END AS before_from_on,
        CASE WHEN p.agreement_id IS NULL THEN d.before_to_on ELSE p.before_to_on END AS before_to_on,
        CASE WHEN p.agreement_id IS NULL THEN d.before_value ELSE p.before_value END AS before_value,
        CASE WHEN p.agreement_id IS NULL THEN d.during_value ELSE p.during_value END AS during_value,
        CASE WHEN p.agreement_id IS NULL THEN d.before_n ELSE p.before_n END AS before_n,
        CASE WHEN p.agreement_id IS NULL THEN d.during_n ELSE p.during_n END AS during_n,
        CASE WHEN d.verdict <> 'product metric' THEN d.verdict
             ELSE coalesce(p.verdict, 'not measurable') END AS verdict,
        CASE WHEN d.verdict <> 'product metric' THEN d.reason
             ELSE coalesce(p.reason, 'no daily values of ' || d.metric || ' in the warehouse') END AS reason
    FROM fct_retro_agreements(as_of, in_board) AS d
    LEFT JOIN fct_metric_agreements(as_of) AS p
      ON p.agreement_id = d.agreement_id AND d.verdict = 'product metric'
)
SELECT * FROM merged
