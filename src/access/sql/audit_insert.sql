INSERT INTO audit_event (actor, action, target, outcome, detail, duration_ms, rows) VALUES (?, ?, ?, ?, ?, ?, ?)
