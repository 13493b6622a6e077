-- Every unit's identity, box and label point: the in-memory unit directory (search, labels,
-- names, scopes). Newest boundary version first.
SELECT unit_id, code, name, level, unit_type, province_code, province_name, boundary_version,
       CAST(valid_from AS VARCHAR), min_lon, min_lat, max_lon, max_lat, label_lon, label_lat
FROM unit
ORDER BY valid_from DESC, unit_id
