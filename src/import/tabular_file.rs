//! Reading tabular input — CSV, Parquet (through DuckDB) or a spreadsheet ([`super::sheet`]) —
//! into typed rows, with every problem located by line and column (by cell in a sheet).
//! Headers are matched through the alias tables ([`super::aliases`]) and `--map`; values the
//! file does not carry come from flags (`--year`, `--province`) or defaults (source = the file
//! name); communes named instead of coded are resolved by [`super::names`]. Kind-specific checks
//! happen in the importers on top of this.

use duckdb::Connection;
use duckdb::types::Value;

use super::aliases::{self, Aliases};
use super::columns::{ColumnSpec, Ty};
use super::{Input, Reporter, TableOptions};
use crate::error::{Error, Result};
use crate::text::key;

/// One data line of the input: its 1-based line number and raw fields (empty → `None`).
pub struct Record {
    pub line: u64,
    pub fields: Vec<Option<String>>,
}

/// A file's header and records, before typing.
pub struct RawTable {
    /// Each column's header as shown to people (a two-row header as "group › sub").
    pub header: Vec<String>,
    /// Each column's labels to match, in order (one for a CSV header; a two-row header tries
    /// "group sub", then "sub").
    pub candidates: Vec<Vec<String>>,
    /// 1-based line of the header (for problems about columns).
    pub header_line: u64,
    pub records: Vec<Record>,
    /// What reading did that the summary should say (sheet, header rows, skipped totals rows).
    pub notes: Vec<String>,
}

impl RawTable {
    /// A table with no header and no records (after a fatal problem).
    pub fn empty() -> RawTable {
        RawTable { header: Vec::new(), candidates: Vec::new(), header_line: 0, records: Vec::new(), notes: Vec::new() }
    }
    fn with_header(header: Vec<String>, header_line: u64, records: Vec<Record>) -> RawTable {
        let candidates = header.iter().map(|h| if h.is_empty() { Vec::new() } else { vec![h.clone()] }).collect();
        RawTable { header, candidates, header_line, records, notes: Vec::new() }
    }
    /// Add a column holding `value` on every record; returns its index.
    fn add_column(&mut self, name: &str, value: impl Fn(&Record) -> Option<String>) -> usize {
        self.header.push(name.to_string());
        self.candidates.push(Vec::new());
        for r in &mut self.records {
            let v = value(r);
            r.fields.push(v);
        }
        self.header.len() - 1
    }
}

/// Does this text read as a number or a date (a data cell, not a header)?
pub fn looks_numeric(t: &str) -> bool {
    t.parse::<f64>().is_ok() || parse_date(t).is_some()
}

fn detect_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| first.iter().filter(|b| **b == d).count();
    let (c, s, t) = (count(b','), count(b';'), count(b'\t'));
    if s > c && s >= t {
        b';'
    } else if t > c && t > s {
        b'\t'
    } else {
        b','
    }
}

/// Parse CSV bytes (UTF-8, optional BOM; comma, semicolon or tab separated — detected from the
/// header). Structural problems are reported and the offending lines skipped.
pub fn read_csv(bytes: &[u8], rep: &mut Reporter) -> RawTable {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(bytes))
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut header = Vec::new();
    let mut header_line = 1;
    let mut records = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rep.fatal(line, 0, format!("unreadable CSV: {e}"));
                // csv cannot resynchronise reliably after a structural error.
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // blank line
        }
        let mut fields = Vec::with_capacity(record.len());
        let mut bad_utf8 = None;
        for (i, f) in record.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(s) => {
                    let s = s.trim();
                    fields.push(if s.is_empty() { None } else { Some(s.to_string()) });
                }
                Err(_) => {
                    bad_utf8.get_or_insert(i);
                    fields.push(None);
                }
            }
        }
        if let Some(i) = bad_utf8 {
            rep.at(line, i as u64 + 1, "not valid UTF-8 text; save the file as UTF-8 (CSV UTF-8 in Excel)");
            continue;
        }
        if header.is_empty() {
            header = fields.into_iter().map(|f| f.unwrap_or_default()).collect();
            header_line = line;
            continue;
        }
        if fields.len() != header.len() {
            rep.at(
                line,
                fields.len().min(header.len()) as u64 + 1,
                format!("this line has {} fields but the header has {}", fields.len(), header.len()),
            );
            continue;
        }
        records.push(Record { line, fields });
    }
    if header.is_empty() {
        rep.fatal(1, 0, "the file is empty: expected a header line and data lines");
    }
    RawTable::with_header(header, header_line, records)
}

/// Read a Parquet file through DuckDB; values are turned into text and typed like CSV fields, so
/// the same checks apply. "Line" means row number (1-based) in problems.
pub fn read_parquet(conn: &Connection, path: &std::path::Path) -> Result<RawTable> {
    let ctx = format!("reading Parquet file {}", path.display());
    let mut stmt = conn.prepare(include_str!("sql/read_parquet.sql")).map_err(Error::store(ctx.clone()))?;
    let path_text = path.to_string_lossy().to_string();
    let mut rows = stmt.query([&path_text]).map_err(Error::store(ctx.clone()))?;
    let header = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let n = header.len();
    let mut records = Vec::new();
    let mut line = 0;
    while let Some(r) = rows.next().map_err(Error::store(ctx.clone()))? {
        line += 1;
        let mut fields = Vec::with_capacity(n);
        for i in 0..n {
            let v: Value = r.get(i).map_err(Error::store(ctx.clone()))?;
            fields.push(match crate::store::tabular::to_json(v) {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) if s.trim().is_empty() => None,
                serde_json::Value::String(s) => Some(s),
                other => Some(other.to_string()),
            });
        }
        records.push(Record { line, fields });
    }
    Ok(RawTable::with_header(header, 0, records))
}

/// Read `input` by its format: a spreadsheet (by extension or content), Parquet (by extension,
/// read from disk) or CSV.
pub fn read_any(conn: &Connection, input: &Input, specs: &[ColumnSpec], opts: &TableOptions, rep: &mut Reporter) -> Result<RawTable> {
    if input.name.to_ascii_lowercase().ends_with(".parquet") {
        let path = input.path.as_ref().ok_or_else(|| Error::InvalidArgument("Parquet input must be a file on disk".to_string()))?;
        return read_parquet(conn, path);
    }
    if super::sheet::is_spreadsheet(&input.name, &input.bytes) {
        let aliases = Aliases::embedded()?;
        let known = |label: &str| !resolve_label(aliases, specs, opts, label).is_empty() || aliases.is_ignored(label);
        return Ok(super::sheet::read(&input.bytes, opts.sheet.as_deref(), &known, rep));
    }
    Ok(read_csv(&input.bytes, rep))
}

/// What the columns of a file are, ready for typing, and what reading said.
pub struct Table {
    pub rows: Vec<TypedRow>,
    pub map: ColumnMap,
    pub notes: Vec<String>,
}

/// Read, map, complete (flags, defaults, commune names) and type a tabular file. Problems with
/// the header refuse the file here; row problems are left in `rep`.
pub fn read_typed(conn: &Connection, input: &Input, specs: &[ColumnSpec], opts: &TableOptions, rep: &mut Reporter) -> Result<Table> {
    let mut table = read_any(conn, input, specs, opts, rep)?;
    rep.check()?;
    let mut map = map_columns(specs, &table, opts, rep);
    complete(specs, &mut table, &mut map, opts, &input.name);
    missing_required(specs, &table, &map, rep);
    rep.check()?;
    if map.needs_names(specs) {
        super::names::fill_codes(conn, specs, &mut table, &mut map, opts, rep)?;
    }
    let rows = type_rows(specs, &table, &map, rep);
    Ok(Table { rows, map, notes: std::mem::take(&mut table.notes) })
}

/// Fill columns the file lacks from flags and defaults: `--year` (year, year_covered),
/// `--province` (province_code of province-level files), the file name (source_ref).
pub fn complete(specs: &[ColumnSpec], table: &mut RawTable, map: &mut ColumnMap, opts: &TableOptions, file: &str) {
    let base = std::path::Path::new(file).file_name().map_or(file.to_string(), |f| f.to_string_lossy().to_string());
    for (k, spec) in specs.iter().enumerate() {
        if map.index[k].is_some() {
            continue;
        }
        let value = match spec.name {
            "year" | "year_covered" => opts.year.map(|y| y.to_string()),
            "province_code" => opts.province.clone(),
            "source_ref" => Some(base.clone()),
            _ => None,
        };
        if let Some(v) = value {
            let i = table.add_column(spec.name, |_| Some(v.clone()));
            map.index[k] = Some(i);
            map.shown[k] = 0;
            map.filled.push(format!("{} = {v}", spec.name));
        }
    }
    if !map.filled.is_empty() {
        table.notes.push(format!("not in the file, so for every row: {}", map.filled.join("; ")));
    }
}

/// Where each expected column sits in the file's header.
pub struct ColumnMap {
    /// For each spec, the 0-based field index, if the column is present.
    pub index: Vec<Option<usize>>,
    /// For each spec, the 1-based column shown in problems (0: not in the file — a flag or a
    /// default filled it).
    pub shown: Vec<u64>,
    /// Columns that locate a commune by name: unit_name, province, district.
    pub name: Option<usize>,
    pub province: Option<usize>,
    pub district: Option<usize>,
    /// Values filled from flags and defaults ("year = 2025"), for the summary.
    pub filled: Vec<String>,
    /// Columns suggested for an unknown header (not reported missing as well).
    pub suggested: Vec<String>,
    /// File columns whose header is unknown.
    pub unknown: Vec<usize>,
}

impl ColumnMap {
    /// Does the file have the column of spec `k`?
    pub fn has(&self, k: usize) -> bool {
        self.index.get(k).is_some_and(Option::is_some)
    }
    /// The key file column `i` maps to: a spec, a locator, "-" when ignored, `None` when unknown.
    pub fn key_of(&self, specs: &[ColumnSpec], i: usize) -> Option<String> {
        if let Some(k) = self.index.iter().position(|x| *x == Some(i)) {
            return Some(specs[k].name.to_string());
        }
        for (loc, at) in [("unit_name", self.name), ("province", self.province), ("district", self.district)] {
            if at == Some(i) {
                return Some(loc.to_string());
            }
        }
        if self.unknown.contains(&i) {
            return None;
        }
        Some("-".to_string())
    }
    /// The file names its communes instead of coding them.
    pub fn needs_names(&self, specs: &[ColumnSpec]) -> bool {
        specs.iter().position(|s| s.name == "unit_code").is_some_and(|k| self.index[k].is_none()) && self.name.is_some()
    }
}

/// Columns that locate a commune by name; only for files whose rows are communes.
const LOCATORS: [&str; 3] = ["unit_name", "province", "district"];

/// The keys a header label may mean for this import: its spec columns (preferred), then the
/// locators. `--map` entries come first.
fn resolve_label(aliases: &Aliases, specs: &[ColumnSpec], opts: &TableOptions, label: &str) -> Vec<String> {
    let k = key(label);
    if let Some((_, to)) = opts.map.iter().find(|(from, _)| key(from) == k) {
        return vec![if to.is_empty() { "-".to_string() } else { to.clone() }];
    }
    let commune_rows = specs.iter().any(|s| s.name == "unit_code");
    let mut out: Vec<String> = specs
        .iter()
        .filter(|s| key(s.name) == k)
        .map(|s| s.name.to_string())
        .collect();
    for col in aliases.columns_for(label) {
        let is_spec = specs.iter().any(|s| s.name == col);
        if is_spec && !out.contains(col) {
            out.push(col.clone());
        }
    }
    if commune_rows {
        for col in aliases.columns_for(label) {
            if LOCATORS.contains(&col.as_str()) && !out.contains(col) {
                out.push(col.clone());
            }
        }
    }
    out
}

/// Match the header against the specs (names, aliases, `--map`): unknown and duplicate columns
/// are problems. Missing required columns are checked after [`complete`] and name resolution.
pub fn map_columns(specs: &[ColumnSpec], table: &RawTable, opts: &TableOptions, rep: &mut Reporter) -> ColumnMap {
    let mut map = ColumnMap { index: vec![None; specs.len()], shown: vec![0; specs.len()], name: None, province: None, district: None, filled: Vec::new(), suggested: Vec::new(), unknown: Vec::new() };
    let Ok(aliases) = Aliases::embedded() else {
        rep.fatal(0, 0, "the embedded alias tables are damaged");
        return map;
    };
    for (from, to) in &opts.map {
        if !to.is_empty() && !specs.iter().any(|s| s.name == to) && !LOCATORS.contains(&to.as_str()) {
            let keys: Vec<&str> = specs.iter().map(|s| s.name).collect();
            rep.fatal(0, 0, format!("--map \"{from}={to}\": '{to}' is not a column of this import; use one of: {}", keys.join(", ")));
        }
    }
    let mut taken: Vec<(String, usize)> = Vec::new();
    for (i, labels) in table.candidates.iter().enumerate() {
        let shown = table.header.get(i).cloned().unwrap_or_default();
        if labels.is_empty() {
            continue; // a column without a header (blank, or added by us)
        }
        let found = labels.iter().find_map(|l| resolve_label(aliases, specs, opts, l).into_iter().next());
        let Some(col) = found else {
            if labels.iter().any(|l| aliases.is_ignored(l)) {
                continue;
            }
            let commune_rows = specs.iter().any(|s| s.name == "unit_code");
            let allowed = |c: &str| specs.iter().any(|s| s.name == c) || (commune_rows && LOCATORS.contains(&c));
            let near = aliases::closest(aliases, labels.last().map_or(&shown, |l| l), &allowed);
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", near.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(" or "))
            };
            // The column it probably is is not "missing" as well: one problem, not two.
            map.suggested.extend(near.into_iter().map(|(col, _)| col));
            map.unknown.push(i);
            rep.fatal(
                table.header_line,
                i as u64 + 1,
                format!(
                    "unknown column '{shown}'{hint}. Rename it, or map it with --map \"{shown}=KEY\" (--map \"{shown}=\" ignores it); \
                     `commune-atlas import --help` lists the columns"
                ),
            );
            continue;
        };
        if col == "-" {
            continue;
        }
        if let Some((_, first)) = taken.iter().find(|(c, _)| *c == col) {
            rep.fatal(
                table.header_line,
                i as u64 + 1,
                format!("column '{shown}' means {col}, like column {} ('{}'): keep one", first + 1, table.header.get(*first).map_or("", String::as_str)),
            );
            continue;
        }
        taken.push((col.clone(), i));
        match col.as_str() {
            "unit_name" => map.name = Some(i),
            "province" => map.province = Some(i),
            "district" => map.district = Some(i),
            _ => {
                if let Some(k) = specs.iter().position(|s| s.name == col) {
                    map.index[k] = Some(i);
                    map.shown[k] = i as u64 + 1;
                }
            }
        }
    }
    map
}

/// Required columns still missing after flags, defaults and name resolution.
pub fn missing_required(specs: &[ColumnSpec], table: &RawTable, map: &ColumnMap, rep: &mut Reporter) {
    for (k, spec) in specs.iter().enumerate() {
        let named = spec.name == "unit_code" && map.name.is_some();
        let suggested = map.suggested.iter().any(|c| c == spec.name);
        if spec.required && spec.default.is_none() && map.index[k].is_none() && !named && !suggested {
            let flag = match spec.name {
                "year" | "year_covered" => " (or give --year)",
                "province_code" => " (or give --province)",
                "unit_code" => " (or a commune name column such as 'Tên xã', with --province or a province column)",
                _ => "",
            };
            rep.fatal(table.header_line, 0, format!("missing required column '{}' ({}){flag}", spec.name, spec.meaning));
        }
    }
}

/// A record typed according to the specs: one [`Value`] per spec (Null when absent).
pub struct TypedRow {
    pub line: u64,
    pub values: Vec<Value>,
    /// 1-based column of each spec in the file (0 when absent), for later problems.
    pub columns: Vec<u64>,
}

impl TypedRow {
    pub fn int(&self, k: usize) -> Option<i64> {
        match self.values[k] {
            Value::BigInt(v) => Some(v),
            _ => None,
        }
    }
    pub fn float(&self, k: usize) -> Option<f64> {
        match self.values[k] {
            Value::Double(v) => Some(v),
            Value::BigInt(v) => Some(v as f64),
            _ => None,
        }
    }
    pub fn text(&self, k: usize) -> Option<&str> {
        match &self.values[k] {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn date(&self, k: usize) -> Option<chrono::NaiveDate> {
        match self.values[k] {
            Value::Date32(d) => chrono::NaiveDate::from_num_days_from_ce_opt(d + EPOCH_DAYS_FROM_CE),
            _ => None,
        }
    }
    pub fn is_null(&self, k: usize) -> bool {
        matches!(self.values[k], Value::Null)
    }
}

/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Days since 1970-01-01, DuckDB's DATE representation.
pub fn date_value(d: chrono::NaiveDate) -> Value {
    Value::Date32(chrono::Datelike::num_days_from_ce(&d) - EPOCH_DAYS_FROM_CE)
}

/// Parse a date written as `YYYY-MM-DD`, `DD/MM/YYYY`, `DD-MM-YYYY` or `DD.MM.YYYY`.
pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"].iter().find_map(|f| chrono::NaiveDate::parse_from_str(s, f).ok())
}


/// Type every record; problems are reported and the row is dropped when any field is bad.
pub fn type_rows(specs: &[ColumnSpec], table: &RawTable, map: &ColumnMap, rep: &mut Reporter) -> Vec<TypedRow> {
    let mut out = Vec::with_capacity(table.records.len());
    for rec in &table.records {
        let mut ok = true;
        let mut values = Vec::with_capacity(specs.len());
        let mut columns = Vec::with_capacity(specs.len());
        for (k, spec) in specs.iter().enumerate() {
            let col = map.shown[k];
            columns.push(col);
            let raw = map.index[k].and_then(|i| rec.fields[i].as_deref()).or(spec.default);
            let Some(raw) = raw else {
                if spec.required {
                    rep.at(rec.line, col, format!("{}: required, but empty", spec.name));
                    ok = false;
                }
                values.push(Value::Null);
                continue;
            };
            match parse_field(spec, raw) {
                Ok(v) => values.push(v),
                Err(reason) => {
                    rep.at(rec.line, col, format!("{}: {reason}", spec.name));
                    ok = false;
                    values.push(Value::Null);
                }
            }
        }
        if ok {
            out.push(TypedRow { line: rec.line, values, columns });
        }
    }
    out
}

fn parse_field(spec: &ColumnSpec, raw: &str) -> Result<Value, String> {
    // A coded value written as people write it ("Liên tỉnh", "Loại II", "Có").
    let coded = |bool_column: bool| Aliases::embedded().ok().and_then(|a| a.value(spec.name, bool_column, raw));
    match &spec.ty {
        Ty::Int { min, max } => {
            let v: i64 = match raw.parse() {
                Ok(v) => v,
                Err(_) => {
                    // Parquet integers read as doubles print as "12.0"; accept exact integers.
                    match raw.parse::<f64>() {
                        Ok(f) if f.fract() == 0.0 && f.abs() < 9e15 => f as i64,
                        _ if raw.contains(['.', ',']) => {
                            return Err(format!(
                                "expected a whole number, got '{raw}' (write numbers without thousands separators)"
                            ));
                        }
                        _ => return Err(format!("expected a whole number, got '{raw}'")),
                    }
                }
            };
            if v < *min || v > *max {
                return Err(range_message(v as f64, *min as f64, *max as f64, raw));
            }
            Ok(Value::BigInt(v))
        }
        Ty::Float { min, max } => {
            let v: f64 = raw.parse().map_err(|_| {
                if raw.contains(',') {
                    format!("expected a number, got '{raw}' (use '.' as the decimal separator)")
                } else {
                    format!("expected a number, got '{raw}'")
                }
            })?;
            if !v.is_finite() {
                return Err(format!("expected a finite number, got '{raw}'"));
            }
            if v < *min || v > *max {
                return Err(range_message(v, *min, *max, raw));
            }
            Ok(Value::Double(v))
        }
        Ty::Date => parse_date(raw)
            .map(date_value)
            .ok_or_else(|| format!("expected a date as YYYY-MM-DD (or DD/MM/YYYY), got '{raw}'")),
        Ty::Text => Ok(Value::Text(raw.to_string())),
        Ty::Enum(allowed) => {
            if allowed.contains(&raw) {
                Ok(Value::Text(raw.to_string()))
            } else if let Some(v) = coded(false).filter(|v| allowed.contains(v)) {
                Ok(Value::Text(v.to_string()))
            } else {
                Err(format!("'{raw}' is not one of: {}", allowed.join(", ")))
            }
        }
        Ty::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Boolean(true)),
            "false" => Ok(Value::Boolean(false)),
            _ => match coded(true) {
                Some("true") => Ok(Value::Boolean(true)),
                Some("false") => Ok(Value::Boolean(false)),
                _ => Err(format!("expected true or false (Có / Không), got '{raw}'")),
            },
        },
    }
}

fn range_message(v: f64, min: f64, max: f64, raw: &str) -> String {
    if v < min {
        format!("must be at least {min}, got {raw}")
    } else {
        format!("must be at most {max}, got {raw}")
    }
}
