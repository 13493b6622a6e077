-- The geometry of the units a crosswalk file links (a list of ids), and whether each has
-- population figures (then its overlay shares are population weights too).
SELECT u.unit_id, u.geometry, EXISTS (SELECT 1 FROM indicator i WHERE i.unit_id = u.unit_id) AS populated
FROM admin_unit u
WHERE list_contains(?::BIGINT[], u.unit_id)
