//! `import crosswalk`: old unit → new unit across a boundary change, with weights.
//!
//! A row links an old commune (`old_level` commune, the default) or a whole old district or
//! province (`old_level` district/province: island districts that became special zones) to a new
//! commune; a district or province row stands for each of its communes. Links without weights
//! get them from the geometry the store holds: the share of the old unit's area inside each new
//! unit (`weight_source = 'area overlay'`), and the same shares as population weights where the
//! old unit has population figures. Links whose overlay contradicts the file (a "full" link with
//! only 40 % of the old unit inside its new one) are reported.

use std::collections::{BTreeMap, HashMap};

use ::geo::{Area, BooleanOps, MultiPolygon};
use chrono::NaiveDate;
use duckdb::types::Value;
use duckdb::{Connection, params};

use super::columns::{CROSSWALK_COLUMNS as COLS, pos};
use super::tabular_file::{self, date_value};
use super::units::UnitIndex;
use super::write::{self, Batch};
use super::{ImportOptions, ImportReport, Input, Kind, Written};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::vocab::Level;

/// Crosswalk-specific options.
#[derive(Debug, Clone)]
pub struct CrosswalkOptions {
    /// Effective date for rows without an `effective_date` column (default 2025-07-01). Old codes
    /// are resolved the day before it, new codes on it.
    pub effective_date: NaiveDate,
}

impl Default for CrosswalkOptions {
    fn default() -> Self {
        CrosswalkOptions { effective_date: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default() }
    }
}

/// Weights per old unit must sum to 1 within this tolerance.
const WEIGHT_TOLERANCE: f64 = 1e-6;

/// A "full" link whose old unit lies less than this share inside its new unit is reported.
const FULL_MIN_SHARE: f64 = 0.75;

/// A partial link carrying less than this share of its old unit is reported.
const PARTIAL_MIN_SHARE: f64 = 0.01;

/// One link to write.
struct Link {
    line: u64,
    old: i64,
    new: i64,
    old_code: String,
    new_code: String,
    eff: NaiveDate,
    relation: String,
    wp: Option<f64>,
    wa: Option<f64>,
    source: Option<String>,
    resolution: Option<String>,
}

pub fn import_crosswalk(store: &Store, input: &Input, xw: &CrosswalkOptions, opts: &ImportOptions) -> Result<ImportReport> {
    super::run(store, Kind::Crosswalk, input, opts, |conn| {
        let mut rep = opts.reporter(&input.name);
        let table = tabular_file::read_typed(conn, input, COLS, &opts.table, &mut rep)?;
        let rows = table.rows;
        let table_notes = table.notes;
        let communes = UnitIndex::load(conn, Level::Commune)?;
        let wholes = [Level::District, Level::Province].map(|l| UnitIndex::load(conn, l)).into_iter().collect::<Result<Vec<_>>>()?;
        let (k_old, k_new, k_rel, k_eff, k_lvl) =
            (pos(COLS, "old_code"), pos(COLS, "new_code"), pos(COLS, "relation"), pos(COLS, "effective_date"), pos(COLS, "old_level"));
        let (k_wp, k_wa, k_ws, k_res) =
            (pos(COLS, "weight_population"), pos(COLS, "weight_area"), pos(COLS, "weight_source"), pos(COLS, "resolution_ref"));

        let mut links: Vec<Link> = Vec::new();
        let mut seen: HashMap<(i64, i64), u64> = HashMap::new();
        for row in rows {
            let eff = row.date(k_eff).unwrap_or(xw.effective_date);
            let before = eff.pred_opt().unwrap_or(eff);
            let (Some(old_code), Some(new_code), Some(relation)) = (row.text(k_old), row.text(k_new), row.text(k_rel)) else {
                continue;
            };
            let level: Level = row.text(k_lvl).and_then(|l| l.parse().ok()).unwrap_or(Level::Commune);
            // The old communes this row stands for: itself, or every commune of the old unit.
            let olds: std::result::Result<Vec<(i64, String)>, String> = match level {
                Level::Commune => communes.resolve(old_code, before).map(|u| vec![(u.unit_id, old_code.to_string())]),
                whole => {
                    let index = &wholes[usize::from(whole == Level::Province)];
                    match (index.resolve(old_code, before), index.version_at(before)) {
                        (Ok(_), Some(v)) => members(conn, v.id, whole, old_code).and_then(|m| {
                            if m.is_empty() { Err(format!("{whole} '{old_code}' has no communes in boundary version '{}'", v.name)) } else { Ok(m) }
                        }),
                        (Err(e), _) => Err(e),
                        (Ok(_), None) => Err(format!("no boundary version is valid on {before}")),
                    }
                }
            };
            let new = communes.resolve(new_code, eff).map(|u| u.unit_id);
            let (olds, new) = match (olds, new) {
                (Ok(o), Ok(n)) => (o, n),
                (o, n) => {
                    if let Err(reason) = o {
                        rep.at(row.line, row.columns[k_old], format!("old_code: {reason}"));
                    }
                    if let Err(reason) = n {
                        rep.at(row.line, row.columns[k_new], format!("new_code: {reason}"));
                    }
                    continue;
                }
            };
            let full = matches!(relation, "full" | "merge" | "rename" | "unchanged");
            let whole_unit = level != Level::Commune;
            for (old, code) in olds {
                if let Some(first) = seen.insert((old, new), row.line) {
                    rep.at(row.line, row.columns[k_new], format!("duplicate link {code} → {new_code} (first on line {first})"));
                    continue;
                }
                let wp = row.float(k_wp).or(full.then_some(1.0));
                let wa = row.float(k_wa).or(full.then_some(1.0));
                let source = row.text(k_ws).map(str::to_string).or_else(|| {
                    (full && row.is_null(k_wp) && row.is_null(k_wa)).then(|| format!("relation {relation}: whole unit"))
                });
                let resolution = row.text(k_res).map(str::to_string).or_else(|| {
                    whole_unit.then(|| format!("{level} {old_code} (line {}) as a whole", row.line))
                });
                links.push(Link {
                    line: row.line,
                    old,
                    new,
                    old_code: code,
                    new_code: new_code.to_string(),
                    eff,
                    relation: relation.to_string(),
                    wp,
                    wa,
                    source,
                    resolution,
                });
            }
        }

        let mut notes = table_notes;
        let overlay = Overlay::load(conn, &links)?;
        overlay.fill(&mut links, &mut notes);
        let bad = check_groups(&links, &mut rep);
        rep.check()?;
        // With --skip-invalid: an old unit whose links do not add up is left out whole.
        links.retain(|l| !bad.contains(&l.old));

        let columns = vec!["old_unit_id", "new_unit_id", "effective_date", "relation", "weight_population", "weight_area", "weight_source", "resolution_ref"];
        let text = |s: Option<String>| s.map_or(Value::Null, Value::Text);
        let rows = links
            .into_iter()
            .map(|l| {
                (
                    l.line,
                    vec![
                        Value::BigInt(l.old),
                        Value::BigInt(l.new),
                        date_value(l.eff),
                        Value::Text(l.relation),
                        l.wp.map_or(Value::Null, Value::Double),
                        l.wa.map_or(Value::Null, Value::Double),
                        text(l.source),
                        text(l.resolution),
                    ],
                )
            })
            .collect();
        let batch = Batch { table: "unit_crosswalk", columns, key: &["old_unit_id", "new_unit_id"], rows };
        let out = write::write(conn, batch, opts.replace, &input.name, opts.progress)?;
        Ok(Written::new(out.rows, out.replaced, notes, &mut rep))
    })
}

/// The communes of an old district or province (by its code) in one boundary version.
fn members(conn: &Connection, version_id: i32, level: Level, code: &str) -> std::result::Result<Vec<(i64, String)>, String> {
    let query = || -> duckdb::Result<Vec<(i64, String)>> {
        let mut stmt = conn.prepare(include_str!("sql/communes_of.sql"))?;
        let rows = stmt.query_map(params![version_id, level, code], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    };
    query().map_err(|e| format!("reading the communes of {level} '{code}': {e}"))
}

/// Per old unit: a whole-unit relation has exactly one target; weights sum to 1. Returns the old
/// units whose links fail (left out when skipping).
fn check_groups(links: &[Link], rep: &mut super::Reporter) -> std::collections::HashSet<i64> {
    let mut bad = std::collections::HashSet::new();
    let mut by_old: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, l) in links.iter().enumerate() {
        by_old.entry(l.old).or_default().push(i);
    }
    let mut groups: Vec<&Vec<usize>> = by_old.values().collect();
    groups.sort_by_key(|g| links[g[0]].line);
    let lines = |g: &[usize]| g.iter().map(|i| links[*i].line.to_string()).collect::<Vec<_>>().join(", ");
    for group in groups {
        let first = &links[group[0]];
        let whole = group.iter().filter(|i| matches!(links[**i].relation.as_str(), "full" | "rename" | "unchanged")).count();
        if whole > 0 && group.len() > 1 {
            rep.at(
                first.line,
                0,
                format!(
                    "old unit {} has a whole-unit relation but {} links (lines {}); use 'partial' for a split",
                    first.old_code,
                    group.len(),
                    lines(group)
                ),
            );
            bad.insert(first.old);
        }
        for (name, pick) in [("weight_population", 0usize), ("weight_area", 1)] {
            let ws: Vec<Option<f64>> = group.iter().map(|i| if pick == 0 { links[*i].wp } else { links[*i].wa }).collect();
            if ws.iter().all(Option::is_none) {
                continue;
            }
            if ws.iter().any(Option::is_none) {
                rep.at(first.line, 0, format!("{name} is given for some links of old unit {} but not all", first.old_code));
                bad.insert(first.old);
                continue;
            }
            let sum: f64 = ws.iter().flatten().sum();
            if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
                rep.at(
                    first.line,
                    0,
                    format!("{name} of old unit {}'s {} link(s) sum to {sum:.6}, not 1 (lines {})", first.old_code, group.len(), lines(group)),
                );
                bad.insert(first.old);
            }
        }
    }
    bad
}

/// The stored geometry of the units the links join, and which old units have population.
struct Overlay {
    geometry: HashMap<i64, MultiPolygon<f64>>,
    with_population: std::collections::HashSet<i64>,
}

impl Overlay {
    fn load(conn: &Connection, links: &[Link]) -> Result<Overlay> {
        let ctx = "reading unit geometry for crosswalk weights";
        let mut ids: Vec<i64> = links.iter().flat_map(|l| [l.old, l.new]).collect();
        ids.sort_unstable();
        ids.dedup();
        let list = Value::List(ids.iter().map(|i| Value::BigInt(*i)).collect());
        let mut stmt = conn.prepare(include_str!("sql/crosswalk_geometry.sql")).map_err(Error::store(ctx))?;
        let mut rows = stmt.query([list]).map_err(Error::store(ctx))?;
        let (mut geometry, mut with_population) = (HashMap::new(), std::collections::HashSet::new());
        while let Some(r) = rows.next().map_err(Error::store(ctx))? {
            let id: i64 = r.get(0).map_err(Error::store(ctx))?;
            let text: String = r.get(1).map_err(Error::store(ctx))?;
            let populated: bool = r.get(2).map_err(Error::store(ctx))?;
            let g = crate::geo::from_geojson(&text).map_err(|e| Error::Corrupt(format!("unit {id} geometry: {e}")))?;
            geometry.insert(id, g);
            if populated {
                with_population.insert(id);
            }
        }
        Ok(Overlay { geometry, with_population })
    }

    /// The share of `old`'s area inside `new` (planar in lon/lat: the shares of one unit, at one
    /// latitude).
    fn share(&self, old: i64, new: i64) -> Option<f64> {
        let (o, n) = (self.geometry.get(&old)?, self.geometry.get(&new)?);
        let whole = o.unsigned_area();
        (whole > 0.0).then(|| o.intersection(n).unsigned_area() / whole)
    }

    /// Weights for the old units whose links carry none, from the overlay; notes where the
    /// overlay and the file disagree.
    fn fill(&self, links: &mut [Link], notes: &mut Vec<String>) {
        let mut by_old: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, l) in links.iter().enumerate() {
            by_old.entry(l.old).or_default().push(i);
        }
        let (mut weighted, mut disagree, mut uncovered) = (0usize, Vec::new(), Vec::new());
        for group in by_old.values() {
            let shares: Vec<Option<f64>> = group.iter().map(|&i| self.share(links[i].old, links[i].new)).collect();
            for (&i, s) in group.iter().zip(&shares) {
                let l = &links[i];
                match (l.relation.as_str(), s) {
                    ("full" | "merge" | "rename" | "unchanged", Some(s)) if *s < FULL_MIN_SHARE => {
                        disagree.push(format!("{} → {} is '{}' but {:.0} % of the old unit lies inside (line {})", l.old_code, l.new_code, l.relation, s * 100.0, l.line));
                    }
                    ("partial" | "split", Some(s)) if *s < PARTIAL_MIN_SHARE => {
                        disagree.push(format!("{} → {} is 'partial' but only {:.1} % of the old unit lies inside (line {})", l.old_code, l.new_code, s * 100.0, l.line));
                    }
                    _ => {}
                }
            }
            let needs = group.iter().all(|&i| links[i].wa.is_none() && links[i].wp.is_none());
            let Some(shares) = shares.into_iter().collect::<Option<Vec<f64>>>().filter(|_| needs) else { continue };
            let covered: f64 = shares.iter().sum();
            if covered <= 0.0 {
                continue;
            }
            if covered < 0.98 {
                let l = &links[group[0]];
                uncovered.push(format!("{} ({:.1} % inside its new units)", l.old_code, covered * 100.0));
            }
            // Normalised over the old unit's new units, so an apportioned figure keeps its total.
            for (&i, s) in group.iter().zip(&shares) {
                let w = s / covered;
                let l = &mut links[i];
                l.wa = Some(w);
                l.wp = self.with_population.contains(&l.old).then_some(w);
                l.source = Some("area overlay".into());
            }
            weighted += 1;
        }
        if weighted > 0 {
            notes.push(format!(
                "weights of {weighted} old unit(s) computed from the area overlay of old and new boundaries (weight_source 'area overlay'{})",
                if self.with_population.is_empty() { "; no old unit has population figures, so weight_population stays empty" } else { "; population weights by the same shares" }
            ));
        }
        if !uncovered.is_empty() {
            notes.push(format!("{} old unit(s) lie partly outside their new units; their weights are the shares of the part inside: {}", uncovered.len(), uncovered.join(", ")));
        }
        if !disagree.is_empty() {
            let more = if disagree.len() > 20 { format!("; … and {} more", disagree.len() - 20) } else { String::new() };
            notes.push(format!("{} link(s) where the boundaries disagree with the file: {}{more}", disagree.len(), disagree[..disagree.len().min(20)].join("; ")));
        }
    }
}
