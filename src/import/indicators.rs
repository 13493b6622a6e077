//! `import indicators`: one row per commune per year (domain.md §5.2), from CSV or Parquet.

use std::collections::HashMap;

use chrono::Datelike;
use duckdb::types::Value;

use super::columns::{INDICATOR_COLUMNS as COLS, pos};
use super::progress::Progress;
use super::tabular_file::{self, TypedRow, date_value};
use super::write::{self, Batch};
use super::units::UnitIndex;
use super::{ImportOptions, ImportReport, Input, Kind, Reporter, Written};
use crate::vocab::Level;
use crate::error::Result;
use crate::store::Store;

/// Validate and import an indicator file. Existing (unit, year) rows are refused unless
/// `opts.replace`, in which case exactly those rows are replaced. Commune-years under review in
/// the atlas (a submitted annual-review submission) are refused.
pub fn import_indicators(store: &Store, input: &Input, opts: &ImportOptions) -> Result<ImportReport> {
    super::run(store, Kind::Indicators, input, opts, |conn| work(conn, input, opts))
}

/// [`import_indicators`], running `first` in the same transaction before the rows are checked
/// and written: an annual-review acceptance changes the submission's state and writes its row
/// together, or neither.
pub fn import_indicators_during(store: &Store, input: &Input, opts: &ImportOptions, first: impl FnOnce(&duckdb::Connection) -> Result<()>) -> Result<ImportReport> {
    super::run(store, Kind::Indicators, input, opts, |conn| {
        first(conn)?;
        work(conn, input, opts)
    })
}

fn work(conn: &duckdb::Connection, input: &Input, opts: &ImportOptions) -> Result<Written> {
    let mut rep = opts.reporter(&input.name);
    let table = tabular_file::read_typed(conn, input, COLS, &opts.table, &mut rep)?;
    let (rows, map) = (table.rows, table.map);
    let mut progress = Progress::new(opts.progress, rows.len() as u64, "validating");
    let units = UnitIndex::load(conn, Level::Commune)?;
    let rules = crate::rules::Rules::embedded()?;
    let under_review = under_review(conn)?;
    let checked = check_rows(rows, &units, &rules, &under_review, &mut rep, &mut progress);
    progress.finish();
    rep.check()?;
    tracing::debug!(rows = checked.len(), "validated; writing");

    let mut columns: Vec<&str> = vec!["unit_id"];
    columns.extend(COLS.iter().skip(1).map(|c| c.name)); // unit_code is stored as unit_id
    let rows = checked
        .into_iter()
        .map(|c| {
            let mut values = Vec::with_capacity(columns.len());
            values.push(Value::BigInt(c.unit_id));
            values.extend(c.row.values.into_iter().skip(1));
            (c.row.line, values)
        })
        .collect();
    let batch = Batch { table: "indicator", columns, key: &["unit_id", "year"], rows };
    let out = write::write(conn, batch, opts.replace, &input.name, opts.progress)?;
    let mut notes = table.notes;
    notes.extend(art6_note(&map));
    Ok(Written::new(out.rows, out.replaced, notes, &mut rep))
}

/// Commune-years submitted in the annual review and not yet accepted or returned.
fn under_review(conn: &duckdb::Connection) -> Result<std::collections::HashSet<(i64, i64)>> {
    let ctx = "reading submissions under review";
    let mut stmt = conn.prepare(include_str!("sql/under_review.sql")).map_err(crate::error::Error::store(ctx))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))).map_err(crate::error::Error::store(ctx))?;
    rows.collect::<std::result::Result<_, _>>().map_err(crate::error::Error::store(ctx))
}

/// Check an indicators CSV without a store, against a fixed set of commune codes: every check
/// of [`import_indicators`] that does not need the stored units. Returns the rows that pass.
pub fn check_csv(bytes: &[u8], name: &str, codes: &[&str]) -> Result<usize> {
    let mut rep = Reporter::new(name);
    let mut table = tabular_file::read_csv(bytes, &mut rep);
    let opts = super::TableOptions::default();
    let mut map = tabular_file::map_columns(COLS, &table, &opts, &mut rep);
    tabular_file::complete(COLS, &mut table, &mut map, &opts, name);
    tabular_file::missing_required(COLS, &table, &map, &mut rep);
    rep.check()?;
    let rows = tabular_file::type_rows(COLS, &table, &map, &mut rep);
    let units = UnitIndex::fixed(Level::Commune, codes);
    let rules = crate::rules::Rules::embedded()?;
    let checked = check_rows(rows, &units, &rules, &std::collections::HashSet::new(), &mut rep, &mut Progress::new(false, 0, "checking"));
    rep.check()?;
    Ok(checked.len())
}

/// A row that passed every check, with its unit resolved.
struct Checked {
    unit_id: i64,
    row: TypedRow,
}

/// The inputs of the drug-free criteria (Decision 28/2025 Art. 6).
const ART6_COLUMNS: [&str; 3] = ["residents_using_not_exempt", "residents_violating_drug_law", "wanted_drug_fugitives_hiding"];

/// Said once per file, not per row: which Art. 6 inputs the file lacks.
fn art6_note(map: &tabular_file::ColumnMap) -> Vec<String> {
    let missing: Vec<&str> = ART6_COLUMNS.iter().copied().filter(|c| !map.has(pos(COLS, c))).collect();
    if missing.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "the file has no {} column{}: the drug-free criteria (Decision 28/2025 Art. 6) stay unknown for its rows",
        missing.join(", "),
        if missing.len() == 1 { "" } else { "s" }
    )]
}

fn check_rows(
    rows: Vec<TypedRow>,
    units: &UnitIndex,
    rules: &crate::rules::Rules,
    under_review: &std::collections::HashSet<(i64, i64)>,
    rep: &mut Reporter,
    progress: &mut Progress,
) -> Vec<Checked> {
    let k_code = pos(COLS, "unit_code");
    let k_year = pos(COLS, "year");
    let k_ref = pos(COLS, "reference_date");
    let k_ps = pos(COLS, "period_start");
    let k_pe = pos(COLS, "period_end");
    let k_addicts = pos(COLS, "addicts_with_records");
    let k_in_comm = pos(COLS, "addicts_in_community");
    let by_location: Vec<usize> = [
        "addicts_in_community",
        "addicts_in_compulsory_rehab",
        "addicts_in_voluntary_facility",
        "addicts_in_community_rehab",
        "addicts_in_detention",
    ]
    .iter()
    .map(|n| pos(COLS, n))
    .collect();
    let k_users = pos(COLS, "illegal_users_with_records");
    let k_not_exempt = pos(COLS, "residents_using_not_exempt");
    let k_area = pos(COLS, "plants_destroyed_area_m2");
    let k_count = pos(COLS, "plants_destroyed_count");
    let k_pcases = pos(COLS, "plant_cases");

    let mut seen: HashMap<(i64, i64), u64> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for mut row in rows {
        progress.inc(1);
        let line = row.line;
        let col = |k: usize| row.columns[k];
        let (Some(code), Some(year)) = (row.text(k_code).map(str::to_string), row.int(k_year)) else {
            continue; // typed rows always carry required fields; defensive
        };
        // The assessment period of the year's rule set (Decision 28/2025: 15/12 of the year
        // before to 14/12), unless the file says otherwise; figures without a reference date
        // are taken as of the period's end.
        let period = rules.for_year(None, year as i32).map_or(crate::rules::Period::CALENDAR, |s| s.period());
        let (default_start, default_end) = period.of(year as i32);
        let reference = row.date(k_ref).unwrap_or(default_end);
        row.values[k_ref] = date_value(reference);
        let mut ok = true;
        if i64::from(reference.year()) != year {
            rep.at(line, col(k_ref), format!("reference_date {reference} is not in year {year}"));
            ok = false;
        }
        let ps = row.date(k_ps).unwrap_or(default_start);
        let pe = row.date(k_pe).unwrap_or(default_end);
        if pe < ps {
            rep.at(line, col(k_pe), format!("period_end {pe} is before period_start {ps}"));
            ok = false;
        }
        row.values[k_ps] = date_value(ps);
        row.values[k_pe] = date_value(pe);

        let addicts = row.int(k_addicts).unwrap_or(0);
        if let Some(c) = row.int(k_in_comm)
            && c > addicts
        {
            rep.at(
                line,
                col(k_in_comm),
                format!("addicts_in_community ({c}) exceeds addicts_with_records ({addicts})"),
            );
            ok = false;
        }
        let with_records = addicts + row.int(k_users).unwrap_or(0);
        if let Some(n) = row.int(k_not_exempt)
            && n > with_records
        {
            rep.at(
                line,
                col(k_not_exempt),
                format!(
                    "residents_using_not_exempt ({n}) exceeds addicts_with_records + illegal_users_with_records ({with_records}): \
                     they are some of the people with records"
                ),
            );
            ok = false;
        }
        let located: i64 = by_location.iter().filter_map(|k| row.int(*k)).sum();
        if located > addicts {
            let first = by_location.iter().find(|k| !row.is_null(**k)).copied().unwrap_or(k_addicts);
            rep.at(
                line,
                col(first),
                format!(
                    "addicts by location (community + compulsory + voluntary + community rehab + detention = {located}) \
                     exceed addicts_with_records ({addicts})"
                ),
            );
            ok = false;
        }
        let area = row.float(k_area).unwrap_or(0.0);
        if area > 0.0
            && let Some(0) = row.int(k_pcases)
        {
            rep.at(line, col(k_pcases), format!("plants_destroyed_area_m2 is {area} but plant_cases is 0"));
            ok = false;
        }
        if row.int(k_count).unwrap_or(0) > 0
            && let Some(0) = row.int(k_pcases)
        {
            rep.at(line, col(k_pcases), "plants_destroyed_count is above 0 but plant_cases is 0");
            ok = false;
        }

        let unit_id = match units.resolve(&code, reference) {
            Ok(u) => u.unit_id,
            Err(reason) => {
                rep.at(line, col(k_code), reason);
                continue;
            }
        };
        if under_review.contains(&(unit_id, year)) {
            rep.at(
                line,
                col(k_code),
                format!("commune '{code}', year {year} is under review in the atlas (submitted by its commune): the province's reviewer accepts or returns it first"),
            );
            ok = false;
        }
        if let Some(first) = seen.insert((unit_id, year), line) {
            rep.at(
                line,
                col(k_code),
                format!("duplicate row for unit '{code}', year {year} (first on line {first})"),
            );
            ok = false;
        }
        if ok {
            out.push(Checked { unit_id, row });
        }
    }
    out
}
