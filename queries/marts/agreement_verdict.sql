-- scalar: direction, target, before_value, during_value, review_on, as_of_on
-- The verdict of a working agreement on a linked metric (docs/metrics.md §8), shared by the
-- delivery-metric (fct_retro_agreements) and product-metric (fct_metric_agreements) marts:
-- too early while the review date is after as_of; not measurable without values during
-- the agreement, or without a target and without values before it; met when the value
-- during the agreement reaches the target in its direction (no target: strictly better
-- than the same-length window before the start); else not met.
CASE
    WHEN review_on > as_of_on THEN 'too early'
    WHEN during_value IS NULL THEN 'not measurable'
    WHEN target IS NULL AND before_value IS NULL THEN 'not measurable'
    WHEN (direction = 'up' AND target IS NOT NULL AND during_value >= target)
      OR (direction = 'down' AND target IS NOT NULL AND during_value <= target)
      OR (direction = 'up' AND target IS NULL AND during_value > before_value)
      OR (direction = 'down' AND target IS NULL AND during_value < before_value) THEN 'met'
    ELSE 'not met'
END
