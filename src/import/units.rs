//! Resolving published unit codes to stored units: a code means the unit of that code in the
//! boundary version valid on a given date (codes are only unique within a version, and may be
//! reused across the 2025 reform).

use std::collections::HashMap;

use chrono::NaiveDate;
use duckdb::Connection;

use crate::error::{Error, Result};
use crate::vocab::Level;

/// A boundary version's validity period.
#[derive(Debug, Clone)]
pub struct VersionSpan {
    pub id: i32,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// A unit as the importers need it.
#[derive(Debug, Clone)]
pub struct UnitRef {
    pub unit_id: i64,
}

/// Every stored unit of one level, by version and code.
pub struct UnitIndex {
    versions: Vec<VersionSpan>,
    by_version: HashMap<i32, HashMap<String, UnitRef>>,
    level: Level,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Every boundary version's validity period.
pub fn load_versions(conn: &Connection) -> Result<Vec<VersionSpan>> {
    crate::store::queries::boundary_versions(conn)?
        .into_iter()
        .map(|v| {
            let valid_from = date(&v.valid_from).ok_or_else(|| Error::Corrupt(format!("boundary version {}: valid_from '{}'", v.name, v.valid_from)))?;
            Ok(VersionSpan { id: v.id, name: v.name, valid_from, valid_to: v.valid_to.as_deref().and_then(date) })
        })
        .collect()
}

/// The boundary version valid on `d`: the latest `valid_from` on or before `d` whose `valid_to`
/// (if any) is not before `d`.
pub fn version_at(versions: &[VersionSpan], d: NaiveDate) -> Option<&VersionSpan> {
    versions.iter().filter(|v| v.valid_from <= d && v.valid_to.is_none_or(|to| to >= d)).max_by_key(|v| (v.valid_from, v.id))
}

/// Why no version is valid on `d`.
pub fn no_version_reason(versions: &[VersionSpan], d: NaiveDate) -> String {
    if versions.is_empty() {
        "no boundaries are imported yet; import boundaries first".to_string()
    } else {
        format!("no boundary version is valid on {d}; import one or adjust --valid-from/--valid-to")
    }
}

impl UnitIndex {
    /// Load all units of `level`.
    pub fn load(conn: &Connection, level: Level) -> Result<UnitIndex> {
        let ctx = "loading units for code resolution";
        let versions = load_versions(conn)?;
        let mut stmt = conn.prepare(include_str!("sql/units_of_level.sql")).map_err(Error::store(ctx))?;
        let mut by_version: HashMap<i32, HashMap<String, UnitRef>> = HashMap::new();
        let rows = stmt
            .query_map([level], |r| {
                Ok((r.get::<_, i32>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
            })
            .map_err(Error::store(ctx))?;
        for row in rows {
            let (v, code, unit_id) = row.map_err(Error::store(ctx))?;
            by_version.entry(v).or_default().insert(code, UnitRef { unit_id });
        }
        Ok(UnitIndex { versions, by_version, level })
    }

    /// An index of one version valid at all times holding `codes` (unit ids 1, 2, …), for
    /// checking files without a store.
    pub fn fixed(level: Level, codes: &[&str]) -> UnitIndex {
        let span = VersionSpan { id: 1, name: "check".into(), valid_from: NaiveDate::MIN, valid_to: None };
        let units = codes.iter().zip(1..).map(|(c, id)| (c.to_string(), UnitRef { unit_id: id })).collect();
        UnitIndex { versions: vec![span], by_version: HashMap::from([(1, units)]), level }
    }

    /// The boundary version valid on `d`: the latest `valid_from` on or before `d` whose
    /// `valid_to` (if any) is not before `d`.
    pub fn version_at(&self, d: NaiveDate) -> Option<&VersionSpan> {
        version_at(&self.versions, d)
    }

    /// Resolve `code` on date `d`, or explain why it cannot be.
    pub fn resolve(&self, code: &str, d: NaiveDate) -> Result<&UnitRef, String> {
        let Some(v) = self.version_at(d) else {
            return Err(no_version_reason(&self.versions, d));
        };
        if let Some(u) = self.by_version.get(&v.id).and_then(|m| m.get(code)) {
            return Ok(u);
        }
        let elsewhere: Vec<&str> = self
            .versions
            .iter()
            .filter(|o| o.id != v.id && self.by_version.get(&o.id).is_some_and(|m| m.contains_key(code)))
            .map(|o| o.name.as_str())
            .collect();
        Err(if elsewhere.is_empty() {
            format!("unknown {} code '{code}' (boundary version '{}', valid on {d})", self.level, v.name)
        } else {
            format!(
                "{} code '{code}' is not in boundary version '{}' valid on {d}; it exists in {} — \
                 check the date, or map old codes through the crosswalk",
                self.level,
                v.name,
                elsewhere.join(", ")
            )
        })
    }
}
