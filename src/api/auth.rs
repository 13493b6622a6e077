//! Authentication and authorization for every request.
//!
//! - [`required`] is the one table of which role each endpoint needs (public ones: the web
//!   client, `/api/health`, `/api/session`).
//! - [`authorize`] (middleware) finds the principal — `Authorization: Bearer` token, else the
//!   `atlas_session` cookie (writes then need the `X-CSRF-Token` header), else, in demo mode
//!   only, the demo user — checks the role and the per-user rate limit, and hands the
//!   [`Principal`] to the handler as a request extension. Handlers apply its scope.
//! - `POST|GET|DELETE /api/session`: sign in with a token (HttpOnly, SameSite=Strict cookie),
//!   who am I (+ the CSRF token), sign out. Sign-in attempts are limited per client address
//!   ([`SIGN_IN_BURST`] failures, then one more every [`SIGN_IN_EVERY`]): guessing is
//!   answered 429.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::extract::Json;
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::{Principal, Role, Via, audit, users};

/// Session cookie name.
pub const COOKIE: &str = "atlas_session";
/// Header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Access settings of a running server.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Every non-public request must be signed in (false only in demo mode).
    pub required: bool,
    /// Requests per second per user (token bucket); 0 turns the limit off.
    pub rate_per_sec: f64,
    /// Bucket size: requests a user may make at once.
    pub burst: f64,
    /// Tile requests per second per user, a class of its own so panning a map never spends a
    /// user's API budget (0: no limit); bursts up to 4× that.
    pub tile_rate_per_sec: f64,
    pub session_ttl: Duration,
    /// A read-only replica: changes (plans, imports, users) are refused; sign-in still works.
    pub read_only: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { required: true, rate_per_sec: 100.0, burst: 400.0, tile_rate_per_sec: 500.0, session_ttl: Duration::from_secs(12 * 3600), read_only: false }
    }
}

struct Session {
    user: Arc<str>,
    role: Role,
    scope: Arc<str>,
    csrf: String,
    expires: Instant,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// The allowance now: what was left plus what came back since, at most `burst`.
    fn refill(&mut self, now: Instant, rate: f64, burst: f64) -> f64 {
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * rate).min(burst);
        self.at = now;
        self.tokens
    }
}

/// Failed sign-ins one client address may make in a row before it must wait.
pub const SIGN_IN_BURST: f64 = 10.0;
/// After the burst, one more failed sign-in is allowed per this interval.
pub const SIGN_IN_EVERY: Duration = Duration::from_secs(6);
/// All clients together get this many times one client's allowance.
pub const SIGN_IN_SHARED: f64 = 10.0;
/// The key of the allowance all clients share (client keys start `ip:`, so none can equal it).
const SHARED_KEY: &str = "all clients";

/// A verified token: who, their role and scope text (shared: reading it allocates nothing).
#[derive(Clone)]
struct Verified {
    user: Arc<str>,
    role: Role,
    scope: Arc<str>,
    at: Instant,
}

/// A map split into shards by key hash, each behind its own lock: concurrent requests of
/// different users (and most of one user's) never wait on one global mutex.
struct Sharded<K, V> {
    shards: [Mutex<HashMap<K, V>>; SHARDS],
}

const SHARDS: usize = 16;

impl<K: std::hash::Hash + Eq, V> Sharded<K, V> {
    fn new() -> Self {
        Sharded { shards: std::array::from_fn(|_| Mutex::new(HashMap::new())) }
    }
    fn shard<Q: std::hash::Hash + ?Sized>(&self, k: &Q) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        use std::hash::{BuildHasher, BuildHasherDefault};
        // Fx only picks the shard; each shard's map keeps std's keyed hasher, so a client
        // choosing keys (a cookie) can at worst crowd one shard, never degrade a map.
        let h = BuildHasherDefault::<crate::hash::FxHasher>::default().hash_one(k);
        lock(&self.shards[(h >> 58) as usize % SHARDS])
    }
    fn retain(&self, mut f: impl FnMut(&K, &mut V) -> bool) {
        for s in &self.shards {
            lock(s).retain(|k, v| f(k, v));
        }
    }
    fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }
}

/// Which rate-limit class a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateClass {
    Api,
    Tiles,
}

/// Sessions, verified tokens, rate buckets.
pub struct Auth {
    pub config: AuthConfig,
    sessions: Sharded<String, Session>,
    /// SHA-256 of a token → who it is. Argon2 runs once a minute per token, not on every tile
    /// request.
    tokens: Sharded<[u8; 32], Verified>,
    buckets: Sharded<Arc<str>, Bucket>,
    tile_buckets: Sharded<Arc<str>, Bucket>,
    /// Failed sign-ins per client address.
    sign_ins: Sharded<String, Bucket>,
    /// Token checks under way, by token digest: the requests that carry one token while its
    /// check runs wait for that one check. Each argon2id check takes 19 MiB and tens of ms; when
    /// a busy client's cached check expired, every request in flight used to run its own (the
    /// 256-connection mixed load jumped from 480 MB to 976 MB resident at the minute).
    verifying: Sharded<[u8; 32], Arc<tokio::sync::OnceCell<Checked>>>,
    /// Token checks run (argon2id), for `/metrics`.
    verifications: std::sync::atomic::AtomicU64,
}

/// What a token check found: the user, role and scope, or nothing (not valid).
type Checked = Option<(Arc<str>, Role, Arc<str>)>;

const TOKEN_CACHE_TTL: Duration = Duration::from_secs(60);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Auth {
    pub fn new(config: AuthConfig) -> Auth {
        Auth {
            config,
            sessions: Sharded::new(),
            tokens: Sharded::new(),
            buckets: Sharded::new(),
            tile_buckets: Sharded::new(),
            sign_ins: Sharded::new(),
            verifying: Sharded::new(),
            verifications: Default::default(),
        }
    }

    /// Token checks run since start (concurrent requests with one token share one).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A user changed (disabled, new token): forget what was verified and end their sessions.
    pub fn forget_user(&self, name: &str) {
        self.tokens.retain(|_, v| &*v.user != name);
        self.sessions.retain(|_, s| &*s.user != name);
    }

    /// Browser sessions alive (for `/metrics`).
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// A sign-in attempt from `client` spends one attempt of its allowance and one of the
    /// allowance all clients share (an address can be spoofed behind a careless proxy, so all
    /// clients together get [`SIGN_IN_SHARED`] times one client's); `Err(seconds to wait)` when
    /// either is spent. Spent before the token is checked, so parallel guesses cannot slip
    /// through; a successful sign-in gives it back ([`Auth::sign_in_succeeded`]).
    fn sign_in_attempt(&self, client: &str) -> Result<(), f64> {
        let now = Instant::now();
        let keys = [(client, 1.0), (SHARED_KEY, SIGN_IN_SHARED)];
        let mut wait = 0.0f64;
        for (key, scale) in keys {
            let rate = scale / SIGN_IN_EVERY.as_secs_f64();
            let mut m = self.sign_ins.shard(key);
            if m.len() > 10_000 {
                // Bounded: a flood of addresses forgets the allowances already back in full.
                m.retain(|_, b| now.duration_since(b.at) < SIGN_IN_EVERY.mul_f64(SIGN_IN_BURST));
            }
            let b = m.entry(key.to_string()).or_insert(Bucket { tokens: SIGN_IN_BURST * scale, at: now });
            let left = b.refill(now, rate, SIGN_IN_BURST * scale);
            if left < 1.0 {
                wait = wait.max((1.0 - left) / rate);
            }
        }
        if wait > 0.0 {
            return Err(wait);
        }
        for (key, _) in keys {
            if let Some(b) = self.sign_ins.shard(key).get_mut(key) {
                b.tokens = (b.tokens - 1.0).max(0.0);
            }
        }
        Ok(())
    }

    /// The sign-in worked: the attempt it spent is given back.
    fn sign_in_succeeded(&self, client: &str) {
        for (key, scale) in [(client, 1.0), (SHARED_KEY, SIGN_IN_SHARED)] {
            if let Some(b) = self.sign_ins.shard(key).get_mut(key) {
                b.tokens = (b.tokens + 1.0).min(SIGN_IN_BURST * scale);
            }
        }
    }

    /// Spend one request of `who`'s budget in `class`; `Err(seconds to wait)` when it is spent.
    fn take(&self, who: &Arc<str>, class: RateClass) -> Result<(), f64> {
        let (rate, map) = match class {
            RateClass::Api => (self.config.rate_per_sec, &self.buckets),
            RateClass::Tiles => (self.config.tile_rate_per_sec, &self.tile_buckets),
        };
        if rate <= 0.0 {
            return Ok(());
        }
        let burst = match class {
            RateClass::Api => self.config.burst,
            RateClass::Tiles => rate * 4.0,
        };
        let now = Instant::now();
        let mut b = map.shard(&**who);
        if !b.contains_key(&**who) {
            b.insert(who.clone(), Bucket { tokens: burst, at: now });
        }
        let Some(e) = b.get_mut(&**who) else { return Ok(()) };
        if e.refill(now, rate, burst) >= 1.0 {
            e.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - e.tokens) / rate)
        }
    }
}



/// What an endpoint needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Needs(Role),
}

/// The role each endpoint needs. One table, so it can be read and tested as a whole.
pub fn required(method: &Method, path: &str) -> Access {
    // `p` itself or below it, without allocating (this runs for every tile request).
    let under = |p: &str| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if path == "/" || under("/web") || under("/fonts") || path == "/api/health" || path == "/api/session" || path == "/api/openapi.json" || path == "/api/docs" || path == "/favicon.ico" {
        return Access::Public;
    }
    let _ = method;
    if under("/api/admin") || under("/api/import") || path == "/metrics" {
        Access::Needs(Role::Admin)
    } else if under("/api/review") {
        // Commune officers reach only these; each handler checks the unit and the step.
        Access::Needs(Role::Officer)
    } else if under("/api/sql") || under("/api/queries") || under("/api/export") {
        Access::Needs(Role::Analyst)
    } else if under("/api/candidates") || under("/api/plans") {
        Access::Needs(Role::Leader)
    } else {
        Access::Needs(Role::Viewer)
    }
}

/// Does this request change stored data (refused by a read-only replica)? Every write except
/// signing in and reading SQL, which are POSTs that change nothing shared.
pub fn changes_data(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) && path != "/api/session" && path != "/api/sql"
}

fn bearer(h: &HeaderMap) -> Option<&str> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn cookie<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(name)?.strip_prefix('='))
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// Verify a bearer token (cached for a minute).
async fn from_token(state: &AppState, token: &str) -> ApiResult<Principal> {
    let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let cached = state.auth.tokens.shard(&key).get(&key).filter(|v| v.at.elapsed() < TOKEN_CACHE_TTL).cloned();
    let (name, role, scope) = match cached {
        Some(v) => (v.user, v.role, v.scope),
        None => check_once(state, key, token).await?.ok_or_else(|| {
            unauthorized("the token is not valid (unknown, revoked or its user disabled); an admin issues a new one with `commune-atlas users token NAME`")
        })?,
    };
    Ok(Principal { scope: state.scope_for(&scope), name, role, via: Via::Token })
}

/// Check a token not in the cache: once, however many requests carry it at the same time (the
/// others wait for the first one's check; a check that failed is run again by the next).
async fn check_once(state: &AppState, key: [u8; 32], token: &str) -> ApiResult<Checked> {
    let cell = state.auth.verifying.shard(&key).entry(key).or_default().clone();
    let checked = cell
        .get_or_try_init(|| async {
            let (store, t) = (state.store.clone(), token.to_string());
            state.auth.verifications.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let found = tokio::task::spawn_blocking(move || users::verify(&store, &t)).await??;
            let checked: Checked = found.map(|(n, r, s)| (n.into(), r, s.into()));
            if let Some((n, r, s)) = &checked {
                state.auth.tokens.shard(&key).insert(key, Verified { user: n.clone(), role: *r, scope: s.clone(), at: Instant::now() });
            }
            ApiResult::Ok(checked)
        })
        .await
        .cloned();
    // Done (or failed): the next expiry checks afresh.
    let mut m = state.auth.verifying.shard(&key);
    if m.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
        m.remove(&key);
    }
    checked
}

/// The middleware: who is asking, may they, and not too often.
pub async fn authorize(State(state): State<AppState>, req: Request, next: Next) -> Response {
    authorize_as(state, RateClass::Api, req, next).await
}

/// The same for the tile routes (the router puts them on their own stack): they spend the tile
/// budget.
pub async fn authorize_tiles(State(state): State<AppState>, req: Request, next: Next) -> Response {
    authorize_as(state, RateClass::Tiles, req, next).await
}

async fn authorize_as(state: AppState, class: RateClass, mut req: Request, next: Next) -> Response {
    let principal = match admit(&state, class, req.method(), req.uri().path(), req.headers()).await {
        Ok(Some(p)) => p,
        Ok(None) => return next.run(req).await,
        Err(refused) => return refused,
    };
    let name = principal.name.clone();
    req.extensions_mut().insert(principal);
    let mut resp = next.run(req).await;
    served_to(class, &mut resp, name);
    resp
}

/// Whether a request (`method` on `path` with `headers`) may go on, as [`authorize`] decides it: `Ok(None)` for a public route,
/// `Ok(Some(principal))` for a caller allowed the route and within their `class` budget, else
/// the refusal to answer (read-only replica, 401, 403, 429). The tile route calls this itself
/// rather than through the middleware: the busiest answer skips a boxed layer.
pub async fn admit(state: &AppState, class: RateClass, method: &Method, path: &str, headers: &HeaderMap) -> Result<Option<Principal>, Response> {
    let need = required(method, path);
    if state.auth.config.read_only && changes_data(method, path) {
        return Err(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "read_only", "this server is a read-only replica; make changes on the primary").into_response());
    }
    if need == Access::Public {
        return Ok(None);
    }
    let principal = resolve(state, method, headers).await.map_err(IntoResponse::into_response)?;
    if let Access::Needs(role) = need
        && !principal.may(role)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs the {role} role ({}); {} has the {} role", role.grants(), principal.name, principal.role),
        )
        .into_response());
    }
    if principal.via != Via::Demo
        && let Err(wait) = state.auth.take(&principal.name, class)
    {
        state.metrics.rate_limited();
        let (rate, what) = match class {
            RateClass::Api => (state.auth.config.rate_per_sec, "requests"),
            RateClass::Tiles => (state.auth.config.tile_rate_per_sec, "tile requests"),
        };
        return Err(too_many("rate_limited", format!("more than {rate} {what} per second from {}; retry shortly", principal.name), wait));
    }
    Ok(Some(principal))
}

/// Name the user on the answer for the access log. Tiles are logged only at debug level (or
/// when they fail), so their answers skip the extension (and its allocations) otherwise.
pub fn served_to(class: RateClass, resp: &mut Response, name: Arc<str>) {
    if class == RateClass::Api || resp.status().is_server_error() || tracing::enabled!(target: "commune_atlas::access", tracing::Level::DEBUG) {
        resp.extensions_mut().insert(super::metrics::ServedTo(name));
    }
}

pub(super) async fn resolve(state: &AppState, method: &Method, headers: &HeaderMap) -> ApiResult<Principal> {
    if let Some(token) = bearer(headers) {
        return from_token(state, token).await;
    }
    if let Some(id) = cookie(headers, COOKIE) {
        let found = {
            let mut sessions = state.auth.sessions.shard(id);
            match sessions.get(id) {
                Some(s) if s.expires > Instant::now() => Some((s.user.clone(), s.role, s.scope.clone(), s.csrf.clone())),
                Some(_) => {
                    sessions.remove(id);
                    None
                }
                None => None,
            }
        };
        if let Some((user, role, scope, csrf)) = found {
            let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe && headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some(csrf.as_str()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "a change made with a session cookie needs the X-CSRF-Token header from GET /api/session",
                ));
            }
            return Ok(Principal { scope: state.scope_for(&scope), name: user, role, via: Via::Session });
        }
        if state.auth.config.required {
            return Err(unauthorized("your session ended; sign in again"));
        }
    }
    if !state.auth.config.required {
        return Ok(Principal::demo(state.all_scope.clone()));
    }
    Err(unauthorized("sign in on the web page, or send `Authorization: Bearer <token>` (an admin issues tokens with `commune-atlas users add|token`)"))
}

#[derive(Debug, Deserialize)]
pub struct Login {
    pub token: String,
}

fn describe(p: &Principal, csrf: Option<&str>, state: &AppState) -> Value {
    json!({
        "authenticated": p.via != Via::Demo,
        "user": p.name, "role": p.role, "scope": p.scope.spec, "via": p.via,
        "csrf": csrf, "demo": state.demo, "login_required": state.auth.config.required,
    })
}

/// Whole seconds to wait, at least one.
fn retry_after(wait: f64) -> f64 {
    wait.ceil().max(1.0)
}

/// A 429 that says how long to wait, in its message and in `Retry-After`.
fn too_many(code: &'static str, message: String, wait: f64) -> Response {
    let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{}", retry_after(wait))) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// `POST /api/session {"token": "cat_…"}` — sign in; sets the session cookie.
pub async fn login(State(state): State<AppState>, ext: axum::http::Extensions, headers: HeaderMap, Json(l): Json<Login>) -> ApiResult<Response> {
    let peer = ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let client = client_address(peer, &headers);
    if let Err(wait) = state.auth.sign_in_attempt(&client) {
        let message = format!("too many failed sign-ins from this address; wait {} s and try again", retry_after(wait));
        return Ok(too_many("too_many_sign_ins", message, wait));
    }
    let p = match from_token(&state, &l.token).await {
        Ok(p) => p,
        Err(e) => {
            let store = state.store.clone();
            let _ = tokio::task::spawn_blocking(move || {
                audit::record(&store, &audit::Event::new("anonymous", "login").outcome("refused").detail("invalid token"))
            })
            .await;
            return Err(e);
        }
    };
    state.auth.sign_in_succeeded(&client);
    let id = users::random_token(32)?;
    let csrf = users::random_token(16)?;
    state.auth.sessions.shard(&id).insert(
        id.clone(),
        Session { user: p.name.clone(), role: p.role, scope: p.scope.spec.as_str().into(), csrf: csrf.clone(), expires: Instant::now() + state.auth.config.session_ttl },
    );
    let store = state.store.clone();
    let who = p.name.clone();
    tokio::task::spawn_blocking(move || audit::record(&store, &audit::Event::new(&who, "login").detail("session"))).await??;
    let secure = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let cookie = format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        state.auth.config.session_ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let mut r = Json(describe(&p, Some(&csrf), &state)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// Who is signing in, for the failed-sign-in limit: the peer's address; behind a proxy on the
/// same host (the peer is loopback) the address that proxy appended last to `X-Forwarded-For`
/// (the hops before it are the client's to write, so they are never trusted).
fn client_address(peer: Option<std::net::IpAddr>, headers: &HeaderMap) -> String {
    let via_local_proxy = peer.is_some_and(|p| p.is_loopback());
    let forwarded = via_local_proxy
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next()))
        .flatten()
        .and_then(|a| a.trim().parse::<std::net::IpAddr>().ok());
    match forwarded.or(peer) {
        Some(ip) => format!("ip:{ip}"),
        None => "ip:unknown".to_string(),
    }
}

/// `GET /api/session` — who is signed in (and the CSRF token for writes).
pub async fn whoami(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let csrf = cookie(&headers, COOKIE).and_then(|id| state.auth.sessions.shard(id).get(id).map(|s| s.csrf.clone()));
    match resolve(&state, &Method::GET, &headers).await {
        Ok(p) => Ok(Json(describe(&p, csrf.as_deref(), &state))),
        Err(_) => Ok(Json(json!({ "authenticated": false, "demo": state.demo, "login_required": true }))),
    }
}

/// `DELETE /api/session` — sign out.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(id) = cookie(&headers, COOKIE) {
        let removed = state.auth.sessions.shard(id).remove(id);
        if let Some(s) = removed {
            let store = state.store.clone();
            tokio::task::spawn_blocking(move || audit::record(&store, &audit::Event::new(&s.user, "logout"))).await??;
        }
    }
    let mut r = (StatusCode::NO_CONTENT, ()).into_response();
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static("atlas_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_needs_the_role_its_users_have() {
        let get = Method::GET;
        assert_eq!(required(&get, "/"), Access::Public);
        assert_eq!(required(&get, "/web/js/app.js"), Access::Public);
        assert_eq!(required(&get, "/fonts/DejaVu Sans/0-255.pbf"), Access::Public, "glyphs carry no data");
        assert_eq!(required(&get, "/webhook"), Access::Needs(Role::Viewer), "prefixes match whole segments");
        assert_eq!(required(&get, "/tiles/communes/5/25/14.mvt"), Access::Needs(Role::Viewer));
        assert_eq!(required(&Method::PATCH, "/api/plans/3"), Access::Needs(Role::Leader));
        assert_eq!(required(&Method::POST, "/api/sql"), Access::Needs(Role::Analyst));
        assert_eq!(required(&get, "/api/export/units.csv"), Access::Needs(Role::Analyst));
        assert_eq!(required(&get, "/api/admin/audit"), Access::Needs(Role::Admin));
        assert_eq!(required(&get, "/metrics"), Access::Needs(Role::Admin));
        assert!(changes_data(&Method::PATCH, "/api/plans/3") && !changes_data(&Method::POST, "/api/sql") && !changes_data(&get, "/tiles"));
    }

    #[test]
    fn cookies_and_bearer_tokens_are_read_from_their_headers() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; atlas_session=abc; b=2"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer  cat_x "));
        assert_eq!(cookie(&h, COOKIE), Some("abc"));
        assert_eq!(bearer(&h), Some("cat_x"));
    }
}
