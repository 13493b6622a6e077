-- Every decision on a province's lists for a period, oldest first (the approval, then amendments).
SELECT id, kind, decision_no, CAST(decision_date AS VARCHAR), signer, decided_by, CAST(decided_at AS VARCHAR)
FROM review_decision
WHERE period_id = ? AND province_code = ?
ORDER BY id
