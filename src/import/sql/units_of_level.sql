-- Every stored unit of one level, by boundary version and code (for resolving codes in files).
SELECT boundary_version_id, code, unit_id FROM admin_unit WHERE level = ?
