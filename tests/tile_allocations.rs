//! The tile hot path stays cheap: a warm (cached) tile answered by the whole service as `serve`
//! runs it — the metrics, security and error layer, sign-in by bearer token, the rate limit,
//! the handler — makes only a handful of heap allocations, counted with a counting allocator.
//! Before the hot-path work of issue 22 the same answer cost 122 allocations (every route
//! re-boxed under six per-route layers, the tile copied, the path, headers and user name
//! cloned, an `Arc<str>` cache key); 42 with one layer per concern, 29 with one outer layer;
//! now 8, the XYZ route taken by the outer layer itself (no route matching, no path parameters,
//! no router around the layer).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::body::Body;
use axum::http::Request;
use commune_atlas::access::{Role, users};
use commune_atlas::api::{AppState, auth::AuthConfig, router};
use commune_atlas::import::ImportOptions;
use commune_atlas::store::Store;
use tower::ServiceExt;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The whole service over the demo store, with sign-in required, and a national viewer's token.
pub fn demo_router(dir: &std::path::Path) -> (commune_atlas::api::App, String) {
    let store = Store::open(&dir.join("atlas.duckdb")).unwrap();
    commune_atlas::demo::load(&store, &ImportOptions { actor: "test".into(), ..ImportOptions::default() }).unwrap();
    let token = users::add(&store, "gis", Role::Viewer, "*", "test").unwrap().token;
    let loaded = commune_atlas::api::load(&store, None).unwrap();
    let state = AppState::new(Arc::new(store), true, loaded.snapshot, loaded.tiles, AuthConfig::default()).unwrap();
    (router(state), token)
}

fn tile_request(token: &str) -> Request<Body> {
    Request::get("/tiles/communes/5/25/14.mvt").header("authorization", format!("Bearer {token}")).header("accept-encoding", "gzip").body(Body::empty()).unwrap()
}

#[test]
fn a_warm_tile_answer_through_the_whole_service_makes_few_heap_allocations() {
    let dir = tempfile::tempdir().unwrap();
    let (app, token) = demo_router(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // Warm: the token verified, the scope resolved, the tile rendered and cached.
        for _ in 0..3 {
            let r = app.clone().oneshot(tile_request(&token)).await.unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["content-encoding"], "gzip");
        }
        const N: u64 = 200;
        let mut total = 0;
        for _ in 0..N {
            let req = tile_request(&token);
            let app = app.clone();
            ALLOCATIONS.store(0, Ordering::SeqCst);
            COUNTING.store(true, Ordering::SeqCst);
            let r = app.oneshot(req).await.unwrap();
            let status = r.status();
            let body = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
            COUNTING.store(false, Ordering::SeqCst);
            total += ALLOCATIONS.load(Ordering::SeqCst);
            assert_eq!(status, 200);
            assert!(!body.is_empty());
        }
        let per = total as f64 / N as f64;
        eprintln!("heap allocations per warm tile answer (bearer token, gzip): {per:.1}");
        assert!(per <= 16.0, "a warm tile answer allocates {per:.1} times (122 before issue 22, 8 after; at most 16)");
    });
}
