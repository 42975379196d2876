-- scalar: day, date_from, date_to
-- A day inside the period the sidebar or a command chose: on or after date_from and on or
-- before date_to (both days in the reporting timezone; a missing end is open). Which day a
-- report tests is its own rule (an issue's completion day, a sprint's local start day, a
-- retro's day, an item's ship day); the period's bounds are this one.
(date_from IS NULL OR day >= date_from) AND (date_to IS NULL OR day <= date_to)
