-- Record a decision on a province's lists; gives its id.
INSERT INTO review_decision (period_id, province_code, kind, decision_no, decision_date, signer, decided_by, decided_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id
