//! Province progress against the target path — the one reader of `province_progress` and
//! `target_path`, used by `/api/progress` (and so the dashboard) and the province report.

use duckdb::Connection;
use serde::Serialize;

use crate::error::{Error, Result};

/// One province-year of `province_progress`: communes by status, the drug-free share against
/// the target path, quotas.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Year {
    pub boundary_version: String,
    pub province_code: String,
    pub province_name: Option<String>,
    pub year: i32,
    pub communes: i64,
    pub drug_free: i64,
    pub drug_free_pct: Option<f64>,
    pub drug_free_candidate: i64,
    pub no_activity: i64,
    pub non_key: i64,
    pub type_iii: i64,
    pub type_ii: i64,
    pub type_i: i64,
    pub undetermined: i64,
    pub no_data: i64,
    pub target_pct: Option<f64>,
    pub target_communes: Option<i32>,
    pub on_track: Option<bool>,
    pub quota_count: Option<i32>,
    pub quota_assigned: Option<i64>,
    pub quota_recognised: Option<i64>,
}

/// One point of a province's target path: the drug-free share it should have reached by `year`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetPoint {
    pub province_code: String,
    pub year: i32,
    pub target_pct: f64,
}

/// Progress of one province (or every province: `None`), by province and year, and each
/// province's whole target path (to 2030 and beyond).
pub fn read(conn: &Connection, province: Option<&str>) -> Result<(Vec<Year>, Vec<TargetPoint>)> {
    let ctx = "reading province progress";
    let mut stmt = conn.prepare(include_str!("sql/progress.sql")).map_err(Error::store(ctx))?;
    let years = stmt
        .query_map(duckdb::named_params! { "p": province }, |r| {
            Ok(Year {
                boundary_version: r.get("boundary_version")?,
                province_code: r.get("province_code")?,
                province_name: r.get("province_name")?,
                year: r.get("year")?,
                communes: r.get("communes")?,
                drug_free: r.get("drug_free")?,
                drug_free_pct: r.get("drug_free_pct")?,
                drug_free_candidate: r.get("drug_free_candidate")?,
                no_activity: r.get("no_activity")?,
                non_key: r.get("non_key")?,
                type_iii: r.get("type_iii")?,
                type_ii: r.get("type_ii")?,
                type_i: r.get("type_i")?,
                undetermined: r.get("undetermined")?,
                no_data: r.get("no_data")?,
                target_pct: r.get("target_pct")?,
                target_communes: r.get("target_communes")?,
                on_track: r.get("on_track")?,
                quota_count: r.get("quota_count")?,
                quota_assigned: r.get("quota_assigned")?,
                quota_recognised: r.get("quota_recognised")?,
            })
        })
        .map_err(Error::store(ctx))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::store(ctx))?;
    let mut stmt = conn.prepare(include_str!("sql/target_path.sql")).map_err(Error::store(ctx))?;
    let targets = stmt
        .query_map(duckdb::named_params! { "p": province }, |r| {
            Ok(TargetPoint { province_code: r.get(0)?, year: r.get(1)?, target_pct: r.get(2)? })
        })
        .map_err(Error::store(ctx))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::store(ctx))?;
    Ok((years, targets))
}
