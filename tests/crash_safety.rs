//! Crash safety: an importer killed with SIGKILL in the middle of writing a large file leaves
//! the store with exactly its previous content.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input};
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
        let store = Store::open(&db_path).unwrap();
        let geo = widen_codes(&grid_geojson("9", ROWS, COLS, 104.0, 20.0, 0.01));
        let b = BoundaryOptions {
            version: "grid".into(),
            valid_from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            valid_to: None,
            level: "commune".into(),
            code_system: Some("synthetic".into()),
            source: None,
            repair: false,
            snap_tolerance: 0.0,
            props: Default::default(),
        };
        import::import_boundaries(&store, &Input::from_bytes("grid.geojson", geo.as_bytes()), &b, &ImportOptions::default()).unwrap();
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
    let mut big = String::from(INDICATOR_HEADER);
    big.push('\n');
    for year in YEARS {
        for k in 1..=ROWS * COLS {
            big.push_str(&indicator_line(&format!("9{k:04}"), year, k));
            big.push('\n');
        }
    }
    let csv = write(dir.path(), "big.csv", &big);

    let mut conclusive = 0;
    for delay_ms in [0u64, 5, 20, 50, 100, 200, 400] {
        let killed_before_commit = kill_during_write(&db, csv.to_str().unwrap(), Duration::from_millis(delay_ms));
        let store = Store::open(&db_path).expect("the store opens after the crash");
        let after = snapshot(&store);
        if killed_before_commit {
            conclusive += 1;
            assert!(after == before, "killed {delay_ms} ms into the write: the store must hold exactly the previous content");
            assert_eq!(count(&store, "indicator"), (ROWS * COLS) as i64);
        } else {
            eprintln!("kill at +{delay_ms} ms came after the commit began; not counted");
            // Killed during the commit: all of the import or none of it, never a part.
            let n = count(&store, "indicator");
            if n == (ROWS * COLS) as i64 {
                assert!(after == before, "a commit cut short must leave the previous content");
            } else {
                assert_eq!(n, (ROWS * COLS * 21) as i64, "all of the import or none of it");
                break;
            }
        }
    }
    assert!(conclusive >= 3, "only {conclusive} kills landed mid-write; the write phase was too short to test");
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
