//! Users and their API tokens in the store (`atlas_user`, `atlas_token`, migration 6).
//!
//! A token reads `cat_<id>_<secret>`: 8 random bytes of id (hex) to find the row, 32 random bytes
//! of secret (hex) checked against an argon2id hash. The token is shown once, when issued; the
//! store never holds it. Every change is recorded in the audit log in the same transaction.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use duckdb::{Connection, params};
use serde::Serialize;

use super::Role;
use super::audit;
use crate::error::{Error, Result};
use crate::store::{Store, transaction};

/// A user as listed (never with a token).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub user_id: i32,
    pub name: String,
    pub role: Role,
    /// `*` or comma-separated province codes.
    pub scope: String,
    pub disabled: bool,
    pub created_by: String,
    pub created_at: String,
    /// Tokens not revoked.
    pub active_tokens: i64,
}

/// A freshly issued token: the only time its text exists.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    pub user: String,
    pub token: String,
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("the operating system gave no randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Random hex for session ids and CSRF tokens.
pub fn random_token(bytes: usize) -> Result<String> {
    random_hex(bytes)
}

fn hash_secret(secret: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("the operating system gave no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing a token: {e}")))
}

/// Split `cat_<id>_<secret>`; `None` when it is not shaped like a token.
fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.trim().strip_prefix("cat_")?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 16) && hex(secret, 64)).then_some((id, secret))
}

fn validate_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "user name '{name}' is not valid: 1–64 characters from letters, digits and . _ @ -"
        )))
    }
}

fn insert_token(conn: &Connection, user_id: i32) -> Result<String> {
    let id = random_hex(8)?;
    let secret = random_hex(32)?;
    conn.execute(include_str!("sql/token_insert.sql"), params![id, user_id, hash_secret(&secret)?])
    .map_err(Error::store("storing a token"))?;
    Ok(format!("cat_{id}_{secret}"))
}

fn user_id(conn: &Connection, name: &str) -> Result<(i32, bool)> {
    conn.query_row(include_str!("sql/user_by_name.sql"), [name], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| match e {
            duckdb::Error::QueryReturnedNoRows => Error::NotFound(format!("no user named '{name}' (see `commune-atlas users list`)")),
            other => Error::Store { context: format!("finding user {name}"), source: other },
        })
}

/// Create a user and their first token.
pub fn add(store: &Store, name: &str, role: Role, scope: &str, actor: &str) -> Result<IssuedToken> {
    validate_name(name)?;
    let scope = super::scope::normalise(scope)?;
    let conn = store.connect()?;
    transaction(&conn, "adding a user", |c| {
        let exists: i64 = c
            .query_row(include_str!("sql/user_count_named.sql"), [name], |r| r.get(0))
            .map_err(Error::store("adding a user"))?;
        if exists > 0 {
            return Err(Error::Refused(format!("a user named '{name}' exists; issue a new token with `users token {name}`")));
        }
        let id: i32 = c
            .query_row(include_str!("sql/user_insert.sql"), params![name, role, scope, actor], |r| r.get(0))
            .map_err(Error::store("adding a user"))?;
        let token = insert_token(c, id)?;
        audit::record_on(c, &audit::Event::new(actor, "user_add").target(name).detail(format!("role={role} scope={scope}")))?;
        Ok(IssuedToken { user: name.to_string(), token })
    })
}

/// Issue another token for a user (`revoke_others` revokes the ones they had).
pub fn issue_token(store: &Store, name: &str, revoke_others: bool, actor: &str) -> Result<IssuedToken> {
    let conn = store.connect()?;
    transaction(&conn, "issuing a token", |c| {
        let (id, disabled) = user_id(c, name)?;
        if disabled {
            return Err(Error::Refused(format!("user '{name}' is disabled; enable them first (`users enable {name}`)")));
        }
        if revoke_others {
            c.execute(include_str!("sql/tokens_revoke.sql"), [id])
                .map_err(Error::store("revoking tokens"))?;
        }
        let token = insert_token(c, id)?;
        audit::record_on(c, &audit::Event::new(actor, "token_issue").target(name).detail(format!("revoke_others={revoke_others}")))?;
        Ok(IssuedToken { user: name.to_string(), token })
    })
}

/// Disable (or enable again) a user: a disabled user's tokens and sessions stop working.
pub fn set_disabled(store: &Store, name: &str, disabled: bool, actor: &str) -> Result<()> {
    let conn = store.connect()?;
    transaction(&conn, "changing a user", |c| {
        let (id, _) = user_id(c, name)?;
        c.execute(include_str!("sql/user_set_disabled.sql"), params![disabled, id]).map_err(Error::store("changing a user"))?;
        let action = if disabled { "user_disable" } else { "user_enable" };
        audit::record_on(c, &audit::Event::new(actor, action).target(name))
    })
}

/// Every user.
pub fn list(store: &Store) -> Result<Vec<User>> {
    let conn = store.connect()?;
    let ctx = "listing users";
    let mut stmt = conn
        .prepare(include_str!("sql/users_list.sql"))
        .map_err(Error::store(ctx))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(User {
                user_id: r.get(0)?,
                name: r.get(1)?,
                role: r.get(2)?,
                scope: r.get(3)?,
                disabled: r.get(4)?,
                created_by: r.get(5)?,
                created_at: r.get(6)?,
                active_tokens: r.get(7)?,
            })
        })
        .map_err(Error::store(ctx))?;
    rows.collect::<std::result::Result<_, _>>().map_err(Error::store(ctx))
}

/// True when at least one enabled user exists (a login-protected server needs one).
pub fn any_enabled(store: &Store) -> Result<bool> {
    let conn = store.connect()?;
    conn.query_row(include_str!("sql/users_any_enabled.sql"), [], |r| r.get(0)).map_err(Error::store("counting users"))
}

/// Who a token belongs to: (name, role, scope). `None` for a malformed, unknown, revoked or
/// wrong token, or a disabled user — callers must not say which.
pub fn verify(store: &Store, token: &str) -> Result<Option<(String, Role, String)>> {
    let Some((id, secret)) = parse(token) else { return Ok(None) };
    let conn = store.connect()?;
    let row: Option<(String, String, Role, String)> = conn
        .query_row(include_str!("sql/token_lookup.sql"), [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map(Some)
        .or_else(|e| if matches!(e, duckdb::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
        .map_err(Error::store("checking a token"))?;
    let Some((hash, name, role, scope)) = row else { return Ok(None) };
    let parsed = PasswordHash::new(&hash).map_err(|e| Error::Corrupt(format!("stored token hash of {name}: {e}")))?;
    if Argon2::default().verify_password(secret.as_bytes(), &parsed).is_err() {
        return Ok(None);
    }
    Ok(Some((name, role, scope)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_one_shape() {
        let t = format!("cat_{}_{}", "a".repeat(16), "b".repeat(64));
        assert_eq!(parse(&t), Some(("a".repeat(16).as_str(), "b".repeat(64).as_str())));
        assert_eq!(parse("cat_short_secret"), None);
        assert_eq!(parse(&t.replace("cat_", "tok_")), None);
        assert_eq!(parse(&format!("{t}x")), None);
    }

    #[test]
    fn a_secret_verifies_against_its_hash_only() {
        let h = hash_secret("s3cret").unwrap();
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(Argon2::default().verify_password(b"s3cret", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"s3creT", &parsed).is_err());
    }
}
