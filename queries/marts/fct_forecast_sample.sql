-- args: as_of, in_board, in_project, window_from, window_to
-- The issues a throughput forecast starts from, as known at as_of in scope in_board /
-- in_project (fct_issue_scoped: epics and sub-tasks left out): those completed from
-- window_from to window_to inclusive (completion day in the reporting timezone; the
-- throughput sample) and those not complete at as_of (the remaining work): the forecast's
-- inputs (flow__forecast_inputs).
SELECT f.*
FROM fct_issue_scoped(as_of, in_board, in_project) AS f
WHERE f.completed_at IS NULL OR f.completed_on BETWEEN window_from::DATE AND window_to::DATE
