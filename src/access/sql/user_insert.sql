INSERT INTO atlas_user (name, role, scope, created_by) VALUES (?, ?, ?, ?) RETURNING user_id
