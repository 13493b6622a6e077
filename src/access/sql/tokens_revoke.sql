-- Revoke every token of a user that is still valid.
UPDATE atlas_token SET revoked_at = current_timestamp WHERE user_id = ? AND revoked_at IS NULL
