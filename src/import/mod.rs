//! Importing user files into the store: boundaries (GeoJSON), indicators (CSV, Parquet or a
//! spreadsheet), crosswalk, recognition events, quotas, province targets and province route
//! designations (CSV or a spreadsheet: XLSX, XLS, ODS). Headers may be Vietnamese or English
//! (`data/import/aliases.toml`) and communes may be named instead of coded.
//!
//! Every import follows the same shape: read the whole file, validate every row and collect the
//! problems as data ([`Problem`]: file, line, column — or for GeoJSON the feature — and reason),
//! and only when there are none write everything in **one DuckDB transaction** together with its
//! `import_log` row. A rejected file changes nothing but adds a `rejected` row to `import_log`; a
//! process killed mid-write leaves the store as it was, because DuckDB never persists an
//! uncommitted transaction.
//!
//! With `skip_invalid` (`--skip-invalid`), rows and features with problems are left out on
//! purpose: the rest is written, still all or nothing, each skipped one is listed in the report,
//! and `import_log` says `partial` with the count. Problems with the file itself (unreadable,
//! a header column missing) refuse it either way.

mod aliases;
mod boundaries;
mod columns;
mod crosswalk;
mod derived;
mod indicators;
mod json_position;
mod names;
mod progress;
mod recognitions;
mod routes;
mod sheet;
mod tabular_file;
mod targets;
mod template;
mod units;
mod vector;
mod write;

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use duckdb::{Connection, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::Store;

pub use aliases::Aliases;
pub use boundaries::{BoundaryOptions, PropertyNames};
pub use sheet::column_letters;
pub use columns::{ColumnSpec, INDICATOR_COLUMNS, Ty};
pub use tabular_file::{date_value, parse_date};
pub use crosswalk::CrosswalkOptions;

/// How many problems a rejection message lists before summarising the rest.
pub const PROBLEMS_SHOWN: usize = 50;

/// One thing wrong with an input file, located as precisely as the format allows.
/// Lines and columns are 1-based; column 0 means "the whole line/feature".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub column: u64,
    /// In a GeoJSON file, the feature (1-based): what a person can find, where a line and column
    /// of a one-line file are not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<u64>,
    /// In a spreadsheet, the sheet; `line` is then the row and `column` the column number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// In a spreadsheet, the cell as Excel names it ("F12").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// In a submitted review form, the figure (indicator column) the problem is with, so the form
    /// shows it beside that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.field {
            return write!(f, "{}: {field}: {}", self.file, self.reason);
        }
        match (self.feature, &self.sheet, &self.cell) {
            (Some(n), _, _) => write!(f, "{}: feature {}: {}", self.file, crate::text::thousands(n), self.reason),
            (None, Some(sheet), Some(cell)) => write!(f, "{}:{sheet}!{cell}: {}", self.file, self.reason),
            (None, Some(sheet), None) if self.line > 0 => write!(f, "{}:{sheet}!row {}: {}", self.file, self.line, self.reason),
            (None, Some(sheet), None) => write!(f, "{}:{sheet}: {}", self.file, self.reason),
            (None, None, _) => write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.reason),
        }
    }
}

/// Every problem found in one file (the first [`Problems::KEPT`] in full) and the total count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Problems {
    pub items: Vec<Problem>,
    pub total: usize,
    /// Every problem is with a row or feature (none with the file itself): `--skip-invalid` would
    /// import the rest.
    pub skippable: bool,
}

impl Problems {
    /// Problems kept in full; beyond this only the count grows.
    pub const KEPT: usize = 10_000;

    pub fn push(&mut self, p: Problem) {
        self.total += 1;
        if self.items.len() < Self::KEPT {
            self.items.push(p);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Turn collected problems into a rejection, or `Ok(())` if there are none.
    pub fn into_result(self) -> Result<()> {
        if self.is_empty() { Ok(()) } else { Err(Error::Rejected(self)) }
    }

    /// Sort by position so the message reads top to bottom.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| (a.feature, a.line, a.column).cmp(&(b.feature, b.line, b.column)));
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.items.first().map(|p| p.file.as_str()).unwrap_or("input");
        writeln!(
            f,
            "{file}: rejected, {} problem{} found; nothing was imported",
            self.total,
            if self.total == 1 { "" } else { "s" }
        )?;
        for p in self.items.iter().take(PROBLEMS_SHOWN) {
            writeln!(f, "  {p}")?;
        }
        if self.total > PROBLEMS_SHOWN {
            writeln!(f, "  … and {} more (first {PROBLEMS_SHOWN} shown)", self.total - PROBLEMS_SHOWN)?;
        }
        if self.skippable {
            writeln!(
                f,
                "Fix them and import again, or re-run with --skip-invalid (skip_invalid=true over HTTP) to import the \
                 valid rows and list the skipped ones."
            )?;
        }
        Ok(())
    }
}

/// Collects problems for one file, knowing its display name.
pub(crate) struct Reporter {
    pub file: String,
    /// The sheet being read, for spreadsheets (problems then name cells).
    pub sheet: Option<String>,
    pub problems: Problems,
    /// Leave out rows with problems instead of refusing the file.
    skip_invalid: bool,
    /// Problems with the file itself, which refuse it even when skipping.
    fatal: usize,
}

impl Reporter {
    pub fn new(file: impl Into<String>) -> Self {
        Reporter { file: file.into(), sheet: None, problems: Problems::default(), skip_invalid: false, fatal: 0 }
    }
    /// Skip rows with problems (`--skip-invalid`) when `on`.
    pub fn skipping(mut self, on: bool) -> Self {
        self.skip_invalid = on;
        self
    }
    /// A problem with one row: the row is left out.
    pub fn at(&mut self, line: u64, column: u64, reason: impl Into<String>) {
        let cell = self.sheet.as_ref().filter(|_| line > 0 && column > 0).map(|_| format!("{}{line}", sheet::column_letters(column)));
        self.problems.push(Problem { file: self.file.clone(), line, column, feature: None, sheet: self.sheet.clone(), cell, field: None, reason: reason.into() });
    }
    /// A problem with one GeoJSON feature (1-based `feature`; `line`/`column` where it starts).
    pub fn at_feature(&mut self, feature: u64, line: u64, column: u64, reason: impl Into<String>) {
        self.problems.push(Problem { file: self.file.clone(), line, column, feature: Some(feature), sheet: None, cell: None, field: None, reason: reason.into() });
    }
    /// A problem with the file as a whole (unreadable, a required column missing): it is refused
    /// even when skipping.
    pub fn fatal(&mut self, line: u64, column: u64, reason: impl Into<String>) {
        self.fatal += 1;
        self.at(line, column, reason);
    }
    /// Fail with every problem collected so far, if there are any. When skipping, only a
    /// problem with the file itself fails; the others stay for [`Reporter::skipped`].
    pub fn check(&mut self) -> Result<()> {
        if self.skip_invalid && self.fatal == 0 {
            return Ok(());
        }
        let mut problems = std::mem::take(&mut self.problems);
        problems.skippable = self.fatal == 0;
        problems.sort();
        problems.into_result()
    }
    /// Was a problem with the file itself found?
    pub fn has_fatal(&self) -> bool {
        self.fatal > 0
    }
    /// Take over the problems another reporter of the same file collected (work done in
    /// parallel).
    pub fn absorb(&mut self, other: Reporter) {
        self.fatal += other.fatal;
        let extra = other.problems.total - other.problems.items.len();
        for p in other.problems.items {
            self.problems.push(p);
        }
        self.problems.total += extra;
    }
    /// The rows left out (when skipping), sorted.
    pub fn skipped(&mut self) -> Problems {
        let mut problems = std::mem::take(&mut self.problems);
        problems.skippable = true;
        problems.sort();
        problems
    }
}

crate::vocabulary! {
    /// The kinds of file `import` understands.
    pub enum Kind ("import kind") {
        Boundaries = "boundaries", Indicators = "indicators", Crosswalk = "crosswalk", Recognitions = "recognitions",
        Quotas = "quotas", Targets = "targets", Routes = "routes", ProvinceRoutes = "province_routes",
    }
}

/// Options every import shares.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Replace rows that already exist (same keys) instead of refusing.
    pub replace: bool,
    /// Who runs the import, recorded in `import_log`.
    pub actor: String,
    /// Draw progress bars on stderr for work that takes more than a second.
    pub progress: bool,
    /// Import the valid rows and list the others, instead of refusing the file.
    pub skip_invalid: bool,
    /// How to read a tabular file: sheet, values from flags, header mapping.
    pub table: TableOptions,
    /// Validate and write everything, then roll back: what an import would do, nothing kept
    /// (nor logged).
    pub dry_run: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { replace: false, actor: "unknown".into(), progress: false, skip_invalid: false, table: TableOptions::default(), dry_run: false }
    }
}

/// How to read a tabular file (CSV, Parquet, spreadsheet), beyond what it says itself.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// The sheet of a workbook, by name or 1-based number (default: the first with a
    /// recognisable header).
    pub sheet: Option<String>,
    /// The year (or year covered) for every row of a file without a year column.
    pub year: Option<i64>,
    /// The province (code or name) of a file that names communes without a province column, or
    /// of a province-level file without a province_code column.
    pub province: Option<String>,
    /// One-off header mappings: (header in the file, column key); an empty key ignores the
    /// column.
    pub map: Vec<(String, String)>,
}

impl TableOptions {
    /// Parse `--map "Header=key"`.
    pub fn parse_map(s: &str) -> std::result::Result<(String, String), String> {
        match s.rsplit_once('=') {
            Some((from, to)) if !from.trim().is_empty() => Ok((from.trim().to_string(), to.trim().to_string())),
            _ => Err(format!("expected \"Header in the file=column_key\" (or \"Header=\" to ignore it), got '{s}'")),
        }
    }
}

impl ImportOptions {
    /// A reporter for `file` that skips invalid rows when these options say so.
    pub(crate) fn reporter(&self, file: &str) -> Reporter {
        Reporter::new(file).skipping(self.skip_invalid)
    }
}

/// What an accepted import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub kind: Kind,
    pub file: String,
    /// Rows (features for boundaries) written.
    pub rows: u64,
    /// Existing rows replaced (with `--replace`).
    pub replaced: u64,
    /// Things worth telling the user, e.g. repaired units.
    pub notes: Vec<String>,
    /// Rows or features left out with `skip_invalid`, each with its reason.
    pub skipped: Problems,
    #[serde(with = "secs")]
    pub elapsed: Duration,
    /// A dry run: everything was checked and written, then rolled back.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

mod secs {
    use serde::Serializer;
    pub fn serialize<S: Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "imported {} {} from {} in {:.2} s ({:.0} rows/s)",
            self.rows,
            self.kind.as_str(),
            self.file,
            secs,
            self.rows as f64 / secs.max(1e-9)
        )?;
        if self.replaced > 0 {
            write!(f, ", replacing {} existing", self.replaced)?;
        }
        if self.dry_run {
            write!(f, " — dry run, rolled back")?;
        }
        if self.skipped.total > 0 {
            write!(f, "; skipped {} invalid:", self.skipped.total)?;
            for p in self.skipped.items.iter().take(PROBLEMS_SHOWN) {
                write!(f, "\n  {p}")?;
            }
            if self.skipped.total > PROBLEMS_SHOWN {
                write!(f, "\n  … and {} more (all in the JSON report and import_log)", self.skipped.total - PROBLEMS_SHOWN)?;
            }
        }
        Ok(())
    }
}

/// What a kind-specific importer hands back after writing inside the transaction.
pub(crate) struct Written {
    pub rows: u64,
    pub replaced: u64,
    pub notes: Vec<String>,
    /// What was left out with `skip_invalid`.
    pub skipped: Problems,
}

impl Written {
    /// `rows` written, `replaced` of them replacing, the reporter's skipped rows.
    pub fn new(rows: u64, replaced: u64, notes: Vec<String>, rep: &mut Reporter) -> Written {
        Written { rows, replaced, notes, skipped: rep.skipped() }
    }
}

/// Input bytes with the name used in messages.
pub struct Input<'a> {
    /// Shown in problems and recorded in `import_log` (usually the path as given).
    pub name: String,
    pub bytes: std::borrow::Cow<'a, [u8]>,
    /// The file on disk, when there is one (Parquet is read by DuckDB from the path).
    pub path: Option<std::path::PathBuf>,
}

impl<'a> Input<'a> {
    /// Read a whole file.
    pub fn from_path(path: &Path) -> Result<Input<'static>> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        Ok(Input { name: path.display().to_string(), bytes: bytes.into(), path: Some(path.to_path_buf()) })
    }
    /// Bytes already in memory (embedded demo data, uploads).
    pub fn from_bytes(name: impl Into<String>, bytes: &'a [u8]) -> Input<'a> {
        Input { name: name.into(), bytes: bytes.into(), path: None }
    }
    fn sha256(&self) -> String {
        Sha256::digest(&self.bytes).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Run one import: validate, then write in a single transaction with its log row; on rejection
/// or failure, roll back and log the outcome in a transaction of its own.
pub(crate) fn run<F>(store: &Store, kind: Kind, input: &Input, opts: &ImportOptions, work: F) -> Result<ImportReport>
where
    F: FnOnce(&Connection) -> Result<Written>,
{
    let started = chrono::Utc::now().naive_utc();
    let clock = Instant::now();
    let sha = input.sha256();
    let conn = store.connect()?;
    let mut checked: Option<Written> = None;
    let outcome = crate::store::transaction(&conn, "importing", |conn| {
        let w = work(conn)?;
        if opts.dry_run {
            // Everything was validated and written: roll it back.
            checked = Some(w);
            return Err(Error::Refused("dry run".into()));
        }
        if w.skipped.total > 0 {
            let summary = summarize(&w.skipped);
            log(conn, kind, input, &sha, started, (w.rows, w.skipped.total as u64), "partial", Some(&summary), &opts.actor)?;
        } else {
            log(conn, kind, input, &sha, started, (w.rows, 0), "accepted", None, &opts.actor)?;
        }
        // The stored classification no longer matches the data: whoever opens the store next
        // refreshes it, even if this process dies before its own refresh.
        crate::store::delete_meta(conn, "rules_digest")?;
        tracing::debug!(kind = kind.as_str(), file = %input.name, rows = w.rows, "committing");
        Ok(w)
    });
    let report = |w: Written, dry_run: bool| ImportReport {
        kind,
        file: input.name.clone(),
        rows: w.rows,
        replaced: w.replaced,
        notes: w.notes,
        skipped: w.skipped,
        elapsed: clock.elapsed(),
        dry_run,
    };
    if let Some(w) = checked {
        return Ok(report(w, true));
    }
    match outcome {
        Ok(w) => Ok(report(w, false)),
        Err(err) if opts.dry_run => Err(err),
        Err(err) => {
            let (result, summary) = match &err {
                Error::Rejected(p) => ("rejected", summarize(p)),
                Error::Refused(m) => ("rejected", m.clone()),
                other => ("failed", other.to_string()),
            };
            // Best effort: the import already failed; a failure to log it must not hide why.
            if let Err(e) = log(&conn, kind, input, &sha, started, (0, 0), result, Some(&summary), &opts.actor) {
                tracing::warn!("could not record the failed import in import_log: {e}");
            }
            Err(err)
        }
    }
}

fn summarize(p: &Problems) -> String {
    let mut s = format!("{} problem(s)", p.total);
    for item in p.items.iter().take(5) {
        s.push_str("; ");
        s.push_str(&item.to_string());
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn log(
    conn: &Connection,
    kind: Kind,
    input: &Input,
    sha: &str,
    started: chrono::NaiveDateTime,
    (rows, skipped): (u64, u64),
    outcome: &str,
    summary: Option<&str>,
    actor: &str,
) -> Result<()> {
    let finished = chrono::Utc::now().naive_utc();
    conn.execute(
        include_str!("sql/import_log_insert.sql"),
        params![kind.as_str(), input.name, sha, started, finished, rows as i64, skipped as i64, outcome, summary, actor],
    )
    .map(|_| ())
    .map_err(Error::store("writing import_log"))
}

pub use boundaries::{check_geojson, import_boundaries};
pub use vector::{VectorOptions, is_vector};

/// One column of a file as the import reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewColumn {
    /// The header as written (a two-row header as "group › sub").
    pub header: String,
    /// The column key it maps to; `None` when unknown (see the problems), `"-"` when ignored.
    pub key: Option<String>,
}

/// A column key an import accepts, with its Vietnamese header (for choosing a mapping).
#[derive(Debug, Clone, Serialize)]
pub struct PreviewKey {
    pub key: &'static str,
    pub vi: Option<String>,
    pub required: bool,
}

/// What a tabular file will be read as, before anything is checked against the store: its
/// columns and their keys, the first rows as they will be stored, header problems.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub kind: Kind,
    pub file: String,
    pub sheet: Option<String>,
    pub columns: Vec<PreviewColumn>,
    pub keys: Vec<PreviewKey>,
    /// The first rows, typed, keyed by column.
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    pub total_rows: usize,
    pub notes: Vec<String>,
    /// Problems with the header (unknown or missing columns) and with the rows shown.
    pub problems: Problems,
}

fn specs_of(kind: Kind) -> Result<&'static [ColumnSpec]> {
    Ok(match kind {
        Kind::Indicators => columns::INDICATOR_COLUMNS,
        Kind::Crosswalk => columns::CROSSWALK_COLUMNS,
        Kind::Recognitions => columns::RECOGNITION_COLUMNS,
        Kind::Quotas => columns::QUOTA_COLUMNS,
        Kind::Targets => columns::TARGET_COLUMNS,
        Kind::ProvinceRoutes => columns::PROVINCE_ROUTE_COLUMNS,
        Kind::Boundaries | Kind::Routes => return Err(Error::InvalidArgument(format!("{kind} files are not tables: there is no column preview"))),
    })
}

/// Read a tabular file as `import` would and show its columns and first rows (nothing written).
pub fn preview(store: &Store, kind: Kind, input: &Input, opts: &ImportOptions) -> Result<Preview> {
    const SHOWN: usize = 10;
    let specs = specs_of(kind)?;
    let conn = store.connect()?;
    let mut rep = Reporter::new(&input.name).skipping(true);
    let mut table = tabular_file::read_any(&conn, input, specs, &opts.table, &mut rep)?;
    let mut map = tabular_file::map_columns(specs, &table, &opts.table, &mut rep);
    let columns = (0..table.header.len())
        .map(|i| PreviewColumn { header: table.header[i].clone(), key: map.key_of(specs, i) })
        .collect();
    let aliases = Aliases::embedded()?;
    let mut keys: Vec<PreviewKey> = specs.iter().map(|s| PreviewKey { key: s.name, vi: aliases.vietnamese(s.name).map(String::from), required: s.required && s.default.is_none() }).collect();
    if specs.iter().any(|s| s.name == "unit_code") {
        keys.extend(["unit_name", "province", "district"].map(|k| PreviewKey { key: k, vi: aliases.vietnamese(k).map(String::from), required: false }));
    }
    let total_rows = table.records.len();
    let mut rows = Vec::new();
    tabular_file::complete(specs, &mut table, &mut map, &opts.table, &input.name);
    tabular_file::missing_required(specs, &table, &map, &mut rep);
    let fatal = rep.has_fatal();
    if !fatal {
        table.records.truncate(SHOWN);
        if map.needs_names(specs) {
            names::fill_codes(&conn, specs, &mut table, &mut map, &opts.table, &mut rep)?;
        }
        for row in tabular_file::type_rows(specs, &table, &map, &mut rep) {
            let mut m = serde_json::Map::new();
            m.insert("_row".into(), serde_json::json!(row.line));
            for (k, v) in row.values.into_iter().enumerate() {
                if !matches!(v, duckdb::types::Value::Null) {
                    m.insert(specs[k].name.to_string(), crate::store::tabular::to_json(v));
                }
            }
            rows.push(m);
        }
    }
    let mut problems = rep.skipped();
    problems.skippable = !fatal;
    Ok(Preview { kind, file: input.name.clone(), sheet: rep.sheet.clone(), columns, keys, rows, total_rows, notes: std::mem::take(&mut table.notes), problems })
}

/// Import a boundary file in any format the atlas reads: GeoJSON (WGS84) as it is; a Shapefile
/// (`.shp` beside its `.dbf`/`.prj`/`.cpg`, or a `.zip`) or a GeoPackage in any CRS of
/// [`crate::geo::crs`], converted to WGS84 first (said in the report's notes).
pub fn import_boundary_file(store: &Store, input: &Input, b: &BoundaryOptions, v: &VectorOptions, opts: &ImportOptions) -> Result<ImportReport> {
    if !vector::is_vector(&input.name, &input.bytes) {
        if v.crs.as_ref().is_some_and(|c| *c != crate::geo::crs::Crs::WGS84) {
            return Err(Error::InvalidArgument(format!("{}: GeoJSON is WGS 84 (RFC 7946); --crs applies to Shapefiles and GeoPackages", input.name)));
        }
        return import_boundaries(store, input, b, opts);
    }
    let converted = vector::to_geojson(input, v)?;
    let geo = Input { name: input.name.clone(), bytes: converted.geojson.into_bytes().into(), path: None };
    let mut report = import_boundaries(store, &geo, b, opts)?;
    let mut notes = converted.notes;
    notes.append(&mut report.notes);
    report.notes = notes;
    Ok(report)
}
pub use crosswalk::import_crosswalk;
pub use indicators::{check_csv as check_indicators_csv, import_indicators, import_indicators_during};
pub use recognitions::import_recognitions;
pub use routes::import_routes;
pub use targets::{import_province_routes, import_quotas, import_targets};
pub use template::{Template, indicators as indicators_template};
