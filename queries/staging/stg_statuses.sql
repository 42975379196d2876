-- Statuses with their workflow category and stage rank (docs/metrics.md §1), by status id.
-- category: config override of the status in its source, else of its id in every source
--   (cfg_status_override.source NULL), else Jira's statusCategory.key
--   (new -> todo, indeterminate -> in_progress, done -> done).
-- stage_rank: explicit config stage order (matched by status id or name) when given,
--   else todo = 0, in_progress = 1, in_progress matching the review pattern = 2, done = 3.
-- is_review: an in_progress status whose name matches the review pattern (a QA bounce is a
--   backward move out of such a status; with the default stages these are the rank-2 ones).
WITH base AS (
    SELECT
        s.source,
        s.status_id,
        s.name,
        coalesce(
            so.category,
            o.category,
            CASE s.category_key WHEN 'new' THEN 'todo' WHEN 'done' THEN 'done' ELSE 'in_progress' END
        ) AS category
    FROM raw_statuses AS s
    LEFT JOIN cfg_status_override AS so ON so.source = s.source AND so.status_id = s.status_id
    LEFT JOIN cfg_status_override AS o ON o.source IS NULL AND o.status_id = s.status_id
),
explicit AS (
    SELECT b.source, b.status_id, min(c.stage_rank) AS stage_rank
    FROM base AS b
    JOIN cfg_stage AS c ON c.status_ref = b.status_id OR lower(c.status_ref) = lower(b.name)
    GROUP BY ALL
),
final AS (
    SELECT
        b.source,
        b.status_id,
        b.name,
        b.category,
        coalesce(
            e.stage_rank,
            CASE
                WHEN b.category = 'todo' THEN 0
                WHEN b.category = 'done' THEN 3
                WHEN regexp_matches(b.name, (SELECT value FROM cfg_param WHERE key = 'review_pattern'), 'i') THEN 2
                ELSE 1
            END
        ) AS stage_rank,
        b.category = 'in_progress'
            AND regexp_matches(b.name, (SELECT value FROM cfg_param WHERE key = 'review_pattern'), 'i')
            AS is_review
    FROM base AS b
    LEFT JOIN explicit AS e USING (source, status_id)
)
SELECT * FROM final
