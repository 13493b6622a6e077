-- Each unit's stored geometry as GeoJSON text (EPSG:4326).
SELECT unit_id, code, geometry FROM admin_unit
