//! The HTTP service: axum routers, one file per resource. Handlers are thin — parse the request,
//! call a library module on a blocking thread, answer JSON — and every error is JSON too.

mod analytics;
mod choropleth;
mod error;
mod health;
mod plans;
pub mod search;
mod sql;
mod static_files;
mod tiles;
mod units;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ApiResult};

use crate::analytics::Snapshot;
use crate::store::Store;
use crate::tiles::TileService;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// Serving the embedded synthetic demo data (the UI says so).
    pub demo: bool,
    /// Classification of every commune-year, replaced whole after a refresh.
    pub analytics: Arc<RwLock<Arc<Snapshot>>>,
    /// Vector tile layers and their cache.
    pub tiles: Arc<TileService>,
    /// Every unit's name, for search and labels.
    pub search: Arc<Vec<search::Entry>>,
    /// The analysts' SQL sandbox (built on first use, rebuilt after data changes).
    pub sandbox: Arc<RwLock<Option<Arc<crate::sandbox::Sandbox>>>>,
    /// Set when data changed since the sandbox was built.
    pub sandbox_stale: Arc<std::sync::atomic::AtomicBool>,
    /// At most this many sandbox queries run at once.
    pub sql_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(store: Arc<Store>, demo: bool, snapshot: Snapshot, tiles: TileService) -> crate::Result<AppState> {
        let search = Arc::new(search::load(&store)?);
        Ok(AppState {
            store,
            demo,
            analytics: Arc::new(RwLock::new(Arc::new(snapshot))),
            tiles: Arc::new(tiles),
            search,
            sandbox: Arc::new(RwLock::new(None)),
            sandbox_stale: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            sql_slots: Arc::new(tokio::sync::Semaphore::new(2)),
        })
    }

    /// The sandbox, unless data changed since it was built.
    pub fn sandbox_if_fresh(&self) -> Option<Arc<crate::sandbox::Sandbox>> {
        if self.sandbox_stale.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        self.sandbox.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Use a freshly built sandbox.
    pub fn install_sandbox(&self, s: crate::sandbox::Sandbox) -> Arc<crate::sandbox::Sandbox> {
        let s = Arc::new(s);
        self.sandbox_stale.store(false, std::sync::atomic::Ordering::SeqCst);
        *self.sandbox.write().unwrap_or_else(|p| p.into_inner()) = Some(s.clone());
        s
    }

    /// Data changed: the next SQL query rebuilds the sandbox.
    pub fn data_changed(&self) {
        self.sandbox_stale.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The current analytics snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.analytics.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health::health))
        .route("/api/units", get(units::units))
        .route("/api/units/{id}/evaluation", get(analytics::evaluation))
        .route("/api/status", get(analytics::status))
        .route("/api/conversion", get(analytics::conversion))
        .route("/api/progress", get(analytics::progress))
        .route("/api/rules", get(analytics::rules))
        .route("/api/choropleth", get(choropleth::choropleth))
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
        .route("/tiles", get(tiles::catalog))
        .route("/tiles/{file}", get(tiles::tilejson))
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tiles::tile))
        .route("/", get(static_files::index))
        .route("/web/{*path}", get(static_files::file))
        .fallback(not_found)
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(TraceLayer::new_for_http())
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}

/// Serve until Ctrl-C or SIGTERM; in-flight requests finish, then the store is checkpointed.
pub async fn serve(state: AppState, bind: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let local = listener.local_addr()?;
    ready(local);
    let store = state.store.clone();
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await?;
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
