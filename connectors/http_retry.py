"""The HTTP `Retry-After` rule shared by the connectors that talk to a rate-limited API
(`jira_transport`, `posthog`): the header is either seconds or an HTTP date."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

from queries.dates import aware


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (never negative; a date without a zone is
    UTC); None when there is no value or it is neither seconds nor a date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (aware(when) - (now or datetime.now(UTC))).total_seconds())   # a date without a zone: GMT, as HTTP's are
