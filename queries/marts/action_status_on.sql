-- scalar: status, done_on, day
-- An action item's status as it stood on `day` (docs/metrics.md §8): dropped stays dropped;
-- done counts from its done_on (done with no date: done whenever asked); anything else, and
-- work done after `day`, is open. Follow-through (fct_retro_actions), the Sprint retro page's
-- last retro (reports/sprint_retro__last_retro.sql) and the slide's open actions
-- (reports/tech_health__open_actions.sql) read it.
CASE WHEN status = 'dropped' THEN 'dropped'
     WHEN status = 'done' AND (done_on IS NULL OR done_on <= day) THEN 'done'
     ELSE 'open' END
