-- The delivery metrics a working agreement can be linked to and judged on automatically
-- (docs/metrics.md §8), with the direction that counts as better when the agreement names none.
-- Any other metric name is a product metric (judged by the impact engine) when the
-- warehouse has data for it, else unknown (not measurable).
SELECT * FROM (VALUES
    ('cycle_time_p85', 'down', 'days', '85th percentile cycle time (days) of issues completed in the window'),
    ('debt_share',     'up',   'share', 'completed points of debt work / all completed points (issue counts when no points), issues completed in the window'),
    ('hit_rate',       'up',   'share', 'share of range-estimated issues completed in the window with best <= actual <= worst'),
    ('rework_rate',    'down', 'share', 'share of issues completed in the window with at least one backward transition'),
    ('scope_change',   'down', 'ratio', '(added + removed points) / committed points, sprints that closed in the window'),
    ('say_do',         'up',   'ratio', 'completed points / committed points, sprints that closed in the window and committed points')
) AS t(metric, better_direction, unit, definition)
