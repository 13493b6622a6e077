-- The Ministry's decision on a province's result for a year, if recorded.
SELECT key_area, drug_free, route_scope, decision_no, CAST(decision_date AS VARCHAR), signer, decided_by
FROM ministry_decision
WHERE year = ? AND province_code = ?
