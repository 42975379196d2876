-- Working agreements with their verdict at $as_of (docs/metrics.md §8): met / not met / too
-- early / not measurable, delivery and product metrics alike (fct_agreement_verdicts, which
-- the Retro log and retro_follow_through read too); a product metric the warehouse holds
-- nothing of is not measurable.
-- before_value is the metric over the same number of days just before start_on,
-- during_value over [start_on, review_on] (up to $as_of while running).
-- Filters: $board_id / $project = the retro team's board; $date_from / $date_to keep the
-- agreements whose [start_on, review_on] overlaps the period.
WITH final AS (
    SELECT
        g.team,
        g.text,
        g.metric,
        g.target,
        g.direction,
        g.start_on,
        g.review_on,
        g.before_value,
        g.during_value,
        g.verdict,
        g.reason,
        g.before_n,
        g.during_n,
        g.before_from_on,
        g.before_to_on,
        g.metric_kind,
        g.held_on,
        g.agreement_id,
        g.retro_id
    FROM fct_agreement_verdicts($as_of, $board_id) AS g
    WHERE overlaps_period(g.start_on, g.review_on, $date_from, $date_to)
      AND retro_team_in_scope(g.team, $board_id, $project)
)
SELECT * FROM final
ORDER BY review_on DESC, team, agreement_id
