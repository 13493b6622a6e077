-- A new token: its id and the argon2id hash of its secret (the secret itself is never stored).
INSERT INTO atlas_token (token_id, user_id, secret_hash) VALUES (?, ?, ?)
