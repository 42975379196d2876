-- scalar: points, debt_points, issues, debt_issues
-- The tech-debt share of some completed issues (docs/metrics.md §6): the debt issues' points
-- over all their points; when none had points, the debt issues over all of them; NULL when
-- nothing was completed. No debt among completed work is a share of 0, not a missing one (the
-- sums of no rows are NULL). The slide's KPI (tech_health__kpis) and a debt-share working
-- agreement (fct_retro_agreements) both read it; the work mix (reports/work_mix.sql) gives
-- every work type's share of a sprint by the same points-else-counts rule.
CASE WHEN coalesce(points, 0) > 0 THEN coalesce(debt_points, 0) / points
     WHEN coalesce(issues, 0) > 0 THEN coalesce(debt_issues, 0) / issues END
