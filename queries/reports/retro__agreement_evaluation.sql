-- Working agreements with their verdict at $as_of (docs/metrics.md §8): met / not met / too
-- early / not measurable. Delivery metrics are judged by fct_retro_agreements, product
-- metrics by the impact engine's fct_metric_agreements (as retro_log__agreement_verdicts and
-- retro_follow_through), so every row carries one of the four verdicts; a product metric
-- the warehouse holds nothing of is not measurable.
-- before_value is the metric over the same number of days just before start_on,
-- during_value over [start_on, review_on] (up to $as_of while running).
-- Filters: $board_id / $project = the retro team's board; $date_from / $date_to keep the
-- agreements whose [start_on, review_on] overlaps the period.
WITH judged AS (
    SELECT g.*
    FROM fct_retro_agreements($as_of, $board_id) AS g
    WHERE ($date_from IS NULL OR g.review_on >= $date_from)
      AND ($date_to IS NULL OR g.start_on <= $date_to)
      AND retro_team_in_scope(g.team, $board_id, $project)
),
final AS (
    SELECT
        d.team,
        d.text,
        d.metric,
        d.target,
        coalesce(p.direction, d.direction) AS direction,
        d.start_on,
        d.review_on,
        CASE WHEN p.agreement_id IS NULL THEN d.before_value ELSE p.before_value END AS before_value,
        CASE WHEN p.agreement_id IS NULL THEN d.during_value ELSE p.during_value END AS during_value,
        CASE WHEN d.verdict <> 'product metric' THEN d.verdict
             ELSE coalesce(p.verdict, 'not measurable') END AS verdict,
        CASE WHEN d.verdict <> 'product metric' THEN d.reason
             ELSE coalesce(p.reason, 'no daily values of ' || d.metric || ' in the warehouse') END AS reason,
        CASE WHEN p.agreement_id IS NULL THEN d.before_n ELSE p.before_n END AS before_n,
        CASE WHEN p.agreement_id IS NULL THEN d.during_n ELSE p.during_n END AS during_n,
        CASE WHEN p.agreement_id IS NULL THEN d.before_from_on ELSE p.before_from_on END AS before_from_on,
        CASE WHEN p.agreement_id IS NULL THEN d.before_to_on ELSE p.before_to_on END AS before_to_on,
        d.metric_kind,
        d.held_on,
        d.agreement_id,
        d.retro_id
    FROM judged AS d
    LEFT JOIN fct_metric_agreements($as_of) AS p
      ON p.agreement_id = d.agreement_id AND d.verdict = 'product metric'
)
SELECT * FROM final
ORDER BY review_on DESC, team, agreement_id
