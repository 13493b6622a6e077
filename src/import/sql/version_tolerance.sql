-- The snap tolerance of a boundary version (degrees), with which its coverage is cleaned.
SELECT snap_tolerance FROM boundary_version WHERE id = ?
