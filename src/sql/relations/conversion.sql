-- Year-over-year conversion per commune of the later year.
SELECT u.boundary_version, u.code AS unit_code, u.name AS unit_name, u.province_code, u.province_name, c.*
FROM conversion c
JOIN unit u USING (unit_id)
