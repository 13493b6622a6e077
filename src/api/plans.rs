//! Leaders' workflow over HTTP:
//! - `GET /api/candidates?province=&year=&limit=` — communes ranked for conversion, every
//!   component of the score explained;
//! - `GET /api/plans?province=`, `POST /api/plans`, `GET|PATCH /api/plans/{id}`;
//! - `POST /api/plans/{id}/communes`, `PATCH|DELETE /api/plans/{id}/communes/{unit_id}`;
//! - `GET /api/plans/{id}/history`, `GET /api/plans/{id}/export.csv`;
//! - `GET /api/plans/{id}/plan.pdf|plan.svg?lang=` — the printable plan sheet (A4, paged).
//!
//! Writes carry the plan `version` they read (a stale one answers 409 and changes nothing). The
//! acting user is the signed-in principal; plans of provinces outside their scope are refused.

use std::collections::HashMap;

use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Json, Path, Query};
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::Principal;
use crate::analytics::candidates;
use crate::plans::{self, PlanEdit};
use crate::tiles::Kind;

/// Run `work` on the plan `id` once it is known to be in the user's scope.
async fn in_scope<T: Send + 'static>(
    state: &AppState,
    p: &Principal,
    id: i64,
    work: impl FnOnce(&crate::store::Store, &str) -> crate::Result<T> + Send + 'static,
) -> ApiResult<T> {
    let store = state.store.clone();
    let scope = p.scope.clone();
    let who = p.name.clone();
    let out = tokio::task::spawn_blocking(move || {
        let plan = plans::get(&store, id)?;
        if !scope.province(Some(&plan.province_code)) {
            return Err(scope.refuse(&format!("plan {id} (province {})", plan.province_code)));
        }
        work(&store, &who)
    })
    .await??;
    Ok(out)
}

#[derive(Debug, Deserialize)]
pub struct CandidatesQuery {
    pub province: String,
    pub year: Option<i32>,
    pub limit: Option<usize>,
    /// `approved` (default) or `computed`: which statuses say who is drug-free already.
    #[serde(default)]
    pub statuses: crate::analytics::conversion::Statuses,
}

pub async fn candidates(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<CandidatesQuery>) -> ApiResult<Json<Value>> {
    if !p.scope.province(Some(&q.province)) {
        return Err(p.scope.refuse(&format!("province {}", q.province)).into());
    }
    let s = state.snapshot();
    let year = q.year.unwrap_or_else(|| s.years().last().copied().unwrap_or(2025) + 1);
    let version = s.version_for_year(year).ok_or_else(|| ApiError::not_found(format!("no boundary version is valid in {year}")))?;
    let adjacency = match state.tiles().layer(&format!("communes.{}", version.name)).as_deref().map(|l| &l.kind) {
        Some(Kind::Polygons(p)) => p.neighbours(),
        _ => HashMap::new(),
    };
    let names: HashMap<i64, String> = state.units().entries().iter().map(|e| (e.unit_id, e.name.clone())).collect();
    let ranked = candidates::rank(&s, &s.rules.candidates, &adjacency, &names, &q.province, year, q.statuses);
    if ranked.is_empty() && !s.facts.units.values().any(|u| u.province_code.as_deref() == Some(q.province.as_str())) {
        return Err(ApiError::not_found(format!("unknown province code '{}'", q.province)));
    }
    let total = ranked.len();
    let limit = q.limit.unwrap_or(500);
    Ok(Json(json!({
        "province": q.province, "target_year": year, "boundary_version": version.name, "statuses": q.statuses,
        "weights": s.rules.candidates.weights, "total": total,
        "note": "ranking aid ([Proposal]): distances to the confirmed type I thresholds, trend, drug-free neighbours, population",
        "candidates": ranked.into_iter().take(limit).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
pub struct ProvinceQuery {
    pub province: Option<String>,
}

pub async fn list(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<ProvinceQuery>) -> ApiResult<Json<Value>> {
    if let Some(code) = q.province.as_deref()
        && !p.scope.province(Some(code))
    {
        return Err(p.scope.refuse(&format!("province {code}")).into());
    }
    let store = state.store.clone();
    let mut plans = tokio::task::spawn_blocking(move || plans::list(&store, q.province.as_deref())).await??;
    plans.retain(|plan| p.scope.province(Some(&plan.province_code)));
    Ok(Json(json!({ "plans": plans })))
}

#[derive(Debug, Deserialize)]
pub struct NewPlan {
    pub name: String,
    pub province_code: String,
    pub target_year: i32,
    pub quota: Option<i32>,
}

pub async fn create(State(state): State<AppState>, Extension(who): Extension<Principal>, Json(p): Json<NewPlan>) -> ApiResult<Json<Value>> {
    if !who.scope.province(Some(&p.province_code)) {
        return Err(who.scope.refuse(&format!("province {}", p.province_code)).into());
    }
    let store = state.store.clone();
    let plan = tokio::task::spawn_blocking(move || plans::create(&store, &p.name, &p.province_code, p.target_year, p.quota, &who.name)).await??;
    state.data_changed();
    Ok(Json(json!(plan)))
}

pub async fn get(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let plan = in_scope(&state, &p, id, move |store, _| plans::get(store, id)).await?;
    Ok(Json(json!(plan)))
}

#[derive(Debug, Deserialize)]
pub struct Edit {
    pub version: i32,
    #[serde(flatten)]
    pub edit: PlanEdit,
}

pub async fn edit(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<i64>, Json(e): Json<Edit>) -> ApiResult<Json<Value>> {
    let plan = in_scope(&state, &p, id, move |store, who| plans::edit(store, id, e.version, &e.edit, who)).await?;
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
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
    Json(c): Json<CommuneChange>,
) -> ApiResult<Json<Value>> {
    let unit = c.unit_id.ok_or_else(|| ApiError::bad_request("unit_id is required"))?;
    let plan = in_scope(&state, &p, id, move |store, who| plans::add_commune(store, id, c.version, unit, c.note.as_deref(), who)).await?;
    state.data_changed();
    Ok(Json(json!(plan)))
}

pub async fn note_commune(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((id, unit)): Path<(i64, i64)>,
    Json(c): Json<CommuneChange>,
) -> ApiResult<Json<Value>> {
    let plan = in_scope(&state, &p, id, move |store, who| plans::set_note(store, id, c.version, unit, c.note.as_deref(), who)).await?;
    state.data_changed();
    Ok(Json(json!(plan)))
}

#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    pub version: i32,
}

pub async fn remove_commune(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((id, unit)): Path<(i64, i64)>,
    Query(v): Query<VersionQuery>,
) -> ApiResult<Json<Value>> {
    let plan = in_scope(&state, &p, id, move |store, who| plans::remove_commune(store, id, v.version, unit, who)).await?;
    state.data_changed();
    Ok(Json(json!(plan)))
}

pub async fn history(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let h = in_scope(&state, &p, id, move |store, _| plans::history(store, id)).await?;
    Ok(Json(json!({ "plan_id": id, "history": h })))
}

pub async fn export_csv(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<i64>) -> ApiResult<impl IntoResponse> {
    let plan = in_scope(&state, &p, id, move |store, _| plans::get(store, id)).await?;
    let file = format!("attachment; filename=\"plan-{}-{}.csv\"", plan.plan_id, plan.target_year);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, file)], plans::to_csv(&plan)?))
}

#[derive(Debug, Deserialize)]
pub struct SheetQuery {
    pub lang: Option<String>,
    /// SVG only: which page (1-based; default 1).
    pub page: Option<usize>,
}

/// `GET /api/plans/{id}/plan.pdf` — the plan sheet to print and sign.
pub async fn sheet_pdf(state: State<AppState>, p: Extension<Principal>, id: Path<i64>, q: Query<SheetQuery>) -> ApiResult<impl IntoResponse> {
    sheet(state, p, id, q, true).await
}

/// `GET /api/plans/{id}/plan.svg?page=` — one page of the plan sheet (default the first, with
/// the map), e.g. for a preview; the PDF has them all.
pub async fn sheet_svg(state: State<AppState>, p: Extension<Principal>, id: Path<i64>, q: Query<SheetQuery>) -> ApiResult<impl IntoResponse> {
    sheet(state, p, id, q, false).await
}

async fn sheet(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<i64>, Query(q): Query<SheetQuery>, pdf: bool) -> ApiResult<impl IntoResponse> {
    let plan = in_scope(&state, &p, id, move |store, _| plans::get(store, id)).await?;
    let province_name = state.units().province_name(&plan.province_code).map_or_else(|| plan.province_code.clone(), String::from);
    let (file, target) = (plan.plan_id, plan.target_year);
    let req = crate::render::plan::PlanSheetRequest { plan, province_name, english: q.lang.as_deref() == Some("en"), demo: state.demo };
    let st = state.clone();
    let page = q.page.unwrap_or(1);
    let bytes = tokio::task::spawn_blocking(move || {
        let pages = crate::render::plan::pages(&st.snapshot(), &st.tiles(), &req)?;
        if pdf {
            return crate::render::pdf_pages(&pages);
        }
        let n = pages.len();
        let svg = page.checked_sub(1).and_then(|i| pages.into_iter().nth(i));
        svg.map(String::into_bytes).ok_or_else(|| crate::Error::NotFound(format!("the plan sheet has {n} page(s); ask for page=1 to page={n}")))
    })
    .await??;
    let (ctype, ext) = if pdf { ("application/pdf", "pdf") } else { ("image/svg+xml", "svg") };
    let disposition = format!("attachment; filename=\"plan-{file}-{target}.{ext}\"");
    Ok(([(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes))
}
