//! The HTTP service: axum routers, one file per resource. Handlers are thin — parse the request,
//! call a library module on a blocking thread, answer JSON — and every error is JSON too.

mod admin;
mod analytics;
pub mod answers;
pub mod auth;
mod choropleth;
mod error;
mod extract;
mod fonts;
mod health;
pub(crate) mod http;
mod maps;
pub mod messages;
pub mod metrics;
mod plans;
mod ogc;
mod outer;
pub mod openapi;
mod review;
mod search;
mod sql;
mod static_files;
mod tiles;
mod units;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::{ApiError, ApiResult};

use crate::access::Scope;
use crate::access::scope::UnitRef;
use crate::analytics::Snapshot;
use crate::sql::sandbox::Sandbox;
use crate::store::{Directory, Store};
use crate::tiles::TileService;

/// Largest request body, except imports.
pub const BODY_LIMIT: usize = 1 << 20;
/// Largest import upload.
pub const IMPORT_BODY_LIMIT: usize = 256 << 20;
/// Longest a request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Shared by every handler: one pointer, so the per-request clones (every middleware and
/// `State` extractor takes one) cost one atomic increment, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] points to.
pub struct Shared {
    pub store: Arc<Store>,
    /// Serving the embedded synthetic demo data (the UI says so).
    pub demo: bool,
    /// Classification of every commune-year, replaced whole after a refresh.
    pub analytics: Arc<RwLock<Arc<Snapshot>>>,
    /// Vector tile layers and their cache (reloaded after a boundary import).
    tiles: Arc<TileService>,
    /// Every unit's identity: search, labels, names, scopes ([`AppState::units`]).
    units: Arc<RwLock<Arc<Directory>>>,
    /// The analysts' SQL sandboxes, one per scope (built on first use, rebuilt after data
    /// changes): scope key → (data generation it was built from, sandbox).
    pub sandboxes: Arc<Mutex<HashMap<u64, (u64, Arc<Sandbox>)>>>,
    /// Bumped whenever stored data changes (plans, imports).
    pub generation: Arc<AtomicU64>,
    /// At most this many sandbox queries run at once.
    pub sql_slots: Arc<tokio::sync::Semaphore>,
    /// At most this many tile misses render at once (one per core, twice): a burst of misses
    /// queues instead of growing threads and memory.
    pub render_slots: tokio::sync::Semaphore,
    /// Sessions, token checks, rate limits.
    pub auth: Arc<auth::Auth>,
    /// Resolved scopes by their stored text.
    scopes: Arc<Mutex<HashMap<String, Arc<Scope>>>>,
    /// Every province (demo mode and national users), made once.
    pub all_scope: Arc<Scope>,
    pub metrics: Arc<metrics::Metrics>,
    /// Choropleths, status, conversion and progress, computed once per data generation.
    pub answers: Arc<answers::AnswerCache>,
    /// How far rendering tiles ahead of time has come (`serve` starts it; `/api/health`).
    pub prerender: Arc<crate::tiles::Prerender>,
}

impl AppState {
    pub fn new(store: Arc<Store>, demo: bool, snapshot: Snapshot, tiles: TileService, auth: auth::AuthConfig) -> crate::Result<AppState> {
        let units = Arc::new(Directory::load(&store)?);
        Ok(AppState(Arc::new(Shared {
            store,
            demo,
            analytics: Arc::new(RwLock::new(Arc::new(snapshot))),
            tiles: Arc::new(tiles),
            units: Arc::new(RwLock::new(units)),
            sandboxes: Arc::default(),
            generation: Arc::default(),
            sql_slots: Arc::new(tokio::sync::Semaphore::new(2)),
            render_slots: tokio::sync::Semaphore::new(2 * std::thread::available_parallelism().map_or(2, |n| n.get())),
            auth: Arc::new(auth::Auth::new(auth)),
            scopes: Arc::default(),
            all_scope: Arc::new(Scope::all()),
            metrics: Arc::new(metrics::Metrics::new()),
            answers: Arc::new(answers::AnswerCache::new(answers::DEFAULT_BUDGET)),
            prerender: Arc::default(),
        })))
    }

    /// The sandbox for a scope, unless data changed since it was built.
    pub fn sandbox_if_fresh(&self, scope: &Scope) -> Option<Arc<Sandbox>> {
        let now = self.generation.load(Ordering::SeqCst);
        let map = self.sandboxes.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&scope.key).filter(|(g, _)| *g == now).map(|(_, s)| s.clone())
    }

    /// Use a freshly built sandbox for a scope (built from data `generation`).
    pub fn install_sandbox(&self, scope: &Scope, generation: u64, s: Sandbox) -> Arc<Sandbox> {
        let s = Arc::new(s);
        let mut map = self.sandboxes.lock().unwrap_or_else(|p| p.into_inner());
        // Old generations and, past a few dozen scopes, everything else make room.
        let now = self.generation.load(Ordering::SeqCst);
        map.retain(|_, (g, _)| *g == now);
        if map.len() >= 32 {
            map.clear();
        }
        map.insert(scope.key, (generation, s.clone()));
        s
    }

    /// Data changed: the next SQL query of every scope rebuilds its sandbox.
    pub fn data_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A stored scope (`*` or province codes) resolved against the current units and crosswalk.
    pub fn scope_for(&self, spec: &str) -> Arc<Scope> {
        if spec == "*" {
            return self.all_scope.clone();
        }
        if let Some(s) = self.scopes.lock().unwrap_or_else(|p| p.into_inner()).get(spec) {
            return s.clone();
        }
        let snap = self.snapshot();
        let directory = self.units();
        let units = directory.entries().iter().map(|e| UnitRef {
            id: e.unit_id,
            level: e.level,
            code: e.code.as_str(),
            province_code: e.province_code.as_deref(),
        });
        let scope = Arc::new(Scope::resolve(spec, units, &snap.facts.successors));
        self.scopes.lock().unwrap_or_else(|p| p.into_inner()).insert(spec.to_string(), scope.clone());
        scope
    }

    /// Replace the analytics snapshot (after an import) and forget what depended on it.
    pub fn replace_snapshot(&self, s: Snapshot) {
        *self.analytics.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(s);
        self.scopes.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.data_changed();
    }

    /// The tile layers being served.
    pub fn tiles(&self) -> &TileService {
        &self.tiles
    }

    /// Every unit's identity.
    pub fn units(&self) -> Arc<Directory> {
        self.units.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Serve the stored boundaries anew (after a boundary import): tile layers (their cache
    /// emptied), the unit directory, and the scopes resolved from it.
    pub fn reload_boundaries(&self) -> crate::Result<()> {
        self.tiles.reload(&self.store)?;
        let units = Directory::load(&self.store)?;
        *self.units.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(units);
        self.scopes.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.data_changed();
        Ok(())
    }

    /// The current analytics snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.analytics.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// What serving needs from the store: the analytics snapshot (classification brought up to date
/// with the built-in rules) and the tile layers, built side by side, with their times.
pub struct Loaded {
    /// Set when the classification had to be recomputed.
    pub refreshed: Option<crate::analytics::RefreshReport>,
    pub snapshot: Snapshot,
    pub analytics_time: Duration,
    pub tiles: TileService,
    pub tiles_time: Duration,
}

/// Build the snapshot and the tile layers of `store` (in parallel: they are independent).
/// `snap_tolerance` overrides each boundary version's own.
pub fn load(store: &Store, snap_tolerance: Option<f64>) -> crate::Result<Loaded> {
    let rules = crate::rules::Rules::embedded()?;
    let (analytics, tiles) = std::thread::scope(|scope| {
        let a = scope.spawn(|| {
            let t = std::time::Instant::now();
            crate::analytics::up_to_date(store, &rules).map(|r| (r, t.elapsed()))
        });
        let t = scope.spawn(|| {
            let t0 = std::time::Instant::now();
            TileService::load(store, snap_tolerance).map(|s| (s, t0.elapsed()))
        });
        (a.join(), t.join())
    });
    let ((refreshed, snapshot), analytics_time) = analytics.map_err(|_| crate::Error::Internal("the analytics thread panicked".into()))??;
    let (tiles, tiles_time) = tiles.map_err(|_| crate::Error::Internal("the tile thread panicked".into()))??;
    Ok(Loaded { refreshed, snapshot, analytics_time, tiles, tiles_time })
}

/// The whole service: every route, inside the layer every answer passes through.
pub type App = outer::Outer<Router>;

/// Every route of the service.
pub fn router(state: AppState) -> App {
    let imports = Router::new()
        .route("/api/import/{kind}", post(admin::import))
        .route("/api/import/{kind}/preview", post(admin::preview))
        .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT));
    let api = Router::new()
        .route("/api/health", get(health::health))
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/api/docs", get(openapi::docs))
        .route("/api/session", get(auth::whoami).post(auth::login).delete(auth::logout))
        .route("/api/admin/users", get(admin::users).post(admin::add_user))
        .route("/api/admin/users/{name}/disable", post(admin::disable_user))
        .route("/api/admin/users/{name}/enable", post(admin::enable_user))
        .route("/api/admin/users/{name}/token", post(admin::issue_token))
        .route("/api/admin/audit", get(admin::audit))
        .route("/api/templates/{file}", get(admin::template))
        .route("/api/review/periods", get(review::periods).post(review::open))
        .route("/api/review/form", get(review::form))
        .route("/api/review/evaluate", post(review::evaluate))
        .route("/api/review/mine", get(review::mine))
        .route("/api/review/progress", get(review::progress))
        .route("/api/styles/{file}", get(maps::style))
        .route("/ogc", get(ogc::landing))
        .route("/ogc/conformance", get(ogc::conformance))
        .route("/ogc/collections", get(ogc::collections))
        .route("/ogc/collections/{id}", get(ogc::one_collection))
        .route("/ogc/collections/{id}/items", get(ogc::features::items))
        .route("/ogc/collections/{id}/items/{code}", get(ogc::features::item))
        .route("/ogc/collections/{id}/tiles", get(ogc::tiles::tilesets))
        .route("/ogc/collections/{id}/tiles/{tms}", get(ogc::tiles::tileset))
        .route("/ogc/tileMatrixSets", get(ogc::tiles::matrix_sets))
        .route("/ogc/tileMatrixSets/{tms}", get(ogc::tiles::one_matrix_set))
        .route("/ogc/styles", get(ogc::styles::list))
        .route("/ogc/styles/{id}", get(ogc::styles::style))
        .route("/api/review/national", get(review::national_view))
        .route("/api/review/national/{year}/provinces/{code}/approve", post(review::ministry_approve))
        .route("/api/review/national/{year}/{file}", get(review::national_file))
        .route("/api/review/periods/{id}/provinces/{code}/lists", get(review::lists))
        .route("/api/review/periods/{id}/provinces/{code}/annex.pdf", get(review::annex))
        .route("/api/review/periods/{id}/provinces/{code}/{what}", get(review::report).post(review::decide))
        .route("/api/review/periods/{id}/close", post(review::close))
        .route("/api/review/periods/{id}/queue", get(review::queue))
        .route("/api/review/periods/{id}/communes/{unit}", get(review::commune).put(review::save))
        .route("/api/review/submissions/{id}/{step}", post(review::step))
        .route("/api/admin/backup", get(admin::backup))
        .route("/metrics", get(metrics::metrics))
        .route("/api/units", get(units::units))
        .route("/api/units/{id}/evaluation", get(analytics::evaluation))
        .route("/api/status", get(analytics::status))
        .route("/api/conversion", get(analytics::conversion))
        .route("/api/progress", get(analytics::progress))
        .route("/api/rules", get(analytics::rules))
        .route("/api/provinces/classification", get(analytics::provinces))
        .route("/api/choropleth", get(choropleth::choropleth))
        .route("/api/maps/{file}", get(maps::map))
        .route("/api/reports/{file}", get(maps::report))
        .route("/api/search", get(search::search))
        .route("/api/labels", get(search::labels))
        .route("/api/sql", post(sql::post_sql))
        .route("/api/sql/schema", get(sql::schema))
        .route("/api/queries", get(sql::list_queries))
        .route("/api/queries/{name}", get(sql::run_saved))
        .route("/api/export/{file}", get(sql::export))
        .route("/api/candidates", get(plans::candidates))
        .route("/api/plans", get(plans::list).post(plans::create))
        .route("/api/plans/{id}", get(plans::get).patch(plans::edit))
        .route("/api/plans/{id}/communes", post(plans::add_commune))
        .route("/api/plans/{id}/communes/{unit}", patch(plans::note_commune).delete(plans::remove_commune))
        .route("/api/plans/{id}/history", get(plans::history))
        .route("/api/plans/{id}/export.csv", get(plans::export_csv))
        .route("/api/plans/{id}/plan.pdf", get(plans::sheet_pdf))
        .route("/api/plans/{id}/plan.svg", get(plans::sheet_svg))
        .route("/tiles", get(tiles::catalog))
        .route("/tiles/{file}", get(tiles::tilejson))
        .route("/fonts/{fontstack}/{range}", get(fonts::glyphs))
        .route("/", get(static_files::index))
        .route("/web/{*path}", get(static_files::file))
        .route("/favicon.ico", get(static_files::favicon))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .merge(imports)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authorize))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT));
    // The tile hot path: stored gzipped (no compression layer), answered from the cache or
    // rendered off the async workers (no timeout), no request body.
    // The XYZ route checks the caller itself (auth::admit), without a layer; its GETs mostly do
    // not even come through here: the outer layer hands them to the handler (outer.rs). The
    // route stays for HEAD, the 405 of other methods, odd paths and the documentation.
    let ogc_tiles = Router::new()
        .route("/ogc/collections/{id}/tiles/{tms}/{z}/{row}/{col}", get(ogc::tiles::tile))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authorize_tiles));
    let tiles = Router::new()
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tiles::tile))
        .merge(ogc_tiles);
    let routes = api.merge(tiles).with_state(state.clone());
    // What every answer passes through, wrapped once around the whole router (not once per
    // route): metrics and the access log, then JSON errors and the security headers.
    outer::Outer::new(state, routes)
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("{method} is not allowed on {}", uri.path()))
}

/// Serve until Ctrl-C or SIGTERM; in-flight requests finish, then the store is checkpointed.
pub async fn serve(state: AppState, bind: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let local = listener.local_addr()?;
    ready(local);
    let store = state.store.clone();
    // The peer's address reaches handlers (the sign-in limit is per client address).
    axum::serve(listener, axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(router(state))).with_graceful_shutdown(shutdown_signal()).await?;
    if let Err(e) = store.checkpoint() {
        tracing::warn!("checkpoint at shutdown failed: {e}");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
