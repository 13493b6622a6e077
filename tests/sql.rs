//! Analysts' SQL: hostile statements are refused or cut off with a clear error while the server
//! keeps answering; saved queries return rows; results export as CSV, Parquet and GeoJSON.

mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60))).build().into()
}

fn sql(base: &str, q: &str) -> (u16, Value) {
    let mut r = agent().post(&format!("{base}/api/sql")).send_json(json!({ "sql": q })).expect("HTTP");
    let status = r.status().as_u16();
    (status, r.body_mut().read_json().unwrap_or(Value::Null))
}

const HOSTILE: &[&str] = &[
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_json_auto('/etc/hosts')",
    "SELECT * FROM read_parquet('/tmp/anything.parquet')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "COPY (SELECT 1) TO '/tmp/commune-atlas-pwned.csv'",
    "COPY unit TO '/tmp/commune-atlas-pwned.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/commune-atlas-export'",
    "ATTACH '/tmp/commune-atlas-other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET memory_limit = '100GB'",
    "SET threads = 64",
    "SET lock_configuration = false",
    "PRAGMA enable_profiling",
    "CREATE TABLE t AS SELECT 1 AS x",
    "CREATE VIEW v AS SELECT 1 AS x",
    "DROP TABLE indicator",
    "INSERT INTO plan (plan_id, name) VALUES (1, 'x')",
    "UPDATE indicator SET year = 1",
    "DELETE FROM unit",
    "CHECKPOINT",
    "SELECT * FROM admin_unit",
    "SELECT 1; DROP TABLE unit",
    "SELECT repeat('x', 2000000000)",
];

#[test]
fn hostile_statements_are_refused_or_cut_off_while_health_answers_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let (status, before) = sql(&base, "SELECT count(*) AS n FROM indicator");
    assert_eq!(status, 200, "{before}");
    let n = before["rows"][0][0].as_i64().unwrap();
    assert!(n > 4000);

    for q in HOSTILE {
        let (status, body) = sql(&base, q);
        assert!((400..500).contains(&status), "{q}: expected a refusal, got {status} {body}");
        let msg = body["error"]["message"].as_str().unwrap_or("");
        assert!(msg.len() > 10, "{q}: a clear message, got {body}");
        // Files, writes and settings are forbidden; a hidden table is simply not there; the huge
        // string is cut off by a limit.
        let expected: &[&str] = match *q {
            "SELECT * FROM admin_unit" => &["sql_error"],
            "SELECT repeat('x', 2000000000)" => &["timeout", "memory_limit", "sql_error"],
            _ => &["forbidden"],
        };
        assert!(expected.contains(&body["error"]["code"].as_str().unwrap_or("")), "{q}: expected {expected:?}, got {body}");
    }
    assert!(!std::path::Path::new("/tmp/commune-atlas-pwned.csv").exists());
    assert!(!std::path::Path::new("/tmp/commune-atlas-export").exists());

    // Runaway queries are cut off by the statement time limit; meanwhile health answers fast.
    let runaway = [
        "SELECT count(*) FROM indicator a, indicator b, indicator c, indicator d",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "SELECT length(string_agg(repeat('x', 100000), '')) FROM range(1000000)",
    ];
    let handles: Vec<_> = runaway
        .iter()
        .map(|q| {
            let (b, q) = (base.clone(), q.to_string());
            std::thread::spawn(move || {
                let t = Instant::now();
                let (status, body) = sql(&b, &q);
                (q, status, body, t.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let t = Instant::now();
        let mut r = agent().get(&format!("{base}/api/health")).call().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let _ = r.body_mut().read_to_string();
        slowest = slowest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(slowest < Duration::from_secs(1), "health took {slowest:?} while runaway queries ran");
    for h in handles {
        let (q, status, body, took) = h.join().unwrap();
        assert!((400..500).contains(&status), "{q}: expected a cut-off, got {status} {body}");
        assert!(matches!(body["error"]["code"].as_str(), Some("timeout" | "memory_limit" | "sql_error")), "{q}: {body}");
        assert!(took < Duration::from_secs(30), "{q} took {took:?}");
    }

    // Nothing changed, and the sandbox still answers.
    let (status, after) = sql(&base, "SELECT count(*) AS n FROM indicator");
    assert_eq!((status, after["rows"][0][0].as_i64()), (200, Some(n)));
    // Errors carry DuckDB's message and the position.
    let (status, body) = sql(&base, "SELECT * FROM indicatr");
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("indicatr"));
    assert_eq!(body["error"]["details"]["position"], 15);
}

#[test]
fn every_saved_query_returns_rows_and_results_export() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let list: Value = agent().get(&format!("{base}/api/queries")).call().unwrap().body_mut().read_json().unwrap();
    let names: Vec<String> = list["queries"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap().to_string()).collect();
    assert!(names.len() >= 7, "{names:?}");
    for q in list["queries"].as_array().unwrap() {
        assert!(!q["title_vi"].as_str().unwrap().is_empty() && !q["title_en"].as_str().unwrap().is_empty());
        let name = q["name"].as_str().unwrap();
        let mut r = agent().get(&format!("{base}/api/queries/{name}")).call().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{name}");
        let t: Value = r.body_mut().read_json().unwrap();
        assert!(!t["rows"].as_array().unwrap().is_empty(), "saved query {name} returns rows on the demo");
    }
    // Parameters are typed.
    let mut r = agent().get(&format!("{base}/api/queries/persistent_hotspots?year=oops")).call().unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.body_mut().read_to_string().unwrap().contains("INTEGER"));
    // Exports: CSV, Parquet (read back by DuckDB), GeoJSON with geometry.
    let mut r = agent().get(&format!("{base}/api/export/classification.csv")).call().unwrap();
    let csv = r.body_mut().read_to_string().unwrap();
    assert!(csv.lines().count() > 4000);
    let mut r = agent().get(&format!("{base}/api/export/indicators.parquet")).call().unwrap();
    let bytes = r.body_mut().with_config().limit(200 << 20).read_to_vec().unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    let p = dir.path().join("i.parquet");
    std::fs::write(&p, &bytes).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM read_parquet('{}')", p.display()), [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 4620);
    let mut r = agent()
        .post(&format!("{base}/api/sql?format=geojson"))
        .send_json(json!({ "sql": "SELECT unit_id, unit_code, status FROM classification WHERE year = $y AND status = 'type_ii'", "params": { "y": 2025 } }))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let fc: Value = r.body_mut().read_json().unwrap();
    let feats = fc["features"].as_array().unwrap();
    assert!(!feats.is_empty());
    assert!(feats.iter().all(|f| matches!(f["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon"))));
    // The CLI runs saved queries too (after the server released the store).
    drop(server);
    let db = dir.path().join("atlas.duckdb");
    let (code, out, err) = common::run(&["--db", db.to_str().unwrap(), "query", "--saved", "persistent_hotspots", "--param", "year=2024", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().count() > 1, "{out}");
}

#[test]
fn nothing_an_analyst_can_ask_the_sandbox_tells_where_the_server_keeps_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let home = std::env::var("HOME").unwrap_or_default();
    let cwd = std::env::current_dir().unwrap().display().to_string();
    let tmp = std::env::temp_dir().display().to_string();
    let secrets: Vec<String> =
        [dir.path().display().to_string(), tmp.trim_end_matches('/').to_string(), home, cwd, "commune-atlas-sandbox".into()].into_iter().filter(|s| s.len() > 1).collect();
    for q in [
        "SELECT current_setting('temp_directory') AS t",
        "SELECT current_setting('home_directory') AS h, current_setting('extension_directory') AS e, current_setting('secret_directory') AS s",
        "SELECT * FROM duckdb_databases()",
        "SELECT * FROM pragma_database_list",
        "SELECT name, value FROM duckdb_settings()",
        "SELECT * FROM duckdb_temporary_files()",
        "SELECT * FROM duckdb_extensions()",
        "SELECT * FROM duckdb_secrets()",
    ] {
        let (status, body) = sql(&server.base, q);
        let text = body.to_string();
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{q} ({status}) reveals {s}: {}", text.chars().take(400).collect::<String>());
        }
    }
    // The sandbox still works as before.
    let (status, body) = sql(&server.base, "SELECT count(*) FROM unit");
    assert_eq!(status, 200, "{body}");
}
