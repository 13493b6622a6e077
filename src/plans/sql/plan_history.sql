-- A plan's audit trail, oldest first: who, when, what, the plan before and after (JSON).
SELECT audit_id, CAST(changed_at AS VARCHAR), actor, action, before, after
FROM plan_audit
WHERE plan_id = ?
ORDER BY audit_id
