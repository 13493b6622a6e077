//! `GET /api/units?province=CODE&version=NAME&level=commune`: units as a GeoJSON
//! FeatureCollection (full stored geometry; maps use the vector tiles instead).

use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::Query;
use super::AppState;
use super::error::ApiResult;
use crate::access::Principal;
use crate::store::queries::{self, UnitFilter};

#[derive(Debug, Deserialize)]
pub struct UnitsQuery {
    pub province: Option<String>,
    pub version: Option<String>,
    pub level: Option<crate::vocab::Level>,
}

pub async fn units(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<UnitsQuery>) -> ApiResult<impl IntoResponse> {
    if let Some(code) = q.province.as_deref().filter(|c| !c.is_empty())
        && !p.scope.province(Some(code))
    {
        return Err(p.scope.refuse(&format!("province {code}")).into());
    }
    let filter = UnitFilter {
        version: q.version.filter(|s| !s.is_empty()),
        province: q.province.filter(|s| !s.is_empty()),
        level: q.level,
    };
    let body = tokio::task::spawn_blocking(move || {
        let conn = state.store.connect()?;
        queries::units_geojson(&conn, &filter, &|id| p.scope.unit(id))
    })
    .await??;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}
