//! Administration over HTTP (admin role): users and tokens while the server holds the store,
//! the audit log, and imports of tabular data.
//! - `GET /api/admin/users`, `POST /api/admin/users {name, role, scope}` → the first token, once;
//! - `POST /api/admin/users/{name}/disable|enable`, `POST /api/admin/users/{name}/token`;
//! - `GET /api/admin/audit?action=&actor=&limit=` — the `audit_log` view, newest first;
//! - `GET /api/admin/backup` — a consistent copy of the store (a DuckDB file), taken while serving;
//! - `POST /api/import/{kind}?file=NAME&replace=true&skip_invalid=true&dry_run=true…` with the file
//!   as the body (CSV, workbook; boundaries: GeoJSON, zipped Shapefile, GeoPackage): validated and
//!   atomic like the CLI import, then the classification is refreshed and served at once (after
//!   boundaries, the tiles and the unit directory too);
//! - `POST /api/import/{kind}/preview`: the file's columns, their keys and its first rows;
//! - `GET /api/templates/indicators.xlsx?province=&year=`: the workbook a province fills in.

use axum::extract::{Extension, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Body, Json, Path, Query};
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::{Principal, Role, users};
use crate::import::{self, ImportOptions, Input};

/// One write of figures at a time (imports, accepted review submissions): each is followed by a
/// refresh of every classification.
pub(crate) static IMPORTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A province's admin manages the users of its provinces only: every code of `scope` (province
/// codes, or an officer's commune codes) must be in the admin's scope; national users (`*`, the
/// Ministry) are a national admin's.
fn manages(state: &AppState, p: &Principal, scope: &str, role: Option<Role>) -> Result<(), ApiError> {
    if role == Some(Role::Ministry) && scope.trim() != "*" {
        return Err(ApiError::bad_request("a ministry user's scope is * (the Ministry sees every province)"));
    }
    if p.scope.is_all() {
        return Ok(());
    }
    if scope.trim() == "*" {
        return Err(crate::Error::Forbidden(format!("only a national admin manages national users; {} is scoped to {}", p.name, p.scope.spec)).into());
    }
    let units = state.units();
    for code in scope.split(',').map(str::trim) {
        let commune_in_scope = units.entries().iter().any(|e| e.code == code && e.level == crate::vocab::Level::Commune && p.scope.unit(e.unit_id));
        if !p.scope.province(Some(code)) && !commune_in_scope {
            return Err(p.scope.refuse(&format!("'{code}'")).into());
        }
    }
    Ok(())
}

/// The user named `name`, for the checks of [`manages`].
async fn user_named(state: &AppState, name: &str) -> ApiResult<crate::access::User> {
    let store = state.store.clone();
    let list = tokio::task::spawn_blocking(move || users::list(&store)).await??;
    list.into_iter().find(|u| u.name == name).ok_or_else(|| ApiError::not_found(format!("no user named '{name}'")))
}

pub async fn users(State(state): State<AppState>, Extension(p): Extension<Principal>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let list = tokio::task::spawn_blocking(move || users::list(&store)).await??;
    // A province's admin sees the users it manages (and itself).
    let list: Vec<_> = list.into_iter().filter(|u| *u.name == *p.name || manages(&state, &p, &u.scope, None).is_ok()).collect();
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
    manages(&state, &p, &u.scope, Some(role))?;
    let store = state.store.clone();
    let issued = tokio::task::spawn_blocking(move || users::add(&store, &u.name, role, &u.scope, &p.name)).await??;
    Ok(Json(json!({ "user": issued.user, "token": issued.token, "note": "the token is shown once; give it to the user now" })))
}

async fn set_disabled(state: AppState, p: Principal, name: String, disabled: bool) -> ApiResult<Json<Value>> {
    if disabled && *name == *p.name {
        return Err(ApiError::bad_request("you cannot disable yourself; ask another admin"));
    }
    let target = user_named(&state, &name).await?;
    manages(&state, &p, &target.scope, None)?;
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
    if *name != *p.name {
        let target = user_named(&state, &name).await?;
        manages(&state, &p, &target.scope, None)?;
    }
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
    /// Check everything and write nothing (as `--dry-run`).
    #[serde(default)]
    pub dry_run: bool,
    /// The sheet of a workbook (as `--sheet`).
    pub sheet: Option<String>,
    /// The year of every row of a file without a year column (as `--year`).
    pub year: Option<i64>,
    /// The province of a file naming communes without a province column (as `--province`).
    pub province: Option<String>,
    /// Header mappings "Header=key", separated by `;` (as `--map`).
    pub map: Option<String>,
    /// Crosswalk: the effective date of rows without one (as `--effective-date`).
    pub effective_date: Option<chrono::NaiveDate>,
    /// Boundaries: the version, its validity, level, repair, CRS and axis order (as the CLI's
    /// flags of the same names).
    pub version: Option<String>,
    pub valid_from: Option<chrono::NaiveDate>,
    pub valid_to: Option<chrono::NaiveDate>,
    pub level: Option<crate::vocab::Level>,
    #[serde(default)]
    pub repair: bool,
    pub snap_tolerance: Option<f64>,
    pub crs: Option<String>,
    #[serde(default)]
    pub swap_xy: bool,
}

impl ImportQuery {
    fn table(&self) -> Result<crate::import::TableOptions, ApiError> {
        let mut table = crate::import::TableOptions { sheet: self.sheet.clone(), year: self.year, province: self.province.clone(), map: Vec::new() };
        for m in self.map.iter().flat_map(|m| m.split(';')).filter(|m| !m.trim().is_empty()) {
            table.map.push(crate::import::TableOptions::parse_map(m).map_err(ApiError::bad_request)?);
        }
        Ok(table)
    }
}

const KINDS: &str = "indicators, recognitions, quotas, targets, province_routes, crosswalk or boundaries";

/// `POST /api/import/{kind}/preview`: how the file will be read — its columns and the keys they
/// map to, the first rows as they will be stored, header problems. Nothing is checked against
/// the store or written.
pub async fn preview(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    let kind: import::Kind = kind.parse().map_err(|_| ApiError::not_found(format!("no import kind '{kind}': use {KINDS}")))?;
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty: send the file as the body"));
    }
    let name = q.file.clone().unwrap_or_else(|| format!("upload-{kind}.csv"));
    let opts = ImportOptions { actor: p.name.to_string(), table: q.table()?, ..ImportOptions::default() };
    let st = state.clone();
    let preview = tokio::task::spawn_blocking(move || import::preview(&st.store, kind, &Input::from_bytes(name, &body), &opts)).await??;
    Ok(Json(json!({ "preview": preview })))
}

pub async fn import(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    let kind: import::Kind = kind.parse().map_err(|_| ApiError::not_found(format!("cannot import '{kind}' over HTTP: use {KINDS} (routes: use `commune-atlas import routes`)")))?;
    if kind == import::Kind::Routes {
        return Err(ApiError::not_found(format!("cannot import routes over HTTP: use {KINDS}, or `commune-atlas import routes`")));
    }
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty: send the file (CSV, XLSX, XLS, ODS; boundaries: GeoJSON, zipped Shapefile, GeoPackage) as the body"));
    }
    let boundaries = match kind {
        import::Kind::Boundaries => {
            let version = q.version.clone().filter(|v| !v.trim().is_empty()).ok_or_else(|| ApiError::bad_request("boundaries need ?version= (e.g. vn2025) and ?valid_from="))?;
            let valid_from = q.valid_from.ok_or_else(|| ApiError::bad_request("boundaries need ?valid_from=YYYY-MM-DD"))?;
            let crs = q.crs.as_deref().map(crate::geo::crs::Crs::parse).transpose().map_err(ApiError::bad_request)?;
            let b = import::BoundaryOptions {
                version,
                valid_from,
                valid_to: q.valid_to,
                level: q.level.unwrap_or(crate::vocab::Level::Commune),
                code_system: None,
                source: Some(format!("uploaded by {}", p.name)),
                repair: q.repair,
                snap_tolerance: q.snap_tolerance,
                props: import::PropertyNames::default(),
            };
            Some((b, import::VectorOptions { crs, swap_xy: q.swap_xy }))
        }
        _ => None,
    };
    let name = q.file.clone().unwrap_or_else(|| format!("upload-{kind}.csv"));
    let opts = ImportOptions { replace: q.replace, actor: p.name.to_string(), progress: false, skip_invalid: q.skip_invalid, table: q.table()?, dry_run: q.dry_run };
    let effective_date = q.effective_date;
    // One import at a time: each is followed by a refresh of every classification.
    let _one = IMPORTS.lock().await;
    let st = state.clone();
    let (report, refresh) = tokio::task::spawn_blocking(move || {
        let input = Input::from_bytes(name, &body);
        let report = match (kind, &boundaries) {
            (import::Kind::Boundaries, Some((b, v))) => import::import_boundary_file(&st.store, &input, b, v, &opts)?,
            (import::Kind::Crosswalk, _) => {
                let xw = import::CrosswalkOptions { effective_date: effective_date.unwrap_or(import::CrosswalkOptions::default().effective_date) };
                import::import_crosswalk(&st.store, &input, &xw, &opts)?
            }
            (import::Kind::Indicators, _) => import::import_indicators(&st.store, &input, &opts)?,
            (import::Kind::Recognitions, _) => import::import_recognitions(&st.store, &input, &opts)?,
            (import::Kind::Quotas, _) => import::import_quotas(&st.store, &input, &opts)?,
            (import::Kind::Targets, _) => import::import_targets(&st.store, &input, &opts)?,
            (import::Kind::ProvinceRoutes, _) => import::import_province_routes(&st.store, &input, &opts)?,
            _ => return Err(crate::Error::InvalidArgument(format!("cannot import {kind} over HTTP"))),
        };
        if report.dry_run {
            return Ok::<_, crate::Error>((report, None));
        }
        if kind == import::Kind::Boundaries {
            // New units: tiles, labels, search and scopes from the store, without a restart.
            st.reload_boundaries()?;
        }
        let rules = st.snapshot().rules.clone();
        let refreshed = crate::analytics::refresh(&st.store, &rules)?;
        Ok((report, Some(refreshed)))
    })
    .await??;
    // The rows left out, each with its reason in Vietnamese too where known.
    let mut report = serde_json::to_value(&report).map_err(ApiError::internal)?;
    if let Some(skipped) = report.get_mut("skipped") {
        super::messages::add_reasons_vi(skipped);
    }
    let Some((refresh, snapshot)) = refresh else {
        return Ok(Json(json!({ "import": report })));
    };
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
