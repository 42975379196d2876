-- Working agreements linked to a product metric, judged at $as_of (rules in
-- fct_metric_agreements; same columns as retro__agreement_evaluation).
-- Filters as retro__agreement_evaluation: $board_id / $project = the retro team's board;
-- $date_from / $date_to keep agreements whose [start_on, review_on] overlaps the period.
WITH judged AS (
    SELECT g.*
    FROM fct_metric_agreements($as_of) AS g
    WHERE overlaps_period(g.start_on, g.review_on, $date_from, $date_to)
      AND retro_team_in_scope(g.team, $board_id, $project)
)
SELECT * FROM judged
ORDER BY review_on DESC, team, agreement_id
