//! `GET /api/health`: is the service up, what does its store hold, how far the tiles rendered
//! ahead of time have come, what the caches hold against their budgets and the memory in use
//! (the process's resident set and DuckDB's share, against --memory-budget's split).

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
        Ok::<_, crate::Error>((queries::summary(&conn)?, queries::duckdb_memory(&conn)?))
    })
    .await??;
    let (summary, (duckdb_bytes, duckdb_limit)) = summary;
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
        "tiles": {
            "prerender": state.prerender.describe(),
            "cache": { "tiles": state.tiles().cache_stats().0, "bytes": state.tiles().cache_stats().1, "budget": state.tiles().cache_budget() },
            "renders": state.tiles().renders(),
        },
        "answers": { "cached": state.answers.stats().0, "bytes": state.answers.stats().1, "budget": state.answers.budget() },
        "memory": {
            "resident_bytes": super::metrics::resident_bytes(),
            "duckdb": { "bytes": duckdb_bytes, "limit": duckdb_limit },
        },
    })))
}
