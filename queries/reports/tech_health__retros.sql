-- The tech-health slide's retros: each team's latest delivery retro held on or before $on (the
-- as-of day), for the teams of $board_id; under All teams ($board_id NULL) for every team that has
-- a board (delivery_retro_in_scope, the Sprint retro page's rule too), so product retros and a
-- product team's retros stay off the engineering slide. One per team (team_key), the latest by held_on, then created_at,
-- then id, as the Sprint retro page picks it. recent = 1 for the most recently held; the slide
-- shows the few most recent, in team order.
WITH latest AS (
    SELECT retro_id, team, kind, title, held_on, created_at
    FROM retros
    WHERE held_on <= $on AND delivery_retro_in_scope(retros.team, retros.kind, $board_id)
    QUALIFY row_number() OVER (PARTITION BY team_key(team)
                               ORDER BY held_on DESC, created_at DESC NULLS LAST, retro_id DESC) = 1
)
SELECT retro_id, team, kind, title, held_on,
       row_number() OVER (ORDER BY held_on DESC, created_at DESC NULLS LAST, retro_id DESC) AS recent
FROM latest
ORDER BY team_key(team), retro_id
