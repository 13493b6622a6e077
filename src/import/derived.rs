//! Derived levels: real boundary files carry the province (and, before the reform, the district)
//! only as a property of each commune. After every boundary import, each level a version lacks
//! is built by dissolving its communes on their province or district code along the shared arcs
//! of the snapped coverage ([`crate::geo::dissolve`]), so the derived outline coincides with the
//! communes' edges as the tiles draw them. The units are stored with `derived = true` and used
//! like imported ones (tiles and labels, reports, search, scope, Art. 5); an imported layer of
//! that level takes precedence and removes them.

use std::collections::{BTreeMap, HashMap};

use ::geo::{Area, Coord, LineString, MultiPolygon, Polygon};
use duckdb::{Connection, params};

use super::boundaries::{Unit, append_units, unit_type};
use crate::error::{Error, Result};
use crate::geo::{self as geom, dissolve, snap, topology};
use crate::text;
use crate::vocab::Level;

const CTX: &str = "deriving province and district units";

/// A unit of one level of a version as the derivation and the tolerance estimate read it.
pub struct Member {
    pub unit_id: i64,
    pub province: Option<(String, Option<String>)>,
    pub district: Option<(String, Option<String>)>,
    pub rings: Vec<topology::RingIn>,
}

/// The imported units of one level of a version, in unit order (as the tiles snap them): those
/// just written from memory (`fresh`, with their ids), the others from the store.
pub fn coverage(conn: &Connection, version_id: i32, level: Level, fresh: &[(i64, &Unit)]) -> Result<Vec<Member>> {
    let ids = duckdb::types::Value::List(fresh.iter().map(|(id, _)| duckdb::types::Value::BigInt(*id)).collect());
    let mut stmt = conn.prepare(include_str!("sql/derived_communes.sql")).map_err(Error::store(CTX))?;
    let mut rows = stmt.query(params![version_id, level, ids]).map_err(Error::store(CTX))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(Error::store(CTX))? {
        let id: i64 = r.get(0).map_err(Error::store(CTX))?;
        let pc: Option<String> = r.get(1).map_err(Error::store(CTX))?;
        let pn: Option<String> = r.get(2).map_err(Error::store(CTX))?;
        let dc: Option<String> = r.get(3).map_err(Error::store(CTX))?;
        let dn: Option<String> = r.get(4).map_err(Error::store(CTX))?;
        let text: String = r.get(5).map_err(Error::store(CTX))?;
        let polygons = geom::stored::polygons(&text).map_err(|e| Error::Corrupt(format!("unit {id} geometry: {e}")))?;
        out.push(Member { unit_id: id, province: pc.map(|c| (c, pn)), district: dc.map(|c| (c, dn)), rings: topology::rings_of(&polygons) });
    }
    for (id, u) in fresh {
        let polygons: Vec<Vec<Vec<[f64; 2]>>> = u
            .geometry
            .0
            .iter()
            .map(|p| std::iter::once(p.exterior()).chain(p.interiors()).map(|r| r.0.iter().map(|c| [c.x, c.y]).collect()).collect())
            .collect();
        out.push(Member {
            unit_id: *id,
            province: u.province_code.clone().map(|c| (c, u.province_name.clone())),
            district: u.district_code.clone().map(|c| (c, u.district_name.clone())),
            rings: topology::rings_of(&polygons),
        });
    }
    out.sort_by_key(|m| m.unit_id);
    Ok(out)
}

/// Remove the derived units of `level` in the version (an imported layer of that level is about
/// to be written, or the derivation is redone).
pub fn clear(conn: &Connection, version_id: i32, level: Level) -> Result<()> {
    conn.execute(include_str!("sql/derived_delete.sql"), params![version_id, level]).map(|_| ()).map_err(Error::store(CTX))
}

/// Derive the province and district units the version lacks; returns notes for the import
/// report (what was derived, what could not be).
pub fn derive(conn: &Connection, version_id: i32, code_system: &str, communes: &[Member]) -> Result<Vec<String>> {
    let tolerance: f64 =
        conn.query_row(include_str!("sql/version_tolerance.sql"), [version_id], |r| r.get(0)).map_err(Error::store(CTX))?;
    let mut notes = Vec::new();
    if communes.is_empty() {
        return Ok(notes);
    }
    // The coverage as the tiles build it: snapped in unit order, then as shared arcs (lon/lat).
    let mut rings: Vec<Vec<topology::RingIn>> = communes.iter().map(|c| c.rings.clone()).collect();
    snap::snap(&mut rings, tolerance);
    let topo = topology::Topology::build(&rings);
    let snapped: Vec<MultiPolygon<f64>> = rings.iter().map(|r| to_multi(&topology::polygons_of(r))).collect();
    for level in [Level::Province, Level::District] {
        let imported: i64 = conn
            .query_row(include_str!("sql/imported_count.sql"), params![version_id, level], |r| r.get(0))
            .map_err(Error::store(CTX))?;
        let old = old_ids(conn, version_id, level)?;
        clear(conn, version_id, level)?;
        if imported > 0 {
            continue;
        }
        let key = |c: &Member| if level == Level::Province { c.province.clone() } else { c.district.clone() };
        let mut groups: BTreeMap<String, (Option<String>, Vec<usize>)> = BTreeMap::new();
        let mut without = 0;
        for (i, c) in communes.iter().enumerate() {
            match key(c) {
                Some((code, name)) => {
                    let g = groups.entry(code).or_insert((None, Vec::new()));
                    if g.0.is_none() {
                        g.0 = name;
                    }
                    g.1.push(i);
                }
                None => without += 1,
            }
        }
        if groups.is_empty() {
            continue;
        }
        if without > 0 {
            notes.push(format!(
                "{without} commune(s) name no {level} code: they belong to no derived {level}"
            ));
        }
        let mut units = Vec::with_capacity(groups.len());
        let mut unioned = Vec::new();
        for (code, (name, members)) in groups {
            let (geometry, exact) = outline(&topo, &snapped, &members);
            if !exact {
                unioned.push(code.clone());
            }
            let Some(measures) = geom::measures(&geometry) else { continue };
            let first = &communes[members[0]];
            let name = name.unwrap_or_else(|| format!("{level} {code}"));
            let (province_code, province_name) = first.province.clone().map_or((None, None), |(c, n)| (Some(c), n));
            let unit_type = unit_type(level, None, &name).unwrap_or(if level == Level::Province { "tinh" } else { "huyen" });
            let properties = serde_json::json!({
                "derived_from": "communes",
                "communes": members.len(),
                "method": if exact { "dissolved along shared arcs" } else { "polygon union (members overlap)" },
                "snap_tolerance": tolerance,
            });
            units.push(Unit {
                feature: 0,
                code: code.clone(),
                name,
                unit_type,
                province_code: if level == Level::Province { Some(code.clone()) } else { province_code },
                province_name: if level == Level::Province { first.province.as_ref().and_then(|p| p.1.clone()) } else { province_name },
                district_code: None,
                district_name: None,
                geometry,
                measures,
                repaired: false,
                derived: true,
                properties: properties.to_string(),
            });
        }
        let ids = allocate(conn, version_id, &units, &old)?;
        append_units(conn, &units, &ids, level, version_id, code_system)?;
        notes.push(format!(
            "derived {} {} unit(s) from the communes{}",
            text::thousands(units.len() as u64),
            level,
            if unioned.is_empty() {
                String::new()
            } else {
                format!(" ({} by polygon union, their communes overlapping: {})", unioned.len(), unioned.join(", "))
            }
        ));
    }
    Ok(notes)
}

/// The group's outline: the dissolve along shared arcs when it is valid and covers exactly the
/// members' area (`true`), else the polygon union of the members as snapped (`false`: members
/// that still overlap beyond the tolerance make the dissolved rings cross or double-count; the
/// union's vertices are the members' to ~1e-9°).
fn outline(topo: &topology::Topology, snapped: &[MultiPolygon<f64>], members: &[usize]) -> (MultiPolygon<f64>, bool) {
    let dissolved = to_multi(&dissolve::dissolve(topo, members));
    let members_area: f64 = members.iter().map(|&m| snapped[m].unsigned_area()).sum();
    let exact = (dissolved.unsigned_area() - members_area).abs() <= 1e-9 * members_area;
    if exact && geom::invalidity(&dissolved).is_empty() {
        return (dissolved, true);
    }
    let union = ::geo::unary_union(members.iter().map(|&m| &snapped[m]));
    (geom::orient_rfc7946(union), false)
}

fn to_multi(polygons: &[Vec<Vec<[f64; 2]>>]) -> MultiPolygon<f64> {
    let ring = |r: &Vec<[f64; 2]>| LineString(r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect());
    MultiPolygon(
        polygons
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| Polygon::new(ring(&p[0]), p[1..].iter().map(ring).collect()))
            .collect(),
    )
}

/// Ids the derived units of this level had, by code (kept across re-derivations: they are tile
/// feature ids and what stored data refers to).
fn old_ids(conn: &Connection, version_id: i32, level: Level) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare(include_str!("sql/derived_ids.sql")).map_err(Error::store(CTX))?;
    let rows = stmt.query_map(params![version_id, level], |r| Ok((r.get(0)?, r.get(1)?))).map_err(Error::store(CTX))?;
    rows.collect::<std::result::Result<_, _>>().map_err(Error::store(CTX))
}

fn allocate(conn: &Connection, version_id: i32, units: &[Unit], old: &HashMap<String, i64>) -> Result<Vec<i64>> {
    let stride = super::boundaries::UNIT_ID_STRIDE;
    let base = i64::from(version_id) * stride;
    let mut next: i64 = conn
        .query_row(include_str!("sql/unit_last_ordinal.sql"), params![i64::from(version_id), stride], |r| r.get(0))
        .map_err(Error::store(CTX))?;
    next = next.max(old.values().map(|id| id - base).max().unwrap_or(0));
    units
        .iter()
        .map(|u| match old.get(&u.code) {
            Some(id) => Ok(*id),
            None => {
                next += 1;
                if next >= stride {
                    return Err(Error::Refused(format!("boundary version {version_id} would exceed {stride} units")));
                }
                Ok(base + next)
            }
        })
        .collect()
}
