//! Data exports leave with their values intact: every dataset written as Parquet (units as
//! GeoParquet), CSV and GeoJSON reads back with the same rows and values.

mod common;

use commune_atlas::store::{Store, export};

fn q(store: &Store, sql: &str) -> i64 {
    store.connect().unwrap().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn every_dataset_exported_to_parquet_and_csv_reads_back_with_the_same_rows_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    // Through the CLI, as an operator runs it (the store must not be open here meanwhile).
    let (code, out, err) = common::run(&["--db", db.to_str().unwrap(), "export", "data", "units", dir.path().join("units.parquet").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rows of units"), "{out}");
    let store = Store::open(&db).unwrap();
    for (name, query) in export::DATASETS {
        let expected = q(&store, &format!("SELECT count(*) FROM ({query})"));
        assert!(expected > 0, "{name} has rows in the demo");
        let pq = dir.path().join(format!("{name}.parquet"));
        if *name != "units" {
            let r = export::export(&store, name, "parquet", &pq).unwrap();
            assert_eq!(r.rows as i64, expected);
        }
        let file = pq.display().to_string();
        let cols = if *name == "units" { " EXCLUDE (geometry)" } else { "" };
        assert_eq!(q(&store, &format!("SELECT count(*) FROM read_parquet('{file}')")), expected, "{name}.parquet rows");
        for (a, b) in [(format!("SELECT *{cols} FROM read_parquet('{file}')"), query.to_string()), (query.to_string(), format!("SELECT *{cols} FROM read_parquet('{file}')"))] {
            assert_eq!(q(&store, &format!("SELECT count(*) FROM (({a}) EXCEPT ALL ({b}))")), 0, "{name}.parquet values differ from the store");
        }
        // CSV.
        let csv = dir.path().join(format!("{name}.csv"));
        export::export(&store, name, "csv", &csv).unwrap();
        assert_eq!(q(&store, &format!("SELECT count(*) FROM read_csv('{}')", csv.display())), expected, "{name}.csv rows");
    }

    // Units are GeoParquet 1.0: `geo` metadata, WKB polygons that decode to the stored coordinates.
    let file = dir.path().join("units.parquet").display().to_string();
    let conn = store.connect().unwrap();
    let geo: String = conn
        .query_row(&format!("SELECT value::VARCHAR FROM parquet_kv_metadata('{file}') WHERE key::VARCHAR = 'geo'"), [], |r| r.get(0))
        .unwrap();
    let geo: serde_json::Value = serde_json::from_str(&geo.replace("\\x22", "\"")).unwrap();
    assert_eq!(geo["version"], "1.0.0");
    assert_eq!(geo["columns"]["geometry"]["encoding"], "WKB");
    let ty: String = conn.query_row(&format!("SELECT typeof(geometry) FROM read_parquet('{file}') LIMIT 1"), [], |r| r.get(0)).unwrap();
    assert!(ty.starts_with("GEOMETRY"), "DuckDB reads it as GeoParquet: {ty}");
    let mut stmt = conn
        .prepare(&format!("SELECT p.geometry::BLOB, a.geometry FROM read_parquet('{file}') p JOIN admin_unit a USING (unit_id) ORDER BY unit_id"))
        .unwrap();
    let rows: Vec<(Vec<u8>, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, q(&store, "SELECT count(*) FROM admin_unit"));
    for (wkb, json) in &rows {
        let g: serde_json::Value = serde_json::from_str(json).unwrap();
        let (kind, first) = match g["type"].as_str().unwrap() {
            "Polygon" => (3u32, &g["coordinates"][0][0]),
            _ => (6u32, &g["coordinates"][0][0][0]),
        };
        assert_eq!(wkb[0], 1, "little-endian");
        assert_eq!(u32::from_le_bytes(wkb[1..5].try_into().unwrap()), kind);
        // The first point sits after the headers: Polygon 1+4+4+4, MultiPolygon 1+4+4 + 1+4+4+4.
        let at = if kind == 3 { 13 } else { 22 };
        let x = f64::from_le_bytes(wkb[at..at + 8].try_into().unwrap());
        let y = f64::from_le_bytes(wkb[at + 8..at + 16].try_into().unwrap());
        assert_eq!((x, y), (first[0].as_f64().unwrap(), first[1].as_f64().unwrap()));
    }

    // GeoJSON: every unit of every version, with its geometry.
    let gj = dir.path().join("units.geojson");
    export::export(&store, "units", "geojson", &gj).unwrap();
    let fc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len() as i64, q(&store, "SELECT count(*) FROM unit"));
    assert!(features.iter().all(|f| f["geometry"]["type"].is_string() && f["properties"]["boundary_version"].is_string()));
}
