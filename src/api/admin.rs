//! Administration over HTTP (admin role): users and tokens while the server holds the store,
//! the audit log, and imports of tabular data.
//! - `GET /api/admin/users`, `POST /api/admin/users {name, role, scope}` → the first token, once;
//! - `POST /api/admin/users/{name}/disable|enable`, `POST /api/admin/users/{name}/token`;
//! - `GET /api/admin/audit?action=&actor=&limit=` — the `audit_log` view, newest first;
//! - `GET /api/admin/backup` — a consistent copy of the store (a DuckDB file), taken while serving;
//! - `POST /api/import/{indicators|recognitions|quotas|targets}?file=NAME&replace=true&skip_invalid=true` with the
//!   CSV as the body: validated and atomic like the CLI import, then the classification is
//!   refreshed and served at once.

use axum::extract::{Extension, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Body, Json, Path, Query};
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::{Principal, Role, users};
use crate::import::{self, ImportOptions, Input};

static IMPORTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn users(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let list = tokio::task::spawn_blocking(move || users::list(&store)).await??;
    Ok(Json(json!({ "users": list })))
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    pub name: String,
    pub role: String,
    pub scope: String,
}

pub async fn add_user(State(state): State<AppState>, Extension(p): Extension<Principal>, Json(u): Json<NewUser>) -> ApiResult<Json<Value>> {
    let role: Role = u.role.parse()?;
    let store = state.store.clone();
    let issued = tokio::task::spawn_blocking(move || users::add(&store, &u.name, role, &u.scope, &p.name)).await??;
    Ok(Json(json!({ "user": issued.user, "token": issued.token, "note": "the token is shown once; give it to the user now" })))
}

async fn set_disabled(state: AppState, p: Principal, name: String, disabled: bool) -> ApiResult<Json<Value>> {
    if disabled && name == p.name {
        return Err(ApiError::bad_request("you cannot disable yourself; ask another admin"));
    }
    let store = state.store.clone();
    let n = name.clone();
    tokio::task::spawn_blocking(move || users::set_disabled(&store, &n, disabled, &p.name)).await??;
    state.auth.forget_user(&name);
    Ok(Json(json!({ "user": name, "disabled": disabled })))
}

pub async fn disable_user(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    set_disabled(state, p, name, true).await
}

pub async fn enable_user(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    set_disabled(state, p, name, false).await
}

#[derive(Debug, Deserialize, Default)]
pub struct TokenRequest {
    #[serde(default)]
    pub revoke_others: bool,
}

pub async fn issue_token(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(name): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    // The body is optional: none means the defaults.
    let req: TokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TokenRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the body must be JSON like {{\"revoke_others\": true}}: {e}")))?
    };
    let revoke = req.revoke_others;
    let store = state.store.clone();
    let n = name.clone();
    let issued = tokio::task::spawn_blocking(move || users::issue_token(&store, &n, revoke, &p.name)).await??;
    if revoke {
        state.auth.forget_user(&name);
    }
    Ok(Json(json!({ "user": issued.user, "token": issued.token, "revoked_others": revoke })))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub limit: Option<usize>,
}

pub async fn audit(State(state): State<AppState>, Query(q): Query<AuditQuery>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let limit = q.limit.unwrap_or(200).min(10_000);
    let table = tokio::task::spawn_blocking(move || crate::access::audit::log(&store, q.action.as_deref(), q.actor.as_deref(), limit)).await??;
    Ok(Json(json!({ "events": table.into_objects() })))
}

#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    pub file: Option<String>,
    #[serde(default)]
    pub replace: bool,
    /// Import the valid rows and list the others (as `--skip-invalid`).
    #[serde(default)]
    pub skip_invalid: bool,
    /// The sheet of a workbook (as `--sheet`).
    pub sheet: Option<String>,
    /// The year of every row of a file without a year column (as `--year`).
    pub year: Option<i64>,
    /// The province of a file naming communes without a province column (as `--province`).
    pub province: Option<String>,
    /// Header mappings "Header=key", separated by `;` (as `--map`).
    pub map: Option<String>,
}

pub async fn import(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    let run = match kind.as_str() {
        "indicators" => import::import_indicators,
        "recognitions" => import::import_recognitions,
        "quotas" => import::import_quotas,
        "targets" => import::import_targets,
        "province_routes" => import::import_province_routes,
        other => {
            return Err(ApiError::not_found(format!(
                "cannot import '{other}' over HTTP: use indicators, recognitions, quotas, targets or province_routes (boundaries, crosswalk and routes: stop the server and use `commune-atlas import`)"
            )));
        }
    };
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty: send the file (CSV, XLSX, XLS or ODS) as the body"));
    }
    let mut table = crate::import::TableOptions { sheet: q.sheet, year: q.year, province: q.province, map: Vec::new() };
    for m in q.map.iter().flat_map(|m| m.split(';')).filter(|m| !m.trim().is_empty()) {
        table.map.push(crate::import::TableOptions::parse_map(m).map_err(ApiError::bad_request)?);
    }
    let name = q.file.unwrap_or_else(|| format!("upload-{kind}.csv"));
    // One import at a time: each is followed by a refresh of every classification.
    let _one = IMPORTS.lock().await;
    let st = state.clone();
    let (report, refresh, snapshot) = tokio::task::spawn_blocking(move || {
        let opts = ImportOptions { replace: q.replace, actor: p.name.clone(), progress: false, skip_invalid: q.skip_invalid, table };
        let report = run(&st.store, &Input::from_bytes(name, &body), &opts)?;
        let rules = st.snapshot().rules.clone();
        let (refresh, snapshot) = crate::analytics::refresh(&st.store, &rules)?;
        Ok::<_, crate::Error>((report, refresh, snapshot))
    })
    .await??;
    state.replace_snapshot(snapshot);
    Ok(Json(json!({ "import": report, "classified": refresh.classified, "conversions": refresh.conversions, "seconds": refresh.seconds })))
}

/// `GET /api/admin/backup`: a snapshot of the store as a DuckDB file.
pub async fn backup(State(state): State<AppState>, Extension(p): Extension<Principal>) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let store = state.store.clone();
    let (bytes, report) = tokio::task::spawn_blocking(move || {
        let dir = std::env::temp_dir().join("commune-atlas-backup");
        std::fs::create_dir_all(&dir).map_err(crate::Error::io(&dir))?;
        let out = dir.join(format!("backup-{}-{}.duckdb", std::process::id(), chrono::Utc::now().format("%Y%m%dT%H%M%S%.f")));
        let report = crate::store::backup::backup(&store, &out)?;
        let bytes = std::fs::read(&out).map_err(crate::Error::io(&out));
        let _ = std::fs::remove_file(&out);
        crate::access::audit::record(
            &store,
            &crate::access::audit::Event::new(&p.name, "backup").timing(report.seconds * 1e3, None).detail(format!("{} bytes", report.bytes)),
        )?;
        Ok::<_, crate::Error>((bytes?, report))
    })
    .await??;
    let name = format!("attachment; filename=\"atlas-backup-{}.duckdb\"", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    tracing::info!(bytes = report.bytes, seconds = report.seconds, "backup served");
    Ok(([(axum::http::header::CONTENT_TYPE, "application/octet-stream".to_string()), (axum::http::header::CONTENT_DISPOSITION, name)], bytes).into_response())
}

#[derive(Debug, Deserialize)]
pub struct TemplateQuery {
    /// Province code or name.
    pub province: Option<String>,
    /// Reporting year (default: the current year).
    pub year: Option<i32>,
}

/// `GET /api/templates/indicators.xlsx?province=82&year=2025`: the workbook a province fills
/// in (its communes pre-filled), for the province of the caller's scope.
pub async fn template(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(file): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if file != "indicators.xlsx" {
        return Err(ApiError::not_found(format!("no template '{file}': use indicators.xlsx")));
    }
    let province = q.province.ok_or_else(|| ApiError::bad_request("give the province: ?province=82 (code or name)"))?;
    let year = q.year.unwrap_or_else(|| chrono::Datelike::year(&chrono::Utc::now().date_naive()));
    let store = state.store.clone();
    let t = tokio::task::spawn_blocking(move || import::indicators_template(&store, &province, year)).await??;
    if !p.scope.province(Some(&t.province_code)) {
        return Err(p.scope.refuse(&format!("province {}", t.province_code)).into());
    }
    let disposition = format!("attachment; filename=\"chi_so_{}_{year}.xlsx\"", t.province_code);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        t.bytes,
    )
        .into_response())
}
