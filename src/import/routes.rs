//! `import routes`: key complex drug routes as GeoJSON LineString/MultiLineString features with
//! `name` and `route_scope` properties. The routes form one set: importing again needs
//! `--replace`, which replaces them all.

use duckdb::params;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::json_position::Lines;
use super::{ImportOptions, ImportReport, Input, Kind, Written};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::vocab::RouteScope;


#[derive(Deserialize)]
struct Fc<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    features: Option<Vec<&'a RawValue>>,
}

pub fn import_routes(store: &Store, input: &Input, opts: &ImportOptions) -> Result<ImportReport> {
    super::run(store, Kind::Routes, input, opts, |conn| {
        let mut rep = opts.reporter(&input.name);
        let text = std::str::from_utf8(&input.bytes).map_err(|_| Error::InvalidArgument(format!("{}: not UTF-8", input.name)))?;
        let lines = Lines::new(text);
        let pos = |raw: &RawValue| lines.of(raw);
        let fc: Fc = match serde_json::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                rep.fatal(e.line() as u64, e.column() as u64, format!("not valid JSON: {e}"));
                return rep.check().map(|_| Written::new(0, 0, Vec::new(), &mut rep));
            }
        };
        if fc.kind.as_deref() != Some("FeatureCollection") {
            rep.fatal(1, 1, "expected a GeoJSON FeatureCollection");
        }
        let mut rows = Vec::new();
        for (i, raw) in fc.features.unwrap_or_default().into_iter().enumerate() {
            let (line, col) = pos(raw);
            let feature = i as u64 + 1;
            let f: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or_default();
            let props = f.get("properties").cloned().unwrap_or_default();
            let name = props.get("name").and_then(|v| v.as_str()).unwrap_or("").trim().to_string();
            let scope = props.get("route_scope").and_then(|v| v.as_str()).unwrap_or("unknown").to_string();
            let g = f.get("geometry").cloned().unwrap_or_default();
            let gtype = g.get("type").and_then(|t| t.as_str()).unwrap_or("");
            if !matches!(gtype, "LineString" | "MultiLineString") {
                rep.at_feature(feature, line, col, format!("geometry type {gtype:?} is not allowed; routes are LineString or MultiLineString"));
                continue;
            }
            if name.is_empty() {
                rep.at_feature(feature, line, col, "property 'name' is missing or empty");
                continue;
            }
            let scope = match scope.parse::<RouteScope>() {
                Ok(RouteScope::None) | Err(_) => {
                    rep.at_feature(feature, line, col, format!("route_scope '{scope}' is not one of: intra_provincial, inter_provincial, transnational, unknown"));
                    continue;
                }
                Ok(s) => s,
            };
            let lines: Vec<&serde_json::Value> = match gtype {
                "LineString" => vec![&g["coordinates"]],
                _ => g["coordinates"].as_array().map(|a| a.iter().collect()).unwrap_or_default(),
            };
            let ok = lines.iter().all(|l| {
                l.as_array().is_some_and(|pts| {
                    pts.len() >= 2
                        && pts.iter().all(|p| {
                            let (x, y) = (p.get(0).and_then(|v| v.as_f64()), p.get(1).and_then(|v| v.as_f64()));
                            matches!((x, y), (Some(x), Some(y)) if (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y))
                        })
                })
            });
            if !ok {
                rep.at_feature(feature, line, col, format!("route '{name}': each line needs at least 2 positions within lon −180…180, lat −90…90"));
                continue;
            }
            rows.push((name, scope, g.to_string(), props.to_string()));
        }
        rep.check()?;
        let existing: i64 = conn.query_row(include_str!("sql/routes_count.sql"), [], |r| r.get(0)).map_err(Error::store("counting routes"))?;
        if existing > 0 && !opts.replace {
            return Err(Error::Refused(format!(
                "{}: {existing} key route(s) are already stored; nothing was imported. Re-run with --replace to replace them all.",
                input.name
            )));
        }
        conn.execute_batch(include_str!("sql/routes_clear.sql")).map_err(Error::store("replacing routes"))?;
        for (name, scope, geom, props) in &rows {
            conn.execute(include_str!("sql/route_insert.sql"), params![name, scope, geom, props])
            .map_err(Error::store("writing routes"))?;
        }
        Ok(Written::new(rows.len() as u64, existing as u64, Vec::new(), &mut rep))
    })
}
