-- A unit's stored geometry (GeoJSON) by id.
SELECT geometry FROM admin_unit WHERE unit_id = ?
