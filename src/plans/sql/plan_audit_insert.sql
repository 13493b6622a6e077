INSERT INTO plan_audit (plan_id, actor, action, before, after) VALUES (?, ?, ?, ?, ?)
