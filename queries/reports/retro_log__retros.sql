-- Retros for the Retro log's picker, newest first, with how many cards, actions,
-- agreements and hypotheses each holds and how many actions were carried into it.
-- $board_id keeps the retros of the team named like the board (retro_team_in_scope);
-- NULL = all teams.
WITH counts AS (
    SELECT retro_id, 'cards' AS what FROM retro_cards
    UNION ALL SELECT retro_id, 'actions' FROM action_items
    UNION ALL SELECT retro_id, 'agreements' FROM agreements
    UNION ALL SELECT retro_id, 'hypotheses' FROM hypotheses
    UNION ALL SELECT retro_id, 'carried_in' FROM action_reviews
),
final AS (
    SELECT r.retro_id, r.held_on, r.team, r.kind, r.title, r.created_at,
           count(*) FILTER (WHERE c.what = 'cards') AS cards,
           count(*) FILTER (WHERE c.what = 'actions') AS actions,
           count(*) FILTER (WHERE c.what = 'agreements') AS agreements,
           count(*) FILTER (WHERE c.what = 'hypotheses') AS hypotheses,
           count(*) FILTER (WHERE c.what = 'carried_in') AS carried_in
    FROM retros AS r
    LEFT JOIN counts AS c USING (retro_id)
    WHERE retro_team_in_scope(r.team, $board_id, NULL)
    GROUP BY ALL
)
SELECT * FROM final ORDER BY held_on DESC, created_at DESC NULLS LAST, retro_id DESC
