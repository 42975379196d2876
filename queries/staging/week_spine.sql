-- args: data_first_week, as_of, date_from, date_to
-- The ISO weeks (Monday start, dates in the reporting timezone) a weekly report runs over,
-- one row per week, empty weeks included: from the week of date_from (default:
-- data_first_week, the report's first week with data) to the week of date_to (default:
-- the week of as_of), never past the week of as_of. No rows when there is no first week
-- or it comes after the last.
WITH bounds AS (
    SELECT
        coalesce(date_trunc('week', date_from::DATE)::DATE, data_first_week) AS first_week,
        least(
            date_trunc('week', coalesce(date_to::DATE,
                local_ts(as_of)::DATE))::DATE,
            date_trunc('week', local_ts(as_of))::DATE
        ) AS last_week
)
SELECT unnest(generate_series(first_week, last_week, INTERVAL 7 DAY))::DATE AS week
FROM bounds
WHERE first_week IS NOT NULL AND first_week <= last_week
