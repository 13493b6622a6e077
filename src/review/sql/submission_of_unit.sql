-- The submission of a commune for a period, if any.
SELECT id FROM review_submission WHERE period_id = ? AND unit_id = ?
