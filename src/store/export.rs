//! Data exports for other tools (pandas, Spark, Trino, QGIS), written by DuckDB `COPY` so the
//! column types are the store's own: Parquet, CSV, and for units GeoParquet 1.0 (geometry as WKB,
//! `geo` file metadata, CRS84) or GeoJSON.

use std::path::Path;

use duckdb::Connection;

use super::Store;
use crate::error::{Error, Result};

/// Datasets and the relation each is read from (ordered, so exports are reproducible).
pub const DATASETS: &[(&str, &str)] = &[
    ("units", "SELECT * FROM unit ORDER BY unit_id"),
    ("indicators", "SELECT * FROM indicator_v ORDER BY boundary_version, unit_code, year"),
    ("classification", "SELECT * FROM classification_v ORDER BY boundary_version, unit_code, year"),
    ("conversion", "SELECT u.boundary_version, u.code AS unit_code, u.name AS unit_name, u.province_code, c.* FROM conversion c JOIN unit u USING (unit_id) ORDER BY unit_code, from_year, to_year"),
    ("progress", "SELECT * FROM province_progress ORDER BY boundary_version, province_code, year"),
    ("crosswalk", "SELECT * FROM crosswalk_v ORDER BY old_version, old_code, new_code"),
    ("recognitions", "SELECT * FROM recognition_event_v ORDER BY unit_code, year_covered, event_id"),
];

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportReport {
    pub dataset: String,
    pub format: String,
    pub rows: u64,
    pub bytes: u64,
}

fn sql_path(p: &Path) -> String {
    p.display().to_string().replace('\'', "''")
}

/// Fill the temporary table `unit_wkb (unit_id, geometry)` on `conn`.
fn unit_wkb(conn: &Connection) -> Result<()> {
    let ctx = "converting geometry to WKB";
    conn.execute_batch("CREATE OR REPLACE TEMP TABLE unit_wkb (unit_id BIGINT, geometry BLOB)").map_err(Error::store(ctx))?;
    let mut stmt = conn.prepare("SELECT unit_id, geometry FROM admin_unit").map_err(Error::store(ctx))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(Error::store(ctx))?;
    let mut app = conn.appender("unit_wkb").map_err(Error::store(ctx))?;
    for row in rows {
        let (id, text) = row.map_err(Error::store(ctx))?;
        let geometry = crate::geo::from_geojson(&text).map_err(|e| Error::InvalidArgument(format!("stored geometry of unit {id}: {e}")))?;
        app.append_row(duckdb::params![id, crate::geo::to_wkb(&geometry)]).map_err(Error::store(ctx))?;
    }
    app.flush().map_err(Error::store(ctx))
}

const GEO_METADATA: &str = r#"{"version":"1.0.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB","geometry_types":["Polygon","MultiPolygon"]}}}"#;

/// Export `dataset` to `out` as `parquet` (GeoParquet for units), `csv` or `geojson` (units only).
pub fn export(store: &Store, dataset: &str, format: &str, out: &Path) -> Result<ExportReport> {
    let query = DATASETS.iter().find(|d| d.0 == dataset).map(|d| d.1).ok_or_else(|| {
        Error::NotFound(format!("no dataset '{dataset}': use {}", DATASETS.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")))
    })?;
    let conn = store.connect()?;
    let ctx = format!("exporting {dataset} to {}", out.display());
    let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM ({query})"), [], |r| r.get(0)).map_err(Error::store(ctx.clone()))?;
    match (format, dataset) {
        ("parquet", "units") => {
            unit_wkb(&conn)?;
            conn.execute_batch(&format!(
                "COPY (SELECT u.*, w.geometry FROM ({query}) u JOIN unit_wkb w USING (unit_id) ORDER BY u.unit_id)
                 TO '{}' (FORMAT parquet, COMPRESSION zstd, KV_METADATA {{geo: '{GEO_METADATA}'}})",
                sql_path(out)
            ))
            .map_err(Error::store(ctx))?;
        }
        ("parquet", _) => conn
            .execute_batch(&format!("COPY ({query}) TO '{}' (FORMAT parquet, COMPRESSION zstd)", sql_path(out)))
            .map_err(Error::store(ctx))?,
        ("csv", _) => conn.execute_batch(&format!("COPY ({query}) TO '{}' (FORMAT csv, HEADER)", sql_path(out))).map_err(Error::store(ctx))?,
        ("geojson", "units") => {
            let text = super::queries::units_geojson_all(&conn)?;
            std::fs::write(out, text).map_err(Error::io(out))?;
        }
        ("geojson", _) => return Err(Error::InvalidArgument("GeoJSON is for units; use parquet or csv".into())),
        (other, _) => return Err(Error::InvalidArgument(format!("format must be parquet, csv or geojson, not '{other}'"))),
    }
    let bytes = std::fs::metadata(out).map_err(Error::io(out))?.len();
    Ok(ExportReport { dataset: dataset.into(), format: format.into(), rows: rows as u64, bytes })
}
