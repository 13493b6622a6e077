INSERT INTO boundary_version (name, valid_from, valid_to, code_system, source, snap_tolerance)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id
