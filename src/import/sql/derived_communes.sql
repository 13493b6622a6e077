-- The communes of a boundary version, in unit order (as the tiles snap them), with the codes the
-- derived levels group them by.
SELECT unit_id, province_code, province_name, district_code, district_name, geometry
FROM admin_unit
WHERE boundary_version_id = ? AND level = 'commune'
ORDER BY unit_id
