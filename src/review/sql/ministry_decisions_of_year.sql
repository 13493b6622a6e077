-- The Ministry's decisions on every province's result for a year.
SELECT province_code, key_area, drug_free, route_scope, decision_no, CAST(decision_date AS VARCHAR), signer, decided_by
FROM ministry_decision
WHERE year = ?
ORDER BY province_code
