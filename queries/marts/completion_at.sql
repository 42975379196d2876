-- scalar: in_done, changes_seen, last_done_entry_at, created_at, resolved_at, as_of
-- When an issue counts as completed at as_of (docs/metrics.md §1 "Completion"), from what is
-- seen then: not complete unless in a done-category status (in_done; NULL: unknown status,
-- not done); with status changes seen (changes_seen), at its last entry into done up to
-- as_of (enters_done; at creation when there is none, e.g. created straight into done and
-- moved between done statuses); with none, at its resolution if that is by as_of (not
-- before creation), or its creation when it has no resolution date, else not complete.
-- last_done_entry_at is clipped to creation by the caller (a change dated before it counts
-- at creation). fct_issue_facts judges each issue at as_of with it; fct_completion_spans
-- judges each done stay with it, so the two agree at every instant.
CASE
    WHEN in_done IS DISTINCT FROM true THEN NULL
    WHEN changes_seen THEN coalesce(last_done_entry_at, created_at)
    WHEN resolved_at IS NULL THEN created_at
    WHEN resolved_at <= as_of THEN greatest(resolved_at, created_at)
    ELSE NULL
END
