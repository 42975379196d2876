-- Working agreements with their verdict at $as_of (docs/metrics.md §8; rules in
-- fct_retro_agreements): met / not met / too early / not measurable, or 'product metric'
-- for agreements on a product metric (the impact engine judges those; the UI merges).
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
        team,
        text,
        metric,
        target,
        direction,
        start_on,
        review_on,
        before_value,
        during_value,
        verdict,
        reason,
        before_n,
        during_n,
        before_from_on,
        before_to_on,
        metric_kind,
        held_on,
        agreement_id,
        retro_id
    FROM judged
)
SELECT * FROM final
ORDER BY review_on DESC, team, agreement_id
