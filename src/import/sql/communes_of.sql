-- The communes of an old district or province (level ?2, code ?3) in boundary version ?1: what a
-- crosswalk row linking that whole unit stands for.
SELECT unit_id, code
FROM admin_unit
WHERE boundary_version_id = ?1 AND level = 'commune'
  AND (CASE ?2 WHEN 'district' THEN district_code WHEN 'province' THEN province_code END) = ?3
ORDER BY unit_id
