//! Crash safety: an importer killed with SIGKILL at 20 points of writing a large file, or a
//! server killed while plans are being changed, leaves a store that opens and holds exactly the
//! state before or after the change; an import onto a full disk fails clearly and changes
//! nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use commune_atlas::import::{self, ImportOptions, Input};
use commune_atlas::store::Store;
use common::*;

const ROWS: usize = 50; // grid rows
const COLS: usize = 100; // grid columns: 5,000 communes
const YEARS: std::ops::RangeInclusive<i32> = 2006..=2025; // 20 years × 5,000 = 100,000 rows

/// Kill the importer `delay` after it reports "validated; writing". Returns true when the kill
/// landed before the commit began (the importer had not logged "committing").
fn kill_during_write(db: &str, csv: &str, delay: Duration) -> bool {
    let mut child = Command::new(bin())
        .args(["--db", db, "import", "indicators", csv, "--no-progress"])
        .env("RUST_LOG", "commune_atlas=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start importer");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push(line);
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) if line.contains("validated; writing") => break,
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
            Err(e) => panic!("importer never reached the write phase: {e:?}"),
        }
    }
    std::thread::sleep(delay);
    // SIGKILL: no destructor, no rollback, no flush runs in the importer.
    child.kill().expect("SIGKILL the importer");
    let _ = child.wait();
    let lines = reader.join().expect("reader");
    !lines.iter().any(|l| l.contains("committing"))
}

#[test]
fn an_importer_killed_mid_write_leaves_exactly_the_previous_content() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("atlas.duckdb");
    let db = db_path.to_str().unwrap().to_string();

    // Previous content: 5,000 communes and one year of indicators.
    let before = {
        let store = grid_store(&db_path);
        let mut first = String::from(INDICATOR_HEADER);
        first.push('\n');
        for k in 1..=ROWS * COLS {
            first.push_str(&indicator_line(&format!("9{k:04}"), 2005, k));
            first.push('\n');
        }
        import::import_indicators(&store, &Input::from_bytes("2005.csv", first.as_bytes()), &ImportOptions::default()).unwrap();
        store.checkpoint().unwrap();
        snapshot(&store)
    };

    // The large import that will be killed: 100,000 rows.
    let csv = big_csv(dir.path());

    // Every kill starts from a copy of the same store, so each of the 20 points is independent.
    drop_wal(&db_path);
    let pristine = dir.path().join("pristine.duckdb");
    std::fs::copy(&db_path, &pristine).unwrap();
    let after = {
        let (code, _, err) = run(&["--db", &db, "import", "indicators", csv.to_str().unwrap(), "--no-progress"]);
        assert_eq!(code, 0, "{err}");
        strip_digest(&snapshot(&Store::open(&db_path).unwrap()))
    };
    let before = strip_digest(&before);
    assert_ne!(before, after);

    let (mut as_before, mut as_after) = (0, 0);
    for delay_ms in [0u64, 2, 5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 400, 500, 650, 800, 1000, 1300, 1700, 2200] {
        drop_wal(&db_path);
        std::fs::copy(&pristine, &db_path).unwrap();
        let killed_before_commit = kill_during_write(&db, csv.to_str().unwrap(), Duration::from_millis(delay_ms));
        let store = Store::open(&db_path).expect("the store opens after the crash");
        let now = strip_digest(&snapshot(&store));
        if now == before {
            as_before += 1;
        } else {
            let differ = now.lines().zip(after.lines()).find(|(a, b)| a != b);
            assert!(now == after, "killed {delay_ms} ms into the write: the store holds neither the previous content nor the whole import: {differ:?}");
            assert!(!killed_before_commit, "killed {delay_ms} ms in, before the commit began, yet the import is there");
            as_after += 1;
        }
    }
    eprintln!("20 kills: {as_before} left the previous content, {as_after} the whole import");
    assert!(as_before >= 3, "only {as_before} kills landed mid-write; the write phase was too short to test");
}

/// The classification digest is dropped by every import and set again by the refresh after it;
/// whether the refresh ran is not what this test is about.
fn strip_digest(s: &str) -> String {
    s.lines().filter(|l| !l.contains("rules_digest") && !l.starts_with("## atlas_meta")).collect::<Vec<_>>().join("\n")
}

fn drop_wal(db: &std::path::Path) {
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
}

/// The large import: 100,000 indicator rows (20 years × 5,000 grid communes), written to `dir`.
fn big_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let mut big = String::from(INDICATOR_HEADER);
    big.push('\n');
    for year in YEARS {
        for k in 1..=ROWS * COLS {
            big.push_str(&indicator_line(&format!("9{k:04}"), year, k));
            big.push('\n');
        }
    }
    write(dir, "big.csv", &big)
}

/// A new store at `path` holding a 50 × 100 grid of communes (codes 90001–95000).
fn grid_store(path: &std::path::Path) -> Store {
    let store = Store::open(path).unwrap();
    let geo = widen_codes(&grid_geojson("9", ROWS, COLS, 104.0, 20.0, 0.01));
    let b = commune_boundaries("grid", NaiveDate::from_ymd_opt(2000, 1, 1).unwrap());
    import::import_boundaries(&store, &Input::from_bytes("grid.geojson", geo.as_bytes()), &b, &ImportOptions::default()).unwrap();
    store
}

/// grid_geojson numbers features with 3 digits; the crash test needs 5,000 distinct 5-digit codes.
fn widen_codes(geo: &str) -> String {
    // Rebuild the collection with codes 9 + 4-digit ordinal.
    let v: serde_json::Value = serde_json::from_str(geo).unwrap();
    let mut v = v;
    for (i, f) in v["features"].as_array_mut().unwrap().iter_mut().enumerate() {
        f["properties"]["code"] = serde_json::Value::String(format!("9{:04}", i + 1));
    }
    v.to_string()
}

#[test]
fn a_server_killed_during_plan_writes_leaves_every_plan_exactly_as_its_last_audited_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let communes: Vec<i64> = current_communes(&db, "99").into_iter().take(40).collect();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(5))).build().into();
    let mut acknowledged: std::collections::HashMap<i64, i32> = Default::default();
    for (round, kill_ms) in [30u64, 60, 90, 120, 150, 180, 220, 260, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 1200, 1500].into_iter().enumerate() {
        let server = serve(&db);
        let base = server.base.clone();
        // The writer: one plan per round, then add and note communes one change at a time.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (agent, stop, communes) = (agent.clone(), stop.clone(), communes.clone());
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let Ok(mut r) = agent.post(&format!("{base}/api/plans")).send_json(serde_json::json!({"name": format!("round {round}"), "province_code": "99", "target_year": 2027})) else { return acked };
                let Ok(plan) = r.body_mut().read_json::<serde_json::Value>() else { return acked };
                let (id, mut version) = (plan["plan_id"].as_i64().unwrap_or(0), 1);
                acked.push((id, version));
                for (k, unit) in communes.iter().enumerate() {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let body = serde_json::json!({"version": version, "unit_id": unit, "note": format!("note {k}")});
                    match agent.post(&format!("{base}/api/plans/{id}/communes")).send_json(body) {
                        Ok(r) if r.status().as_u16() == 200 => {
                            version += 1;
                            acked.push((id, version));
                        }
                        _ => break,
                    }
                }
                acked
            })
        };
        std::thread::sleep(Duration::from_millis(kill_ms));
        let mut server = server;
        server.child.kill().unwrap(); // SIGKILL
        let _ = server.child.wait();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for (id, v) in writer.join().unwrap() {
            acknowledged.insert(id, v);
        }
        // The store opens; every plan equals the "after" of its last audit row, and every
        // acknowledged change is there (at most one unacknowledged change more).
        let store = Store::open(&db).expect("the store opens after the server was killed");
        for (id, version) in plans_consistent(&store, &format!("round {round}")) {
            if let Some(acked) = acknowledged.get(&id) {
                assert!(version == *acked || version == *acked + 1, "round {round}: plan {id} at {version}, acknowledged {acked}");
            }
        }
    }
    assert!(acknowledged.values().filter(|v| **v > 1).count() >= 10, "writes were under way when the server died: {acknowledged:?}");
}

#[test]
fn an_import_onto_a_full_disk_fails_with_a_clear_error_and_leaves_the_store_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    // A store of 5,000 communes, then a tmpfs just big enough for it.
    let src = dir.path().join("src.duckdb");
    grid_store(&src).checkpoint().unwrap();
    let size = std::fs::metadata(&src).unwrap().len();
    let kb = size / 1024 + 1024;
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={kb}k"), "tmpfs", mnt.to_str().unwrap()]).status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("\n*** FULL-DISK TEST NOT RUN: mounting a tmpfs needs root (or CAP_SYS_ADMIN). ***\n");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let db = mnt.join("atlas.duckdb");
    std::fs::copy(&src, &db).unwrap();
    let before = snapshot(&Store::open(&db).unwrap());

    let csv = big_csv(dir.path());
    let (code, _, err) = run(&["--db", db.to_str().unwrap(), "import", "indicators", csv.to_str().unwrap(), "--no-progress"]);
    assert_ne!(code, 0, "the import cannot fit");
    assert!(err.contains("No space left on device") || err.contains("disk is full"), "the error says the disk is full: {err}");
    // The files on the full disk hold the previous content (read from a copy with room to open).
    let check = dir.path().join("check");
    std::fs::create_dir(&check).unwrap();
    for f in std::fs::read_dir(&mnt).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, check.join(f.file_name().unwrap())).unwrap();
    }
    let after = snapshot(&Store::open(check.join("atlas.duckdb")).expect("the store opens"));
    assert!(after == before, "the failed import changed the store");
}

#[test]
fn a_server_killed_during_review_submissions_and_acceptances_keeps_every_acknowledged_step_and_half_applies_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let communes: Vec<i64> = current_communes(&db, "98").into_iter().take(40).collect();
    let period = {
        let store = Store::open(&db).unwrap();
        commune_atlas::review::open_period(&store, 2026, Some("98"), None, "admin").unwrap().id
    };
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(10))).build().into();
    // submission id → (state, version) last acknowledged by the server.
    let mut acknowledged: std::collections::HashMap<i64, (String, i64)> = Default::default();
    let mut next = 0usize;
    for (round, kill_ms) in [400u64, 900, 1500, 2200, 3000, 4000].into_iter().enumerate() {
        let server = serve(&db);
        let base = server.base.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let todo: Vec<i64> = communes.iter().skip(next).take(6).copied().collect();
        next += todo.len();
        let writer = {
            let (agent, stop) = (agent.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acked: Vec<(i64, String, i64)> = Vec::new();
                'units: for unit in todo {
                    let figures = serde_json::json!({ "resident_population": 7000, "addicts_with_records": 3 + round as i64, "illegal_users_with_records": 1,
                        "drug_use_locations": 0, "drug_offenders_arrested": 1, "plants_destroyed_count": 0, "plants_destroyed_area_m2": 0, "key_route_scope": "none" });
                    let draft = serde_json::json!({ "version": 0, "figures": figures, "self_key_type": "III" });
                    let Ok(mut r) = agent.put(&format!("{base}/api/review/periods/{period}/communes/{unit}")).send_json(draft) else { break };
                    if r.status().as_u16() != 200 { break }
                    let Ok(s) = r.body_mut().read_json::<serde_json::Value>() else { break };
                    let (id, mut v) = (s["submission"]["id"].as_i64().unwrap_or(0), s["submission"]["version"].as_i64().unwrap_or(0));
                    acked.push((id, "draft".into(), v));
                    for step in ["submit", "accept"] {
                        if stop.load(std::sync::atomic::Ordering::SeqCst) {
                            break 'units;
                        }
                        match agent.post(&format!("{base}/api/review/submissions/{id}/{step}")).send_json(serde_json::json!({ "version": v })) {
                            Ok(mut r) if r.status().as_u16() == 200 => {
                                let s: serde_json::Value = r.body_mut().read_json().unwrap_or_default();
                                v = s["submission"]["version"].as_i64().unwrap_or(v + 1);
                                acked.push((id, s["submission"]["state"].as_str().unwrap_or("").to_string(), v));
                            }
                            _ => break 'units,
                        }
                    }
                }
                acked
            })
        };
        std::thread::sleep(Duration::from_millis(kill_ms));
        let mut server = server;
        server.child.kill().unwrap(); // SIGKILL
        let _ = server.child.wait();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for (id, state, v) in writer.join().unwrap() {
            acknowledged.insert(id, (state, v));
        }
        // The store opens. Every acknowledged step is there (at most one unacknowledged step more),
        // and no acceptance is half-applied: accepted ⇔ the commune-year's row came from it.
        let store = Store::open(&db).expect("the store opens after the server was killed");
        let conn = store.connect().unwrap();
        let subs: Vec<(i64, i64, String, i64)> = conn
            .prepare("SELECT id, unit_id, state, version FROM review_submission")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (id, unit, state, version) in &subs {
            if let Some((acked_state, acked_v)) = acknowledged.get(id) {
                assert!(*version == *acked_v || *version == *acked_v + 1, "round {round}: submission {id} at v{version} ({state}), acknowledged v{acked_v} ({acked_state})");
                if acked_state == "accepted" {
                    assert_eq!(state, "accepted", "round {round}: an acknowledged acceptance was lost");
                }
            }
            let from_review: i64 = conn
                .query_row("SELECT count(*) FROM indicator WHERE unit_id = ? AND year = 2026 AND source_ref LIKE ?", duckdb::params![unit, format!("annual review 2026, submission {id} %")], |r| r.get(0))
                .unwrap();
            assert_eq!(state == "accepted", from_review == 1, "round {round}: submission {id} is {state} but its row {} there", if from_review == 1 { "is" } else { "is not" });
        }
        let accepted_events: i64 = conn.query_row("SELECT count(*) FROM review_event WHERE action = 'accept'", [], |r| r.get(0)).unwrap();
        let accepted = subs.iter().filter(|s| s.2 == "accepted").count() as i64;
        assert_eq!(accepted_events, accepted, "round {round}: one audit event per acceptance");
    }
    let accepted = acknowledged.values().filter(|(s, _)| s == "accepted").count();
    eprintln!("{} submissions acknowledged, {accepted} acceptances acknowledged across 6 kills", acknowledged.len());
    assert!(accepted >= 3, "acceptances were under way when the server died: {acknowledged:?}");
}
