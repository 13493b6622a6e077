-- Codes of the given units (a list of ids) that stored data refers to: indicators, the crosswalk,
-- recognition events, quotas. A replaced boundary file may not drop them.
SELECT DISTINCT code
FROM admin_unit
WHERE list_contains(?::BIGINT[], unit_id)
  AND (unit_id IN (SELECT unit_id FROM indicator)
    OR unit_id IN (SELECT old_unit_id FROM unit_crosswalk)
    OR unit_id IN (SELECT new_unit_id FROM unit_crosswalk)
    OR unit_id IN (SELECT unit_id FROM recognition_event)
    OR unit_id IN (SELECT unit_id FROM quota_assignment))
ORDER BY code
LIMIT 20
