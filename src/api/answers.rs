//! Cached answers for the heavy read-only views the map and dashboard ask for again and again —
//! choropleths, status, conversion, progress: each is computed once per (endpoint, query,
//! viewer's scope, data generation), off the async workers, however many ask at the same time,
//! and served from memory with a strong ETag (`If-None-Match` → 304) until the data changes.
//!
//! The data generation ([`AppState::data_changed`]) moves on every import, accepted submission,
//! approval and plan change, so a cached answer can never outlive the data it was made from:
//! answers of older generations are never looked up again and are dropped as new ones come in.
//! The cache holds at most [`AnswerCache::budget`] bytes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::Principal;
use crate::hash::Fnv;

/// Default memory for cached answers.
pub const DEFAULT_BUDGET: usize = 64 << 20;

/// One computed answer.
struct Cached {
    body: Bytes,
    etag: HeaderValue,
}

/// (endpoint, query string, scope key, data generation)
type Key = (&'static str, String, u64, u64);

/// The cache.
pub struct AnswerCache {
    map: Mutex<HashMap<Key, Arc<OnceCell<Arc<Cached>>>>>,
    bytes: AtomicUsize,
    budget: AtomicUsize,
}

impl AnswerCache {
    pub fn new(budget: usize) -> AnswerCache {
        AnswerCache { map: Mutex::default(), bytes: AtomicUsize::new(0), budget: AtomicUsize::new(budget) }
    }

    /// The byte budget.
    pub fn budget(&self) -> usize {
        self.budget.load(Ordering::Relaxed)
    }

    /// Change the byte budget (the server's `--memory-budget`).
    pub fn set_budget(&self, bytes: usize) {
        self.budget.store(bytes, Ordering::Relaxed);
    }

    /// Answers held and their bytes.
    pub fn stats(&self) -> (usize, usize) {
        (self.map.lock().unwrap_or_else(|p| p.into_inner()).len(), self.bytes.load(Ordering::Relaxed))
    }

    fn cell(&self, key: Key) -> Arc<OnceCell<Arc<Cached>>> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = map.get(&key) {
            return c.clone();
        }
        // A new generation: what was computed from older data goes. Over the budget: start over.
        let generation = key.3;
        let budget = self.budget();
        if map.keys().any(|k| k.3 != generation) || self.bytes.load(Ordering::Relaxed) > budget {
            map.retain(|k, _| k.3 == generation && self.bytes.load(Ordering::Relaxed) <= budget);
            let held: usize = map.values().filter_map(|c| c.get()).map(|c| c.body.len()).sum();
            self.bytes.store(held, Ordering::Relaxed);
        }
        map.entry(key).or_default().clone()
    }
}

fn etag_of(body: &[u8]) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{:016x}\"", Fnv::of(body))).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The answer of `endpoint` for this request: from the cache, or computed by `compute` on a
/// blocking thread (once, for everyone asking meanwhile) and kept.
pub async fn answer<F>(state: &AppState, endpoint: &'static str, query: Option<&str>, p: &Principal, headers: &HeaderMap, compute: F) -> ApiResult<Response>
where
    F: FnOnce() -> ApiResult<Value> + Send + 'static,
{
    let generation = state.generation.load(Ordering::SeqCst);
    let key = (endpoint, query.unwrap_or("").to_string(), p.scope.key, generation);
    let cell = state.answers.cell(key);
    let cached = cell
        .get_or_try_init(|| async {
            let body = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> { serde_json::to_vec(&compute()?).map(|mut v| { v.shrink_to_fit(); v }).map_err(ApiError::internal) }).await??;
            state.answers.bytes.fetch_add(body.len(), Ordering::Relaxed);
            let etag = etag_of(&body);
            Ok::<_, ApiError>(Arc::new(Cached { body: Bytes::from(body), etag }))
        })
        .await?
        .clone();
    let mut resp = if super::http::none_match(headers, &cached.etag) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(cached.body.clone()));
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        r
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, cached.etag.clone());
    // Revalidate every time (the data may change any minute), but a match costs no body.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding, authorization, cookie"));
    Ok(resp)
}
