SELECT value FROM atlas_meta WHERE key = ?
