INSERT OR REPLACE INTO atlas_meta (key, value) VALUES (?, ?)
