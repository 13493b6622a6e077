//! The unit directory: every unit's identity, bounding box and label point, loaded once and held
//! in memory. Search, map labels, province names in documents and scope resolution all read it;
//! nothing else keeps its own list of units.

use std::collections::HashMap;

use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};
use crate::text::fold;
use crate::vocab::Level;

/// One unit as the directory knows it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub level: Level,
    pub unit_type: String,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    pub boundary_version: String,
    pub valid_from: String,
    pub bbox: [f64; 4],
    pub label: [f64; 2],
    /// The name folded for accent-insensitive search (`Hai Bà Trưng` → `hai ba trung`).
    #[serde(skip)]
    pub key: String,
}

/// Every unit, newest boundary version first.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    entries: Vec<Entry>,
    by_id: HashMap<i64, usize>,
}

impl Directory {
    /// Load every unit of the store.
    pub fn load(store: &Store) -> Result<Directory> {
        let conn = store.connect()?;
        let ctx = "loading the unit directory";
        let mut stmt = conn.prepare(include_str!("sql/unit_directory.sql")).map_err(Error::store(ctx))?;
        let rows = stmt
            .query_map([], |r| {
                let name: String = r.get(2)?;
                Ok(Entry {
                    unit_id: r.get(0)?,
                    code: r.get(1)?,
                    key: fold(&name),
                    name,
                    level: r.get(3)?,
                    unit_type: r.get(4)?,
                    province_code: r.get(5)?,
                    province_name: r.get(6)?,
                    boundary_version: r.get(7)?,
                    valid_from: r.get(8)?,
                    bbox: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
                    label: [r.get(13)?, r.get(14)?],
                })
            })
            .map_err(Error::store(ctx))?;
        let entries: Vec<Entry> = rows.collect::<std::result::Result<_, _>>().map_err(Error::store(ctx))?;
        Ok(Directory::from_entries(entries))
    }

    /// A directory of the given entries (in the order given).
    pub fn from_entries(entries: Vec<Entry>) -> Directory {
        let by_id = entries.iter().enumerate().map(|(i, e)| (e.unit_id, i)).collect();
        Directory { entries, by_id }
    }

    /// Every unit, newest boundary version first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// A unit by id.
    pub fn get(&self, unit_id: i64) -> Option<&Entry> {
        self.by_id.get(&unit_id).map(|i| &self.entries[*i])
    }

    /// A province's name by its code (the newest version that has it).
    pub fn province_name(&self, code: &str) -> Option<&str> {
        self.entries.iter().find(|e| e.level == Level::Province && e.code == code).map(|e| e.name.as_str())
    }
}

/// The stored geometries (GeoJSON text, EPSG:4326) of a boundary version's units of `level`,
/// by unit, in one read; keeps those `keep` accepts.
pub fn geometries(store: &Store, version_id: i32, level: Level, keep: impl Fn(i64) -> bool) -> Result<HashMap<i64, String>> {
    let conn = store.connect()?;
    let ctx = "reading unit geometries";
    let mut stmt = conn.prepare(include_str!("sql/unit_geometry_of.sql")).map_err(Error::store(ctx))?;
    let rows = stmt.query_map(duckdb::params![version_id, level], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(Error::store(ctx))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, g) = row.map_err(Error::store(ctx))?;
        if keep(id) {
            out.insert(id, g);
        }
    }
    Ok(out)
}
