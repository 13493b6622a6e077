-- A decision's communes, by code.
SELECT e.unit_id, u.code, u.name, e.list, e.computed_list, e.self_list, e.previous_list, e.criteria, e.override_reason
FROM review_decision_entry e
JOIN admin_unit u USING (unit_id)
WHERE e.decision_id = ?
ORDER BY u.code
