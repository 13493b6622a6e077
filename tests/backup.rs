//! Backups: a copy taken over HTTP while plans are being written restores to a consistent store,
//! and restore refuses to pull a store out from under a running server.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use commune_atlas::store::Store;
use common::*;
use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60))).build().into()
}

#[test]
fn a_backup_taken_during_plan_writes_restores_to_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let communes = current_communes(&db, "99");
    let server = serve(&db);
    let base = server.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    // Two writers, each adding communes to a plan of its own, one change after another.
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (base, stop, communes) = (base.clone(), stop.clone(), communes.clone());
            std::thread::spawn(move || {
                let a = agent();
                let mut r = a.post(&format!("{base}/api/plans")).send_json(json!({"name": format!("writer {w}"), "province_code": "99", "target_year": 2027})).unwrap();
                let plan: Value = r.body_mut().read_json().unwrap();
                let (id, mut version) = (plan["plan_id"].as_i64().unwrap(), 1);
                for (k, unit) in communes.iter().enumerate().filter(|(k, _)| k % 2 == w) {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = json!({"version": version, "unit_id": unit, "note": format!("note {k}")});
                    let r = a.post(&format!("{base}/api/plans/{id}/communes")).send_json(body).unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                    version += 1;
                }
                (id, version)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    let mut r = agent().get(&format!("{base}/api/admin/backup")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let finals: Vec<(i64, i32)> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    drop(server);
    let backup = dir.path().join("backup.duckdb");
    std::fs::write(&backup, &bytes).unwrap();

    // Restore into a new store: it opens, every plan is exactly its last audited state, and the
    // backup holds part of the writes (it was taken mid-way).
    let restored = dir.path().join("restored.duckdb");
    let (code, out, err) = run(&["--db", restored.to_str().unwrap(), "restore", backup.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let store = Store::open(&restored).unwrap();
    let versions = plans_consistent(&store, "restored backup");
    for (id, last) in &finals {
        let v = versions.get(id).copied().unwrap_or(0);
        assert!(v >= 1 && v <= *last, "plan {id}: version {v} in the backup, {last} at the end");
    }
    assert!(finals.iter().any(|(id, last)| versions.get(id).is_some_and(|v| v < last)), "the backup was taken mid-way: {versions:?} vs {finals:?}");
    // Sequences came along: a new plan in the restored store gets a fresh id.
    let p = commune_atlas::plans::create(&store, "after restore", "99", 2028, None, "test").unwrap();
    assert!(versions.keys().all(|id| *id != p.plan_id));
    drop(store);

    // The audit log records who took the backup.
    let store = Store::open(&db).unwrap();
    let n: i64 = store.connect().unwrap().query_row("SELECT count(*) FROM audit_log WHERE action = 'backup'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn restore_refuses_while_a_server_holds_the_store_and_needs_force_to_replace_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let copy = dir.path().join("copy.duckdb");
    let (code, out, err) = run(&["--db", db.to_str().unwrap(), "backup", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let before = snapshot(&Store::open(&copy).unwrap());
    assert_eq!(before, snapshot(&Store::open(&db).unwrap()), "the backup holds the store's content");
    let (code, _, err) = run(&["--db", db.to_str().unwrap(), "restore", copy.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("--force"), "{err}");
    let server = serve(&db);
    let (code, _, err) = run(&["--db", db.to_str().unwrap(), "restore", copy.to_str().unwrap(), "--force"]);
    assert_ne!(code, 0, "restoring under a running server must fail");
    assert!(err.contains("lock") || err.contains("another commune-atlas process"), "{err}");
    drop(server);
    let (code, _, err) = run(&["--db", db.to_str().unwrap(), "restore", copy.to_str().unwrap(), "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(snapshot(&Store::open(&db).unwrap()), before);
}

#[test]
fn a_read_only_replica_serves_maps_and_sql_but_refuses_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let server = serve_with(&db, &["--read-only"]);
    let base = &server.base;
    assert_eq!(agent().get(&format!("{base}/api/status")).call().unwrap().status().as_u16(), 200);
    let r = agent().post(&format!("{base}/api/sql")).send_json(json!({"sql": "SELECT count(*) FROM unit"})).unwrap();
    assert_eq!(r.status().as_u16(), 200, "reading SQL works on a replica");
    let mut r = agent().post(&format!("{base}/api/plans")).send_json(json!({"name": "x", "province_code": "99", "target_year": 2027})).unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let e: Value = r.body_mut().read_json().unwrap();
    assert_eq!(e["error"]["code"], "read_only");
}
