//! Data exports leave with their values intact: every dataset written as Parquet (units as
//! GeoParquet), CSV and GeoJSON reads back with the same rows and values, and the CLI and the HTTP
//! API write the same file for the same dataset — one writer, types kept (a DECIMAL stays one).

mod common;

use commune_atlas::access::Scope;
use commune_atlas::sql::export::{self, Dataset, Format};
use commune_atlas::store::Store;

fn q(conn: &duckdb::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A dataset's rows straight from the store, in the relation the export is made from.
fn relation(d: Dataset) -> &'static str {
    match d {
        Dataset::Units => "SELECT * FROM unit",
        Dataset::Indicators => "SELECT * FROM indicator_v",
        Dataset::Classification => "SELECT * FROM classification_v",
        Dataset::Conversion => {
            "SELECT u.boundary_version, u.code AS unit_code, u.name AS unit_name, u.province_code, u.province_name, c.* FROM conversion c JOIN unit u USING (unit_id)"
        }
        Dataset::Progress => "SELECT * FROM province_progress",
        Dataset::Crosswalk => "SELECT * FROM crosswalk_v",
        Dataset::Recognitions => "SELECT * FROM recognition_event_v",
    }
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
    let conn = store.connect().unwrap();
    for d in Dataset::ALL.iter().copied() {
        let query = relation(d);
        let expected = q(&conn, &format!("SELECT count(*) FROM ({query})"));
        assert!(expected > 0, "{d} has rows in the demo");
        let pq = dir.path().join(format!("{d}.parquet"));
        if d != Dataset::Units {
            let r = export::write(&store, d, Format::Parquet, &Scope::all(), &[], &pq).unwrap();
            assert_eq!(r.rows as i64, expected);
        }
        let file = pq.display().to_string();
        let cols = if d == Dataset::Units { " EXCLUDE (geometry)" } else { "" };
        assert_eq!(q(&conn, &format!("SELECT count(*) FROM read_parquet('{file}')")), expected, "{d}.parquet rows");
        for (a, b) in [(format!("SELECT *{cols} FROM read_parquet('{file}')"), query.to_string()), (query.to_string(), format!("SELECT *{cols} FROM read_parquet('{file}')"))] {
            assert_eq!(q(&conn, &format!("SELECT count(*) FROM (({a}) EXCEPT ALL ({b}))")), 0, "{d}.parquet values differ from the store");
        }
        // CSV and JSON.
        let csv = dir.path().join(format!("{d}.csv"));
        export::write(&store, d, Format::Csv, &Scope::all(), &[], &csv).unwrap();
        assert_eq!(q(&conn, &format!("SELECT count(*) FROM read_csv('{}')", csv.display())), expected, "{d}.csv rows");
        let json = dir.path().join(format!("{d}.json"));
        export::write(&store, d, Format::Json, &Scope::all(), &[], &json).unwrap();
        let rows: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(rows.as_array().map(Vec::len), Some(expected as usize), "{d}.json rows");
    }

    // Units are GeoParquet 1.0: `geo` metadata, WKB polygons that decode to the stored coordinates.
    let file = dir.path().join("units.parquet").display().to_string();
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
    assert_eq!(rows.len() as i64, q(&conn, "SELECT count(*) FROM admin_unit"));
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

    // GeoJSON: every unit of every version, with its stored geometry.
    let gj = dir.path().join("units.geojson");
    export::write(&store, Dataset::Units, Format::GeoJson, &Scope::all(), &[], &gj).unwrap();
    let fc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len() as i64, q(&conn, "SELECT count(*) FROM unit"));
    assert!(features.iter().all(|f| f["geometry"]["type"].is_string() && f["properties"]["boundary_version"].is_string()));
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// The column names and types of a Parquet file, as DuckDB reads them.
fn schema(conn: &duckdb::Connection, file: &std::path::Path) -> Vec<(String, String)> {
    let mut stmt = conn.prepare(&format!("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{}'))", file.display())).unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn an_analyst_downloading_a_dataset_gets_the_file_the_cli_writes_with_the_same_types_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let (cli, http) = (dir.path().join("cli"), dir.path().join("http"));
    std::fs::create_dir_all(&cli).unwrap();
    std::fs::create_dir_all(&http).unwrap();
    for d in Dataset::ALL {
        let out = cli.join(format!("{d}.parquet"));
        let (code, o, e) = common::run(&["--db", db.to_str().unwrap(), "export", "data", d.as_str(), out.to_str().unwrap()]);
        assert_eq!(code, 0, "{d}: {o}{e}");
    }
    {
        // The demo server on loopback: a national user, as an analyst of every province sees it.
        let server = common::serve(&db);
        for d in Dataset::ALL {
            let mut resp = agent().get(&format!("{}/api/export/{d}.parquet", server.base)).call().unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{d}");
            assert_eq!(resp.headers().get("content-type").unwrap(), "application/vnd.apache.parquet");
            let bytes = resp.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap();
            assert!(bytes.starts_with(b"PAR1"), "{d}: a Parquet file");
            std::fs::write(http.join(format!("{d}.parquet")), bytes).unwrap();
        }
        // A query result keeps its types too: the console's Parquet of a DECIMAL(18,3) and a list.
        let mut resp = agent()
            .post(&format!("{}/api/sql?format=parquet", server.base))
            .send_json(serde_json::json!({"sql": "SELECT 1234.5::DECIMAL(18,3) AS amount, [1, 2] AS pair, DATE '2026-12-14' AS period_end"}))
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        std::fs::write(http.join("console.parquet"), resp.body_mut().read_to_vec().unwrap()).unwrap();
    }
    let conn = duckdb::Connection::open_in_memory().unwrap();
    for d in Dataset::ALL {
        let (a, b) = (cli.join(format!("{d}.parquet")), http.join(format!("{d}.parquet")));
        let (sa, sb) = (schema(&conn, &a), schema(&conn, &b));
        assert_eq!(sa, sb, "{d}: the CLI and the API write the same columns and types");
        for (x, y) in [(&a, &b), (&b, &a)] {
            let n = q(&conn, &format!("SELECT count(*) FROM (FROM read_parquet('{}') EXCEPT ALL FROM read_parquet('{}'))", x.display(), y.display()));
            assert_eq!(n, 0, "{d}: the same rows");
        }
        assert_eq!(
            q(&conn, &format!("SELECT count(*) FROM read_parquet('{}')", a.display())),
            q(&conn, &format!("SELECT count(*) FROM read_parquet('{}')", b.display()))
        );
    }
    // The drug-free share is an exact decimal in both.
    let progress = schema(&conn, &http.join("progress.parquet"));
    assert!(progress.contains(&("drug_free_pct".to_string(), "DECIMAL(5,2)".to_string())), "{progress:?}");
    let console = schema(&conn, &http.join("console.parquet"));
    assert_eq!(
        console,
        vec![("amount".into(), "DECIMAL(18,3)".into()), ("pair".into(), "VARCHAR".into()), ("period_end".into(), "DATE".into())],
        "a DECIMAL stays a DECIMAL (nested values are written as their JSON text)"
    );
    let amount: String = conn.query_row(&format!("SELECT amount::VARCHAR FROM read_parquet('{}')", http.join("console.parquet").display()), [], |r| r.get(0)).unwrap();
    assert_eq!(amount, "1234.500");
}
