-- The official act a decision makes of a commune: key type (classify) or drug-free (recognize, maintain).
INSERT INTO recognition_event (unit_id, status_type, value, year_covered, decision_no, decision_date, issuer, action)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
