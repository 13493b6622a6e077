SELECT count(*) FROM atlas_user WHERE name = ?
