//! `GET /api/choropleth?year=&metric=&method=&classes=&breaks=&from=&version=` — a compact
//! `{unit id: class}` map plus its legend. The web map colours tiles with it through
//! feature-state, so changing year or metric never refetches geometry.
//!
//! Metrics: `status`, `key_type`, `conversion` (from `from`, default year − 1, to `year`), or any
//! numeric indicator or rate (`addict_user_rate_pct`, `arrest_rate_pct`, `drug_use_locations` …).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use crate::access::Principal;
use super::error::{ApiError, ApiResult};
use crate::analytics::choropleth::{self, Class};
use crate::analytics::conversion;

#[derive(Debug, Deserialize)]
pub struct ChoroplethQuery {
    pub year: Option<i32>,
    pub metric: Option<String>,
    pub method: Option<String>,
    pub classes: Option<usize>,
    pub breaks: Option<String>,
    pub from: Option<i32>,
    pub version: Option<String>,
    #[serde(default)]
    pub values: bool,
}

pub async fn choropleth(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ChoroplethQuery>,
) -> ApiResult<Json<Value>> {
    let s = state.snapshot();
    let years = s.years();
    let year = match q.year {
        Some(y) => y,
        None => *years.last().ok_or_else(|| ApiError::not_found("the store holds no indicators yet"))?,
    };
    let version = match &q.version {
        Some(name) => s.versions.iter().find(|v| &v.name == name).ok_or_else(|| ApiError::not_found(format!("no boundary version named '{name}'")))?,
        None => s.version_for_year(year).ok_or_else(|| ApiError::not_found(format!("no boundary version is valid in {year}")))?,
    };
    let mut ids: Vec<i64> =
        s.facts.units.iter().filter(|(id, u)| u.version_id == version.id && p.scope.unit(**id)).map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let metric = q.metric.clone().unwrap_or_else(|| "status".into());
    let mut units = serde_json::Map::new();
    let mut values_out = serde_json::Map::new();
    let legend: Vec<Class>;
    let mut method = "categorical".to_string();
    let mut from_year = None;
    if let Some(cats) = choropleth::categories(&metric) {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let conv: BTreeMap<i64, String> = if metric == "conversion" {
            let from = q.from.unwrap_or(year - 1);
            from_year = Some(from);
            let by_key = s.by_key();
            conversion::between(&s.rules, &s.facts, &by_key, from, year, false)
                .into_iter()
                .map(|c| (c.unit_id, c.conversion))
                .collect()
        } else {
            BTreeMap::new()
        };
        for id in &ids {
            let c = s.classified.get(&(*id, year));
            let key: String = match metric.as_str() {
                "status" => c.map_or("no_data".into(), |c| c.status.status.clone()),
                "key_type" => c.and_then(|c| c.evaluation.as_ref()).map_or("no_data".into(), |e| e.key_type.as_str().to_string()),
                _ => conv.get(id).cloned().unwrap_or_else(|| "not_comparable".into()),
            };
            let k = cats.iter().find(|c| c.0 == key).map_or("no_data", |c| c.0);
            *counts.entry(k).or_default() += 1;
            units.insert(id.to_string(), json!(k));
        }
        legend = cats
            .iter()
            .map(|(k, vi, en, color)| Class {
                key: k.to_string(),
                label_vi: vi.to_string(),
                label_en: en.to_string(),
                color: color.to_string(),
                count: counts.get(k).copied().unwrap_or(0),
                min: None,
                max: None,
            })
            .collect();
    } else {
        let numeric = crate::analytics::facts::numeric_columns();
        if !numeric.contains(&metric.as_str()) && !metric.ends_with("_pct") {
            return Err(ApiError::bad_request(format!(
                "unknown metric '{metric}': use status, key_type, conversion, addict_user_rate_pct, arrest_rate_pct or a numeric indicator ({})",
                numeric.join(", ")
            )));
        }
        method = q.method.clone().unwrap_or_else(|| "quantile".into());
        let custom: Vec<f64> = q
            .breaks
            .as_deref()
            .map(|b| b.split(',').filter_map(|x| x.trim().parse().ok()).collect())
            .unwrap_or_default();
        let vals: Vec<(i64, f64)> = ids
            .iter()
            .filter_map(|id| s.facts.indicators.get(&(*id, year)).and_then(|r| r.inputs.values.get(&metric)).map(|v| (*id, *v)))
            .collect();
        let only: Vec<f64> = vals.iter().map(|v| v.1).collect();
        let br = choropleth::breaks(&only, &method, q.classes.unwrap_or(5), &custom).map_err(ApiError::bad_request)?;
        let mut classes = choropleth::numeric_legend(&only, &br, if metric.ends_with("_pct") { " %" } else { "" });
        for (id, v) in &vals {
            units.insert(id.to_string(), json!(choropleth::class_of(*v, &br)));
            if q.values {
                values_out.insert(id.to_string(), json!(v));
            }
        }
        let missing = ids.len() - vals.len();
        classes.push(Class {
            key: "no_data".into(),
            label_vi: "Không có số liệu".into(),
            label_en: "No data".into(),
            color: "#d9d9d9".into(),
            count: missing,
            min: None,
            max: None,
        });
        legend = classes;
    }
    let mut body = json!({
        "metric": metric,
        "method": method,
        "year": year,
        "from": from_year,
        "boundary_version": version.name,
        "tile_layer": format!("communes.{}", version.name),
        "legend": legend,
        "units": units,
    });
    if q.values {
        body["values"] = Value::Object(values_out);
    }
    Ok(Json(body))
}
