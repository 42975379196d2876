-- Per retro held on or before $as_of (docs/metrics.md §8): action items, how many were due by
-- then, done on time, follow-through = done on time / due; agreements and how many were
-- met, not met, too early or not measurable, delivery and product metrics alike
-- (fct_agreement_verdicts; agreements_product = how many are on a product metric).
-- Definitions of due / dropped: fct_retro_actions.
-- Filters: $board_id / $project = the retro team's board (team name = board name;
-- teams matching no board only when no board or project is asked for);
-- $date_from / $date_to on the day the retro was held.
WITH retros_in AS (
    SELECT r.*
    FROM retros AS r
    WHERE r.held_on <= local_ts($as_of)::DATE
      AND in_period(r.held_on, $date_from, $date_to)
      AND retro_team_in_scope(r.team, $board_id, $project)
),
actions AS (
    SELECT
        retro_id,
        count(*) AS actions,
        count(*) FILTER (WHERE is_due) AS actions_due,
        count(*) FILTER (WHERE done_on_time) AS actions_done_on_time,
        count(*) FILTER (WHERE is_due AND is_done AND NOT done_on_time) AS actions_done_late,
        count(*) FILTER (WHERE is_due AND NOT is_done) AS actions_not_done,
        count(*) FILTER (WHERE is_dropped) AS actions_dropped,
        count(*) FILTER (WHERE NOT is_dropped AND NOT is_due) AS actions_not_yet_due
    FROM fct_retro_actions($as_of)
    GROUP BY retro_id
),
agreements_judged AS (
    SELECT
        retro_id,
        count(*) AS agreements,
        count(*) FILTER (WHERE verdict = 'met') AS agreements_met,
        count(*) FILTER (WHERE verdict = 'not met') AS agreements_not_met,
        count(*) FILTER (WHERE verdict = 'too early') AS agreements_too_early,
        count(*) FILTER (WHERE metric_kind = 'product') AS agreements_product,
        count(*) FILTER (WHERE verdict = 'not measurable') AS agreements_not_measurable
    FROM fct_agreement_verdicts($as_of, $board_id)
    GROUP BY retro_id
),
final AS (
    SELECT
        r.retro_id,
        r.held_on,
        coalesce(a.actions, 0) AS actions,
        coalesce(a.actions_due, 0) AS actions_due,
        coalesce(a.actions_done_on_time, 0) AS actions_done_on_time,
        a.actions_done_on_time / nullif(a.actions_due, 0) AS follow_through,
        coalesce(g.agreements, 0) AS agreements,
        coalesce(g.agreements_met, 0) AS agreements_met,
        r.team,
        r.kind,
        r.title,
        coalesce(a.actions_done_late, 0) AS actions_done_late,
        coalesce(a.actions_not_done, 0) AS actions_not_done,
        coalesce(a.actions_dropped, 0) AS actions_dropped,
        coalesce(a.actions_not_yet_due, 0) AS actions_not_yet_due,
        coalesce(g.agreements_not_met, 0) AS agreements_not_met,
        coalesce(g.agreements_too_early, 0) AS agreements_too_early,
        coalesce(g.agreements_product, 0) AS agreements_product,
        coalesce(g.agreements_not_measurable, 0) AS agreements_not_measurable
    FROM retros_in AS r
    LEFT JOIN actions AS a USING (retro_id)
    LEFT JOIN agreements_judged AS g USING (retro_id)
)
SELECT * FROM final
ORDER BY held_on, team, retro_id
