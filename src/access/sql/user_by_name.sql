SELECT user_id, disabled FROM atlas_user WHERE name = ?
