-- Every boundary version with its unit counts by level, oldest first.
SELECT id, name, CAST(valid_from AS VARCHAR), CAST(valid_to AS VARCHAR), code_system, source,
       provinces, districts, communes, snap_tolerance
FROM boundary_version_summary
ORDER BY valid_from, id
