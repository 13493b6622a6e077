-- Communes with what finds them by name: version, code, name (with its prefix), type, province
-- and, before the 2025 reform, district.
SELECT boundary_version_id, code, name, unit_type, province_code, province_name, district_name
FROM admin_unit
WHERE level = 'commune'
