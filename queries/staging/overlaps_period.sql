-- scalar: first_day, last_day, date_from, date_to
-- Something that spans days overlaps the period the sidebar or a command chose: it began by
-- the period's last day and did not end before its first (last_day NULL: not ended; a
-- missing period end is open). An issue active in the period (created by its end, not
-- completed before its start: issue_facts, time_in_status, data_quality) and a working
-- agreement running in it (start to review day) are this rule.
(date_to IS NULL OR first_day <= date_to)
AND (date_from IS NULL OR last_day IS NULL OR last_day >= date_from)
