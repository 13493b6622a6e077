-- Every user with the number of tokens not revoked.
SELECT u.user_id, u.name, u.role, u.scope, u.disabled, u.created_by, CAST(u.created_at AS VARCHAR),
       count(t.token_id) FILTER (WHERE t.revoked_at IS NULL)
FROM atlas_user u
LEFT JOIN atlas_token t USING (user_id)
GROUP BY ALL
ORDER BY u.name
