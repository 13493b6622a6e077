//! `GET /api/search?q=` (accent-insensitive: "hai ba trung" finds "Hai Bà Trưng") and
//! `GET /api/search?id=` over every unit's name; `GET /api/labels?level=&version=` gives label
//! points for map labels.

use axum::extract::{Extension, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Json, Query};
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::Principal;
use crate::store::units::Entry;
use crate::text::fold;
use crate::vocab::Level;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub id: Option<i64>,
    pub limit: Option<usize>,
}

pub async fn search(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<SearchQuery>) -> ApiResult<Json<Value>> {
    if let Some(id) = q.id {
        let units = state.units();
        let hit = units.get(id).ok_or_else(|| ApiError::not_found(format!("no unit with id {id}")))?;
        if !p.scope.unit(id) {
            return Err(p.scope.refuse(&format!("unit {id}")).into());
        }
        return Ok(Json(json!({ "results": [hit] })));
    }
    let text = q.q.unwrap_or_default();
    let needle = fold(text.trim());
    if needle.chars().count() < 2 {
        return Err(ApiError::bad_request("q must have at least 2 characters"));
    }
    let limit = q.limit.unwrap_or(20).min(100);
    // Rank: whole-word prefix of the name after its type word, then any substring; newest
    // boundary version first (the index is sorted that way).
    let units = state.units();
    let mut hits: Vec<(u8, &Entry)> = units
        .entries()
        .iter()
        .filter(|e| p.scope.unit(e.unit_id))
        .filter_map(|e| {
            let pos = e.key.find(&needle)?;
            let word_start = pos == 0 || e.key.as_bytes().get(pos - 1) == Some(&b' ');
            Some((if word_start { 0 } else { 1 }, e))
        })
        .collect();
    // Compared in place: a key with the version's date would clone a string per comparison
    // (thousands of hits for a common word of a name).
    hits.sort_by(|(ra, a), (rb, b)| (ra, a.level != Level::Province).cmp(&(rb, b.level != Level::Province)).then_with(|| b.valid_from.cmp(&a.valid_from)));
    let results: Vec<&Entry> = hits.into_iter().take(limit).map(|h| h.1).collect();
    Ok(Json(json!({ "q": text, "results": results })))
}

#[derive(Debug, Deserialize)]
pub struct LabelQuery {
    pub level: Option<Level>,
    pub version: Option<String>,
}

pub async fn labels(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<LabelQuery>) -> ApiResult<Json<Value>> {
    let level = q.level.unwrap_or(Level::Province);
    let units = state.units();
    let labels: Vec<Value> = units
        .entries()
        .iter()
        .filter(|e| e.level == level && q.version.as_ref().is_none_or(|v| &e.boundary_version == v) && p.scope.unit(e.unit_id))
        .map(|e| json!({ "unit_id": e.unit_id, "code": e.code, "name": e.name, "lon": e.label[0], "lat": e.label[1], "province": e.province_code, "province_name": e.province_name }))
        .collect();
    Ok(Json(json!({ "labels": labels })))
}
