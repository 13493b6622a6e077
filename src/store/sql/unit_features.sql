-- Units with their stored geometry, for GeoJSON answers; every filter is optional (NULL = all).
SELECT a.unit_id, a.code, a.name, a.unit_type, a.level, a.province_code, a.province_name,
       a.district_code, a.district_name, a.area_km2, a.label_lon, a.label_lat, a.geometry, v.name
FROM admin_unit a
JOIN boundary_version v ON v.id = a.boundary_version_id
WHERE (?1 IS NULL OR a.boundary_version_id = ?1)
  AND (?2 IS NULL OR a.level = ?2)
  AND (?3 IS NULL OR a.province_code = ?3)
ORDER BY a.unit_id
