//! Real boundaries from `../shared/realdata` (never copied into the repository): Quảng Ninh's
//! 2025 communes have 1,825 island parts and 13 features with self-intersecting rings.
//! Set ATLAS_REALDATA to point elsewhere. When the files are absent the tests say so loudly.

mod common;

use chrono::NaiveDate;
use commune_atlas::Error;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input};
use commune_atlas::store::Store;

fn opts(repair: bool) -> BoundaryOptions {
    BoundaryOptions {
        version: "vn2025".into(),
        valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: None,
        source: Some("realdata test".into()),
        repair,
        snap_tolerance: None,
        props: Default::default(),
    }
}

/// Codes of the features the file itself flags as having self-intersecting rings.
fn flagged_codes(text: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut codes: Vec<String> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["qa_self_intersecting_rings"].as_i64().unwrap_or(0) > 0)
        .map(|f| f["properties"]["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

#[test]
fn quang_ninh_2025_is_refused_without_repair_naming_the_self_intersecting_units() {
    let Some(path) = common::realdata("vn2025_commune_p22_quang_ninh.geojson") else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.duckdb")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let err = import::import_boundaries(&store, &Input::from_path(&path).unwrap(), &opts(false), &ImportOptions::default())
        .expect_err("invalid rings must be refused without --repair");
    let Error::Rejected(problems) = err else { panic!("expected a rejection, got {err}") };
    for code in flagged_codes(&text) {
        assert!(
            problems.items.iter().any(|p| p.reason.starts_with(&format!("unit {code} ")) && p.reason.contains("--repair")),
            "unit {code} (flagged in the file) must be named in the rejection"
        );
    }
    assert_eq!(common::count(&store, "admin_unit"), 0);
}

#[test]
fn quang_ninh_2025_imports_with_repair_and_reports_the_repaired_units() {
    let Some(path) = common::realdata("vn2025_commune_p22_quang_ninh.geojson") else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.duckdb")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let report = import::import_boundaries(&store, &Input::from_path(&path).unwrap(), &opts(true), &ImportOptions::default())
        .expect("imports with --repair");
    assert_eq!(report.rows, 54);
    for code in flagged_codes(&text) {
        assert!(
            report.notes.iter().any(|n| n.starts_with(&format!("repaired unit {code} "))),
            "unit {code} must be reported as repaired: {:?}",
            report.notes
        );
    }
    let conn = store.connect().unwrap();
    let (parts, repaired, area): (i64, i64, f64) = conn
        .query_row("SELECT sum(part_count), count(*) FILTER (WHERE repaired), sum(area_km2) FROM admin_unit WHERE level = 'commune'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(repaired as usize, report.notes.iter().filter(|n| n.starts_with("repaired unit ")).count());
    assert!(parts >= 1_800, "island parts are kept: {parts}");
    // Quảng Ninh's land area is about 6,200 km²; the simplified source is close to it.
    assert!((5_500.0..7_000.0).contains(&area), "total area {area} km²");
    // Every stored geometry is valid after repair.
    let mut stmt = conn.prepare("SELECT code, geometry FROM admin_unit").unwrap();
    let rows: Vec<(String, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    for (code, g) in rows {
        let mp = commune_atlas::geo::from_geojson(&g).unwrap();
        let problems = commune_atlas::geo::invalidity(&mp);
        assert!(problems.is_empty(), "unit {code} still invalid after repair: {problems:?}");
    }
}

#[test]
fn dong_thap_2025_imports_cleanly_without_repair() {
    let Some(path) = common::realdata("vn2025_commune_p82_dong_thap.geojson") else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.duckdb")).unwrap();
    let report = import::import_boundaries(&store, &Input::from_path(&path).unwrap(), &opts(false), &ImportOptions::default())
        .expect("simple polygons import without repair");
    assert_eq!(report.rows, 102);
    // Nothing repaired; the notes say which snap tolerance was chosen and that the province was derived.
    assert!(!report.notes.iter().any(|n| n.starts_with("repaired")), "{:?}", report.notes);
    assert!(report.notes.iter().any(|n| n.starts_with("snap tolerance 6e-4°")), "{:?}", report.notes);
    assert!(report.notes.iter().any(|n| n.starts_with("derived 1 province")), "{:?}", report.notes);
}
