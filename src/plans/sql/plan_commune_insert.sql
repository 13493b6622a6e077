INSERT INTO plan_commune (plan_id, unit_id, note, added_by) VALUES (?, ?, ?, ?)
