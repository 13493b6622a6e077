UPDATE atlas_user SET disabled = ? WHERE user_id = ?
