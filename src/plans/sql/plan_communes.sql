-- A plan's communes with their status in the plan's target year (NULL before that year has data).
SELECT pc.unit_id, u.code, u.name, pc.note, pc.added_by, c.status
FROM plan_commune pc
JOIN admin_unit u USING (unit_id)
JOIN plan p USING (plan_id)
LEFT JOIN classification c ON c.unit_id = pc.unit_id AND c.year = p.target_year
WHERE pc.plan_id = ?
ORDER BY u.code
