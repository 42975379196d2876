-- args: as_of
-- Working agreements linked to a product metric (docs/metrics.md §8), judged at `as_of`: the
-- metric's daily mean (all users, segment '') over during = [start_on, review_on] (up to
-- as_of while running) vs before = the same number of days just before start_on. Same
-- columns and rules as the delivery-metric agreements (retro__agreement_evaluation):
--   'too early'       review_on is after as_of's day, or after the last day the metric's
--                     loaded data describes (fct_metric_data_to; the values so far are shown)
--   'not measurable'  no daily values in the during window, or no target and none before
--   'met' / 'not met' with a target: the during mean is at or beyond the target in the
--                     agreement's direction (default: the metric's better direction);
--                     without one: the during mean is strictly better than the before mean.
-- A metric name that is also a delivery metric is left to the delivery-metric evaluation.
WITH cfg AS (
    SELECT local_ts(as_of)::DATE AS as_of_on
),
catalog AS (
    SELECT metric, better_direction FROM fct_metric_catalog
    WHERE metric NOT IN (SELECT metric FROM fct_retro_delivery_metrics)
),
agreements_in AS (
    SELECT
        g.agreement_id,
        g.retro_id,
        g.text,
        g.start_on,
        g.review_on,
        g.target,
        r.team,
        r.held_on,
        trim(g.metric) AS metric,
        coalesce(g.direction, c.better_direction) AS direction,
        (date_diff('day', g.start_on, g.review_on) + 1)::INTEGER AS window_days,
        -- the last day known of the metric at as_of: as_of's day, or its loaded data's last day
        least((SELECT as_of_on FROM cfg), coalesce(d.data_to, (SELECT as_of_on FROM cfg))) AS known_on
    FROM agreements AS g
    JOIN retros AS r USING (retro_id)
    JOIN catalog AS c ON c.metric = trim(g.metric)
    LEFT JOIN fct_metric_data_to AS d ON d.metric = trim(g.metric)
    WHERE r.held_on <= (SELECT as_of_on FROM cfg)
),
windows AS (
    SELECT
        *,
        start_on - window_days AS before_from_on,
        start_on - 1 AS before_to_on,
        least(review_on, known_on) AS during_to_on
    FROM agreements_in
),
vals AS (
    SELECT
        w.agreement_id,
        -- added day by day (one point per day): the same bits however the rows arrive
        avg(p.value ORDER BY p.day) FILTER (WHERE p.day BETWEEN w.before_from_on AND w.before_to_on) AS before_value,
        avg(p.value ORDER BY p.day) FILTER (WHERE p.day BETWEEN w.start_on AND w.during_to_on) AS during_value,
        count(p.value) FILTER (WHERE p.day BETWEEN w.before_from_on AND w.before_to_on) AS before_n,
        count(p.value) FILTER (WHERE p.day BETWEEN w.start_on AND w.during_to_on) AS during_n
    FROM windows AS w
    LEFT JOIN raw_metric_points AS p
      ON p.metric = w.metric AND p.segment = '' AND p.day BETWEEN w.before_from_on AND w.during_to_on
    GROUP BY w.agreement_id
),
judged AS (
    SELECT
        w.*,
        v.before_value,
        v.during_value,
        v.before_n,
        v.during_n
    FROM windows AS w
    JOIN vals AS v USING (agreement_id)
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
        agreement_verdict(direction, target, before_value, during_value, review_on, known_on) AS verdict,
        CASE
            -- (days in a sentence as the pages write them: '23 Nov 2026')
            WHEN review_on > (SELECT as_of_on FROM cfg) THEN 'review on ' || strftime(review_on, '%-d %b %Y') || '; values so far'
            WHEN review_on > known_on THEN 'review on ' || strftime(review_on, '%-d %b %Y') || ', after the last day of '
                || metric || ' loaded (' || strftime(known_on, '%-d %b %Y') || '); values so far'
            WHEN during_n = 0 THEN 'no daily values of ' || metric || ' between start and review'
            WHEN target IS NULL AND before_n = 0 THEN 'no target and no values before the start to compare with'
            -- which side of its target the daily mean during the agreement fell, in words (the
            -- figures stand beside it; the verdict's own rule)
            WHEN target IS NOT NULL THEN CASE
                WHEN agreement_verdict(direction, target, before_value, during_value, review_on, known_on) = 'met'
                    THEN 'daily mean reached its target during the agreement'
                WHEN direction = 'up' THEN 'daily mean below its target during the agreement'
                ELSE 'daily mean above its target during the agreement' END
            ELSE 'daily mean compared with the ' || window_days::VARCHAR || ' days before the start'
        END AS reason,
        before_n,
        during_n,
        before_from_on,
        before_to_on,
        'product' AS metric_kind,
        held_on,
        agreement_id,
        retro_id
    FROM judged
)
SELECT * FROM final
