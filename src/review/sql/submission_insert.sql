-- A commune's first draft for a period.
INSERT INTO review_submission (period_id, unit_id, state, version, figures, self_key_type, self_drug_free, justification, updated_by, updated_at)
VALUES (?, ?, 'draft', 1, ?, ?, ?, ?, ?, ?)
RETURNING id
