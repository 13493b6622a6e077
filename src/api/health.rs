//! `GET /api/health`: is the service up, and what does its store hold.

use axum::extract::State;
use serde_json::{Value, json};

use super::extract::Json;
use super::AppState;
use super::error::ApiResult;
use crate::store::queries;

pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let s = state.clone();
    let summary = tokio::task::spawn_blocking(move || {
        let conn = s.store.connect()?;
        queries::summary(&conn)
    })
    .await??;
    Ok(Json(json!({
        "status": "ok",
        "service": "commune-atlas",
        "version": env!("CARGO_PKG_VERSION"),
        "store": state.store.path().display().to_string(),
        "demo": state.demo,
        "boundary_versions": summary.boundary_versions,
        "units": summary.units,
        "years": summary.indicator_years.iter().map(|y| y.year).collect::<Vec<_>>(),
        "indicator_rows": summary.indicator_years.iter().map(|y| y.rows).sum::<i64>(),
    })))
}
