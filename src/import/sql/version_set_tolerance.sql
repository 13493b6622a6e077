-- The snap tolerance chosen from the data; it never shrinks (another level may need more).
UPDATE boundary_version SET snap_tolerance = greatest(snap_tolerance, ?) WHERE id = ?
RETURNING snap_tolerance
