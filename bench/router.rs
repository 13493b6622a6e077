//! The whole service in-process (criterion, `tower::ServiceExt::oneshot`, no sockets): a warm
//! (cached) tile through everything `serve` runs — the outer metrics, error and security layer,
//! bearer-token sign-in, the rate limit, the handler — against the floor: a bare service
//! answering a fixed 4 KB body, with no routing (the atlas matches no route for a tile either)
//! and no middleware. The ratio is printed at the end; it says what the atlas's own work costs
//! per tile over the least the stack can do.
//!
//! `cargo bench --bench router`

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use commune_atlas::access::{Role, users};
use commune_atlas::api::{AppState, auth::AuthConfig, router};
use commune_atlas::import::ImportOptions;
use commune_atlas::store::Store;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;

fn atlas(dir: &std::path::Path) -> (commune_atlas::api::App, String) {
    let store = Store::open(dir.join("bench.duckdb")).expect("store");
    commune_atlas::demo::load(&store, &ImportOptions { actor: "bench".into(), ..ImportOptions::default() }).expect("demo");
    let token = users::add(&store, "gis", Role::Viewer, "*", "bench").expect("user").token;
    let loaded = commune_atlas::api::load(&store, None).expect("snapshot and tiles");
    let state = AppState::new(Arc::new(store), true, loaded.snapshot, loaded.tiles, AuthConfig { rate_per_sec: 0.0, tile_rate_per_sec: 0.0, ..AuthConfig::default() }).expect("state");
    (router(state), token)
}

/// The floor: the same axum types and tokio, a fixed 4 KB body, no routing, no middleware.
fn floor() -> impl tower::Service<Request<Body>, Response = axum::response::Response, Error = std::convert::Infallible, Future: Send> + Clone {
    use axum::response::IntoResponse;
    static BODY: [u8; 4096] = [7u8; 4096];
    tower::service_fn(|_: Request<Body>| async {
        Ok::<_, std::convert::Infallible>(([(axum::http::header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile")], axum::body::Bytes::from_static(&BODY)).into_response())
    })
}

/// One tile through `app` (the atlas or the floor): its body's length.
async fn call<A>(app: &A, token: &str) -> usize
where
    A: tower::Service<Request<Body>, Response = axum::response::Response, Error = std::convert::Infallible> + Clone,
{
    let req = Request::get("/tiles/communes/5/25/14.mvt").header("authorization", format!("Bearer {token}")).header("accept-encoding", "gzip").body(Body::empty()).expect("request");
    let r = app.clone().oneshot(req).await.expect("answer");
    assert_eq!(r.status(), 200);
    axum::body::to_bytes(r.into_body(), usize::MAX).await.expect("body").len()
}

/// Seconds per tile through `app`, over 20,000 calls.
fn mean_time<A>(rt: &tokio::runtime::Runtime, app: &A, token: &str) -> f64
where
    A: tower::Service<Request<Body>, Response = axum::response::Response, Error = std::convert::Infallible> + Clone,
{
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        rt.block_on(call(app, token));
    }
    t.elapsed().as_secs_f64() / f64::from(n)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, token) = atlas(dir.path());
    let bare = floor();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(call(&app, &token));
    let mut g = c.benchmark_group("router");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("warm tile, whole service (bearer token, gzip)", |b| b.iter(|| rt.block_on(call(&app, &token))));
    g.bench_function("floor: bare service, fixed 4 KB", |b| b.iter(|| rt.block_on(call(&bare, &token))));
    g.finish();
    // The ratio, measured here in one run.
    let (a, f) = (mean_time(&rt, &app, &token), mean_time(&rt, &bare, &token));
    eprintln!("warm tile {:.2} µs, floor {:.2} µs: the atlas answers at {:.2} × the floor's rate", a * 1e6, f * 1e6, f / a);
}

criterion_group!(benches, bench);
criterion_main!(benches);
