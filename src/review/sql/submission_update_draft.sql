-- Save a draft over the version the officer saw (0 rows: someone changed it first).
UPDATE review_submission
SET state = 'draft', figures = ?, self_key_type = ?, self_drug_free = ?, justification = ?, updated_by = ?, updated_at = ?, version = version + 1
WHERE id = ? AND version = ? AND state IN ('draft', 'returned')
