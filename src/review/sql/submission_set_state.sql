-- Move a submission to a new state over the version the caller saw, from the states allowed
-- (a list literal) — 0 rows: someone changed it first, or the step does not apply.
UPDATE review_submission
SET state = ?, comment = ?, updated_by = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ? AND list_contains(?::VARCHAR[], state)
