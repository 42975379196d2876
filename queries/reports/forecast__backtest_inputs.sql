-- Everything the backtest (forecast_backtest) reads, in one pass over the completion spans
-- as known at $as_of (fct_completion_spans: the stored status stays when $as_of is the
-- stored instant), in scope $board_id / $project:
--   instant_no n = 1, 2, …: the daily throughput at instant $instants[n] — issues completed
--     per day from $window_froms[n] to $window_tos[n] inclusive (completion day in the
--     reporting timezone), as known at that instant: what the forecast counts there from its
--     inputs (forecast.daily_throughput over flow__forecast_inputs). `day_no` = days after the window's start; days without completions have no row;
--   instant_no 0: one row per item completed after $since as known at $at (completed_at,
--     completed_on), what the re-forecasts are scored against (forecast__completions).
-- Every instant is no later than $as_of; the completions at an instant are the spans
-- holding it.
WITH spans AS MATERIALIZED (
    SELECT valid_from, valid_to, completed_at, completed_on
    FROM fct_completion_spans($as_of, $board_id, $project)
),
instants AS (
    SELECT
        generate_subscripts($instants::TIMESTAMPTZ[], 1) AS instant_no,
        unnest($instants::TIMESTAMPTZ[]) AS at,
        unnest($window_froms::DATE[]) AS window_from,
        unnest($window_tos::DATE[]) AS window_to
),
daily AS (
    SELECT i.instant_no, date_diff('day', i.window_from, s.completed_on) AS day_no, count(*) AS completed
    FROM spans AS s
    JOIN instants AS i
        ON s.valid_from <= i.at AND (s.valid_to IS NULL OR s.valid_to > i.at)
       AND s.completed_on BETWEEN i.window_from AND i.window_to
    GROUP BY ALL
)
SELECT instant_no, day_no, completed, NULL::TIMESTAMPTZ AS completed_at, NULL::DATE AS completed_on
FROM daily
UNION ALL
SELECT 0, NULL, 1, s.completed_at, s.completed_on
FROM spans AS s
WHERE s.valid_from <= $at::TIMESTAMPTZ AND (s.valid_to IS NULL OR s.valid_to > $at::TIMESTAMPTZ)
  AND s.completed_at > $since::TIMESTAMPTZ
ORDER BY instant_no, day_no, completed_at
