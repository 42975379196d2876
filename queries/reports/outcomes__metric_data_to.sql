-- The last day each product metric's loaded data describes (marts/fct_metric_data_to.sql), for
-- the impact analysis (queries/impact.py).
SELECT metric, data_to FROM fct_metric_data_to ORDER BY metric
