//! `import quotas` (communes named in a plan for a year), `import targets` (a province's
//! registered yearly quota of communes to make drug-free) and `import province-routes` (a
//! province's key route designation, Decision 28/2025 Art. 5.6).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use duckdb::types::Value;

use super::columns::{PROVINCE_ROUTE_COLUMNS, QUOTA_COLUMNS, TARGET_COLUMNS, pos};
use super::tabular_file;
use super::units::UnitIndex;
use super::write::{self, Batch};
use super::{ImportOptions, ImportReport, Input, Kind, Written};
use crate::vocab::Level;
use crate::error::{Error, Result};
use crate::store::Store;

pub fn import_quotas(store: &Store, input: &Input, opts: &ImportOptions) -> Result<ImportReport> {
    const COLS: &[super::ColumnSpec] = QUOTA_COLUMNS;
    super::run(store, Kind::Quotas, input, opts, |conn| {
        let mut rep = opts.reporter(&input.name);
        let table = tabular_file::read_typed(conn, input, COLS, &opts.table, &mut rep)?;
        let (rows, notes) = (table.rows, table.notes);
        let units = UnitIndex::load(conn, Level::Commune)?;
        let (k_code, k_year) = (pos(COLS, "unit_code"), pos(COLS, "year"));
        let mut out = Vec::new();
        let mut seen: HashMap<(i64, i64), u64> = HashMap::new();
        for mut row in rows {
            let (Some(code), Some(year)) = (row.text(k_code), row.int(k_year)) else { continue };
            let on = NaiveDate::from_ymd_opt(year as i32, 12, 31).unwrap_or_default();
            let unit = match units.resolve(code, on) {
                Ok(u) => u.unit_id,
                Err(reason) => {
                    rep.at(row.line, row.columns[k_code], reason);
                    continue;
                }
            };
            if let Some(first) = seen.insert((unit, year), row.line) {
                rep.at(row.line, row.columns[k_code], format!("duplicate quota for '{code}', {year} (first on line {first})"));
                continue;
            }
            row.values[k_code] = Value::BigInt(unit);
            out.push((row.line, row.values));
        }
        rep.check()?;
        let mut columns = vec!["unit_id"];
        columns.extend(COLS.iter().skip(1).map(|c| c.name));
        let batch = Batch { table: "quota_assignment", columns, key: &["unit_id", "year"], rows: out };
        let out = write::write(conn, batch, opts.replace, &input.name, opts.progress)?;
        Ok(Written::new(out.rows, out.replaced, notes, &mut rep))
    })
}

pub fn import_targets(store: &Store, input: &Input, opts: &ImportOptions) -> Result<ImportReport> {
    import_province_rows(store, input, opts, Kind::Targets, TARGET_COLUMNS, "province_quota", "target")
}

pub fn import_province_routes(store: &Store, input: &Input, opts: &ImportOptions) -> Result<ImportReport> {
    import_province_rows(store, input, opts, Kind::ProvinceRoutes, PROVINCE_ROUTE_COLUMNS, "province_route", "route designation")
}

/// A file of one row per province and year (`province_code`, `year`, …) into `table`.
fn import_province_rows(
    store: &Store,
    input: &Input,
    opts: &ImportOptions,
    kind: Kind,
    cols: &'static [super::ColumnSpec],
    table: &'static str,
    what: &str,
) -> Result<ImportReport> {
    super::run(store, kind, input, opts, |conn| {
        let mut rep = opts.reporter(&input.name);
        let read = tabular_file::read_typed(conn, input, cols, &opts.table, &mut rep)?;
        let (rows, notes) = (read.rows, read.notes);
        let known = province_codes(conn)?;
        let (k_prov, k_year) = (pos(cols, "province_code"), pos(cols, "year"));
        let mut out = Vec::new();
        let mut seen: HashMap<(String, i64), u64> = HashMap::new();
        for row in rows {
            let (Some(p), Some(year)) = (row.text(k_prov), row.int(k_year)) else { continue };
            if !known.contains(p) {
                rep.at(row.line, row.columns[k_prov], format!("unknown province code '{p}' (no stored unit has it)"));
                continue;
            }
            if let Some(first) = seen.insert((p.to_string(), year), row.line) {
                rep.at(row.line, row.columns[k_prov], format!("duplicate {what} for province {p}, {year} (first on line {first})"));
                continue;
            }
            out.push((row.line, row.values));
        }
        rep.check()?;
        let columns = cols.iter().map(|c| c.name).collect();
        let batch = Batch { table, columns, key: &["province_code", "year"], rows: out };
        let out = write::write(conn, batch, opts.replace, &input.name, opts.progress)?;
        Ok(Written::new(out.rows, out.replaced, notes, &mut rep))
    })
}

fn province_codes(conn: &duckdb::Connection) -> Result<HashSet<String>> {
    let ctx = "listing province codes";
    let mut stmt = conn
        .prepare(include_str!("sql/province_codes.sql"))
        .map_err(Error::store(ctx))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(Error::store(ctx))?;
    rows.collect::<Result<_, _>>().map_err(Error::store(ctx))
}
