//! `GET /api/choropleth?year=&metric=&method=&classes=&breaks=&from=&version=&values=` — a
//! compact `{unit id: class}` map plus its legend, for the units in the user's scope. The web map
//! colours tiles with it through feature-state, so changing year or metric never refetches
//! geometry; static maps use the same computation
//! ([`analytics::choropleth::compute`](crate::analytics::choropleth::compute)).
//!
//! Metrics: `status`, `key_type`, `conversion` (from `from`, default year − 1, to `year`), or any
//! numeric indicator or rate (`addict_user_rate_pct`, `arrest_rate_pct`, `drug_use_locations` …).

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::extract::Query;
use super::AppState;
use super::error::ApiResult;
use crate::access::Principal;
use crate::analytics::choropleth::{self, Spec};

/// Through the answer cache ([`super::answers`]): computed once per query, scope and data
/// generation; a repeat is a 304 or a copy of shared bytes.
pub async fn choropleth(State(state): State<AppState>, Extension(p): Extension<Principal>, uri: Uri, headers: HeaderMap, Query(q): Query<Spec>) -> ApiResult<Response> {
    let (st, who) = (state.clone(), p.clone());
    super::answers::answer(&state, "choropleth", uri.query(), &p, &headers, move || compute(&st, &who, q)).await
}

fn compute(state: &AppState, p: &Principal, q: Spec) -> ApiResult<Value> {
    let s = state.snapshot();
    let c = choropleth::compute(&s, &q, &|id| p.scope.unit(id))?;
    let mut body = json!({
        "metric": c.metric,
        "method": c.method,
        "year": c.year,
        "from": c.from,
        "boundary_version": c.boundary_version,
        "tile_layer": format!("communes.{}", c.boundary_version),
        "legend": c.legend,
        "units": c.units,
    });
    if q.values {
        body["values"] = json!(c.values);
    }
    if let Some(statuses) = c.statuses {
        body["statuses"] = json!(statuses);
    }
    Ok(body)
}
