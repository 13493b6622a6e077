-- The optimistic-concurrency step: succeeds (1 row) only if the plan is still at the version read.
UPDATE plan SET version = version + 1, updated_by = ?, updated_at = current_timestamp
WHERE plan_id = ? AND version = ?
