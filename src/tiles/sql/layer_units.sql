-- The units of one level of one boundary version, with what a tile carries and the geometry.
SELECT unit_id, code, name, province_code, label_lon, label_lat, geometry
FROM admin_unit
WHERE boundary_version_id = ? AND level = ?
ORDER BY unit_id
