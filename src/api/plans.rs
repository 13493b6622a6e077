//! Leaders' workflow over HTTP:
//! - `GET /api/candidates?province=&year=&limit=` — communes ranked for conversion, every
//!   component of the score explained;
//! - `GET /api/plans?province=`, `POST /api/plans`, `GET|PATCH /api/plans/{id}`;
//! - `POST /api/plans/{id}/communes`, `PATCH|DELETE /api/plans/{id}/communes/{unit_id}`;
//! - `GET /api/plans/{id}/history`, `GET /api/plans/{id}/export.csv`.
//!
//! Writes carry the plan `version` they read (a stale one answers 409 and changes nothing). The
//! acting user comes from the `X-Atlas-User` header until accounts exist.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::analytics::candidates;
use crate::plans::{self, PlanEdit};
use crate::tiles::Kind;

fn actor(h: &HeaderMap) -> String {
    h.get("x-atlas-user").and_then(|v| v.to_str().ok()).filter(|s| !s.is_empty()).unwrap_or("anonymous").to_string()
}

#[derive(Debug, Deserialize)]
pub struct CandidatesQuery {
    pub province: String,
    pub year: Option<i32>,
    pub limit: Option<usize>,
}

pub async fn candidates(State(state): State<AppState>, Query(q): Query<CandidatesQuery>) -> ApiResult<Json<Value>> {
    let s = state.snapshot();
    let year = q.year.unwrap_or_else(|| s.years().last().copied().unwrap_or(2025) + 1);
    let version = s.version_for_year(year).ok_or_else(|| ApiError::not_found(format!("no boundary version is valid in {year}")))?;
    let adjacency = match state.tiles.layer(&format!("communes.{}", version.name)).as_deref().map(|l| &l.kind) {
        Some(Kind::Polygons(p)) => p.neighbours(),
        _ => HashMap::new(),
    };
    let names: HashMap<i64, String> = state.search.iter().map(|e| (e.unit_id, e.name.clone())).collect();
    let ranked = candidates::rank(&s, &s.rules.candidates, &adjacency, &names, &q.province, year);
    if ranked.is_empty() && !s.facts.units.values().any(|u| u.province_code.as_deref() == Some(q.province.as_str())) {
        return Err(ApiError::not_found(format!("unknown province code '{}'", q.province)));
    }
    let total = ranked.len();
    let limit = q.limit.unwrap_or(500);
    Ok(Json(json!({
        "province": q.province, "target_year": year, "boundary_version": version.name,
        "weights": s.rules.candidates.weights, "total": total,
        "note": "ranking aid ([Proposal]): distances to the confirmed type I thresholds, trend, drug-free neighbours, population",
        "candidates": ranked.into_iter().take(limit).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
pub struct ProvinceQuery {
    pub province: Option<String>,
}

pub async fn list(State(state): State<AppState>, Query(q): Query<ProvinceQuery>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let plans = tokio::task::spawn_blocking(move || plans::list(&store, q.province.as_deref())).await??;
    Ok(Json(json!({ "plans": plans })))
}

#[derive(Debug, Deserialize)]
pub struct NewPlan {
    pub name: String,
    pub province_code: String,
    pub target_year: i32,
    pub quota: Option<i32>,
}

pub async fn create(State(state): State<AppState>, headers: HeaderMap, Json(p): Json<NewPlan>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let who = actor(&headers);
    let plan = tokio::task::spawn_blocking(move || plans::create(&store, &p.name, &p.province_code, p.target_year, p.quota, &who)).await??;
    state.data_changed();
    Ok(Json(json!(plan)))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let plan = tokio::task::spawn_blocking(move || plans::get(&store, id)).await??;
    Ok(Json(json!(plan)))
}

#[derive(Debug, Deserialize)]
pub struct Edit {
    pub version: i32,
    #[serde(flatten)]
    pub edit: PlanEdit,
}

pub async fn edit(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap, Json(e): Json<Edit>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let who = actor(&headers);
    let plan = tokio::task::spawn_blocking(move || plans::edit(&store, id, e.version, &e.edit, &who)).await??;
    state.data_changed();
    Ok(Json(json!(plan)))
}

#[derive(Debug, Deserialize)]
pub struct CommuneChange {
    pub version: i32,
    pub unit_id: Option<i64>,
    pub note: Option<String>,
}

pub async fn add_commune(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(c): Json<CommuneChange>,
) -> ApiResult<Json<Value>> {
    let unit = c.unit_id.ok_or_else(|| ApiError::bad_request("unit_id is required"))?;
    let store = state.store.clone();
    let who = actor(&headers);
    let plan = tokio::task::spawn_blocking(move || plans::add_commune(&store, id, c.version, unit, c.note.as_deref(), &who)).await??;
    state.data_changed();
    Ok(Json(json!(plan)))
}

pub async fn note_commune(
    State(state): State<AppState>,
    Path((id, unit)): Path<(i64, i64)>,
    headers: HeaderMap,
    Json(c): Json<CommuneChange>,
) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let who = actor(&headers);
    let plan = tokio::task::spawn_blocking(move || plans::set_note(&store, id, c.version, unit, c.note.as_deref(), &who)).await??;
    state.data_changed();
    Ok(Json(json!(plan)))
}

#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    pub version: i32,
}

pub async fn remove_commune(
    State(state): State<AppState>,
    Path((id, unit)): Path<(i64, i64)>,
    Query(v): Query<VersionQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let who = actor(&headers);
    let plan = tokio::task::spawn_blocking(move || plans::remove_commune(&store, id, v.version, unit, &who)).await??;
    state.data_changed();
    Ok(Json(json!(plan)))
}

pub async fn history(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let h = tokio::task::spawn_blocking(move || {
        plans::get(&store, id)?;
        plans::history(&store, id)
    })
    .await??;
    Ok(Json(json!({ "plan_id": id, "history": h })))
}

pub async fn export_csv(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<impl IntoResponse> {
    let store = state.store.clone();
    let plan = tokio::task::spawn_blocking(move || plans::get(&store, id)).await??;
    let file = format!("attachment; filename=\"plan-{}-{}.csv\"", plan.plan_id, plan.target_year);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, file)], plans::to_csv(&plan)))
}
