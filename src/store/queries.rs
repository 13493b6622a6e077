//! Typed read queries over the store: what it holds, boundary versions, units as GeoJSON.

use duckdb::{Connection, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::vocab::Level;

/// A boundary version and how many units of each level it holds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BoundaryVersion {
    pub id: i32,
    pub name: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub code_system: String,
    pub source: Option<String>,
    /// Snapping tolerance (degrees) for the tile engine.
    pub snap_tolerance: f64,
    pub units: VersionUnits,
}

/// Unit counts of one boundary version by level.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct VersionUnits {
    pub province: i64,
    pub district: i64,
    pub commune: i64,
}

/// What the store holds, for `info` and `/api/health`.
#[derive(Debug, Clone, Serialize)]
pub struct StoreSummary {
    pub boundary_versions: Vec<BoundaryVersion>,
    pub units: i64,
    /// Years with indicator rows, ascending, with the row count of each.
    pub indicator_years: Vec<YearRows>,
    pub crosswalk_rows: i64,
    pub recognition_events: i64,
    pub quota_assignments: i64,
    pub province_quotas: i64,
    pub imports: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearRows {
    pub year: i32,
    pub rows: i64,
}

/// Every boundary version, oldest first.
pub fn boundary_versions(conn: &Connection) -> Result<Vec<BoundaryVersion>> {
    let ctx = "listing boundary versions";
    let mut stmt = conn
        .prepare(include_str!("sql/boundary_versions.sql"))
        .map_err(Error::store(ctx))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(BoundaryVersion {
                id: r.get(0)?,
                name: r.get(1)?,
                valid_from: r.get(2)?,
                valid_to: r.get(3)?,
                code_system: r.get(4)?,
                source: r.get(5)?,
                snap_tolerance: r.get(9)?,
                units: VersionUnits { province: r.get(6)?, district: r.get(7)?, commune: r.get(8)? },
            })
        })
        .map_err(Error::store(ctx))?;
    rows.collect::<Result<_, _>>().map_err(Error::store(ctx))
}

/// Find a boundary version by name.
pub fn boundary_version(conn: &Connection, name: &str) -> Result<BoundaryVersion> {
    boundary_versions(conn)?.into_iter().find(|v| v.name == name).ok_or_else(|| {
        let known: Vec<String> = boundary_versions(conn)
            .map(|vs| vs.into_iter().map(|v| v.name).collect())
            .unwrap_or_default();
        Error::NotFound(format!(
            "no boundary version named '{name}'; the store has: {}",
            if known.is_empty() { "none (import boundaries first)".to_string() } else { known.join(", ") }
        ))
    })
}

/// A summary of everything the store holds.
pub fn summary(conn: &Connection) -> Result<StoreSummary> {
    let ctx = "summarising indicator years";
    let mut stmt = conn.prepare(include_str!("sql/indicator_years.sql")).map_err(Error::store(ctx))?;
    let years = stmt
        .query_map([], |r| Ok(YearRows { year: r.get::<_, i32>(0)?, rows: r.get(1)? }))
        .map_err(Error::store(ctx))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::store(ctx))?;
    let counts = conn
        .query_row(include_str!("sql/store_counts.sql"), [], |r| {
            Ok([r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?])
        })
        .map_err(Error::store("counting what the store holds"))?;
    let [units, crosswalk_rows, recognition_events, quota_assignments, province_quotas, imports] = counts;
    Ok(StoreSummary {
        boundary_versions: boundary_versions(conn)?,
        units,
        indicator_years: years,
        crosswalk_rows,
        recognition_events,
        quota_assignments,
        province_quotas,
        imports,
    })
}

/// What DuckDB's buffer manager holds, in bytes, and its memory limit as DuckDB writes it
/// ("180.0 MiB").
pub fn duckdb_memory(conn: &Connection) -> Result<(i64, String)> {
    conn.query_row(include_str!("sql/duckdb_memory.sql"), [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(Error::store("reading DuckDB's memory use"))
}

/// Which units to return from [`units_geojson`].
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Boundary version name; `None` picks the newest (latest `valid_from`).
    pub version: Option<String>,
    /// Province code; `None` means every province.
    pub province: Option<String>,
    /// `None` means communes.
    pub level: Option<Level>,
}

/// The newest boundary version (latest `valid_from`), if any.
pub fn newest_version(conn: &Connection) -> Result<Option<BoundaryVersion>> {
    Ok(boundary_versions(conn)?.into_iter().max_by(|a, b| a.valid_from.cmp(&b.valid_from).then(a.id.cmp(&b.id))))
}

/// Units as a GeoJSON FeatureCollection, built from the stored geometry text without re-parsing
/// it. Feature `id` is the numeric unit id.
pub fn units_geojson(conn: &Connection, filter: &UnitFilter, keep: &dyn Fn(i64) -> bool) -> Result<String> {
    let version = match &filter.version {
        Some(name) => boundary_version(conn, name)?,
        None => newest_version(conn)?
            .ok_or_else(|| Error::NotFound("the store holds no boundaries yet; import some first".into()))?,
    };
    let level = filter.level.unwrap_or(Level::Commune);
    let mut out = String::with_capacity(1 << 16);
    out.push_str(r#"{"type":"FeatureCollection","boundary_version":"#);
    out.push_str(&serde_json::to_string(&version.name).unwrap_or_default());
    out.push_str(r#","features":["#);
    write_features(conn, Some(version.id), Some(level), filter.province.as_deref(), keep, &mut out)?;
    out.push_str("]}");
    Ok(out)
}

/// Append the features of the units matching the (optional) version, level and province.
fn write_features(
    conn: &Connection,
    version_id: Option<i32>,
    level: Option<Level>,
    province: Option<&str>,
    keep: &dyn Fn(i64) -> bool,
    out: &mut String,
) -> Result<()> {
    let ctx = "reading units";
    let mut stmt = conn.prepare(include_str!("sql/unit_features.sql")).map_err(Error::store(ctx))?;
    let mut rows = stmt.query(params![version_id, level, province]).map_err(Error::store(ctx))?;
    let mut first = true;
    while let Some(r) = rows.next().map_err(Error::store(ctx))? {
        let id: i64 = r.get(0).map_err(Error::store(ctx))?;
        if !keep(id) {
            continue;
        }
        let props = serde_json::json!({
            "unit_id": id,
            "code": r.get::<_, String>(1).map_err(Error::store(ctx))?,
            "name": r.get::<_, String>(2).map_err(Error::store(ctx))?,
            "unit_type": r.get::<_, String>(3).map_err(Error::store(ctx))?,
            "level": r.get::<_, Level>(4).map_err(Error::store(ctx))?,
            "province_code": r.get::<_, Option<String>>(5).map_err(Error::store(ctx))?,
            "province_name": r.get::<_, Option<String>>(6).map_err(Error::store(ctx))?,
            "district_code": r.get::<_, Option<String>>(7).map_err(Error::store(ctx))?,
            "district_name": r.get::<_, Option<String>>(8).map_err(Error::store(ctx))?,
            "area_km2": r.get::<_, f64>(9).map_err(Error::store(ctx))?,
            "label": [r.get::<_, f64>(10).map_err(Error::store(ctx))?, r.get::<_, f64>(11).map_err(Error::store(ctx))?],
            "boundary_version": r.get::<_, String>(13).map_err(Error::store(ctx))?,
        });
        let geometry: String = r.get(12).map_err(Error::store(ctx))?;
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(r#"{"type":"Feature","id":"#);
        out.push_str(&id.to_string());
        out.push_str(r#","properties":"#);
        out.push_str(&props.to_string());
        out.push_str(r#","geometry":"#);
        out.push_str(&geometry);
        out.push('}');
    }
    Ok(())
}
