//! Importing boundaries and indicators: what goes in comes back out exactly, and every class of
//! bad input is rejected with file, line, column and reason while the store stays as it was.

mod common;

use chrono::NaiveDate;
use commune_atlas::Error;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input, Problems};
use commune_atlas::store::Store;
use common::*;

fn boundary_opts(version: &str) -> BoundaryOptions {
    BoundaryOptions {
        version: version.into(),
        valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: Some("synthetic".into()),
        source: Some("test fixture".into()),
        repair: false,
        snap_tolerance: Some(0.0),
        props: Default::default(),
    }
}

/// A store holding a 4 × 5 grid of communes (codes 98001…98020) and their 2025 indicators.
fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("atlas.duckdb")).unwrap();
    let geo = grid_geojson("98", 4, 5, 105.0, 21.0, 0.1);
    import::import_boundaries(&store, &Input::from_bytes("grid.geojson", geo.as_bytes()), &boundary_opts("test2025"), &ImportOptions::default())
        .expect("boundaries import");
    let csv = indicators_csv("98", 20, 2025);
    import::import_indicators(&store, &Input::from_bytes("ind.csv", csv.as_bytes()), &ImportOptions::default())
        .expect("indicators import");
    (dir, store)
}

fn rejected(result: commune_atlas::Result<import::ImportReport>) -> Problems {
    match result {
        Err(Error::Rejected(p)) => p,
        Err(other) => panic!("expected a rejection, got error: {other}"),
        Ok(r) => panic!("expected a rejection, but the import succeeded: {r}"),
    }
}

#[test]
fn boundaries_and_indicators_round_trip_exactly() {
    let (_dir, store) = seeded();
    assert_eq!(count(&store, "admin_unit WHERE level = 'commune'"), 20);
    assert_eq!(count(&store, "admin_unit WHERE level = 'province' AND derived"), 1, "the province the communes name");
    assert_eq!(count(&store, "indicator"), 20);
    let conn = store.connect().unwrap();

    // The bbox read back equals the fixture's own coordinates of unit 98007, bit for bit.
    let fixture: serde_json::Value = serde_json::from_str(&grid_geojson("98", 4, 5, 105.0, 21.0, 0.1)).unwrap();
    let f = fixture["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "98007").unwrap();
    let ring: Vec<(f64, f64)> = f["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let want = ring.iter().fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, p| (b.0.min(p.0), b.1.min(p.1), b.2.max(p.0), b.3.max(p.1)));
    let (min_lon, min_lat, max_lon, max_lat, ty, unit_id): (f64, f64, f64, f64, String, i64) = conn
        .query_row(
            "SELECT min_lon, min_lat, max_lon, max_lat, unit_type, unit_id FROM admin_unit WHERE code = '98007'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!((min_lon, min_lat, max_lon, max_lat), want, "bbox read back exactly");
    assert!((min_lon - 105.1).abs() < 1e-12 && (min_lat - 21.1).abs() < 1e-12, "row 1, column 1 of the grid");
    assert_eq!(ty, "xa");
    assert_eq!(unit_id, 1_000_007, "unit id = version id × 1,000,000 + ordinal");

    // Indicator values of line k = 7 (see common::indicator_line).
    let (pop, addicts, rate): (i32, i32, f64) = conn
        .query_row(
            "SELECT resident_population, addicts_with_records, addict_user_rate_pct FROM indicator_v
             WHERE unit_code = '98007' AND year = 2025",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(pop, 5000 + 7 * 37);
    assert_eq!(addicts, 7);
    assert!((rate - 100.0 * 14.0 / 5259.0).abs() < 1e-12);

    // The stored geometry is the input geometry (already RFC 7946-oriented).
    let geometry: String = conn.query_row("SELECT geometry FROM admin_unit WHERE code = '98001'", [], |r| r.get(0)).unwrap();
    assert_eq!(geometry, r#"{"type":"Polygon","coordinates":[[[105,21],[105.1,21],[105.1,21.1],[105,21.1],[105,21]]]}"#);

    // Accepted imports are logged with their checksum.
    let accepted: i64 = conn
        .query_row("SELECT count(*) FROM import_log WHERE outcome = 'accepted' AND length(sha256) = 64", [], |r| r.get(0))
        .unwrap();
    assert_eq!(accepted, 2);
}

#[test]
fn clockwise_rings_are_turned_counter_clockwise_silently() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.duckdb")).unwrap();
    let cw = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"98001","name":"Xã A","type":"Xã"},
      "geometry":{"type":"Polygon","coordinates":[[[105,21],[105,21.1],[105.1,21.1],[105.1,21],[105,21]]]}}]}"#;
    import::import_boundaries(&store, &Input::from_bytes("cw.geojson", cw.as_bytes()), &boundary_opts("v"), &ImportOptions::default())
        .expect("clockwise input is accepted");
    let conn = store.connect().unwrap();
    let g: String = conn.query_row("SELECT geometry FROM admin_unit", [], |r| r.get(0)).unwrap();
    assert_eq!(g, r#"{"type":"Polygon","coordinates":[[[105,21],[105.1,21],[105.1,21.1],[105,21.1],[105,21]]]}"#);
}

/// Import `csv` as indicators into a seeded store; assert it is rejected, the store is
/// unchanged, and the first problem is at `line:column` with a reason containing `reason`.
fn assert_indicators_rejected(csv: &str, line: u64, column: u64, reason: &str) {
    let (_dir, store) = seeded();
    let before = snapshot(&store);
    let p = rejected(import::import_indicators(&store, &Input::from_bytes("bad.csv", csv.as_bytes()), &ImportOptions::default()));
    assert_eq!(snapshot(&store), before, "the store must be unchanged after a rejected import");
    let first = &p.items[0];
    assert_eq!(first.file, "bad.csv");
    assert_eq!((first.line, first.column), (line, column), "position of {first}");
    assert!(first.reason.contains(reason), "reason '{}' should mention '{reason}'", first.reason);
    let logged: i64 = store
        .connect()
        .unwrap()
        .query_row("SELECT count(*) FROM import_log WHERE outcome = 'rejected' AND file_name = 'bad.csv'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(logged, 1, "the rejection is recorded in import_log");
}

#[test]
fn importing_a_csv_with_a_negative_population_is_rejected_and_leaves_the_store_unchanged() {
    let csv = format!("{INDICATOR_HEADER}\n{}\n98002,2026,2026-12-31,-5,1,1,0,0,0,0,none,x\n", indicator_line("98001", 2026, 1));
    assert_indicators_rejected(&csv, 3, 4, "resident_population: must be at least 1, got -5");
}

#[test]
fn an_unknown_unit_code_is_rejected() {
    let csv = format!("{INDICATOR_HEADER}\n{}\n", indicator_line("97999", 2026, 1));
    assert_indicators_rejected(&csv, 2, 1, "unknown commune code '97999'");
}

#[test]
fn a_value_of_the_wrong_type_is_rejected() {
    let csv = format!("{INDICATOR_HEADER}\n98001,2026,2026-12-31,5000,many,1,0,0,0,0,none,x\n");
    assert_indicators_rejected(&csv, 2, 5, "addicts_with_records: expected a whole number, got 'many'");
}

#[test]
fn a_missing_required_column_is_rejected() {
    let header = INDICATOR_HEADER.replace(",drug_offenders_arrested", "");
    let csv = format!("{header}\n98001,2026,2026-12-31,5000,1,1,0,0,0,none,x\n");
    assert_indicators_rejected(&csv, 1, 0, "missing required column 'drug_offenders_arrested'");
}

#[test]
fn a_duplicate_unit_and_year_in_one_file_is_rejected() {
    let csv = format!("{INDICATOR_HEADER}\n{}\n{}\n", indicator_line("98003", 2026, 3), indicator_line("98003", 2026, 4));
    assert_indicators_rejected(&csv, 3, 1, "duplicate row for unit '98003', year 2026 (first on line 2)");
}

#[test]
fn addicts_by_location_cannot_exceed_addicts_with_records() {
    let csv = format!(
        "{INDICATOR_HEADER},addicts_in_community,addicts_in_detention\n98001,2026,2026-12-31,5000,10,1,0,0,0,0,none,x,8,5\n"
    );
    assert_indicators_rejected(&csv, 2, 13, "exceed addicts_with_records (10)");
}

#[test]
fn residents_using_outside_the_exempt_groups_cannot_exceed_those_with_records() {
    // 6 addicts + 2 users with records: at most 8 of them can be using outside the exempt groups.
    let csv = format!("{INDICATOR_HEADER},residents_using_not_exempt\n{},0\n98002,2026,2026-12-31,5000,6,2,0,0,0,0,none,x,9\n", indicator_line("98001", 2026, 1));
    assert_indicators_rejected(&csv, 3, 13, "residents_using_not_exempt (9) exceeds addicts_with_records + illegal_users_with_records (8)");
}

#[test]
fn a_file_without_the_drug_free_inputs_imports_and_says_so_once() {
    let (_dir, store) = seeded();
    // The seeded file has none of the Art. 6 columns: its report says so in one note, not per row.
    let csv = indicators_csv("98", 20, 2026);
    let report = import::import_indicators(&store, &Input::from_bytes("old-format.csv", csv.as_bytes()), &ImportOptions::default()).unwrap();
    assert_eq!(report.rows, 20);
    let art6: Vec<&String> = report.notes.iter().filter(|n| n.contains("Art. 6")).collect();
    assert_eq!(art6.len(), 1, "one note for the file: {:?}", report.notes);
    for c in ["residents_using_not_exempt", "residents_violating_drug_law", "wanted_drug_fugitives_hiding"] {
        assert!(art6[0].contains(c), "the note names {c}: {}", art6[0]);
    }
    let conn = store.connect().unwrap();
    let unknown: i64 = conn
        .query_row("SELECT count(*) FROM indicator WHERE year = 2026 AND residents_using_not_exempt IS NULL AND residents_violating_drug_law IS NULL AND wanted_drug_fugitives_hiding IS NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unknown, 20, "missing inputs are stored as unknown, never zero");
    // A file with one of them is told which two it lacks; the one it has is stored.
    let with_one = format!("{INDICATOR_HEADER},wanted_drug_fugitives_hiding\n98001,2027,2027-12-14,5000,0,0,0,0,0,0,none,x,0\n");
    let report = import::import_indicators(&store, &Input::from_bytes("partial.csv", with_one.as_bytes()), &ImportOptions::default()).unwrap();
    let note = report.notes.iter().find(|n| n.contains("Art. 6")).expect("a note");
    assert!(note.contains("residents_using_not_exempt, residents_violating_drug_law columns") && !note.contains("wanted"), "{note}");
    // The Art. 6 check of those rows is unknown (6.1 cannot be read), not false.
    let rules = commune_atlas::rules::Rules::embedded().unwrap();
    let (_, snapshot) = commune_atlas::analytics::up_to_date(&store, &rules).unwrap();
    let checks: std::collections::BTreeSet<String> = snapshot
        .classified
        .iter()
        .filter(|((_, y), _)| *y == 2026)
        .filter_map(|(_, c)| c.evaluation.as_ref()?.drug_free_check.map(|t| format!("{t:?}")))
        .collect();
    assert!(!checks.is_empty() && !checks.contains("True"), "without the inputs no commune meets Art. 6: {checks:?}");
}

#[test]
fn an_unknown_column_is_rejected_with_a_suggestion() {
    let csv = format!("{INDICATOR_HEADER},resident_populaton\n{},1\n", indicator_line("98001", 2026, 1));
    assert_indicators_rejected(&csv, 1, 13, "did you mean 'resident_population'?");
}

#[test]
fn re_importing_a_year_is_refused_without_replace_and_replaces_exactly_those_rows_with_it() {
    let (_dir, store) = seeded();
    let before = snapshot(&store);
    let csv = format!("{INDICATOR_HEADER}\n98001,2025,2025-12-31,7777,1,1,0,0,0,0,none,corrected\n");
    let err = import::import_indicators(&store, &Input::from_bytes("fix.csv", csv.as_bytes()), &ImportOptions::default())
        .expect_err("same (unit, year) without --replace");
    assert!(matches!(err, Error::Refused(_)), "{err}");
    assert!(err.to_string().contains("--replace"), "the refusal says what to do: {err}");
    assert_eq!(snapshot(&store), before);

    let opts = ImportOptions { replace: true, ..Default::default() };
    let report = import::import_indicators(&store, &Input::from_bytes("fix.csv", csv.as_bytes()), &opts).unwrap();
    assert_eq!((report.rows, report.replaced), (1, 1));
    assert_eq!(count(&store, "indicator"), 20);
    let pop: i32 = store
        .connect()
        .unwrap()
        .query_row("SELECT resident_population FROM indicator_v WHERE unit_code = '98001'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pop, 7777);
}

/// Import `geojson` as boundaries into a seeded store; assert rejection at `line:column` with
/// `reason`, store unchanged.
fn assert_boundaries_rejected(geojson: &str, line: u64, column: u64, reason: &str) {
    let (_dir, store) = seeded();
    let before = snapshot(&store);
    let p = rejected(import::import_boundaries(
        &store,
        &Input::from_bytes("bad.geojson", geojson.as_bytes()),
        &boundary_opts("other"),
        &ImportOptions::default(),
    ));
    assert_eq!(snapshot(&store), before, "the store must be unchanged after a rejected import");
    let first = &p.items[0];
    assert_eq!((first.file.as_str(), first.line, first.column), ("bad.geojson", line, column), "position of {first}");
    assert!(first.reason.contains(reason), "reason '{}' should mention '{reason}'", first.reason);
}

const FC_HEAD: &str = "{\"type\":\"FeatureCollection\",\"features\":[\n";

#[test]
fn a_self_intersecting_ring_is_rejected_without_repair() {
    let bowtie = format!(
        "{FC_HEAD}{{\"type\":\"Feature\",\"properties\":{{\"code\":\"98101\",\"name\":\"Xã Nơ\"}},\n \"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[105,21],[105,21.1],[105.1,21],[105.1,21.1],[105,21]]]}}}}\n]}}"
    );
    assert_boundaries_rejected(&bowtie, 3, 13, "self-intersection");
}

#[test]
fn an_unclosed_ring_is_rejected_at_the_ring() {
    let open = format!(
        "{FC_HEAD}{{\"type\":\"Feature\",\"properties\":{{\"code\":\"98101\",\"name\":\"Xã Hở\"}},\n \"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[\n[[105,21],[105.1,21],[105.1,21.1],[105,21.1]]]}}}}\n]}}"
    );
    assert_boundaries_rejected(&open, 4, 1, "is not closed");
}

#[test]
fn a_coordinate_out_of_range_is_rejected() {
    let swapped = format!(
        "{FC_HEAD}{{\"type\":\"Feature\",\"properties\":{{\"code\":\"98101\",\"name\":\"Xã Lộn\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[21,105],[21.1,105],[21.1,105.1],[21,105]]]}}}}\n]}}"
    );
    assert_boundaries_rejected(&swapped, 2, 109, "outside lon");
}

#[test]
fn a_duplicate_code_is_rejected() {
    let mut geo = grid_geojson("98", 1, 2, 105.0, 21.0, 0.1);
    geo = geo.replace("\"98002\"", "\"98001\"");
    assert_boundaries_rejected(&geo, 3, 1, "duplicate code '98001'");
}

#[test]
fn a_unit_whose_area_cannot_be_computed_is_refused_not_skipped() {
    // A MultiPolygon with no polygon: valid JSON, no ring to fail, but nothing to measure. The
    // writer used to skip such a unit while counting it as written; now the file is refused.
    let empty = format!(
        "{FC_HEAD}{{\"type\":\"Feature\",\"properties\":{{\"code\":\"98101\",\"name\":\"Xã Trống\"}},\"geometry\":{{\"type\":\"MultiPolygon\",\"coordinates\":[]}}}}\n]}}"
    );
    assert_boundaries_rejected(&empty, 2, 78, "unit 98101 (Xã Trống): the geometry has no area");
    // With a valid unit beside it, still nothing is written, and the report never counts it.
    let (_dir, store) = seeded();
    let mut geo = grid_geojson("97", 1, 1, 106.0, 21.0, 0.1);
    geo = geo.replacen("\n]}", ",\n{\"type\":\"Feature\",\"properties\":{\"code\":\"97999\",\"name\":\"Xã Trống\"},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[]}}\n]}", 1);
    let p = rejected(import::import_boundaries(&store, &Input::from_bytes("two.geojson", geo.as_bytes()), &boundary_opts("other"), &ImportOptions::default()));
    assert_eq!(p.total, 1, "{p}");
    assert_eq!(count(&store, "admin_unit WHERE level = 'commune'"), 20, "nothing of the file was written");
    // A file that passes writes exactly what it says it wrote.
    let ok = grid_geojson("97", 2, 3, 106.0, 21.0, 0.1);
    let r = import::import_boundaries(&store, &Input::from_bytes("ok.geojson", ok.as_bytes()), &boundary_opts("other"), &ImportOptions::default()).unwrap();
    assert_eq!(r.rows, 6);
    assert_eq!(count(&store, "admin_unit WHERE level = 'commune'"), 26);
}

#[test]
fn a_point_geometry_is_rejected() {
    let pt = format!(
        "{FC_HEAD}{{\"type\":\"Feature\",\"properties\":{{\"code\":\"98101\",\"name\":\"Xã Điểm\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[105,21]}}}}\n]}}"
    );
    assert_boundaries_rejected(&pt, 2, 77, "geometry type Point is not allowed");
}

#[test]
fn a_broken_json_file_is_rejected_at_the_syntax_error() {
    assert_boundaries_rejected("{\"type\":\"FeatureCollection\",\n\"features\":[ {\"type\": }]}", 2, 23, "not valid JSON");
}

#[test]
fn a_missing_name_is_rejected() {
    let geo = grid_geojson("98", 1, 1, 105.0, 21.0, 0.1).replace("\"name\":\"Xã Thử Nghiệm 1\",", "");
    assert_boundaries_rejected(&geo, 2, 1, "property 'name' (the unit name) is missing");
}

#[test]
fn the_cli_prints_file_line_column_reason_and_exits_65() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlas.duckdb");
    let db = db.to_str().unwrap();
    let geo = write(dir.path(), "grid.geojson", &grid_geojson("98", 2, 2, 105.0, 21.0, 0.1));
    let (code, out, err) = run(&["--db", db, "import", "boundaries", geo.to_str().unwrap(), "--version", "t", "--valid-from", "2025-07-01"]);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("imported 4 boundaries"), "{out}");

    let mut csv = String::from(INDICATOR_HEADER);
    csv.push('\n');
    for k in 0..60 {
        // 60 lines with a negative population: 50 listed, then a count.
        csv.push_str(&format!("98001,2026,2026-12-31,-{k},1,1,0,0,0,0,none,x\n"));
    }
    let bad = write(dir.path(), "bad.csv", &csv);
    let (code, _out, err) = run(&["--db", db, "import", "indicators", bad.to_str().unwrap()]);
    assert_eq!(code, 65, "{err}");
    let bad_name = bad.display().to_string();
    assert!(err.contains(&format!("{bad_name}:2:4: resident_population: must be at least 1, got -0")), "{err}");
    assert!(err.contains("60 problems found"), "{err}");
    assert!(err.contains("… and 10 more (first 50 shown)"), "{err}");
    assert_eq!(err.lines().filter(|l| l.contains(&format!("{bad_name}:"))).count(), 51, "{err}");
}

#[test]
fn checking_a_file_without_a_store_finds_what_the_import_would() {
    // The store-free checks behind the fuzz targets (fuzz/): same positions and reasons.
    let good = indicators_csv("98", 4, 2025);
    assert_eq!(commune_atlas::import::check_indicators_csv(good.as_bytes(), "good.csv", &["98001", "98002", "98003", "98004"]).unwrap(), 4);
    let bad = format!("{INDICATOR_HEADER}\n98001,2026,2026-12-31,-5,1,1,0,0,0,0,none,x\n");
    let err = commune_atlas::import::check_indicators_csv(bad.as_bytes(), "bad.csv", &["98001"]).unwrap_err();
    assert!(err.to_string().contains("bad.csv:2:4: resident_population: must be at least 1, got -5"), "{err}");
    let unknown = commune_atlas::import::check_indicators_csv(good.as_bytes(), "good.csv", &["98001"]).unwrap_err();
    assert!(unknown.to_string().contains("unknown commune code '98002'"), "{unknown}");

    let opts = commune_boundaries("t", NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
    let geo = grid_geojson("98", 2, 3, 105.0, 21.0, 0.1);
    assert_eq!(commune_atlas::import::check_geojson(&Input::from_bytes("g.geojson", geo.as_bytes()), &opts).unwrap(), 6);
    let broken = geo.replace("\"name\":\"Xã Thử Nghiệm 1\",", "");
    let err = commune_atlas::import::check_geojson(&Input::from_bytes("g.geojson", broken.as_bytes()), &opts).unwrap_err();
    assert!(err.to_string().contains("property 'name' (the unit name) is missing"), "{err}");
}

#[test]
fn the_fuzz_seeds_are_what_they_say_a_valid_file_and_one_with_problems() {
    // fuzz/seeds start each target near the interesting paths; keep them in step with the importers.
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let read = |p: &str| std::fs::read(seeds.join(p)).unwrap();
    let codes = ["90001", "90002", "90003"];
    assert_eq!(commune_atlas::import::check_indicators_csv(&read("csv_import/valid.csv"), "valid.csv", &codes).unwrap(), 3);
    let err = commune_atlas::import::check_indicators_csv(&read("csv_import/problems.csv"), "problems.csv", &codes).unwrap_err().to_string();
    for want in ["problems.csv:2:4: resident_population", "problems.csv:3:1: unknown commune code '99999'", "problems.csv:4:3: reference_date"] {
        assert!(err.contains(want), "{want} in {err}");
    }
    let err = commune_atlas::import::check_indicators_csv(&read("csv_import/ragged.csv"), "ragged.csv", &codes).unwrap_err().to_string();
    assert!(err.contains("ragged.csv:3:3: this line has 2 fields but the header has 37"), "{err}");
    // GeoJSON seeds: the first byte is the fuzz target's flags (bit 0 = repair).
    let opts = commune_boundaries("seed", NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
    let valid = read("geojson_import/valid.bin");
    assert_eq!(valid[0] & 1, 0);
    assert_eq!(commune_atlas::import::check_geojson(&Input::from_bytes("valid.geojson", &valid[1..]), &opts).unwrap(), 2);
    let invalid = read("geojson_import/invalid_repair.bin");
    assert_eq!(invalid[0] & 1, 1);
    let err = commune_atlas::import::check_geojson(&Input::from_bytes("invalid.geojson", &invalid[1..]), &opts).unwrap_err().to_string();
    assert!(err.contains("invalid.geojson"), "{err}");
}

/// A FeatureCollection of `(code, name, district, [x0, y0, x1, y1])` rectangles in province 98.
fn rects(units: &[(&str, &str, Option<&str>, [f64; 4])]) -> String {
    let features: Vec<String> = units
        .iter()
        .map(|(code, name, district, [x0, y0, x1, y1])| {
            let d = district.map(|d| format!(r#","district_code":"{d}","district_name":"Huyện {d}""#)).unwrap_or_default();
            format!(
                r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{name}","type":"Xã","province_code":"98","province_name":"Tỉnh Thử Nghiệm"{d}}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
            )
        })
        .collect();
    format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", features.join(",\n"))
}

#[test]
fn a_file_with_three_uncoded_units_imports_the_rest_with_skip_invalid_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.duckdb")).unwrap();
    let mut geo = grid_geojson("98", 2, 4, 105.0, 21.0, 0.1);
    for k in [2, 5, 7] {
        geo = geo.replace(&format!("\"code\":\"98{k:03}\","), "");
    }
    let input = Input::from_bytes("uncoded.geojson", geo.as_bytes());
    let opts = boundary_opts("v");
    // Without the flag: refused whole, the store unchanged, and the message says the flag exists.
    let before = snapshot(&store);
    let p = rejected(import::import_boundaries(&store, &input, &opts, &ImportOptions::default()));
    assert_eq!(snapshot(&store), before);
    assert_eq!(p.total, 3);
    let message = p.to_string();
    assert!(message.contains("--skip-invalid"), "{message}");
    // Problems name the feature, not a byte column: "feature 2: unit without code (Xã Thử Nghiệm 2)".
    assert!(p.items.iter().map(|x| x.feature).eq([Some(2), Some(5), Some(7)]), "{message}");
    assert!(message.contains("uncoded.geojson: feature 5: unit without code (Xã Thử Nghiệm 5)"), "{message}");
    // With it: the five others are imported, the three listed, import_log says partial.
    let skip = ImportOptions { skip_invalid: true, ..Default::default() };
    let report = import::import_boundaries(&store, &input, &opts, &skip).unwrap();
    assert_eq!((report.rows, report.skipped.total), (5, 3));
    assert!(report.to_string().contains("skipped 3 invalid"), "{report}");
    assert_eq!(count(&store, "admin_unit WHERE level = 'commune'"), 5);
    let conn = store.connect().unwrap();
    let (outcome, accepted, skipped, summary): (String, i64, i64, String) = conn
        .query_row("SELECT outcome, rows_accepted, rows_skipped, error_summary FROM import_log ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap();
    assert_eq!((outcome.as_str(), accepted, skipped), ("partial", 5, 3));
    assert!(summary.contains("feature 2") && summary.contains("feature 7"), "{summary}");
    // A file that is not GeoJSON at all is still refused with the flag.
    let broken = Input::from_bytes("broken.geojson", b"{\"type\":");
    assert!(matches!(import::import_boundaries(&store, &broken, &boundary_opts("w"), &skip), Err(Error::Rejected(_))));
}

#[test]
fn a_version_is_imported_one_province_file_at_a_time_and_its_provinces_are_derived() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.duckdb")).unwrap();
    let opts = boundary_opts("v");
    let west = grid_geojson("98", 2, 2, 105.0, 21.0, 0.1);
    let east = grid_geojson("97", 2, 2, 105.2, 21.0, 0.1).replace("\"province_code\":\"98\"", "\"province_code\":\"97\"").replace("Tỉnh Thử Nghiệm", "Tỉnh Bên Cạnh");
    import::import_boundaries(&store, &Input::from_bytes("west.geojson", west.as_bytes()), &opts, &ImportOptions::default()).unwrap();
    let r = import::import_boundaries(&store, &Input::from_bytes("east.geojson", east.as_bytes()), &opts, &ImportOptions::default()).unwrap();
    assert!(r.notes.iter().any(|n| n == "derived 2 province unit(s) from the communes"), "{:?}", r.notes);
    let conn = store.connect().unwrap();
    let provinces: Vec<(String, String, f64, bool)> = {
        let mut stmt = conn.prepare("SELECT code, name, area_km2, derived FROM admin_unit WHERE level = 'province' ORDER BY code").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(provinces.iter().map(|p| (p.0.as_str(), p.1.as_str(), p.3)).collect::<Vec<_>>(), [("97", "Tỉnh Bên Cạnh", true), ("98", "Tỉnh Thử Nghiệm", true)]);
    // A derived province is its communes: same area, its outline their outer edges.
    let communes_98: f64 = conn.query_row("SELECT sum(area_km2) FROM admin_unit WHERE level = 'commune' AND province_code = '98'", [], |r| r.get(0)).unwrap();
    assert!((provinces[1].2 - communes_98).abs() < 1e-9 * communes_98, "{} vs {communes_98}", provinces[1].2);
    let outline: String = conn.query_row("SELECT geometry FROM admin_unit WHERE level = 'province' AND code = '98'", [], |r| r.get(0)).unwrap();
    let g = commune_atlas::geo::from_geojson(&outline).unwrap();
    assert_eq!((g.0.len(), g.0[0].interiors().len(), g.0[0].exterior().0.len()), (1, 0, 9), "one square of 2 × 2 communes: 8 boundary vertices and the closing one");
    // Re-importing one province needs --replace and leaves the other alone.
    let err = import::import_boundaries(&store, &Input::from_bytes("east.geojson", east.as_bytes()), &opts, &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("of province 97") && err.to_string().contains("other provinces stay"), "{err}");
    let replace = ImportOptions { replace: true, ..Default::default() };
    import::import_boundaries(&store, &Input::from_bytes("east.geojson", east.as_bytes()), &opts, &replace).unwrap();
    assert_eq!(count(&store, "admin_unit WHERE level = 'commune'"), 8);
    // An imported province layer takes the place of the derived one.
    let layer = grid_geojson("98", 1, 1, 105.0, 21.0, 0.2).replace("\"code\":\"98001\",\"name\":\"Xã Thử Nghiệm 1\",\"type\":\"Xã\"", "\"code\":\"98\",\"name\":\"Tỉnh Thử Nghiệm\",\"type\":\"Tỉnh\"");
    let p = commune_atlas::import::BoundaryOptions { level: commune_atlas::vocab::Level::Province, ..boundary_opts("v") };
    import::import_boundaries(&store, &Input::from_bytes("provinces.geojson", layer.as_bytes()), &p, &ImportOptions::default()).unwrap();
    assert_eq!(count(&store, "admin_unit WHERE level = 'province' AND derived"), 0);
    assert_eq!(count(&store, "admin_unit WHERE level = 'province'"), 1);
}

#[test]
fn an_old_commune_cut_in_two_gets_the_two_areas_shares_and_a_district_row_links_its_communes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.duckdb")).unwrap();
    // 2019: communes 98001 (cut in 2025), 98002, and district 981's 98003 + 98004.
    let old = rects(&[
        ("98001", "Xã Cũ Một", Some("980"), [105.0, 21.0, 105.1, 21.1]),
        ("98002", "Xã Cũ Hai", Some("980"), [105.1, 21.0, 105.2, 21.1]),
        ("98003", "Xã Cũ Ba", Some("981"), [105.2, 21.0, 105.3, 21.1]),
        ("98004", "Xã Cũ Bốn", Some("981"), [105.3, 21.0, 105.4, 21.1]),
    ]);
    // 2025: 98001 is cut at 30 % of its width: the west part is new A, the rest joins 98002 in B;
    // district 981 becomes the special zone C.
    let new = rects(&[
        ("98101", "Xã Mới A", None, [105.0, 21.0, 105.03, 21.1]),
        ("98102", "Xã Mới B", None, [105.03, 21.0, 105.2, 21.1]),
        ("98103", "Đặc khu Mới C", None, [105.2, 21.0, 105.4, 21.1]),
    ]);
    let mut o = boundary_opts("v2019");
    o.valid_from = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    o.valid_to = NaiveDate::from_ymd_opt(2025, 6, 30);
    import::import_boundaries(&store, &Input::from_bytes("old.geojson", old.as_bytes()), &o, &ImportOptions::default()).unwrap();
    import::import_boundaries(&store, &Input::from_bytes("new.geojson", new.as_bytes()), &boundary_opts("v2025"), &ImportOptions::default()).unwrap();
    assert_eq!(count(&store, "admin_unit WHERE level = 'district' AND derived"), 2, "districts 980 and 981 derived");
    let csv = "old_code,old_level,new_code,relation\n98001,commune,98101,partial\n98001,commune,98102,partial\n98002,commune,98102,full\n981,district,98103,full\n";
    let r = import::import_crosswalk(&store, &Input::from_bytes("xw.csv", csv.as_bytes()), &commune_atlas::import::CrosswalkOptions::default(), &ImportOptions::default()).unwrap();
    assert_eq!(r.rows, 5, "the district row stands for its two communes");
    assert!(r.notes.iter().any(|n| n.contains("weights of 1 old unit(s) computed from the area overlay")), "{:?}", r.notes);
    let conn = store.connect().unwrap();
    let links: Vec<(String, String, Option<f64>, Option<String>, Option<String>)> = {
        let mut stmt = conn
            .prepare("SELECT o.code, n.code, x.weight_area, x.weight_source, x.resolution_ref FROM unit_crosswalk x JOIN admin_unit o ON o.unit_id = x.old_unit_id JOIN admin_unit n ON n.unit_id = x.new_unit_id ORDER BY 1, 2")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().map(Result::unwrap).collect()
    };
    let (a, b) = (links[0].2.unwrap(), links[1].2.unwrap());
    assert!((a - 0.3).abs() < 1e-9 && (b - 0.7).abs() < 1e-9 && (a + b - 1.0).abs() < 1e-12, "shares {a}, {b}");
    assert_eq!(links[0].3.as_deref(), Some("area overlay"));
    assert_eq!((links[3].0.as_str(), links[3].1.as_str(), links[3].2), ("98003", "98103", Some(1.0)));
    assert!(links[4].4.as_deref().is_some_and(|r| r.contains("district 981")), "{:?}", links[4]);
    // A "full" link the geometry contradicts is reported: 98001 is not inside 98102.
    let wrong = "old_code,new_code,relation\n98001,98102,full\n";
    let r = import::import_crosswalk(&store, &Input::from_bytes("wrong.csv", wrong.as_bytes()), &commune_atlas::import::CrosswalkOptions::default(), &ImportOptions { replace: true, ..Default::default() }).unwrap();
    assert!(r.notes.iter().any(|n| n.contains("98001 → 98102 is 'full' but 70 % of the old unit lies inside")), "{:?}", r.notes);
}
