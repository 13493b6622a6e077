//! Reading tabular input (CSV, or Parquet through DuckDB) into typed rows, with every problem
//! located by line and column. Kind-specific checks happen in the importers on top of this.

use duckdb::Connection;
use duckdb::types::Value;

use super::Reporter;
use super::columns::{ColumnSpec, Ty};
use crate::error::{Error, Result};

/// One data line of the input: its 1-based line number and raw fields (empty → `None`).
pub struct Record {
    pub line: u64,
    pub fields: Vec<Option<String>>,
}

/// A file's header and records, before typing.
pub struct RawTable {
    pub header: Vec<String>,
    /// 1-based line of the header (for problems about columns).
    pub header_line: u64,
    pub records: Vec<Record>,
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
    RawTable { header, header_line, records }
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
    Ok(RawTable { header, header_line: 0, records })
}

/// Where each expected column sits in the file's header.
pub struct ColumnMap {
    /// For each spec, the 0-based field index, if the column is present.
    pub index: Vec<Option<usize>>,
}

impl ColumnMap {
    /// Does the file have the column of spec `k`?
    pub fn has(&self, k: usize) -> bool {
        self.index.get(k).is_some_and(Option::is_some)
    }
}

/// Match the header against the specs: unknown and duplicate columns, and missing required ones,
/// are problems.
pub fn map_columns(specs: &[ColumnSpec], table: &RawTable, rep: &mut Reporter) -> ColumnMap {
    let mut index = vec![None; specs.len()];
    for (i, name) in table.header.iter().enumerate() {
        let key = name.trim().to_ascii_lowercase();
        let found = specs.iter().position(|s| s.name == key || s.aliases.contains(&key.as_str()));
        match found {
            Some(k) if index[k].is_some() => {
                rep.fatal(table.header_line, i as u64 + 1, format!("column '{}' appears twice", specs[k].name));
            }
            Some(k) => index[k] = Some(i),
            None => {
                let hint = suggest(&key, specs).map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default();
                rep.fatal(
                    table.header_line,
                    i as u64 + 1,
                    format!("unknown column '{name}'{hint}; see `commune-atlas import --help` for the expected columns"),
                );
            }
        }
    }
    for (k, spec) in specs.iter().enumerate() {
        if spec.required && spec.default.is_none() && index[k].is_none() {
            rep.fatal(table.header_line, 0, format!("missing required column '{}' ({})", spec.name, spec.meaning));
        }
    }
    ColumnMap { index }
}

fn suggest<'a>(key: &str, specs: &'a [ColumnSpec]) -> Option<&'a str> {
    specs
        .iter()
        .map(|s| (edit_distance(key, s.name), s.name))
        .filter(|(d, name)| *d <= 3.max(name.len() / 4))
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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

/// Parse a date written as `YYYY-MM-DD` or `DD/MM/YYYY`.
pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// Read a CSV file against `specs`: header problems stop here (returned as a rejection); row
/// problems are collected in `rep` and the good rows returned typed.
pub fn read_csv_typed(bytes: &[u8], specs: &[ColumnSpec], rep: &mut Reporter) -> Result<Vec<TypedRow>> {
    let table = read_csv(bytes, rep);
    let map = map_columns(specs, &table, rep);
    rep.check()?;
    Ok(type_rows(specs, &table, &map, rep))
}

/// Type every record; problems are reported and the row is dropped when any field is bad.
pub fn type_rows(specs: &[ColumnSpec], table: &RawTable, map: &ColumnMap, rep: &mut Reporter) -> Vec<TypedRow> {
    let mut out = Vec::with_capacity(table.records.len());
    for rec in &table.records {
        let mut ok = true;
        let mut values = Vec::with_capacity(specs.len());
        let mut columns = Vec::with_capacity(specs.len());
        for (k, spec) in specs.iter().enumerate() {
            let col = map.index[k].map_or(0, |i| i as u64 + 1);
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
            match parse_field(&spec.ty, raw) {
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

fn parse_field(ty: &Ty, raw: &str) -> Result<Value, String> {
    match ty {
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
            } else {
                Err(format!("'{raw}' is not one of: {}", allowed.join(", ")))
            }
        }
        Ty::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "co" | "có" => Ok(Value::Boolean(true)),
            "false" | "0" | "no" | "khong" | "không" => Ok(Value::Boolean(false)),
            _ => Err(format!("expected true or false, got '{raw}'")),
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
