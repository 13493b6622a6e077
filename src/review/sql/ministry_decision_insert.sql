-- The Ministry approves a province-level result (Art. 7.3).
INSERT INTO ministry_decision (year, province_code, key_area, drug_free, route_scope, decision_no, decision_date, signer, decided_by, decided_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
