//! Analysts' SQL over HTTP, in the [`Sandbox`](crate::sql::sandbox::Sandbox):
//! - `POST /api/sql?format=json|csv|parquet|geojson` with `{"sql": "...", "params": {"name": value}}`;
//! - `GET /api/sql/schema` — the relations and columns an analyst can query;
//! - `GET /api/queries` and `GET /api/queries/{name}?param=…&format=…` — saved queries;
//! - `GET /api/export/{dataset}.{parquet|csv|json|geojson}` — any dataset of
//!   [`Dataset`], written by the one export writer ([`crate::sql::export`]) exactly as
//!   `commune-atlas export data` writes it, cut to the user's scope, and streamed.
//!
//! Every query runs on its own sandbox connection with the statement time limit (the query is
//! interrupted), the memory and row limits; at most two run at once. Errors are JSON with DuckDB's
//! message and, when DuckDB gives one, the position in the query.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use duckdb::types::Value;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::extract::{Json as JsonBody, Path, Query};
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::{Principal, Scope, audit};
use crate::sql::export::{self, Dataset, Format};
use crate::sql::sandbox::{self, Sandbox};
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
        let routes = routes_in_scope(&st, &scope);
        Sandbox::build(&st.store, &dir, sandbox::Limits::default(), &scope, &routes)
    })
    .await??;
    Ok(state.install_sandbox(&p.scope, generation, built))
}

/// Each key route's stretches inside a (non-national) scope, as the scope code wants them.
fn routes_in_scope(state: &AppState, scope: &Scope) -> Vec<(i64, String)> {
    match state.tiles().layer("routes").as_deref().map(|l| &l.kind) {
        Some(crate::tiles::Kind::Lines(l)) if !scope.is_all() => l.geojson_within(&|id| scope.unit(id)),
        _ => Vec::new(),
    }
}

fn sql_error(e: &crate::Error) -> ApiError {
    use sandbox::Failure;
    let s = sandbox::sql_error(e);
    let status = match s.kind {
        Failure::Timeout => StatusCode::REQUEST_TIMEOUT,
        Failure::Forbidden => StatusCode::FORBIDDEN,
        Failure::Syntax | Failure::Memory | Failure::Error => StatusCode::BAD_REQUEST,
    };
    let code = match s.kind {
        Failure::Timeout => "timeout",
        Failure::Forbidden => "forbidden",
        Failure::Memory => "memory_limit",
        Failure::Syntax => "syntax_error",
        Failure::Error => "sql_error",
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
    pub format: Option<Format>,
}

pub async fn post_sql(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(f): Query<FormatQuery>,
    JsonBody(body): JsonBody<SqlBody>,
) -> ApiResult<Response> {
    let params = body.params.iter().map(|(k, v)| (k.clone(), json_param(v))).collect();
    let format = f.format.unwrap_or(Format::Json);
    let rows = if format == Format::Json { sandbox::Limits::default().rows } else { 1_000_000 };
    let table = execute(&state, &p, "console", body.sql, params, rows).await?;
    respond(&state, &p, table, format, "query").await
}

pub async fn schema(State(state): State<AppState>, Extension(p): Extension<Principal>) -> ApiResult<JsonBody<Json>> {
    let sb = current(&state, &p).await?;
    let t = tokio::task::spawn_blocking(move || sb.schema()).await??;
    let mut rels: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for r in &t.rows {
        rels.entry(tabular::cell_text(&r[0])).or_default().push(json!({ "name": tabular::cell_text(&r[1]), "type": tabular::cell_text(&r[2]) }));
    }
    Ok(JsonBody(json!({ "relations": rels })))
}

pub async fn list_queries() -> ApiResult<JsonBody<Json>> {
    let all = crate::sql::saved::all()?;
    Ok(JsonBody(json!({ "queries": all.values().collect::<Vec<_>>() })))
}

pub async fn run_saved(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(name): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let saved = crate::sql::saved::get(&name)?;
    let params = crate::sql::saved::bind(&saved, &q)?;
    let format = q.get("format").map(|f| f.parse::<Format>()).transpose()?.unwrap_or(Format::Json);
    let table = execute(&state, &p, &format!("saved:{name}"), saved.sql.clone(), params, 1_000_000).await?;
    respond(&state, &p, table, format, &name).await
}

pub async fn export(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(file): Path<String>) -> ApiResult<Response> {
    let (dataset, format) = file.rsplit_once('.').ok_or_else(|| ApiError::not_found(format!("no such export: {file} (use e.g. indicators.parquet)")))?;
    let dataset: Dataset = dataset.parse().map_err(|e: crate::Error| ApiError::not_found(e.to_string()))?;
    let format: Format = format.parse()?;
    let st = state.clone();
    let scope = p.scope.clone();
    let started = std::time::Instant::now();
    let written = tokio::task::spawn_blocking(move || {
        let routes = routes_in_scope(&st, &scope);
        export::write_temp(&st.store, dataset, format, &scope, &routes)
    })
    .await?;
    let event = match &written {
        Ok((_, r)) => audit::Event::new(&p.name, "export").timing(started.elapsed().as_secs_f64() * 1e3, Some(r.rows as i64)),
        Err(_) => audit::Event::new(&p.name, "export").outcome("error"),
    }
    .target(file.clone());
    let store = state.store.clone();
    let recorded = tokio::task::spawn_blocking(move || audit::record(&store, &event)).await?;
    let (path, report) = written?;
    if let Err(e) = recorded {
        // An export that cannot be audited is not handed out.
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    let file = tokio::fs::File::open(&path).await.map_err(crate::Error::io(&path))?;
    // Unlinked now, read while streaming: the file goes away with the answer.
    let _ = std::fs::remove_file(&path);
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let name = format!("{dataset}.{format}");
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CONTENT_LENGTH, report.bytes.to_string()),
        ],
        body,
    )
        .into_response())
}

/// Encode a query result as JSON, CSV, Parquet or GeoJSON.
async fn respond(state: &AppState, p: &Principal, table: Table, format: Format, name: &str) -> ApiResult<Response> {
    let bytes = match format {
        Format::Json => return Ok(JsonBody(json!(table)).into_response()),
        Format::Csv => tokio::task::spawn_blocking(move || export::table_csv(&table)).await??,
        Format::Parquet => tokio::task::spawn_blocking(move || export::table_parquet(&table)).await??,
        Format::GeoJson => {
            let store = state.store.clone();
            let scope = p.scope.clone();
            tokio::task::spawn_blocking(move || export::table_geojson(&store, &table, &|id| scope.unit(id))).await??.into_bytes()
        }
    };
    Ok(attachment(bytes, format.content_type(), &format!("{name}.{format}")))
}

fn attachment(bytes: Vec<u8>, ctype: &'static str, file: &str) -> Response {
    (
        [(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\""))],
        bytes,
    )
        .into_response()
}
