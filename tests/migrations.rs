//! A store made by the previous release (schema migrations 1–7, the old status vocabulary) opens
//! with this one: migration 8 rebuilds `indicator` with the drug-free inputs and the classification
//! with the new vocabulary, the classification is recomputed, and nothing else changes.

mod common;

use commune_atlas::store::{MIGRATIONS, Store};
use sha2::Digest;

/// Every row of `table` (its columns `cols`, or all), ordered, as text.
fn rows(conn: &duckdb::Connection, table: &str, cols: &str) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("SELECT x::VARCHAR AS row FROM (SELECT {cols} FROM {table}) x ORDER BY row")).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
}

/// The columns the previous release's `indicator` had (this release adds three).
fn old_indicator_columns(conn: &duckdb::Connection) -> String {
    let mut stmt = conn
        .prepare("SELECT column_name FROM information_schema.columns WHERE table_name = 'indicator' AND table_schema = 'main' AND table_catalog = current_database() ORDER BY ordinal_position")
        .unwrap();
    let cols: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    cols.into_iter().filter(|c| !["residents_using_not_exempt", "residents_violating_drug_law", "wanted_drug_fugitives_hiding"].contains(&c.as_str())).collect::<Vec<_>>().join(", ")
}

#[test]
fn a_store_made_by_the_previous_release_opens_migrates_and_is_reclassified_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    // The data: the demo store of this release, from which the previous release's store is made.
    let new_db = common::demo_store(dir.path());
    let old_db = dir.path().join("previous.duckdb");
    {
        let old = duckdb::Connection::open(&old_db).unwrap();
        // The previous release's schema: migrations 1–7, recorded with their checksums.
        old.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)").unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version <= 7) {
            old.execute_batch(m.sql).unwrap();
            let sum: String = sha2::Sha256::digest(m.sql.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            old.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)", duckdb::params![m.version, m.name, sum]).unwrap();
        }
        old.execute_batch(&format!("ATTACH '{}' AS src (READ_ONLY)", new_db.display())).unwrap();
        let cols = old_indicator_columns(&old);
        old.execute_batch(&format!(
            "INSERT INTO atlas_meta SELECT * FROM src.atlas_meta WHERE key <> 'rules_digest';
             INSERT INTO atlas_meta VALUES ('rules_digest', 'digest-of-the-previous-rules');
             INSERT INTO boundary_version SELECT * FROM src.boundary_version;
             INSERT INTO admin_unit SELECT * EXCLUDE (derived) FROM src.admin_unit;
             INSERT INTO unit_crosswalk SELECT * FROM src.unit_crosswalk;
             INSERT INTO indicator ({cols}) SELECT {cols} FROM src.indicator;
             INSERT INTO recognition_event SELECT * FROM src.recognition_event;
             INSERT INTO quota_assignment SELECT * FROM src.quota_assignment;
             INSERT INTO province_quota SELECT * FROM src.province_quota;
             INSERT INTO key_route SELECT * FROM src.key_route;
             -- The previous classification, in the previous vocabulary.
             INSERT INTO classification BY NAME
             SELECT * EXCLUDE (status, drug_free_check, readings, decisive_readings, drug_free_criteria),
                    CASE status WHEN 'type_i' THEN 'hotspot' WHEN 'type_ii' THEN 'hotspot' WHEN 'type_iii' THEN 'at_risk'
                                WHEN 'non_key' THEN 'at_risk' WHEN 'drug_free_candidate' THEN 'no_activity' ELSE status END AS status
             FROM src.classification;
             DETACH src;"
        ))
        .unwrap();
        let hotspots: i64 = old.query_row("SELECT count(*) FROM classification WHERE status = 'hotspot'", [], |r| r.get(0)).unwrap();
        assert!(hotspots > 0, "the previous store speaks the previous vocabulary");
    }
    // What the previous store holds, before this release opens it.
    let before = {
        let c = duckdb::Connection::open(&old_db).unwrap();
        let cols = old_indicator_columns(&c);
        let mut all = Vec::new();
        for (t, cols) in [
            ("boundary_version", "*".to_string()),
            ("admin_unit", "*".to_string()),
            ("unit_crosswalk", "*".to_string()),
            ("indicator", cols),
            ("recognition_event", "*".to_string()),
            ("quota_assignment", "*".to_string()),
            ("province_quota", "*".to_string()),
            ("key_route", "*".to_string()),
        ] {
            all.push((t, rows(&c, t, &cols)));
        }
        all
    };
    let classified_before: i64 = duckdb::Connection::open(&old_db).unwrap().query_row("SELECT count(*) FROM classification", [], |r| r.get(0)).unwrap();

    // This release opens it: the migration runs, the classification is recomputed on first use.
    let store = Store::open(&old_db).expect("the previous release's store opens");
    let rules = commune_atlas::rules::Rules::embedded().unwrap();
    let (refresh, snapshot) = commune_atlas::analytics::up_to_date(&store, &rules).unwrap();
    assert!(refresh.is_some(), "a store whose rules digest is stale is reclassified");
    let conn = store.connect().unwrap();
    let applied: i64 = conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(applied, MIGRATIONS.last().unwrap().version as i64);
    for (t, want) in &before {
        let cols = match *t {
            "indicator" => old_indicator_columns(&conn),
            "admin_unit" => "* EXCLUDE (derived)".to_string(),
            _ => "*".to_string(),
        };
        assert_eq!(&rows(&conn, t, &cols), want, "{t} is unchanged by the migration");
    }
    let (n, nulls): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE residents_using_not_exempt IS NULL AND residents_violating_drug_law IS NULL AND wanted_drug_fugitives_hiding IS NULL) FROM indicator",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((n, nulls), (n, n), "the new drug-free inputs are unknown for old rows, never zero");
    // Recomputed, in the new vocabulary, one row per commune-year as before.
    let (classified, old_words, new_words): (i64, i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('hotspot', 'at_risk')), count(*) FILTER (WHERE status IN ('type_i', 'type_ii', 'type_iii')) FROM classification",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(classified, classified_before);
    assert_eq!(classified as usize, snapshot.classified.len());
    assert_eq!(old_words, 0);
    assert!(new_words > 0);
    // Without the Art. 6 inputs the drug-free check of a Decision-28 year is unknown (6.3 can fail).
    let mut stmt = conn.prepare("SELECT DISTINCT drug_free_check FROM classification WHERE year >= 2025 AND drug_free_check IS NOT NULL").unwrap();
    let checks: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert!(checks.iter().all(|c| c == "false" || c == "unknown"), "{checks:?}");
    assert_eq!(store.meta("rules_digest").unwrap().as_deref(), Some(rules.digest.as_str()));
}
