-- Communes named in a province's plan for a year, or self-registered.
SELECT u.code AS unit_code, u.name AS unit_name, u.province_code, q.*
FROM quota_assignment q
JOIN unit u USING (unit_id)
