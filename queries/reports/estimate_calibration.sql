-- Estimate scores (docs/metrics.md §5) on issues complete at $as_of and completed in the period
-- ($date_from..$date_to by completion date), per group_by: overall ('all'), work_type,
-- issue_type, quarter of completion ('2026-Q1'), label and component (an issue counts in
-- each of its labels / components: e.g. to see that `integration` work runs long), and size
-- (its story points at as_of, '3 pt'; 'no points' without).
-- Range estimates (best <= likely <= worst, all present, likely > 0; out-of-order ranges are
--   left out and listed by data_quality). Actual = cycle time, or time spent when
--   cfg range_actual = time_spent, in the configured unit (days | hours).
--   hit_rate (best <= actual <= worst, bounds count as hits), overrun_rate (actual > worst),
--   underrun_rate (actual < best), bias = median(actual / likely), MRE = |actual - likely| /
--   actual (actual 0: infinite unless likely is 0 too), mdmre = median MRE, pred25 = share
--   with MRE <= 0.25; *_pert the same against the PERT mean (best + 4 likely + worst) / 6;
--   relative_width = median((worst - best) / likely). n = issues scored.
--   95 % intervals: overrun_ci_low/high = Wilson score interval of overrun_rate over n;
--   bias_ci_low/high = the distribution-free interval of the median of actual / likely:
--   the j-th and k-th smallest ratios, j = round(n/2 - 0.98 sqrt(n)), k = round(1 + n/2 +
--   0.98 sqrt(n)), clamped to 1..n (the whole range when n is small).
-- Story points vs cycle time (issues with points and a cycle time): ordering_accuracy =
--   concordant / (concordant + discordant) over pairs with different points, ties in time
--   ignored; spearman_rho = Pearson correlation of average ranks. n_points = issues scored.
-- Time estimates (original estimate vs time spent, both > 0): time_bias, time_mdmre,
--   time_pred25 with time_n. too_small / points_too_small: n / n_points < cfg small_group.
-- Medians are continuous (the mean of the two middle values for an even count).
-- ordering_accuracy, ordered_pairs and spearman_rho count pairs of issues: SQL function
-- ordering_scores (queries/calibration.py) computes them per group from each issue's rank among
-- the distinct point values and among the distinct cycle times, ranked here once for all groups.
WITH cfg AS (
    SELECT
        (SELECT value::INTEGER FROM cfg_param WHERE key = 'small_group') AS small_group,
        (SELECT value::DOUBLE FROM cfg_param WHERE key = 'hit_rate_target') AS hit_rate_target
),
completed AS MATERIALIZED (
    SELECT
        f.work_type,
        f.issue_type,
        f.labels,
        f.components,
        strftime(f.completed_on, '%Y') || '-Q' || quarter(f.completed_on)::VARCHAR AS quarter,
        f.story_points,
        f.cycle_time_days,
        f.estimate_best AS best,
        f.estimate_likely AS likely,
        f.estimate_worst AS worst,
        f.original_estimate_seconds,
        f.time_spent_seconds,
        estimate_actual(f.cycle_time_days, f.time_spent_seconds) AS actual
    FROM fct_issue_scoped($as_of, $board_id, $project) AS f
    WHERE f.completed_at IS NOT NULL
      AND in_period(f.completed_on, $date_from, $date_to)
),
point_ranks AS (
    -- the distinct point values and cycle times, numbered in ascending order: the pair scores
    -- depend only on the order of an issue's points and time among the group's, which these
    -- ranks keep, ties included (one sort of the distinct values for every group)
    SELECT story_points, row_number() OVER (ORDER BY story_points) AS p_rank
    FROM (SELECT DISTINCT story_points FROM completed WHERE story_points IS NOT NULL)
),
time_ranks AS (
    SELECT cycle_time_days, row_number() OVER (ORDER BY cycle_time_days) AS t_rank
    FROM (SELECT DISTINCT cycle_time_days FROM completed WHERE cycle_time_days IS NOT NULL)
),
base AS MATERIALIZED (
    SELECT s.*, p.p_rank, t.t_rank
    FROM completed AS s
    LEFT JOIN point_ranks AS p USING (story_points)
    LEFT JOIN time_ranks AS t USING (cycle_time_days)
),
grouped AS NOT MATERIALIZED (
    -- one row per issue and group it belongs to (the label / component lists stay behind);
    -- each reader below takes the few columns it needs (materialised, all 4M rows' columns
    -- were written at 1M issues: 0.3 s)
    SELECT * EXCLUDE (labels, components) FROM (
        SELECT 'overall' AS group_by, 'all' AS "group", * FROM base
        UNION ALL SELECT 'work_type', work_type, * FROM base
        UNION ALL SELECT 'issue_type', issue_type, * FROM base
        UNION ALL SELECT 'quarter', quarter, * FROM base
        UNION ALL SELECT 'label', unnest(labels), * FROM base
        UNION ALL SELECT 'component', unnest(components), * FROM base
        UNION ALL SELECT 'size', CASE WHEN story_points IS NULL THEN 'no points'
                                      ELSE printf('%g pt', story_points) END, * FROM base
    )
),
ranges AS (
    SELECT
        *,
        (best + 4 * likely + worst) / 6.0 AS pert,
        CASE WHEN actual > 0 THEN abs(actual - likely) / actual
             WHEN likely = 0 THEN 0.0 ELSE 'Infinity'::DOUBLE END AS mre,
        CASE WHEN actual > 0 THEN abs(actual - (best + 4 * likely + worst) / 6.0) / actual
             WHEN (best + 4 * likely + worst) = 0 THEN 0.0 ELSE 'Infinity'::DOUBLE END AS mre_pert
    FROM grouped
    WHERE usable_range(best, likely, worst) AND actual IS NOT NULL
),
range_scores AS (
    SELECT
        group_by, "group",
        count(*) AS n,
        avg(CASE WHEN range_hit(actual, best, worst) THEN 1.0 ELSE 0.0 END) AS hit_rate,
        avg(CASE WHEN actual > worst THEN 1.0 ELSE 0.0 END) AS overrun_rate,
        avg(CASE WHEN actual < best THEN 1.0 ELSE 0.0 END) AS underrun_rate,
        quantile_cont(actual / likely, 0.5) AS bias,
        quantile_cont(mre, 0.5) AS mdmre,
        avg(CASE WHEN mre <= 0.25 THEN 1.0 ELSE 0.0 END) AS pred25,
        quantile_cont(actual / pert, 0.5) AS bias_pert,
        quantile_cont(mre_pert, 0.5) AS mdmre_pert,
        avg(CASE WHEN mre_pert <= 0.25 THEN 1.0 ELSE 0.0 END) AS pred25_pert,
        quantile_cont((worst - best) / likely, 0.5) AS relative_width,
        list_sort(list(actual / likely)) AS ratios
    FROM ranges
    GROUP BY ALL
),
range_ci AS (
    SELECT
        * EXCLUDE (ratios),
        ratios[greatest(1, round(n / 2 - 0.98 * sqrt(n)))::INTEGER] AS bias_ci_low,
        ratios[least(n, round(1 + n / 2 + 0.98 * sqrt(n)))::INTEGER] AS bias_ci_high,
        greatest(0.0, (overrun_rate + 1.9208 / n
                       - 1.96 * sqrt(overrun_rate * (1 - overrun_rate) / n + 0.9604 / (n * n))) / (1 + 3.8416 / n))
            AS overrun_ci_low,
        least(1.0, (overrun_rate + 1.9208 / n
                    + 1.96 * sqrt(overrun_rate * (1 - overrun_rate) / n + 0.9604 / (n * n))) / (1 + 3.8416 / n))
            AS overrun_ci_high
    FROM range_scores
),
point_lists AS (
    -- every group (one row each: the groups the report lists), with its issues with story
    -- points and a cycle time: how many, and the pair scores of their (points, days). Not
    -- per size: there every issue has the same points, so no pair is ordered and there
    -- are no scores.
    SELECT group_by, "group",
           count(*) FILTER (WHERE story_points IS NOT NULL AND cycle_time_days IS NOT NULL) AS n_points,
           -- each issue's two ranks in one number (point rank x 2^32 + time rank): a list of
           -- numbers reaches the function in a fraction of the time a list of pairs takes
           ordering_scores(list((p_rank << 32) | t_rank)
                           FILTER (WHERE story_points IS NOT NULL AND cycle_time_days IS NOT NULL
                                     AND group_by <> 'size')) AS o
    FROM grouped
    WHERE "group" IS NOT NULL
    GROUP BY ALL
),
time_scores AS (
    SELECT
        group_by, "group",
        count(*) AS time_n,
        quantile_cont(time_spent_seconds / original_estimate_seconds, 0.5) AS time_bias,
        quantile_cont(abs(time_spent_seconds - original_estimate_seconds) / time_spent_seconds, 0.5) AS time_mdmre,
        avg(CASE WHEN abs(time_spent_seconds - original_estimate_seconds) / time_spent_seconds <= 0.25
                 THEN 1.0 ELSE 0.0 END) AS time_pred25
    FROM grouped
    WHERE original_estimate_seconds > 0 AND time_spent_seconds > 0
    GROUP BY ALL
),
final AS (
    SELECT
        pl.group_by,
        pl."group",
        coalesce(r.n, 0) AS n,
        r.hit_rate, r.overrun_rate, r.underrun_rate, r.bias, r.mdmre, r.pred25,
        pl.o.ordering_accuracy,
        r.bias_pert, r.mdmre_pert, r.pred25_pert, r.relative_width,
        r.bias_ci_low, r.bias_ci_high, r.overrun_ci_low, r.overrun_ci_high,
        coalesce(pl.n_points, 0)::HUGEINT AS n_points,
        pl.o.ordered_pairs::HUGEINT AS ordered_pairs,
        pl.o.spearman_rho,
        coalesce(ts.time_n, 0) AS time_n,
        ts.time_bias, ts.time_mdmre, ts.time_pred25,
        coalesce(r.n, 0) < c.small_group AS too_small,
        coalesce(pl.n_points, 0) < c.small_group AS points_too_small,
        c.hit_rate_target
    FROM point_lists AS pl
    CROSS JOIN cfg AS c
    LEFT JOIN range_ci AS r USING (group_by, "group")
    LEFT JOIN time_scores AS ts USING (group_by, "group")
)
SELECT * FROM final
ORDER BY CASE group_by WHEN 'overall' THEN 0 WHEN 'work_type' THEN 1 WHEN 'issue_type' THEN 2
                       WHEN 'quarter' THEN 3 WHEN 'label' THEN 4 WHEN 'component' THEN 5 ELSE 6 END,
         -- sizes by their points ('2 pt' before '13 pt'; 'no points' last), the rest by name
         CASE WHEN group_by = 'size' THEN try_cast(regexp_extract("group", '^(.*) pt$', 1) AS DOUBLE) END NULLS LAST,
         "group"
