//! Arbitrary query results as a table of DuckDB values: what `commune-atlas query` prints, what
//! the SQL API answers (as JSON, CSV or Parquet) and what saved queries return. Values keep their
//! DuckDB type (a `DECIMAL(18,3)` stays one), and each column carries its full SQL type name.

use duckdb::Connection;
use duckdb::core::{LogicalTypeHandle, LogicalTypeId};
use duckdb::types::{TimeUnit, Value};
use serde::Serialize;
use serde_json::Value as Json;

use crate::error::{Error, Result};

/// A result column: its name and DuckDB type as SQL spells it (`DECIMAL(18,3)`, `VARCHAR[]`).
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
}

/// A query result held in memory, at most `limit` rows. Serialises as
/// `{"columns": [{name, type}], "rows": [[JSON values]], "truncated": bool}`.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// More rows existed than the limit allowed.
    pub truncated: bool,
}

impl Table {
    /// The rows as JSON objects keyed by column name.
    pub fn into_objects(self) -> Vec<serde_json::Map<String, Json>> {
        let names: Vec<String> = self.columns.into_iter().map(|c| c.name).collect();
        self.rows.into_iter().map(|r| names.iter().cloned().zip(r.into_iter().map(to_json)).collect()).collect()
    }

    /// The index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Rows<'a>(&'a [Vec<Value>]);
        impl Serialize for Rows<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|r| r.iter().map(|v| to_json(v.clone())).collect::<Vec<_>>()))
            }
        }
        let mut st = s.serialize_struct("Table", 3)?;
        st.serialize_field("columns", &self.columns)?;
        st.serialize_field("rows", &Rows(&self.rows))?;
        st.serialize_field("truncated", &self.truncated)?;
        st.end()
    }
}

/// Run one statement and collect up to `limit` rows.
pub fn run(conn: &Connection, sql: &str, limit: usize) -> Result<Table> {
    run_params(conn, sql, &[], limit)
}

/// Run one statement with named parameters (`$name` in the SQL; given here without the `$`).
/// Parameters the statement does not use are ignored; a missing one is an error that names it.
pub fn run_params(conn: &Connection, sql: &str, params: &[(&str, &dyn duckdb::ToSql)], limit: usize) -> Result<Table> {
    let mut stmt = conn.prepare(sql).map_err(Error::store("preparing query"))?;
    let mut used: Vec<(&str, &dyn duckdb::ToSql)> = Vec::new();
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i).map_err(Error::store("reading query parameters"))?;
        let name = name.trim_start_matches('$').to_string();
        match params.iter().find(|(k, _)| k.trim_start_matches('$') == name) {
            Some((k, v)) => used.push((k.trim_start_matches('$'), *v)),
            None => return Err(Error::InvalidArgument(format!("the query needs parameter ${name}"))),
        }
    }
    let mut rows = stmt.query(used.as_slice()).map_err(Error::store("running query"))?;
    let (names, types) = {
        let s = rows.as_ref().ok_or_else(|| Error::InvalidArgument("the statement returned no result".into()))?;
        let n = s.column_count();
        let names = s.column_names();
        let types: Vec<String> = (0..n).map(|i| sql_type(&s.column_logical_type(i))).collect();
        (names, types)
    };
    let mut out = Vec::new();
    let mut truncated = false;
    while let Some(row) = rows.next().map_err(Error::store("reading query result"))? {
        if out.len() == limit {
            truncated = true;
            break;
        }
        let mut values = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            let v: Value = row.get(i).map_err(Error::store("reading query result"))?;
            values.push(v);
        }
        out.push(values);
    }
    let columns = names.into_iter().zip(types).map(|(name, data_type)| Column { name, data_type }).collect();
    Ok(Table { columns, rows: out, truncated })
}

/// DuckDB's SQL spelling of a result column's type, in full: `DECIMAL(18,3)`, `VARCHAR[]`,
/// `STRUCT("a" INTEGER, "b" VARCHAR)`, `MAP(VARCHAR, BIGINT)`.
pub fn sql_type(t: &LogicalTypeHandle) -> String {
    use LogicalTypeId as T;
    let name = match t.id() {
        T::Boolean => "BOOLEAN",
        T::Tinyint => "TINYINT",
        T::Smallint => "SMALLINT",
        T::Integer => "INTEGER",
        T::Bigint => "BIGINT",
        T::Hugeint => "HUGEINT",
        T::UTinyint => "UTINYINT",
        T::USmallint => "USMALLINT",
        T::UInteger => "UINTEGER",
        T::UBigint => "UBIGINT",
        T::Float => "FLOAT",
        T::Double => "DOUBLE",
        T::Decimal => return format!("DECIMAL({},{})", t.decimal_width(), t.decimal_scale()),
        T::Varchar => "VARCHAR",
        T::Blob => "BLOB",
        T::Date => "DATE",
        T::Time => "TIME",
        T::Timestamp => "TIMESTAMP",
        T::TimestampS => "TIMESTAMP_S",
        T::TimestampMs => "TIMESTAMP_MS",
        T::TimestampNs => "TIMESTAMP_NS",
        T::TimestampTZ => "TIMESTAMP WITH TIME ZONE",
        T::Interval => "INTERVAL",
        T::Uuid => "UUID",
        T::Enum => "ENUM",
        T::List => return format!("{}[]", sql_type(&t.child(0))),
        T::Struct => {
            let fields: Vec<String> =
                (0..t.num_children()).map(|i| format!("\"{}\" {}", t.child_name(i).replace('"', "\"\""), sql_type(&t.child(i)))).collect();
            return format!("STRUCT({})", fields.join(", "));
        }
        T::Map => return format!("MAP({}, {})", sql_type(&t.child(0)), sql_type(&t.child(1))),
        other => return format!("{other:?}").to_uppercase(),
    };
    name.to_string()
}

/// Convert a DuckDB value to JSON. Dates and timestamps become ISO-8601 strings; 128-bit integers
/// and decimals that do not fit a double exactly become strings.
pub fn to_json(v: Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Boolean(b) => Json::Bool(b),
        Value::TinyInt(i) => Json::from(i),
        Value::SmallInt(i) => Json::from(i),
        Value::Int(i) => Json::from(i),
        Value::BigInt(i) => Json::from(i),
        Value::UTinyInt(i) => Json::from(i),
        Value::USmallInt(i) => Json::from(i),
        Value::UInt(i) => Json::from(i),
        Value::UBigInt(i) => Json::from(i),
        Value::HugeInt(i) => i64::try_from(i).map(Json::from).unwrap_or_else(|_| Json::String(i.to_string())),
        Value::UHugeInt(i) => u64::try_from(i).map(Json::from).unwrap_or_else(|_| Json::String(i.to_string())),
        Value::Float(f) => float(f64::from(f)),
        Value::Double(f) => float(f),
        Value::Decimal(d) => {
            let s = d.to_string();
            s.parse::<f64>().ok().filter(|f| f.to_string() == s).map(float).unwrap_or(Json::String(s))
        }
        Value::Text(s) | Value::Enum(s) => Json::String(s),
        Value::Blob(b) | Value::Geometry(b) => Json::String(format!("\\x{}", hex(&b))),
        Value::Date32(days) => Json::String(
            chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
                .map(|d| d.to_string())
                .unwrap_or_else(|| days.to_string()),
        ),
        Value::Timestamp(unit, t) => {
            let micros = unit.to_micros(t);
            Json::String(
                chrono::DateTime::from_timestamp_micros(micros)
                    .map(|d| d.naive_utc().to_string())
                    .unwrap_or_else(|| micros.to_string()),
            )
        }
        Value::Time64(unit, t) => {
            let micros = TimeUnit::to_micros(&unit, t);
            let secs = micros.div_euclid(1_000_000);
            Json::String(format!(
                "{:02}:{:02}:{:02}.{:06}",
                secs / 3600,
                (secs / 60) % 60,
                secs % 60,
                micros.rem_euclid(1_000_000)
            ))
        }
        Value::Interval { months, days, nanos } => {
            Json::String(format!("{months} months {days} days {} µs", nanos / 1000))
        }
        Value::List(items) | Value::Array(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Value::Struct(fields) => Json::Object(fields.iter().map(|(k, v)| (k.clone(), to_json(v.clone()))).collect()),
        Value::Map(map) => Json::Array(
            map.iter()
                .map(|(k, v)| serde_json::json!({ "key": to_json(k.clone()), "value": to_json(v.clone()) }))
                .collect(),
        ),
        Value::Union(inner) => to_json(*inner),
        #[allow(unreachable_patterns)]
        other => Json::String(format!("{other:?}")),
    }
}

fn float(f: f64) -> Json {
    serde_json::Number::from_f64(f).map(Json::Number).unwrap_or_else(|| Json::String(f.to_string()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A cell for a text table or CSV: strings bare, null empty, everything else as in JSON.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(s) | Value::Enum(s) => s.clone(),
        other => match to_json(other.clone()) {
            Json::String(s) => s,
            j => j.to_string(),
        },
    }
}
