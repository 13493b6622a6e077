-- One unit's stored geometry (GeoJSON, EPSG:4326), for OGC API – Features items.
SELECT geometry FROM admin_unit WHERE unit_id = ?
