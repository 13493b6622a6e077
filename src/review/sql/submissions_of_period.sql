-- Every submission of a period (the columns `Submission` reads), for the queue, progress and lists.
SELECT id, period_id, unit_id, state, version, figures, self_key_type, self_drug_free, justification, comment, updated_by, CAST(updated_at AS VARCHAR)
FROM review_submission
WHERE period_id = ?
ORDER BY unit_id
