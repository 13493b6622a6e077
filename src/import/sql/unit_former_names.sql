-- Former names of renamed communes: an old commune linked to exactly one new commune that is
-- linked to no other old one (a one-to-one link whose names differ). Merged or split communes
-- are not renames: their old names do not find the new unit.
WITH one_to_one AS (
    SELECT old_unit_id, new_unit_id
    FROM unit_crosswalk
    WHERE old_unit_id IN (SELECT old_unit_id FROM unit_crosswalk GROUP BY old_unit_id HAVING count(*) = 1)
      AND new_unit_id IN (SELECT new_unit_id FROM unit_crosswalk GROUP BY new_unit_id HAVING count(*) = 1)
)
SELECT n.boundary_version_id, n.code, o.name
FROM one_to_one x
JOIN admin_unit o ON o.unit_id = x.old_unit_id
JOIN admin_unit n ON n.unit_id = x.new_unit_id
WHERE o.level = 'commune' AND n.level = 'commune' AND o.name <> n.name
