-- args: as_of
-- One row per issue and status it has been in, as of `as_of` (the issues of
-- fct_status_intervals): how many stays, the whole microseconds of those it has left
-- (`closed_us`, summed exactly: micros_between) and, when the issue is in that status at
-- as_of, when it entered it (`open_since`, else NULL). Its time there at as_of is
-- closed_us + micros_between(open_since, as_of) (time_in_status): the same integer sum as
-- adding every stay up to until_at, so the figure is the same to the bit. status: the
-- status's current name, or for an id with none the name its latest stay carries.
-- Nothing in a row depends on as_of but through the issue's own history up to it (no
-- until_at), so the row stored at one instant holds at another for every issue with no
-- status change in between (queries/facts_delta.py): the stored table needs no update when
-- only as_of moves. issue_key: for reading the table in report order (the load stores it
-- sorted by issue_key, status). is_epic: the issue's (time_in_status leaves epics out by a
-- filter, which keeps the stored order, instead of a join). The join with raw_issues also
-- narrows the rows to the issues a delta computes (facts_delta shadows raw_issues with those
-- issues' rows).
WITH stays AS (
    SELECT * FROM fct_status_intervals(as_of)
)
SELECT * FROM status_totals_of('stays')
