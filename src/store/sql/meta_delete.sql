DELETE FROM atlas_meta WHERE key = ?
