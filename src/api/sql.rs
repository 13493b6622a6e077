//! Analysts' SQL over HTTP, in the [`Sandbox`](crate::sandbox::Sandbox):
//! - `POST /api/sql?format=json|csv|parquet|geojson` with `{"sql": "...", "params": {"name": value}}`;
//! - `GET /api/sql/schema` — the relations and columns an analyst can query;
//! - `GET /api/queries` and `GET /api/queries/{name}?param=…&format=…` — saved queries;
//! - `GET /api/export/{dataset}.{csv|parquet|geojson}` — units, indicators, classification, conversion.
//!
//! Every query runs on its own sandbox connection with the statement time limit (the query is
//! interrupted), the memory and row limits; at most two run at once. Errors are JSON with DuckDB's
//! message and, when DuckDB gives one, the position in the query.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json as JsonBody;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use duckdb::types::Value;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::{Principal, audit};
use crate::sandbox::{self, Sandbox};
use crate::store::tabular::{self, Table};

/// The sandbox of the user's scope, built (or rebuilt after data changes) on demand.
pub async fn current(state: &AppState, p: &Principal) -> ApiResult<Arc<Sandbox>> {
    if let Some(s) = state.sandbox_if_fresh(&p.scope) {
        return Ok(s);
    }
    let st = state.clone();
    let scope = p.scope.clone();
    let generation = state.generation.load(std::sync::atomic::Ordering::SeqCst);
    let built = tokio::task::spawn_blocking(move || {
        let dir = std::env::temp_dir().join("commune-atlas-sandbox");
        let routes = match st.tiles.layer("routes").as_deref().map(|l| &l.kind) {
            Some(crate::tiles::Kind::Lines(l)) if !scope.is_all() => l.geojson_within(&|id| scope.unit(id)),
            _ => Vec::new(),
        };
        Sandbox::build(&st.store, &dir, sandbox::Limits::default(), &scope, &routes)
    })
    .await??;
    Ok(state.install_sandbox(&p.scope, generation, built))
}

fn sql_error(e: &crate::Error) -> ApiError {
    let s = sandbox::sql_error(e);
    let status = match s.kind {
        "timeout" => StatusCode::REQUEST_TIMEOUT,
        "forbidden" => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    let code = match s.kind {
        "timeout" => "timeout",
        "forbidden" => "forbidden",
        "memory" => "memory_limit",
        "syntax" => "syntax_error",
        _ => "sql_error",
    };
    ApiError { status, code, message: s.message.clone(), details: Some(json!({ "position": s.position, "kind": s.kind })) }
}

/// Run `sql` with `params` in the user's sandbox under its limits; the statement, its duration
/// and outcome go to the audit log.
pub async fn execute(state: &AppState, p: &Principal, what: &str, sql: String, params: Vec<(String, Value)>, rows: usize) -> ApiResult<Table> {
    let started = std::time::Instant::now();
    let text = sql.clone();
    let result = execute_unaudited(state, p, sql, params, rows).await;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let event = match &result {
        Ok(t) => audit::Event::new(&p.name, "sql").timing(ms, Some(t.rows.len() as i64)),
        Err(e) => audit::Event::new(&p.name, "sql").outcome(if e.status == StatusCode::FORBIDDEN { "refused" } else { "error" }).timing(ms, None),
    };
    let event = event.target(what).detail(text.chars().take(20_000).collect::<String>());
    let store = state.store.clone();
    if let Err(e) = tokio::task::spawn_blocking(move || audit::record(&store, &event)).await? {
        // A statement that cannot be audited must not hand out its result.
        tracing::error!("could not write the audit log: {e}");
        return Err(e.into());
    }
    result
}

async fn execute_unaudited(state: &AppState, p: &Principal, sql: String, params: Vec<(String, Value)>, rows: usize) -> ApiResult<Table> {
    let sb = current(state, p).await?;
    let _slot = state.sql_slots.acquire().await.map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the SQL service is shutting down"))?;
    let (conn, handle) = sb.connect()?;
    let timeout = sb.limits.timeout;
    let task = tokio::task::spawn_blocking(move || sandbox::run(&conn, &sql, &params, rows));
    match tokio::time::timeout(timeout, task).await {
        Ok(joined) => joined?.map_err(|e| match e {
            crate::Error::InvalidArgument(m) => ApiError::bad_request(m),
            crate::Error::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            other => sql_error(&other),
        }),
        Err(_) => {
            handle.interrupt();
            Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                format!("the query ran longer than the {} s statement time limit and was cancelled", timeout.as_secs()),
            ))
        }
    }
}

fn json_param(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => n.as_i64().map(Value::BigInt).unwrap_or_else(|| Value::Double(n.as_f64().unwrap_or(0.0))),
        Json::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

#[derive(Debug, Deserialize)]
pub struct SqlBody {
    pub sql: String,
    #[serde(default)]
    pub params: BTreeMap<String, Json>,
}

#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    pub format: Option<String>,
}

pub async fn post_sql(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(f): Query<FormatQuery>,
    JsonBody(body): JsonBody<SqlBody>,
) -> ApiResult<Response> {
    let params = body.params.iter().map(|(k, v)| (k.clone(), json_param(v))).collect();
    let format = f.format.unwrap_or_else(|| "json".into());
    let rows = if format == "json" { sandbox::Limits::default().rows } else { 1_000_000 };
    let table = execute(&state, &p, "console", body.sql, params, rows).await?;
    respond(&state, &p, table, &format, "query").await
}

pub async fn schema(State(state): State<AppState>, Extension(p): Extension<Principal>) -> ApiResult<JsonBody<Json>> {
    let sb = current(&state, &p).await?;
    let t = tokio::task::spawn_blocking(move || sb.schema()).await??;
    let mut rels: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for r in &t.rows {
        rels.entry(tabular::cell_text(&r[0])).or_default().push(json!({ "name": r[1], "type": r[2] }));
    }
    Ok(JsonBody(json!({ "relations": rels })))
}

pub async fn list_queries() -> ApiResult<JsonBody<Json>> {
    let all = crate::saved::all()?;
    Ok(JsonBody(json!({ "queries": all.values().collect::<Vec<_>>() })))
}

pub async fn run_saved(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(name): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let saved = crate::saved::get(&name)?;
    let params = crate::saved::bind(&saved, &q)?;
    let format = q.get("format").cloned().unwrap_or_else(|| "json".into());
    let table = execute(&state, &p, &format!("saved:{name}"), saved.sql.clone(), params, 1_000_000).await?;
    respond(&state, &p, table, &format, &name).await
}

pub async fn export(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(file): Path<String>) -> ApiResult<Response> {
    let (dataset, format) = file.rsplit_once('.').ok_or_else(|| ApiError::not_found(format!("no such export: {file}")))?;
    let relation = match dataset {
        "units" => "unit",
        "indicators" => "indicator",
        "classification" => "classification",
        "conversion" => "conversion",
        other => {
            return Err(ApiError::not_found(format!(
                "no dataset '{other}': use units, indicators, classification or conversion"
            )));
        }
    };
    let table = execute(&state, &p, &format!("export:{file}"), format!("SELECT * FROM {relation}"), Vec::new(), 10_000_000).await?;
    respond(&state, &p, table, format, dataset).await
}

/// Encode a result as JSON, CSV, Parquet or GeoJSON.
async fn respond(state: &AppState, p: &Principal, table: Table, format: &str, name: &str) -> ApiResult<Response> {
    match format {
        "json" => Ok(JsonBody(json!(table)).into_response()),
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(table.columns.iter().map(|c| c.name.as_str()));
            for r in &table.rows {
                let _ = w.write_record(r.iter().map(tabular::cell_text));
            }
            let bytes = w.into_inner().unwrap_or_default();
            Ok(attachment(bytes, "text/csv; charset=utf-8", &format!("{name}.csv")))
        }
        "parquet" => {
            let bytes = tokio::task::spawn_blocking(move || crate::sandbox::to_parquet(&table)).await??;
            Ok(attachment(bytes, "application/vnd.apache.parquet", &format!("{name}.parquet")))
        }
        "geojson" => {
            let store = state.store.clone();
            let scope = p.scope.clone();
            let text = tokio::task::spawn_blocking(move || crate::sandbox::to_geojson(&store, &table, &|id| scope.unit(id))).await??;
            Ok(attachment(text.into_bytes(), "application/geo+json", &format!("{name}.geojson")))
        }
        other => Err(ApiError::bad_request(format!("format must be json, csv, parquet or geojson, not '{other}'"))),
    }
}

fn attachment(bytes: Vec<u8>, ctype: &'static str, file: &str) -> Response {
    (
        [(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\""))],
        bytes,
    )
        .into_response()
}
