-- Every submission of a period, for the province's review queue.
SELECT id FROM review_submission WHERE period_id = ? ORDER BY unit_id
