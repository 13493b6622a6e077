//! Saved queries: the `.sql` files under `queries/`, each opening with a header of `-- key: value`
//! lines — `title_vi`, `title_en`, `description`, and `param: NAME TYPE DEFAULT [description]`
//! (TYPE is INTEGER, DOUBLE, VARCHAR or DATE) — followed by one statement that uses `$NAME`.
//! They run in the [`sandbox`](super::sandbox) like any analyst query.

use std::collections::BTreeMap;

use duckdb::types::Value;
use include_dir::{Dir, include_dir};
use serde::Serialize;

use crate::error::{Error, Result};

/// `queries/` as built into the binary.
pub static QUERIES_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/queries");

/// A declared parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub default: String,
    pub description: String,
}

/// A saved query.
#[derive(Debug, Clone, Serialize)]
pub struct Saved {
    pub name: String,
    pub title_vi: String,
    pub title_en: String,
    pub description: String,
    pub params: Vec<Param>,
    pub sql: String,
}

/// Parse one file.
pub fn parse(name: &str, text: &str) -> Result<Saved> {
    let mut q = Saved {
        name: name.to_string(),
        title_vi: String::new(),
        title_en: String::new(),
        description: String::new(),
        params: Vec::new(),
        sql: String::new(),
    };
    let mut body = Vec::new();
    let mut in_header = true;
    for line in text.lines() {
        if in_header && let Some(rest) = line.strip_prefix("-- ") {
            if let Some((k, v)) = rest.split_once(':') {
                let v = v.trim().to_string();
                match k.trim() {
                    "title_vi" => q.title_vi = v,
                    "title_en" => q.title_en = v,
                    "description" => q.description = v,
                    "param" => {
                        let mut parts = v.splitn(4, ' ');
                        let (n, t, d) = (parts.next(), parts.next(), parts.next());
                        let (Some(n), Some(t), Some(d)) = (n, t, d) else {
                            return Err(Error::InvalidArgument(format!("queries/{name}.sql: param needs NAME TYPE DEFAULT, got '{v}'")));
                        };
                        let t = t.to_uppercase();
                        if !matches!(t.as_str(), "INTEGER" | "DOUBLE" | "VARCHAR" | "DATE") {
                            return Err(Error::InvalidArgument(format!("queries/{name}.sql: param {n} has unknown type {t}")));
                        }
                        q.params.push(Param { name: n.into(), ty: t, default: d.into(), description: parts.next().unwrap_or("").into() });
                    }
                    _ => {}
                }
            }
            continue;
        }
        in_header = false;
        body.push(line);
    }
    q.sql = body.join("\n").trim().to_string();
    if q.title_vi.is_empty() || q.title_en.is_empty() || q.sql.is_empty() {
        return Err(Error::InvalidArgument(format!("queries/{name}.sql needs title_vi, title_en and a statement")));
    }
    Ok(q)
}

/// Every saved query, by name.
pub fn all() -> Result<BTreeMap<String, Saved>> {
    let mut out = BTreeMap::new();
    for f in QUERIES_DIR.files() {
        let path = f.path();
        if path.extension().is_some_and(|e| e == "sql") {
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            out.insert(name.clone(), parse(&name, f.contents_utf8().unwrap_or_default())?);
        }
    }
    Ok(out)
}

/// One saved query by name.
pub fn get(name: &str) -> Result<Saved> {
    let mut all = all()?;
    let names: Vec<String> = all.keys().cloned().collect();
    all.remove(name).ok_or_else(|| Error::NotFound(format!("no saved query '{name}'; there are: {}", names.join(", "))))
}

/// Typed parameter values: given ones (text) over defaults.
pub fn bind(q: &Saved, given: &BTreeMap<String, String>) -> Result<Vec<(String, Value)>> {
    for k in given.keys() {
        if !q.params.iter().any(|p| &p.name == k) && k != "format" {
            return Err(Error::InvalidArgument(format!(
                "query '{}' has no parameter '{k}'; it takes: {}",
                q.name,
                q.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    q.params
        .iter()
        .map(|p| {
            let raw = given.get(&p.name).unwrap_or(&p.default);
            let bad = || Error::InvalidArgument(format!("parameter {} must be {}, got '{raw}'", p.name, p.ty));
            let v = match p.ty.as_str() {
                "INTEGER" => Value::BigInt(raw.parse().map_err(|_| bad())?),
                "DOUBLE" => Value::Double(raw.parse().map_err(|_| bad())?),
                "DATE" => crate::import::parse_date(raw).map(crate::import::date_value).ok_or_else(bad)?,
                _ => Value::Text(raw.clone()),
            };
            Ok((p.name.clone(), v))
        })
        .collect()
}
