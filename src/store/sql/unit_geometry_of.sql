-- The stored geometries (GeoJSON, EPSG:4326) of one boundary version's units of a level, in one read.
SELECT unit_id, geometry FROM admin_unit WHERE boundary_version_id = ? AND level = ?
