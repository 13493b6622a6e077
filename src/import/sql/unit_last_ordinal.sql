-- The highest ordinal used in a version (unit ids are version id × stride + ordinal).
SELECT coalesce(max(unit_id) - ?1 * ?2, 0) FROM admin_unit WHERE boundary_version_id = ?1
