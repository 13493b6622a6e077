//! The annual review over HTTP (Decision 28/2025 Art. 7; [`crate::review`]). Who may do which
//! step is decided here: commune officers (role `officer`, scope = their commune codes) enter and
//! submit their communes' figures; reviewers (role `reviewer`, the provincial police) return and
//! accept the submissions of the communes in their scope; admins open and close periods and may
//! do every step. A stale version answers 409 and changes nothing.
//! - `GET  /api/review/periods`; `POST /api/review/periods {year, province_code?, commune_deadline?}` (admin);
//!   `POST /api/review/periods/{id}/close {version}` (admin);
//! - `GET  /api/review/periods/{id}/queue` (reviewer, admin): every commune in scope with its state;
//! - `GET  /api/review/progress` (everyone of the review): per period and province of the caller's
//!   scope, communes by state, overdue, days to the deadlines; and what waits for the caller;
//! - `GET|PUT /api/review/periods/{id}/communes/{unit}` — the commune's submission; PUT saves the
//!   draft `{version, figures, self_key_type, self_drug_free, justification}` (officer, admin);
//! - `POST /api/review/submissions/{id}/{submit|withdraw}` `{version}` (officer, admin);
//!   `POST /api/review/submissions/{id}/{return|accept}` `{version, comment}` (reviewer, admin);
//! - `GET  /api/review/periods/{id}/provinces/{code}/lists` (everyone but officers, in scope): the
//!   proposal or the approved lists; `POST …/{approve|amend}` (approver, admin); `GET …/annex.pdf`.

use axum::extract::{Extension, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{Json, Path};
use crate::access::{Principal, Role};
use crate::review::{self, Draft, Period};
use crate::vocab::Level;

/// Does the period cover this unit (its province, or every province)?
fn covers(units: &crate::store::units::Directory, period: &Period, unit: i64) -> bool {
    let Some(e) = units.get(unit) else { return false };
    e.level == Level::Commune && period.province_code.as_ref().is_none_or(|p| e.province_code.as_ref() == Some(p))
}

/// The officer of this commune (or an admin) — who enters and submits its figures.
fn enters(p: &Principal, unit: i64) -> Result<(), ApiError> {
    if (p.role == Role::Officer || p.role == Role::Admin) && p.scope.unit(unit) {
        return Ok(());
    }
    Err(ApiError::from(crate::Error::Forbidden(format!("only the commune's officer enters its figures (unit {unit} is not in {}'s scope, or the role is not officer)", p.name))))
}

/// A reviewer of this commune's province (or an admin).
fn reviews(p: &Principal, unit: i64) -> Result<(), ApiError> {
    if p.reviews() && p.scope.unit(unit) {
        return Ok(());
    }
    Err(ApiError::from(crate::Error::Forbidden(format!("only a reviewer of the commune's province reviews it (unit {unit} is not in {}'s scope, or the role is not reviewer)", p.name))))
}

/// Anyone of the review for this unit: its officer, a reviewer of its province, an admin.
fn sees(p: &Principal, unit: i64) -> Result<(), ApiError> {
    enters(p, unit).or_else(|_| reviews(p, unit))
}

/// A province's admin opens and closes its periods; a national period is a national admin's.
fn opens(p: &Principal, province: Option<&str>) -> Result<(), ApiError> {
    match province {
        Some(code) if p.scope.province(Some(code)) => Ok(()),
        Some(code) => Err(p.scope.refuse(&format!("province {code}'s review")).into()),
        None if p.scope.is_all() => Ok(()),
        None => Err(crate::Error::Forbidden(format!("a review of every province is a national admin's to open or close ({} is scoped to {})", p.name, p.scope.spec)).into()),
    }
}

/// The periods a person may know of: national ones and those of provinces they see (wholly, or
/// an officer's communes in it).
fn visible(p: &Principal, units: &crate::store::units::Directory, period: &Period) -> bool {
    match period.province_code.as_deref() {
        None => true,
        Some(code) => p.scope.province(Some(code)) || units.entries().iter().any(|e| e.province_code.as_deref() == Some(code) && p.scope.unit(e.unit_id)),
    }
}

pub async fn periods(State(state): State<AppState>, Extension(p): Extension<Principal>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let units = state.units();
    let list: Vec<Period> = tokio::task::spawn_blocking(move || review::periods(&store)).await??.into_iter().filter(|x| visible(&p, &units, x)).collect();
    let deadlines = review::Deadlines::embedded()?;
    Ok(Json(json!({ "periods": list, "citations": deadlines.citations })))
}

#[derive(Debug, Deserialize)]
pub struct NewPeriod {
    pub year: i32,
    pub province_code: Option<String>,
    pub commune_deadline: Option<chrono::NaiveDate>,
}

pub async fn open(State(state): State<AppState>, Extension(p): Extension<Principal>, Json(n): Json<NewPeriod>) -> ApiResult<Json<Value>> {
    if p.role != Role::Admin {
        return Err(crate::Error::Forbidden("only an admin opens a review period".into()).into());
    }
    opens(&p, n.province_code.as_deref())?;
    let store = state.store.clone();
    let period = tokio::task::spawn_blocking(move || review::open_period(&store, n.year, n.province_code.as_deref(), n.commune_deadline, &p.name)).await??;
    Ok(Json(json!({ "period": period })))
}

#[derive(Debug, Deserialize)]
pub struct Versioned {
    pub version: i32,
    pub comment: Option<String>,
}

pub async fn close(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<i32>, Json(v): Json<Versioned>) -> ApiResult<Json<Value>> {
    if p.role != Role::Admin {
        return Err(crate::Error::Forbidden("only an admin closes a review period".into()).into());
    }
    let store = state.store.clone();
    let period = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || review::period_by_id(&store, id)).await??
    };
    opens(&p, period.province_code.as_deref())?;
    let period = tokio::task::spawn_blocking(move || review::close_period(&store, id, v.version, &p.name)).await??;
    Ok(Json(json!({ "period": period })))
}

pub async fn queue(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<i32>) -> ApiResult<Json<Value>> {
    if !p.reviews() {
        return Err(crate::Error::Forbidden("the review queue is the reviewers'".into()).into());
    }
    let store = state.store.clone();
    let (period, subs) = tokio::task::spawn_blocking(move || Ok::<_, crate::Error>((review::period_by_id(&store, id)?, review::submissions(&store, id)?))).await??;
    let units = state.units();
    let snap = state.snapshot();
    let mut rows: Vec<Value> = Vec::new();
    for e in period.communes(&units).filter(|e| p.scope.unit(e.unit_id)) {
        let s = subs.iter().find(|s| s.unit_id == e.unit_id);
        // What the figures make of the commune, what it says of itself, and last year's status.
        let computed = match s {
            Some(s) => review::form::evaluate(period.year, e.province_code.as_deref(), &s.draft.figures)?.get("key_type").cloned(),
            None => None,
        };
        let last_status = snap.classified.get(&(e.unit_id, period.year - 1)).map(|c| c.status.status.as_str());
        let last_figures = snap.facts.indicators.get(&(e.unit_id, period.year - 1)).map(|r| serde_json::to_value(&r.inputs.values).unwrap_or_default());
        let self_type = s.and_then(|s| s.draft.self_key_type.clone());
        let disagrees = match (&computed, &self_type) {
            (Some(c), Some(t)) => c.as_str() != Some(t.as_str()),
            _ => false,
        };
        let state_name = s.map_or("not_started", |s| s.state.as_str());
        rows.push(json!({
            "unit_id": e.unit_id, "code": e.code, "name": e.name,
            "state": state_name,
            "computed_key_type": computed, "self_key_type": self_type, "disagrees": disagrees,
            "last_status": last_status, "last_figures": last_figures,
            "submission": s,
        }));
    }
    // Submitted first (disagreements before agreements), then the rest by state and code.
    let rank = |r: &Value| match r["state"].as_str() {
        Some("submitted") => if r["disagrees"] == true { 0 } else { 1 },
        Some("returned") => 2,
        Some("draft") => 3,
        Some("not_started") => 4,
        _ => 5,
    };
    rows.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a["code"].as_str().cmp(&b["code"].as_str())));
    Ok(Json(json!({ "period": period, "communes": rows })))
}

pub async fn commune(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((id, unit)): Path<(i32, i64)>) -> ApiResult<Json<Value>> {
    sees(&p, unit)?;
    let store = state.store.clone();
    let (period, sub) = tokio::task::spawn_blocking(move || Ok::<_, crate::Error>((review::period_by_id(&store, id)?, review::submission_of(&store, id, unit)?))).await??;
    if !covers(&state.units(), &period, unit) {
        return Err(ApiError::not_found(format!("review period {id} does not cover unit {unit}")));
    }
    Ok(Json(json!({ "period": period, "unit_id": unit, "submission": sub })))
}

#[derive(Debug, Deserialize)]
pub struct SaveDraft {
    /// The version saved last (0 for the first draft).
    pub version: i32,
    #[serde(flatten)]
    pub draft: Draft,
}

pub async fn save(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((id, unit)): Path<(i32, i64)>, Json(d): Json<SaveDraft>) -> ApiResult<Json<Value>> {
    enters(&p, unit)?;
    let store = state.store.clone();
    let period = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || review::period_by_id(&store, id)).await??
    };
    if !covers(&state.units(), &period, unit) {
        return Err(ApiError::not_found(format!("review period {id} does not cover unit {unit}")));
    }
    let s = tokio::task::spawn_blocking(move || review::save_draft(&store, id, unit, d.version, &d.draft, &p.name)).await??;
    Ok(Json(json!({ "submission": s })))
}

/// `POST /api/review/submissions/{id}/{step}`.
pub async fn step(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((id, step)): Path<(i64, String)>, Json(v): Json<Versioned>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let current = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || review::submission(&store, id)).await??
    };
    match step.as_str() {
        "submit" | "withdraw" => enters(&p, current.unit_id)?,
        "return" | "accept" => reviews(&p, current.unit_id)?,
        other => return Err(ApiError::not_found(format!("no review step '{other}': use submit, withdraw, return or accept"))),
    }
    let accepting = step == "accept";
    // Accepted figures are written like an import: one at a time, then every classification
    // refreshed. Every step takes the same lock as an approval, so none slips in while a
    // province's lists are being approved.
    let _one = super::admin::IMPORTS.lock().await;
    let st = state.clone();
    let (s, snapshot) = tokio::task::spawn_blocking(move || {
        let s = match step.as_str() {
            "submit" => review::submit(&st.store, id, v.version, &p.name)?,
            "withdraw" => review::withdraw(&st.store, id, v.version, &p.name)?,
            "return" => review::return_submission(&st.store, id, v.version, v.comment.as_deref().unwrap_or(""), &p.name)?,
            _ => review::accept(&st.store, id, v.version, &p.name)?,
        };
        let snapshot = if accepting {
            let rules = st.snapshot().rules.clone();
            Some(crate::analytics::refresh(&st.store, &rules)?.1)
        } else {
            None
        };
        Ok::<_, crate::Error>((s, snapshot))
    })
    .await??;
    if let Some(snapshot) = snapshot {
        state.replace_snapshot(snapshot);
    }
    Ok(Json(json!({ "submission": s })))
}

/// `GET /api/review/form`: the form's groups and fields.
pub async fn form() -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "groups": review::form::groups()? })))
}

#[derive(Debug, Deserialize)]
pub struct EvaluateBody {
    pub year: i32,
    pub unit_id: i64,
    #[serde(default)]
    pub figures: serde_json::Map<String, Value>,
}

/// `POST /api/review/evaluate {year, unit_id, figures}`: the live result of typed figures.
pub async fn evaluate(State(state): State<AppState>, Extension(p): Extension<Principal>, Json(b): Json<EvaluateBody>) -> ApiResult<Json<Value>> {
    sees(&p, b.unit_id)?;
    let province = state.units().get(b.unit_id).and_then(|e| e.province_code.clone());
    Ok(Json(json!({ "evaluation": review::form::evaluate(b.year, province.as_deref(), &b.figures)? })))
}

#[derive(Debug, Deserialize)]
pub struct MineQuery {
    pub province: Option<String>,
}

/// `GET /api/review/mine`: the open periods and the communes the caller enters or reviews, each
/// with its submission and last year's status.
pub async fn mine(State(state): State<AppState>, Extension(p): Extension<Principal>, super::extract::Query(q): super::extract::Query<MineQuery>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let periods: Vec<Period> = tokio::task::spawn_blocking(move || review::periods(&store)).await??.into_iter().filter(|x| x.state == review::PeriodState::Open && visible(&p, &state.units(), x)).collect();
    let units = state.units();
    let snap = state.snapshot();
    let newest = units.entries().iter().filter(|e| e.level == Level::Commune).map(|e| e.valid_from.clone()).max();
    let everything = p.scope.spec == "*";
    let mine: Vec<&crate::store::units::Entry> = units
        .entries()
        .iter()
        .filter(|e| e.level == Level::Commune && Some(&e.valid_from) == newest.as_ref() && p.scope.unit(e.unit_id))
        // A national user names the province.
        .filter(|e| !everything || q.province.as_deref().is_some_and(|pr| e.province_code.as_deref() == Some(pr)))
        .filter(|e| sees(&p, e.unit_id).is_ok())
        .collect();
    // Every submission of these communes in the open periods, read in one blocking task.
    let wanted: Vec<(i32, i64)> = mine.iter().flat_map(|e| periods.iter().filter(|x| covers(&units, x, e.unit_id)).map(|x| (x.id, e.unit_id))).collect();
    let store = state.store.clone();
    let subs = tokio::task::spawn_blocking(move || wanted.iter().map(|(id, unit)| review::submission_of(&store, *id, *unit)).collect::<Result<Vec<_>, _>>()).await??;
    let year = periods.first().map(|x| x.year);
    let last = |unit: i64, year: i32| snap.classified.get(&(unit, year - 1)).map(|c| c.status.status.as_str());
    let communes: Vec<Value> = mine
        .iter()
        .map(|e| {
            // The route designation is the authorities': the latest one on record, shown read-only.
            let route = snap.facts.indicators.iter().filter(|((u, y), _)| *u == e.unit_id && year.is_none_or(|py| *y <= py)).max_by_key(|((_, y), _)| *y).and_then(|(_, r)| r.inputs.key_route_scope);
            json!({
                "unit_id": e.unit_id, "code": e.code, "name": e.name, "province_code": e.province_code,
                "submissions": subs.iter().flatten().filter(|s| s.unit_id == e.unit_id).collect::<Vec<_>>(),
                "last_status": year.and_then(|y| last(e.unit_id, y)),
                "key_route_scope": route,
            })
        })
        .collect();
    Ok(Json(json!({ "user": p.name, "role": p.role, "periods": periods, "communes": communes })))
}

/// `GET /api/review/progress`: every period that is not approved, with per province (of the
/// caller's scope) the communes by state, how many are overdue and the days to each deadline; and
/// what waits for the caller — a reviewer the submissions to review, an officer the ones returned.
pub async fn progress(State(state): State<AppState>, Extension(p): Extension<Principal>) -> ApiResult<Json<Value>> {
    let store = state.store.clone();
    let (who, units) = (p.clone(), state.units());
    let (periods, subs) = tokio::task::spawn_blocking(move || {
        let periods: Vec<Period> = review::periods(&store)?.into_iter().filter(|x| x.state != review::PeriodState::Approved && visible(&who, &units, x)).collect();
        let subs = periods.iter().map(|x| review::submissions(&store, x.id)).collect::<Result<Vec<_>, _>>()?;
        Ok::<_, crate::Error>((periods, subs))
    })
    .await??;
    let units = state.units();
    let today = chrono::Utc::now().date_naive();
    let (mut waiting, mut returned) = (0usize, 0usize);
    let mut out = Vec::new();
    for (period, subs) in periods.iter().zip(&subs) {
        let communes: Vec<review::progress::Commune> = period.communes(&units)
            // Counts only: everyone sees the tallies of their scope (an officer, of their communes).
            .filter(|e| p.scope.unit(e.unit_id))
            .map(|e| review::progress::Commune { unit_id: e.unit_id, province_code: e.province_code.as_deref().unwrap_or(""), province_name: e.province_name.as_deref().unwrap_or("") })
            .collect();
        let visible: std::collections::HashSet<i64> = communes.iter().map(|c| c.unit_id).collect();
        for s in subs.iter().filter(|s| visible.contains(&s.unit_id)) {
            match s.state {
                review::SubmissionState::Submitted if reviews(&p, s.unit_id).is_ok() => waiting += 1,
                review::SubmissionState::Returned if enters(&p, s.unit_id).is_ok() => returned += 1,
                _ => {}
            }
        }
        if !communes.is_empty() {
            out.push(review::progress::tally(period, &communes, subs, today));
        }
    }
    Ok(Json(json!({ "today": today, "periods": out, "waiting": waiting, "returned": returned })))
}

/// Anyone but an officer may read a province's lists (in scope); the approver and admins act on them.
fn reads_lists(p: &Principal, province: &str) -> Result<(), ApiError> {
    if p.role == Role::Officer {
        return Err(crate::Error::Forbidden("the lists are the province's; an officer sees their communes' forms".into()).into());
    }
    if !p.scope.province(Some(province)) {
        return Err(p.scope.refuse(&format!("province {province}'s lists")).into());
    }
    Ok(())
}

fn approves(p: &Principal, province: &str) -> Result<(), ApiError> {
    reads_lists(p, province)?;
    if !p.approves() {
        return Err(crate::Error::Forbidden(format!("only the provincial People's Committee (role approver) approves the lists; {} is a {}", p.name, p.role)).into());
    }
    Ok(())
}

/// `GET /api/review/periods/{id}/provinces/{code}/lists`: the proposal (before approval) or the
/// lists in force, with the changes against the previous period and every decision.
pub async fn lists(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((id, code)): Path<(i32, String)>) -> ApiResult<Json<Value>> {
    reads_lists(&p, &code)?;
    let st = state.clone();
    let lists = tokio::task::spawn_blocking(move || review::approval::lists(&st.store, &st.snapshot(), &st.units(), id, &code)).await??;
    Ok(Json(json!({ "lists": lists })))
}

#[derive(Debug, Deserialize)]
pub struct Approve {
    #[serde(flatten)]
    pub signed: review::approval::Signed,
    /// Approval: departures from the proposal; amendment: the changes.
    #[serde(default)]
    pub overrides: Vec<review::approval::Override>,
}

/// `POST /api/review/periods/{id}/provinces/{code}/{approve|amend}`
/// `{decision_no, decision_date, signer, overrides: [{unit_id, list, reason}]}`.
pub async fn decide(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((id, code, what)): Path<(i32, String, String)>, Json(b): Json<Approve>) -> ApiResult<Json<Value>> {
    if what != "approve" && what != "amend" {
        return Err(ApiError::not_found(format!("no step '{what}' on the lists: use approve or amend")));
    }
    approves(&p, &code)?;
    // Official acts change the map: one writer at a time, then every classification refreshed.
    let _one = super::admin::IMPORTS.lock().await;
    let st = state.clone();
    let (lists, snapshot) = tokio::task::spawn_blocking(move || {
        let (snap, units) = (st.snapshot(), st.units());
        if what == "approve" {
            review::approval::approve(&st.store, &snap, &units, id, &code, &b.signed, &b.overrides, &p.name)?;
        } else {
            review::approval::amend(&st.store, &snap, &units, id, &code, &b.signed, &b.overrides, &p.name)?;
        }
        let snapshot = crate::analytics::refresh(&st.store, &snap.rules)?.1;
        // The lists as the refreshed map has them.
        let lists = review::approval::lists(&st.store, &snapshot, &units, id, &code)?;
        Ok::<_, crate::Error>((lists, snapshot))
    })
    .await??;
    state.replace_snapshot(snapshot);
    Ok(Json(json!({ "lists": lists })))
}

#[derive(Debug, Deserialize)]
pub struct AnnexQuery {
    pub lang: Option<String>,
    /// Which decision (default the approval).
    pub decision: Option<i32>,
}

/// `GET /api/review/periods/{id}/provinces/{code}/annex.pdf?decision=&lang=`: the annex to the
/// decision — its lists, numbered, with the changes against the previous period.
pub async fn annex(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((id, code)): Path<(i32, String)>, super::extract::Query(q): super::extract::Query<AnnexQuery>) -> ApiResult<impl axum::response::IntoResponse> {
    reads_lists(&p, &code)?;
    let st = state.clone();
    let file = format!("phu-luc-{code}-{id}.pdf");
    let bytes = tokio::task::spawn_blocking(move || {
        let lists = review::approval::lists(&st.store, &st.snapshot(), &st.units(), id, &code)?;
        let pages = crate::render::annex::pages(&lists, q.decision, q.lang.as_deref() == Some("en"), st.demo)?;
        crate::render::pdf_pages(&pages)
    })
    .await??;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf".to_string()), (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\""))], bytes))
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub lang: Option<String>,
}

/// `GET /api/review/periods/{id}/provinces/{code}/report.{pdf|xlsx}?lang=`: the province's report
/// to the Ministry — counts by list against the previous period, conversions and relapses, Art. 5,
/// progress and quota; the PDF then the province report with the map by the approved statuses.
pub async fn report(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((id, code, file)): Path<(i32, String, String)>, super::extract::Query(q): super::extract::Query<ReportQuery>) -> ApiResult<impl axum::response::IntoResponse> {
    let pdf = match file.as_str() {
        "report.pdf" => true,
        "report.xlsx" => false,
        other => return Err(ApiError::not_found(format!("no '{other}' here: ask for report.pdf or report.xlsx"))),
    };
    reads_lists(&p, &code)?;
    let st = state.clone();
    let en = q.lang.as_deref() == Some("en");
    let name = format!("bao-cao-{code}-{id}.{}", if pdf { "pdf" } else { "xlsx" });
    let bytes = tokio::task::spawn_blocking(move || {
        let snap = st.snapshot();
        let units = st.units();
        let lists = review::approval::lists(&st.store, &snap, &units, id, &code)?;
        let (progress, _) = crate::analytics::progress::read(&st.store.connect()?, Some(&code))?;
        let tables = crate::render::review_report::tables(&lists, &snap, &progress, en);
        if !pdf {
            return crate::render::review_report::workbook(&tables);
        }
        let req = crate::render::report::ReportRequest { province: code.clone(), province_name: lists.province_name.clone(), year: lists.period.year, english: en, demo: st.demo, plans: false };
        let province = crate::render::report::svg(&st.store, &snap, &st.tiles(), &req)?;
        crate::render::pdf_pages(&[crate::render::review_report::cover(&tables, st.demo), province])
    })
    .await??;
    let ctype = if pdf { "application/pdf" } else { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
    Ok(([(axum::http::header::CONTENT_TYPE, ctype.to_string()), (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], bytes))
}

fn national(p: &Principal) -> Result<(), ApiError> {
    if p.national() {
        return Ok(());
    }
    Err(crate::Error::Forbidden(format!("the national view is the Ministry's (role ministry, scope *); {} is a {} of {}", p.name, p.role, p.scope.spec)).into())
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// `GET /api/review/national?year=` (ministry, national admin): every province's review — reported
/// or overdue, its approved counts, Art. 5, the Ministry's decision — and the national counts
/// against the 2030 target.
pub async fn national_view(State(state): State<AppState>, Extension(p): Extension<Principal>, super::extract::Query(q): super::extract::Query<YearQuery>) -> ApiResult<Json<Value>> {
    national(&p)?;
    let st = state.clone();
    let today = chrono::Utc::now().date_naive();
    let view = tokio::task::spawn_blocking(move || {
        let year = match q.year {
            Some(y) => y,
            None => review::periods(&st.store)?.first().map_or_else(|| chrono::Datelike::year(&today), |x| x.year),
        };
        review::national::overview(&st.store, &st.snapshot(), &st.units(), year, today)
    })
    .await??;
    Ok(Json(json!({ "national": view })))
}

/// `POST /api/review/national/{year}/provinces/{code}/approve`
/// `{decision_no, decision_date, signer, key_area, drug_free, route_scope}` (ministry, national admin).
pub async fn ministry_approve(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((year, code)): Path<(i32, String)>, Json(d): Json<review::national::ProvinceDecision>) -> ApiResult<Json<Value>> {
    national(&p)?;
    let st = state.clone();
    let decision = tokio::task::spawn_blocking(move || review::national::approve_province(&st.store, &st.snapshot(), &st.units(), year, &code, &d, &p.name)).await??;
    // The province view reads the Ministry's decisions: cached answers must not outlive them.
    state.data_changed();
    Ok(Json(json!({ "decision": decision })))
}

/// `GET /api/review/national/{year}/lists.{csv|xlsx|pdf}` (ministry, national admin): the national
/// lists (the PDF: every reported province's annex).
pub async fn national_file(State(state): State<AppState>, Extension(p): Extension<Principal>, Path((year, file)): Path<(i32, String)>) -> ApiResult<impl axum::response::IntoResponse> {
    national(&p)?;
    let csv = match file.as_str() {
        "lists.csv" => true,
        "lists.xlsx" => false,
        "lists.pdf" => {
            // Every reported province's annex, bound in province order.
            let st = state.clone();
            let bytes = tokio::task::spawn_blocking(move || {
                let reported = review::national::reported_lists(&st.store, &st.snapshot(), &st.units(), year)?;
                if reported.is_empty() {
                    return Err(crate::Error::NotFound(format!("no province has reported its {year} lists yet")));
                }
                let mut pages = Vec::new();
                for l in &reported {
                    pages.extend(crate::render::annex::pages(l, None, false, st.demo)?);
                }
                crate::render::pdf_pages(&pages)
            })
            .await??;
            return Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf".to_string()), (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"danh-sach-toan-quoc-{year}.pdf\""))], bytes));
        }
        other => return Err(ApiError::not_found(format!("no '{other}' here: ask for lists.csv, lists.xlsx or lists.pdf"))),
    };
    let st = state.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let rows = review::national::national_lists(&st.store, &st.snapshot(), &st.units(), year)?;
        let header = ["province", "code", "name", "list", "previous", "criteria", "override_reason"];
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|(province, e)| {
                // Typed-in texts cannot run as formulas when the CSV is opened.
                let safe = |t: &str| crate::text::spreadsheet_cell(t).into_owned();
                vec![safe(province), safe(&e.code), safe(&e.name), e.list.map_or(String::new(), |l| l.as_str().into()), e.previous.map_or(String::new(), |l| l.as_str().into()), e.criteria.join(","), safe(e.override_reason.as_deref().unwrap_or(""))]
            })
            .collect();
        if csv {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(header).map_err(|e| crate::Error::Internal(e.to_string()))?;
            for r in &cells {
                w.write_record(r).map_err(|e| crate::Error::Internal(e.to_string()))?;
            }
            return w.into_inner().map_err(|e| crate::Error::Internal(e.to_string()));
        }
        let table = crate::render::review_report::Table {
            sheet: "Danh sách",
            title: String::new(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: cells.into_iter().map(|r| r.into_iter().map(crate::render::review_report::Cell::Text).collect()).collect(),
        };
        crate::render::review_report::workbook(&crate::render::review_report::Tables { title: String::new(), subtitle: String::new(), tables: vec![table] })
    })
    .await??;
    let ctype = if csv { "text/csv; charset=utf-8" } else { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
    let name = format!("danh-sach-toan-quoc-{year}.{}", if csv { "csv" } else { "xlsx" });
    Ok(([(axum::http::header::CONTENT_TYPE, ctype.to_string()), (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], bytes))
}
