//! `import crosswalk`: old unit → new unit across a boundary change, with weights.

use std::collections::HashMap;

use chrono::NaiveDate;
use duckdb::types::Value;

use super::columns::{CROSSWALK_COLUMNS as COLS, pos};
use super::tabular_file::{self, date_value};
use super::units::UnitIndex;
use super::write::{self, Batch};
use super::{ImportOptions, ImportReport, Input, Kind, Written};
use crate::vocab::Level;
use crate::error::Result;
use crate::store::Store;

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

pub fn import_crosswalk(
    store: &Store,
    input: &Input,
    xw: &CrosswalkOptions,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    super::run(store, Kind::Crosswalk, input, opts, |conn| {
        let mut rep = opts.reporter(&input.name);
        let rows = tabular_file::read_csv_typed(&input.bytes, COLS, &mut rep)?;
        let units = UnitIndex::load(conn, Level::Commune)?;
        let (k_old, k_new, k_rel, k_eff) =
            (pos(COLS, "old_code"), pos(COLS, "new_code"), pos(COLS, "relation"), pos(COLS, "effective_date"));
        let (k_wp, k_wa, k_ws, k_res) =
            (pos(COLS, "weight_population"), pos(COLS, "weight_area"), pos(COLS, "weight_source"), pos(COLS, "resolution_ref"));

        struct Link {
            line: u64,
            old: i64,
            relation: String,
            wp: Option<f64>,
            wa: Option<f64>,
            values: Vec<Value>,
        }
        let mut links: Vec<Link> = Vec::new();
        let mut seen: HashMap<(i64, i64), u64> = HashMap::new();
        for row in rows {
            let eff = row.date(k_eff).unwrap_or(xw.effective_date);
            let before = eff.pred_opt().unwrap_or(eff);
            let (Some(old_code), Some(new_code), Some(relation)) = (row.text(k_old), row.text(k_new), row.text(k_rel))
            else {
                continue;
            };
            let old = units.resolve(old_code, before).map(|u| u.unit_id);
            let new = units.resolve(new_code, eff).map(|u| u.unit_id);
            let (old, new) = match (old, new) {
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
            if let Some(first) = seen.insert((old, new), row.line) {
                rep.at(row.line, row.columns[k_new], format!("duplicate link {old_code} → {new_code} (first on line {first})"));
                continue;
            }
            let full = matches!(relation, "full" | "merge" | "rename" | "unchanged");
            let wp = row.float(k_wp).or(full.then_some(1.0));
            let wa = row.float(k_wa).or(full.then_some(1.0));
            let source = row.text(k_ws).map(str::to_string).or_else(|| {
                (full && row.is_null(k_wp) && row.is_null(k_wa)).then(|| format!("relation {relation}: whole unit"))
            });
            let values = vec![
                Value::BigInt(old),
                Value::BigInt(new),
                date_value(eff),
                Value::Text(relation.to_string()),
                wp.map_or(Value::Null, Value::Double),
                wa.map_or(Value::Null, Value::Double),
                source.map_or(Value::Null, Value::Text),
                row.text(k_res).map_or(Value::Null, |s| Value::Text(s.to_string())),
            ];
            links.push(Link { line: row.line, old, relation: relation.to_string(), wp, wa, values });
        }

        // Per old unit: a whole-unit relation has exactly one target; weights sum to 1.
        let mut by_old: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, l) in links.iter().enumerate() {
            by_old.entry(l.old).or_default().push(i);
        }
        let mut groups: Vec<&Vec<usize>> = by_old.values().collect();
        groups.sort_by_key(|g| links[g[0]].line);
        for group in groups {
            let first = &links[group[0]];
            let whole = group.iter().filter(|i| matches!(links[**i].relation.as_str(), "full" | "rename" | "unchanged"));
            if whole.count() > 0 && group.len() > 1 {
                rep.at(
                    first.line,
                    0,
                    format!(
                        "old unit on this line has a whole-unit relation but {} links (lines {}); use 'partial' for a split",
                        group.len(),
                        group.iter().map(|i| links[*i].line.to_string()).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
            for (name, pick) in [("weight_population", 0usize), ("weight_area", 1)] {
                let ws: Vec<Option<f64>> = group.iter().map(|i| if pick == 0 { links[*i].wp } else { links[*i].wa }).collect();
                if ws.iter().all(Option::is_none) {
                    continue;
                }
                if ws.iter().any(Option::is_none) {
                    rep.at(first.line, 0, format!("{name} is given for some links of this old unit but not all"));
                    continue;
                }
                let sum: f64 = ws.iter().flatten().sum();
                if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
                    rep.at(
                        first.line,
                        0,
                        format!(
                            "{name} of this old unit's {} link(s) sum to {sum:.6}, not 1 (lines {})",
                            group.len(),
                            group.iter().map(|i| links[*i].line.to_string()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
        }
        rep.check()?;

        let columns = vec![
            "old_unit_id",
            "new_unit_id",
            "effective_date",
            "relation",
            "weight_population",
            "weight_area",
            "weight_source",
            "resolution_ref",
        ];
        let rows = links.into_iter().map(|l| (l.line, l.values)).collect();
        let batch = Batch { table: "unit_crosswalk", columns, key: &["old_unit_id", "new_unit_id"], rows };
        let out = write::write(conn, batch, opts.replace, &input.name, opts.progress)?;
        Ok(Written::new(out.rows, out.replaced, Vec::new(), &mut rep))
    })
}
