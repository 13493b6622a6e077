-- The imported units of one level (?2) of a boundary version (?1) other than those just written
-- (the id list ?3, taken from memory), in unit order, with the codes the derived levels group
-- communes by.
SELECT unit_id, province_code, province_name, district_code, district_name, geometry
FROM admin_unit
WHERE boundary_version_id = ?1 AND level = ?2 AND NOT derived AND NOT list_contains(?3::BIGINT[], unit_id)
ORDER BY unit_id
