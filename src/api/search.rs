//! `GET /api/search?q=` (accent-insensitive: "hai ba trung" finds "Hai Bà Trưng") and
//! `GET /api/search?id=` over every unit's name; `GET /api/labels?level=&version=` gives label
//! points for map labels.

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::Principal;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::text::fold;

/// One searchable unit.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub unit_type: String,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    pub boundary_version: String,
    pub valid_from: String,
    pub bbox: [f64; 4],
    pub label: [f64; 2],
    #[serde(skip)]
    key: String,
}

/// A province's name by its code, from the loaded units.
pub fn province_name(entries: &[Entry], code: &str) -> Option<String> {
    entries.iter().find(|e| e.level == "province" && e.code == code).map(|e| e.name.clone())
}

/// Every unit, loaded once.
pub fn load(store: &Store) -> Result<Vec<Entry>> {
    let conn = store.connect()?;
    let ctx = "loading the search index";
    let mut stmt = conn
        .prepare(
            "SELECT unit_id, code, name, level, unit_type, province_code, province_name, boundary_version,
                    CAST(valid_from AS VARCHAR), min_lon, min_lat, max_lon, max_lat, label_lon, label_lat
             FROM unit ORDER BY valid_from DESC, unit_id",
        )
        .map_err(Error::store(ctx))?;
    let rows = stmt
        .query_map([], |r| {
            let name: String = r.get(2)?;
            Ok(Entry {
                unit_id: r.get(0)?,
                code: r.get(1)?,
                key: fold(&name),
                name,
                level: r.get(3)?,
                unit_type: r.get(4)?,
                province_code: r.get(5)?,
                province_name: r.get(6)?,
                boundary_version: r.get(7)?,
                valid_from: r.get(8)?,
                bbox: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
                label: [r.get(13)?, r.get(14)?],
            })
        })
        .map_err(Error::store(ctx))?;
    rows.collect::<std::result::Result<_, _>>().map_err(Error::store(ctx))
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub id: Option<i64>,
    pub limit: Option<usize>,
}

pub async fn search(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<SearchQuery>) -> ApiResult<Json<Value>> {
    if let Some(id) = q.id {
        let hit = state.search.iter().find(|e| e.unit_id == id).ok_or_else(|| ApiError::not_found(format!("no unit with id {id}")))?;
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
    let mut hits: Vec<(u8, &Entry)> = state
        .search
        .iter()
        .filter(|e| p.scope.unit(e.unit_id))
        .filter_map(|e| {
            let pos = e.key.find(&needle)?;
            let word_start = pos == 0 || e.key.as_bytes().get(pos - 1) == Some(&b' ');
            Some((if word_start { 0 } else { 1 }, e))
        })
        .collect();
    hits.sort_by_key(|(rank, e)| (*rank, e.level != "province", std::cmp::Reverse(e.valid_from.clone())));
    let results: Vec<&Entry> = hits.into_iter().take(limit).map(|h| h.1).collect();
    Ok(Json(json!({ "q": text, "results": results })))
}

#[derive(Debug, Deserialize)]
pub struct LabelQuery {
    pub level: Option<String>,
    pub version: Option<String>,
}

pub async fn labels(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<LabelQuery>) -> ApiResult<Json<Value>> {
    let level = q.level.unwrap_or_else(|| "province".into());
    let labels: Vec<Value> = state
        .search
        .iter()
        .filter(|e| e.level == level && q.version.as_ref().is_none_or(|v| &e.boundary_version == v) && p.scope.unit(e.unit_id))
        .map(|e| json!({ "unit_id": e.unit_id, "code": e.code, "name": e.name, "lon": e.label[0], "lat": e.label[1] }))
        .collect();
    Ok(Json(json!({ "labels": labels })))
}
