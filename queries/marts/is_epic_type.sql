-- scalar: issue_type
-- Whether an issue of this type is an epic (its type named Epic, in any case): the issue
-- facts' is_epic and the status totals' (time_in_status leaves epics out by it).
regexp_matches(issue_type, '^epic$', 'i')
