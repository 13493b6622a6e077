//! Request metrics and the access log: `GET /metrics` in the Prometheus text format (requests
//! and latency by endpoint class and status class, requests in flight, rate-limited requests,
//! tile cache, sessions, resident memory), and one structured log line per request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::AppState;

const CLASSES: [&str; 4] = ["tiles", "api", "static", "other"];
const STATUS: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
/// Latency bucket bounds in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 10.0];

/// Counters, all lock-free.
#[derive(Default)]
pub struct Metrics {
    requests: [[AtomicU64; 5]; 4],
    /// Per class: bucket counts (cumulative on output), sum in microseconds, count.
    latency: [[AtomicU64; 10]; 4],
    latency_sum_us: [AtomicU64; 4],
    in_flight: AtomicU64,
    rate_limited: AtomicU64,
    started: std::sync::OnceLock<Instant>,
}

/// The user a response was made for, put there by the auth middleware for the access log.
#[derive(Clone)]
pub struct ServedTo(pub std::sync::Arc<str>);

fn class_of(path: &str) -> usize {
    if path.starts_with("/tiles") {
        0
    } else if path.starts_with("/api") || path == "/metrics" {
        1
    } else if path == "/" || path == "/favicon.ico" || path.starts_with("/web/") {
        2
    } else {
        3
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let m = Metrics::default();
        let _ = m.started.set(Instant::now());
        m
    }

    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    fn observe(&self, class: usize, status: u16, seconds: f64) {
        let s = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[class][s].fetch_add(1, Ordering::Relaxed);
        if let Some(b) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.latency[class][b].fetch_add(1, Ordering::Relaxed);
        }
        self.latency_sum_us[class].fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// Requests answered with a 5xx status so far (for tests and the load script).
    pub fn server_errors(&self) -> u64 {
        self.requests.iter().map(|c| c[4].load(Ordering::Relaxed)).sum()
    }
}

/// Resident memory of this process in bytes (Linux), for `/metrics`.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Middleware (outermost): count, time and log every request.
/// One request being answered, from [`Metrics::begin`]: counted in flight until it is
/// [ended](InFlight::end) or dropped (a client that hung up), then counted and logged.
pub struct InFlight {
    state: AppState,
    started: Instant,
    class: usize,
    // Cheap copies (a standard method, the URI's shared bytes): no allocation per request.
    method: axum::http::Method,
    uri: axum::http::Uri,
    done: bool,
}

impl Metrics {
    /// A request arrives.
    pub fn begin(state: &AppState, req: &Request) -> InFlight {
        state.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight { state: state.clone(), started: Instant::now(), class: class_of(req.uri().path()), method: req.method().clone(), uri: req.uri().clone(), done: false }
    }
}

impl InFlight {
    /// Its answer is ready: count it by class and status, and log it (tiles at debug level).
    pub fn end(mut self, resp: &Response) {
        self.done = true;
        let m = &self.state.metrics;
        m.in_flight.fetch_sub(1, Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64();
        let status = resp.status().as_u16();
        m.observe(self.class, status, secs);
        let user = resp.extensions().get::<ServedTo>().map_or("-", |u| &*u.0);
        let (method, path) = (&self.method, self.uri.path());
        if status >= 500 {
            tracing::error!(target: "commune_atlas::access", %method, %path, status, ms = secs * 1e3, user, "request failed");
        } else if self.class != 0 {
            tracing::info!(target: "commune_atlas::access", %method, %path, status, ms = secs * 1e3, user, "request");
        } else {
            tracing::debug!(target: "commune_atlas::access", %method, %path, status, ms = secs * 1e3, user, "tile");
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.done {
            // Never answered (the connection closed first): no longer in flight.
            self.state.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// `GET /metrics`
pub async fn metrics(State(state): State<AppState>) -> Response {
    use std::fmt::Write;
    let m = &state.metrics;
    let mut out = String::with_capacity(4096);
    let _ = writeln!(out, "# HELP atlas_requests_total Requests answered, by endpoint class and status class.");
    let _ = writeln!(out, "# TYPE atlas_requests_total counter");
    for (c, class) in CLASSES.iter().enumerate() {
        for (s, status) in STATUS.iter().enumerate() {
            let _ = writeln!(out, "atlas_requests_total{{class=\"{class}\",status=\"{status}\"}} {}", m.requests[c][s].load(Ordering::Relaxed));
        }
    }
    let _ = writeln!(out, "# HELP atlas_request_duration_seconds Time to answer, by endpoint class.");
    let _ = writeln!(out, "# TYPE atlas_request_duration_seconds histogram");
    for (c, class) in CLASSES.iter().enumerate() {
        let mut cumulative = 0;
        for (b, bound) in BUCKETS.iter().enumerate() {
            cumulative += m.latency[c][b].load(Ordering::Relaxed);
            let _ = writeln!(out, "atlas_request_duration_seconds_bucket{{class=\"{class}\",le=\"{bound}\"}} {cumulative}");
        }
        let count: u64 = m.requests[c].iter().map(|x| x.load(Ordering::Relaxed)).sum();
        let _ = writeln!(out, "atlas_request_duration_seconds_bucket{{class=\"{class}\",le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "atlas_request_duration_seconds_sum{{class=\"{class}\"}} {}", m.latency_sum_us[c].load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "atlas_request_duration_seconds_count{{class=\"{class}\"}} {count}");
    }
    let (tiles, bytes) = state.tiles().cache_stats();
    let gauges: [(&str, &str, f64); 8] = [
        ("atlas_requests_in_flight", "Requests being answered now.", m.in_flight.load(Ordering::Relaxed) as f64),
        ("atlas_rate_limited_total", "Requests refused by the per-user rate limit.", m.rate_limited.load(Ordering::Relaxed) as f64),
        ("atlas_tile_cache_tiles", "Encoded tiles held in the cache.", tiles as f64),
        ("atlas_tile_cache_bytes", "Bytes held by the tile cache.", bytes as f64),
        ("atlas_sessions", "Browser sessions signed in.", state.auth.sessions() as f64),
        ("atlas_token_checks_total", "Bearer-token checks run (argon2id); requests carrying one token at the same time share one.", state.auth.verifications() as f64),
        ("atlas_resident_memory_bytes", "Resident memory of the process.", resident_bytes().unwrap_or(0) as f64),
        ("atlas_uptime_seconds", "Seconds since the service started.", m.started.get().map_or(0.0, |s| s.elapsed().as_secs_f64())),
    ];
    for (name, help, v) in gauges {
        let kind = if name.ends_with("_total") { "counter" } else { "gauge" };
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
