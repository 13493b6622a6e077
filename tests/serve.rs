//! The quick start: `serve` on a fresh machine builds the demo store and answers over HTTP.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `commune-atlas serve` on a free port; killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &std::path::Path) -> Server {
    let mut child = Command::new(common::bin())
        .args(["--db", db.to_str().unwrap(), "serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(120);
    let base = loop {
        let line = lines.next().expect("serve exited before listening").expect("read stderr");
        if let Some(rest) = line.split("on http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
        assert!(Instant::now() < deadline, "serve did not start in time");
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn get(url: &str) -> (u16, String, Value) {
    let mut resp = agent().get(url).call().expect("HTTP request");
    let status = resp.status().as_u16();
    let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = resp.body_mut().read_to_string().expect("body");
    (status, ctype, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[test]
fn serve_on_a_fresh_machine_builds_the_demo_store_and_answers_health_and_units() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlas.duckdb");
    assert!(!db.exists());
    let server = start(&db);

    let (status, ctype, health) = get(&format!("{}/api/health", server.base));
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["demo"], true, "the demo store is labelled as such");
    let manifest = commune_atlas::demo::manifest().unwrap();
    let demo_versions: Vec<&str> =
        manifest.steps.iter().filter(|s| s.kind == "boundaries").filter_map(|s| s.version.as_deref()).collect();
    let versions: Vec<&str> = health["boundary_versions"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    for v in &demo_versions {
        assert!(versions.contains(v), "health lists demo version {v}: {versions:?}");
    }
    assert!(health["units"].as_i64().unwrap() > 0);
    assert!(!health["years"].as_array().unwrap().is_empty());

    // The newest version's communes, all provinces, as GeoJSON.
    let newest = health["boundary_versions"].as_array().unwrap().last().unwrap().clone();
    let (status, ctype, fc) = get(&format!("{}/api/units", server.base));
    assert_eq!(status, 200);
    assert_eq!(ctype, "application/geo+json");
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len() as i64, newest["units"]["commune"].as_i64().unwrap());
    let f = &features[0];
    assert!(f["id"].is_i64());
    assert!(matches!(f["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon")));

    // Filtered by one province: only that province's communes.
    let province = f["properties"]["province_code"].as_str().unwrap().to_string();
    let (_, _, one) = get(&format!("{}/api/units?province={province}&version={}", server.base, newest["name"].as_str().unwrap()));
    let feats = one["features"].as_array().unwrap();
    assert!(!feats.is_empty());
    assert!(feats.iter().all(|f| f["properties"]["province_code"] == province.as_str()));
}

#[test]
fn errors_are_json_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("atlas.duckdb"));
    let (status, ctype, body) = get(&format!("{}/api/no-such-thing", server.base));
    assert_eq!(status, 404);
    assert!(ctype.starts_with("application/json"));
    assert!(body["error"]["message"].as_str().unwrap().contains("/api/no-such-thing"));

    let (status, _, body) = get(&format!("{}/api/units?version=nope", server.base));
    assert_eq!(status, 404);
    assert!(body["error"]["message"].as_str().unwrap().contains("no boundary version named 'nope'"), "{body}");

    let (status, _, body) = get(&format!("{}/api/units?level=village", server.base));
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("level must be"), "{body}");
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(&dir.path().join("atlas.duckdb"));
    let (status, _, _) = get(&format!("{}/api/health", server.base));
    assert_eq!(status, 200);
    let pid = server.child.id().to_string();
    let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = server.child.try_wait().unwrap() {
            assert!(st.success(), "serve exits 0 on SIGTERM: {st}");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}
