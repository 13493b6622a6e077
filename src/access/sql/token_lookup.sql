-- A valid token's hash and its user (NULL rows for revoked tokens or disabled users).
SELECT t.secret_hash, u.name, u.role, u.scope
FROM atlas_token t
JOIN atlas_user u USING (user_id)
WHERE t.token_id = ? AND t.revoked_at IS NULL AND NOT u.disabled
