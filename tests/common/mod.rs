//! Shared helpers for the integration tests: fixture files built in code, a store snapshot for
//! before/after comparisons, and the compiled binary.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use commune_atlas::store::{Store, tabular};

pub mod browser;
pub mod mvt;

/// The `commune-atlas` binary built for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_commune-atlas"))
}

/// A grid of `rows × cols` square communes of `size` degrees, starting at (lon0, lat0), in one
/// province. Codes are `prefix` followed by a 3-digit ordinal from 001.
pub fn grid_geojson(prefix: &str, rows: usize, cols: usize, lon0: f64, lat0: f64, size: f64) -> String {
    let mut features = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let k = r * cols + c + 1;
            let (x, y) = (lon0 + c as f64 * size, lat0 + r as f64 * size);
            let ring = format!(
                "[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]",
                x1 = x + size,
                y1 = y + size
            );
            features.push(format!(
                r#"{{"type":"Feature","properties":{{"code":"{prefix}{k:03}","name":"Xã Thử Nghiệm {k}","type":"Xã","province_code":"98","province_name":"Tỉnh Thử Nghiệm"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
            ));
        }
    }
    format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", features.join(",\n"))
}

/// The required indicator header.
pub const INDICATOR_HEADER: &str = "unit_code,year,reference_date,resident_population,addicts_with_records,\
illegal_users_with_records,drug_use_locations,drug_offenders_arrested,plants_destroyed_count,\
plants_destroyed_area_m2,key_route_scope,source_ref";

/// One valid indicator line for unit `code` in `year`, with a population derived from `k`.
pub fn indicator_line(code: &str, year: i32, k: usize) -> String {
    format!(
        "{code},{year},{year}-12-31,{pop},{a},{u},{l},{arr},0,0,none,fixture",
        pop = 5000 + k * 37,
        a = k % 50,
        u = k % 30,
        l = k % 3,
        arr = k % 11
    )
}

/// An indicator CSV for codes `prefix001..prefix{n}` in `year`.
pub fn indicators_csv(prefix: &str, n: usize, year: i32) -> String {
    let mut s = String::from(INDICATOR_HEADER);
    s.push('\n');
    for k in 1..=n {
        let _ = writeln!(s, "{}", indicator_line(&format!("{prefix}{k:03}"), year, k));
    }
    s
}

/// Write `text` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

/// Every data table's full content, ordered, as text: equal snapshots mean an unchanged store.
/// `import_log` is left out on purpose: a rejected import records its rejection there.
pub fn snapshot(store: &Store) -> String {
    let conn = store.connect().expect("connect");
    let mut out = String::new();
    for table in [
        "atlas_meta",
        "boundary_version",
        "admin_unit",
        "unit_crosswalk",
        "indicator",
        "recognition_event",
        "quota_assignment",
        "province_quota",
    ] {
        let t = tabular::run(&conn, &format!("SELECT * FROM {table} ORDER BY ALL"), usize::MAX).expect("snapshot");
        let _ = writeln!(out, "## {table} ({} rows)", t.rows.len());
        for r in t.rows {
            let r: Vec<serde_json::Value> = r.into_iter().map(tabular::to_json).collect();
            let _ = writeln!(out, "{}", serde_json::to_string(&r).unwrap_or_default());
        }
    }
    out
}

/// `SELECT count(*) FROM table`.
pub fn count(store: &Store, table: &str) -> i64 {
    let conn = store.connect().expect("connect");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect("count")
}

/// Run the binary with `args`, returning (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin()).args(args).output().expect("run commune-atlas");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file of `../shared/realdata` (or $ATLAS_REALDATA), or None — saying so loudly — when absent.
pub fn realdata(name: &str) -> Option<PathBuf> {
    let dirs = [
        std::env::var("ATLAS_REALDATA").map(PathBuf::from).ok(),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata")),
        Some(PathBuf::from("/work/shared/realdata")),
    ];
    let found = dirs.into_iter().flatten().map(|d| d.join(name)).find(|p| p.exists());
    if found.is_none() {
        eprintln!(
            "\n*** REAL-DATA TEST NOT RUN: {name} not found (looked in $ATLAS_REALDATA, ../shared/realdata, \
             /work/shared/realdata). This test proves nothing on this machine. ***\n"
        );
    }
    found
}

/// A running `commune-atlas serve` on a free port, killed on drop.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
    /// Everything the server wrote to stderr (its log) so far.
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `serve` on `db` (creating the demo store when it does not exist) and wait until it listens.
pub fn serve(db: &Path) -> Server {
    serve_with(db, &[])
}

/// Start `serve` on `db` with more arguments (e.g. `--require-login`).
pub fn serve_with(db: &Path, extra: &[&str]) -> Server {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(bin())
        .args(["--db", db.to_str().expect("utf-8 path"), "serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let base = loop {
        let line = lines.next().expect("serve exited before listening").expect("read stderr");
        if let Some(rest) = line.split("on http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap_or_default());
        }
    };
    // Keep draining stderr, into the log, so the server never blocks on a full pipe.
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut l = sink.lock().unwrap_or_else(|p| p.into_inner());
            l.push_str(&line);
            l.push('\n');
        }
    });
    Server { child, base, log }
}

/// Rule inputs from (indicator, value) pairs and a route scope, with the derived rates.
pub fn rule_inputs(pairs: &[(&'static str, f64)], scope: &str) -> commune_atlas::rules::Inputs {
    let scope = scope.parse().expect("a key route scope");
    let mut i = commune_atlas::rules::Inputs { key_route_scope: Some(scope), ..Default::default() };
    for (k, v) in pairs {
        i.set(k, Some(*v));
    }
    i.derive_rates();
    i
}

/// A store holding the committed demo dataset (through `demo load`, as an operator would).
pub fn demo_store(dir: &Path) -> PathBuf {
    let db = dir.join("demo.duckdb");
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let (code, _, err) = run(&["--db", db.to_str().expect("utf-8 path"), "demo", "load", data.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "demo load failed: {err}");
    db
}

/// Create a user with the CLI; returns their token.
pub fn add_user(db: &Path, name: &str, role: &str, scope: &str) -> String {
    let (code, out, err) = run(&["--db", db.to_str().expect("utf-8 path"), "users", "add", name, "--role", role, "--scope", scope]);
    assert_eq!(code, 0, "users add {name} failed: {err}");
    out.trim().to_string()
}

/// Check that every plan in `store` is exactly the "after" of its last audit row and has one audit
/// row per version; returns each plan's version.
pub fn plans_consistent(store: &Store, what: &str) -> std::collections::HashMap<i64, i32> {
    let conn = store.connect().unwrap();
    let mut out = std::collections::HashMap::new();
    for p in commune_atlas::plans::list(store, None).unwrap() {
        let (audits, last): (i64, String) = conn
            .query_row("SELECT count(*), arg_max(after, audit_id) FROM plan_audit WHERE plan_id = ?", [p.plan_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(audits, i64::from(p.version), "{what}: plan {} at version {} has {audits} audit rows", p.plan_id, p.version);
        let last: serde_json::Value = serde_json::from_str(&last).unwrap();
        assert_eq!(last["version"].as_i64(), Some(i64::from(p.version)), "{what}: plan {}", p.plan_id);
        let audited: Vec<(i64, Option<String>)> = last["communes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["unit_id"].as_i64().unwrap(), c["note"].as_str().map(String::from)))
            .collect();
        let now: Vec<(i64, Option<String>)> = p.communes.iter().map(|c| (c.unit_id, c.note.clone())).collect();
        assert_eq!(now, audited, "{what}: plan {} differs from its last audited state", p.plan_id);
        out.insert(p.plan_id, p.version);
    }
    out
}

/// The unit ids of a province's communes in the current boundaries (opens and closes the store).
pub fn current_communes(db: &Path, province: &str) -> Vec<i64> {
    let store = Store::open(db).unwrap();
    let conn = store.connect().unwrap();
    let mut stmt = conn
        .prepare("SELECT unit_id FROM unit WHERE level = 'commune' AND province_code = ? AND valid_to IS NULL ORDER BY unit_id")
        .unwrap();
    stmt.query_map([province], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// Options for importing a commune boundary file of version `version` valid from `valid_from`.
pub fn commune_boundaries(version: &str, valid_from: chrono::NaiveDate) -> commune_atlas::import::BoundaryOptions {
    commune_atlas::import::BoundaryOptions {
        version: version.into(),
        valid_from,
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: Some("synthetic".into()),
        source: None,
        repair: false,
        snap_tolerance: Some(0.0),
        props: Default::default(),
    }
}

/// Make sure the Debian package `package` (which provides `program`) is installed, installing it
/// when missing (e.g. poppler-utils for `pdftotext`): a test that needs a tool installs it.
pub fn ensure_apt(package: &str, program: &str) {
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = INSTALLING.lock().unwrap_or_else(|p| p.into_inner());
    let have = || std::process::Command::new(program).arg("-v").output().is_ok();
    if have() {
        return;
    }
    eprintln!("installing {package} (Debian package) for {program} …");
    for args in [vec!["update", "-q"], vec!["install", "-y", "-q", package]] {
        let st = std::process::Command::new("apt-get").args(["-o", "DPkg::Lock::Timeout=600"]).args(&args).env("DEBIAN_FRONTEND", "noninteractive").status();
        assert!(st.is_ok_and(|s| s.success()), "apt-get {args:?} failed: this test needs {package} ({program})");
    }
    assert!(have(), "{program} is still missing after installing {package}");
}
