-- The imported units of one level of a boundary version, in unit order, with their geometry
-- (to choose the version's snap tolerance from).
SELECT unit_id, geometry FROM admin_unit WHERE boundary_version_id = ? AND level = ? AND NOT derived ORDER BY unit_id
