SELECT id, CAST(valid_from AS VARCHAR) FROM boundary_version WHERE name = ?
