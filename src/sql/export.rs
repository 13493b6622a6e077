//! The one writer of data leaving the atlas, for the CLI (`commune-atlas export data`) and HTTP
//! (`/api/export/{dataset}.{format}`, and the SQL console's downloads) alike.
//!
//! A **dataset** is a curated relation ([`super::RELATIONS`]) in a fixed order, cut to the
//! caller's scope ([`super::scope`]) and written by DuckDB `COPY`, so the column types are the
//! store's own and the same dataset gives the same file whoever asks for it: Parquet (zstd;
//! units as GeoParquet 1.0 — geometry as WKB, `geo` metadata, CRS84), CSV with a header, JSON (an
//! array of row objects), or GeoJSON (each row with its unit's geometry).
//!
//! A **query result** (an analyst's statement, a saved query) is written from its typed values:
//! Parquet through a throw-away in-memory DuckDB with the result's own column types
//! (`DECIMAL(18,3)` stays `DECIMAL(18,3)`), CSV and GeoJSON directly. Every write's errors are
//! checked: a failed export is an error, never an empty or truncated file.

use std::path::{Path, PathBuf};

use duckdb::types::Value;
use duckdb::{Connection, ToSql};
use serde::Serialize;

use super::{Relation, relation, scope};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::store::tabular::{self, Table};
use crate::store::{Store, fill, quote, quote_ident, quote_path};

crate::vocabulary! {
    /// What can be exported.
    pub enum Dataset ("dataset") {
        Units = "units", Indicators = "indicators", Classification = "classification", Conversion = "conversion",
        Progress = "progress", Crosswalk = "crosswalk", Recognitions = "recognitions",
    }
}

impl Dataset {
    /// The curated relation the dataset is, and the order its rows are written in.
    fn source(self) -> (&'static str, &'static str) {
        match self {
            Dataset::Units => ("unit", "unit_id"),
            Dataset::Indicators => ("indicator", "boundary_version, unit_code, year"),
            Dataset::Classification => ("classification", "boundary_version, unit_code, year"),
            Dataset::Conversion => ("conversion", "unit_code, from_year, to_year"),
            Dataset::Progress => ("province_progress", "boundary_version, province_code, year"),
            Dataset::Crosswalk => ("crosswalk", "old_version, old_code, new_code"),
            Dataset::Recognitions => ("recognition_event", "unit_code, year_covered, event_id"),
        }
    }

    fn relation(self) -> Result<&'static Relation> {
        let (name, _) = self.source();
        relation(name).ok_or_else(|| Error::Internal(format!("dataset {self} names relation {name}, which does not exist")))
    }
}

crate::vocabulary! {
    /// A file format of exported data.
    pub enum Format ("export format") { Parquet = "parquet", Csv = "csv", Json = "json", GeoJson = "geojson" }
}

impl Format {
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Parquet => "application/vnd.apache.parquet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub dataset: Dataset,
    pub format: Format,
    pub rows: u64,
    pub bytes: u64,
}

const GEO_METADATA: &str = r#"{"version":"1.0.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":["Polygon","MultiPolygon"]}}}"#;

/// Write `dataset` as `format` to the file `out`, cut to `scope` (`routes_in_scope`: each key
/// route's stretches inside the scope, see [`scope::install`]).
pub fn write(store: &Store, dataset: Dataset, format: Format, scope: &Scope, routes_in_scope: &[(i64, String)], out: &Path) -> Result<ExportReport> {
    let conn = store.connect()?;
    scope::install(&conn, scope, routes_in_scope)?;
    let (_, order) = dataset.source();
    let query = fill(include_str!("export/ordered.sql"), &[("query", &scope::cut(dataset.relation()?, scope.is_all())), ("order", order)]);
    let ctx = format!("exporting {dataset} as {format}");
    let path = quote_path(out);
    let copy = |template: &str, extra: &[(&str, &str)]| -> Result<u64> {
        let mut values = vec![("query", query.as_str()), ("path", path.as_str())];
        values.extend_from_slice(extra);
        conn.execute(&fill(template, &values), []).map(|n| n as u64).map_err(Error::store(ctx.clone()))
    };
    let rows = match (format, dataset) {
        (Format::Parquet, Dataset::Units) => {
            unit_wkb(&conn)?;
            copy(include_str!("export/copy_geoparquet.sql"), &[("geo_metadata", &quote(GEO_METADATA))])?
        }
        (Format::Parquet, _) => copy(include_str!("export/copy_parquet.sql"), &[])?,
        (Format::Csv, _) => copy(include_str!("export/copy_csv.sql"), &[])?,
        (Format::Json, _) => copy(include_str!("export/copy_json.sql"), &[])?,
        (Format::GeoJson, _) => {
            let table = tabular::run(&conn, &query, usize::MAX)?;
            let text = table_geojson(store, &table, &|id| scope.unit(id))?;
            std::fs::write(out, text).map_err(Error::io(out))?;
            table.rows.len() as u64
        }
    };
    let bytes = std::fs::metadata(out).map_err(Error::io(out))?.len();
    Ok(ExportReport { dataset, format, rows, bytes })
}

/// [`write`] to a new temporary file; the caller streams it and removes it.
pub fn write_temp(store: &Store, dataset: Dataset, format: Format, scope: &Scope, routes_in_scope: &[(i64, String)]) -> Result<(PathBuf, ExportReport)> {
    let out = temp_path(dataset.as_str(), format.as_str())?;
    match write(store, dataset, format, scope, routes_in_scope, &out) {
        Ok(r) => Ok((out, r)),
        Err(e) => {
            let _ = std::fs::remove_file(&out);
            Err(e)
        }
    }
}

/// Fill the temporary table `unit_wkb (unit_id, geometry)` on `conn` from the stored GeoJSON.
fn unit_wkb(conn: &Connection) -> Result<()> {
    let ctx = "converting geometry to WKB";
    conn.execute_batch(include_str!("export/create_unit_wkb.sql")).map_err(Error::store(ctx))?;
    let mut stmt = conn.prepare(include_str!("export/unit_geometries.sql")).map_err(Error::store(ctx))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(Error::store(ctx))?;
    let mut app = conn.appender("unit_wkb").map_err(Error::store(ctx))?;
    for row in rows {
        let (id, text) = row.map_err(Error::store(ctx))?;
        let geometry = crate::geo::from_geojson(&text).map_err(|e| Error::Corrupt(format!("stored geometry of unit {id}: {e}")))?;
        app.append_row(duckdb::params![id, crate::geo::to_wkb(&geometry)]).map_err(Error::store(ctx))?;
    }
    app.flush().map_err(Error::store(ctx))
}

/// A file name for one export under the system's temporary directory.
fn temp_path(stem: &str, ext: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join("commune-atlas-downloads");
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let unique = crate::access::users::random_token(8)?;
    Ok(dir.join(format!("{stem}-{}-{unique}.{ext}", std::process::id())))
}

/// A query result as a Parquet file with the result's own column types. Values of nested types
/// (lists, structs, maps, enums, unions) are written as their JSON text.
pub fn table_parquet(t: &Table) -> Result<Vec<u8>> {
    let ctx = "writing Parquet";
    let conn = Connection::open_in_memory().map_err(Error::store(ctx))?;
    let nested: Vec<bool> = t.columns.iter().map(|c| !scalar_type(&c.data_type)).collect();
    let columns: Vec<String> = t
        .columns
        .iter()
        .zip(&nested)
        .enumerate()
        .map(|(i, (c, nested))| format!("c{i} {}", if *nested { "VARCHAR" } else { c.data_type.as_str() }))
        .collect();
    conn.execute_batch(&fill(include_str!("export/create_result.sql"), &[("columns", &columns.join(", "))])).map_err(Error::store(ctx))?;
    {
        let mut app = conn.appender("result").map_err(Error::store(ctx))?;
        for row in &t.rows {
            let values: Vec<Value> = row
                .iter()
                .zip(&nested)
                .map(|(v, nested)| match (v, nested) {
                    (Value::Null, _) | (_, false) => v.clone(),
                    (other, true) => Value::Text(tabular::to_json(other.clone()).to_string()),
                })
                .collect();
            let refs: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
            app.append_row(refs.as_slice()).map_err(Error::store(ctx))?;
        }
        app.flush().map_err(Error::store(ctx))?;
    }
    let renamed: Vec<String> = t.columns.iter().enumerate().map(|(i, c)| format!("c{i} AS {}", quote_ident(&c.name))).collect();
    let query = fill(include_str!("export/result_renamed.sql"), &[("columns", &renamed.join(", "))]);
    let out = temp_path("result", "parquet")?;
    let written = conn
        .execute_batch(&fill(include_str!("export/copy_parquet.sql"), &[("query", &query), ("path", &quote_path(&out))]))
        .map_err(Error::store(ctx))
        .and_then(|()| std::fs::read(&out).map_err(Error::io(&out)));
    let _ = std::fs::remove_file(&out);
    written
}

/// A type DuckDB can append and declare as it is (not nested, not an enum or union).
fn scalar_type(t: &str) -> bool {
    !(t.ends_with(']') || ["STRUCT", "MAP", "UNION", "ENUM"].iter().any(|k| t.starts_with(k)))
}

/// A query result as CSV with a header row (strings bare, NULL empty).
pub fn table_csv(t: &Table) -> Result<Vec<u8>> {
    let bad = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(t.columns.iter().map(|c| c.name.as_str())).map_err(bad)?;
    for r in &t.rows {
        w.write_record(r.iter().map(tabular::cell_text)).map_err(bad)?;
    }
    w.into_inner().map_err(|e| Error::Internal(format!("writing CSV: {}", e.error())))
}

/// A query result as GeoJSON: rows with a `unit_id`, or a `unit_code`/`code` (with
/// `boundary_version` when present, else the newest version holding the code), get their unit's
/// stored geometry. Only units `keep` accepts (the user's scope) get a geometry; others `null`.
pub fn table_geojson(store: &Store, t: &Table, keep: &dyn Fn(i64) -> bool) -> Result<String> {
    let (id_col, code_col, version_col) = (t.column("unit_id"), t.column("unit_code").or(t.column("code")), t.column("boundary_version"));
    if id_col.is_none() && code_col.is_none() {
        return Err(Error::InvalidArgument("GeoJSON needs a unit_id or unit_code column in the result".into()));
    }
    let conn = store.connect()?;
    let ctx = "reading geometry for GeoJSON";
    let mut by_id = conn.prepare(include_str!("statements/geometry_by_id.sql")).map_err(Error::store(ctx))?;
    let mut by_code = conn.prepare(include_str!("statements/geometry_by_code.sql")).map_err(Error::store(ctx))?;
    fn absent<T>(e: duckdb::Error) -> Result<Option<T>> {
        if matches!(e, duckdb::Error::QueryReturnedNoRows) { Ok(None) } else { Err(Error::store("reading geometry for GeoJSON")(e)) }
    }
    let mut out = String::from(r#"{"type":"FeatureCollection","features":["#);
    for (n, row) in t.rows.iter().enumerate() {
        let id = id_col.and_then(|i| match row[i] {
            Value::BigInt(v) => Some(v),
            Value::Int(v) => Some(i64::from(v)),
            _ => None,
        });
        let geometry: Option<String> = if let Some(id) = id {
            if keep(id) { by_id.query_row([id], |r| r.get(0)).map(Some).or_else(absent)? } else { None }
        } else if let Some(code) = code_col.map(|i| tabular::cell_text(&row[i])) {
            let version = version_col.map(|i| tabular::cell_text(&row[i]));
            by_code
                .query_row(duckdb::params![code, version], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map(Some)
                .or_else(absent)?
                .filter(|(id, _)| keep(*id))
                .map(|(_, g)| g)
        } else {
            None
        };
        let props: serde_json::Map<String, serde_json::Value> =
            t.columns.iter().zip(row).map(|(c, v)| (c.name.clone(), tabular::to_json(v.clone()))).collect();
        if n > 0 {
            out.push(',');
        }
        out.push_str(r#"{"type":"Feature","properties":"#);
        out.push_str(&serde_json::Value::Object(props).to_string());
        out.push_str(r#","geometry":"#);
        out.push_str(geometry.as_deref().unwrap_or("null"));
        out.push('}');
    }
    out.push_str("]}");
    Ok(out)
}
