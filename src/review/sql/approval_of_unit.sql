-- The approval that locks a commune's period, if its province's lists are approved.
SELECT d.decision_no
FROM review_decision d
JOIN admin_unit u ON u.province_code = d.province_code
WHERE d.period_id = ? AND u.unit_id = ? AND d.kind = 'approval'
