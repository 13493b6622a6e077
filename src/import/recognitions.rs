//! `import recognitions`: official acts — drug-free recognition, maintenance, revocation,
//! official key-type classification (domain.md §5.1).

use std::collections::HashMap;

use chrono::NaiveDate;
use duckdb::types::Value;

use super::columns::{RECOGNITION_COLUMNS as COLS, pos};
use super::tabular_file;
use super::units::UnitIndex;
use super::write::{self, Batch};
use super::{ImportOptions, ImportReport, Input, Kind, Written};
use crate::vocab::Level;
use crate::error::Result;
use crate::store::Store;

pub fn import_recognitions(store: &Store, input: &Input, opts: &ImportOptions) -> Result<ImportReport> {
    super::run(store, Kind::Recognitions, input, opts, |conn| {
        let mut rep = opts.reporter(&input.name);
        let table = tabular_file::read_typed(conn, input, COLS, &opts.table, &mut rep)?;
        let (rows, notes) = (table.rows, table.notes);
        let units = UnitIndex::load(conn, Level::Commune)?;
        let (k_code, k_status, k_value, k_year, k_date, k_action) = (
            pos(COLS, "unit_code"),
            pos(COLS, "status_type"),
            pos(COLS, "value"),
            pos(COLS, "year_covered"),
            pos(COLS, "decision_date"),
            pos(COLS, "action"),
        );
        let mut out = Vec::new();
        let mut seen: HashMap<(i64, String, i64, String), u64> = HashMap::new();
        for mut row in rows {
            let (Some(code), Some(year), Some(status), Some(action)) =
                (row.text(k_code), row.int(k_year), row.text(k_status), row.text(k_action))
            else {
                continue;
            };
            let on = NaiveDate::from_ymd_opt(year as i32, 12, 31).unwrap_or_default();
            let unit = match units.resolve(code, on) {
                Ok(u) => u.unit_id,
                Err(reason) => {
                    rep.at(row.line, row.columns[k_code], reason);
                    continue;
                }
            };
            if status == "key_type_official" && !matches!(row.text(k_value), Some("I" | "II" | "III" | "none")) {
                rep.at(row.line, row.columns[k_value], "value: key_type_official needs value I, II, III or none");
                continue;
            }
            if let Some(d) = row.date(k_date)
                && d.year_ce().1 < year as u32
            {
                rep.at(row.line, row.columns[k_date], format!("decision_date {d} is before the year it covers ({year})"));
                continue;
            }
            let key = (unit, status.to_string(), year, action.to_string());
            if let Some(first) = seen.insert(key, row.line) {
                rep.at(row.line, row.columns[k_code], format!("duplicate event (first on line {first})"));
                continue;
            }
            row.values[k_code] = Value::BigInt(unit);
            out.push((row.line, row.values));
        }
        rep.check()?;
        let mut columns = vec!["unit_id"];
        columns.extend(COLS.iter().skip(1).map(|c| c.name));
        let batch = Batch {
            table: "recognition_event",
            columns,
            key: &["unit_id", "status_type", "year_covered", "action"],
            rows: out,
        };
        let out = write::write(conn, batch, opts.replace, &input.name, opts.progress)?;
        Ok(Written::new(out.rows, out.replaced, notes, &mut rep))
    })
}

use chrono::Datelike as _;
