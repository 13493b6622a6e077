-- A unit's id and stored geometry by code, in the named boundary version or else the newest one
-- that has the code.
SELECT a.unit_id, a.geometry
FROM admin_unit a
JOIN boundary_version v ON v.id = a.boundary_version_id
WHERE a.code = ?1 AND (?2 IS NULL OR v.name = ?2)
ORDER BY v.valid_from DESC
LIMIT 1
