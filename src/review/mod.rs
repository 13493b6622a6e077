//! The annual review (Decision 28/2025 Art. 7): review periods a province (or the country) opens
//! for a year, with the deadlines of Art. 7 (`data/rules/review.toml`); each commune's submission
//! of its period's figures and self-assessment, moving draft → submitted → returned | accepted
//! (withdrawn back to draft), every write naming the version it saw (a stale one is a conflict
//! and changes nothing) and every step in `review_event`. An accepted submission becomes the
//! period's indicator row through the same validated, atomic write as an import, in the same
//! transaction as the acceptance; while a submission is under review, imports of that
//! commune-year are refused.
//!
//! Who may do which step (commune officers, province reviewers) is decided by the HTTP layer;
//! this module records who did it.

pub mod approval;
pub mod form;
pub mod national;
pub mod progress;

use chrono::{NaiveDate, NaiveDateTime};
use duckdb::{Connection, OptionalExt, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::import::{ImportOptions, Input};
use crate::store::Store;

crate::vocabulary! {
    /// Where a review period is: open for submissions, closed to them, or approved (part 2).
    pub enum PeriodState ("review period state") { Open = "open", Closed = "closed", Approved = "approved" }
}

crate::vocabulary! {
    /// Where a commune's submission is.
    pub enum SubmissionState ("submission state") {
        Draft = "draft", Submitted = "submitted", Returned = "returned", Accepted = "accepted",
    }
}

const REVIEW_TOML: &str = include_str!("../../data/rules/review.toml");

#[derive(Debug, Deserialize)]
struct DeadlineEntry {
    date: String,
    citation: String,
}

#[derive(Debug, Deserialize)]
struct DeadlineFile {
    commune_deadline: DeadlineEntry,
    province_deadline: DeadlineEntry,
    ministry_deadline: DeadlineEntry,
}

/// The deadlines of Art. 7 as data, with their citations.
#[derive(Debug, Clone, Serialize)]
pub struct Deadlines {
    pub commune: (u32, u32),
    pub province: (u32, u32),
    pub ministry: (u32, u32),
    pub citations: [String; 3],
}

fn month_day(s: &str) -> Result<(u32, u32)> {
    let bad = || Error::Corrupt(format!("data/rules/review.toml: '{s}' is not MM-DD"));
    let (m, d) = s.split_once('-').ok_or_else(bad)?;
    let (m, d): (u32, u32) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    NaiveDate::from_ymd_opt(2024, m, d).ok_or_else(bad)?;
    Ok((m, d))
}

impl Deadlines {
    pub fn embedded() -> Result<Deadlines> {
        let f: DeadlineFile = toml::from_str(REVIEW_TOML).map_err(|e| Error::Corrupt(format!("data/rules/review.toml: {e}")))?;
        Ok(Deadlines {
            commune: month_day(&f.commune_deadline.date)?,
            province: month_day(&f.province_deadline.date)?,
            ministry: month_day(&f.ministry_deadline.date)?,
            citations: [f.commune_deadline.citation, f.province_deadline.citation, f.ministry_deadline.citation],
        })
    }
}

fn on(year: i32, (m, d): (u32, u32)) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| Error::Corrupt(format!("no date {year}-{m}-{d}")))
}

/// A review period.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub id: i32,
    pub year: i32,
    /// `None`: every province.
    pub province_code: Option<String>,
    pub period_start: String,
    pub period_end: String,
    pub commune_deadline: String,
    pub province_deadline: String,
    pub ministry_deadline: String,
    pub state: PeriodState,
    pub version: i32,
}

impl Period {
    /// The communes the period covers: those of its province (or every province) in the newest
    /// boundary version in force at the end of the period.
    pub fn communes<'a>(&'a self, units: &'a crate::store::units::Directory) -> impl Iterator<Item = &'a crate::store::units::Entry> + 'a {
        use crate::vocab::Level;
        let newest = units.entries().iter().filter(|e| e.level == Level::Commune && e.valid_from <= self.period_end).map(|e| e.valid_from.clone()).max();
        units.entries().iter().filter(move |e| {
            e.level == Level::Commune && Some(&e.valid_from) == newest.as_ref() && self.province_code.as_ref().is_none_or(|p| e.province_code.as_ref() == Some(p))
        })
    }
}

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

#[allow(clippy::too_many_arguments)]
fn event(conn: &Connection, period: i32, submission: Option<i64>, action: &str, actor: &str, version: Option<i32>, before: Option<&str>, after: Option<&str>, comment: Option<&str>) -> Result<()> {
    conn.execute(include_str!("sql/event_insert.sql"), params![period, submission, action, actor, now(), version, before, after, comment])
        .map(|_| ())
        .map_err(Error::store("recording a review step"))
}

/// Every review period, newest first.
pub fn periods(store: &Store) -> Result<Vec<Period>> {
    let conn = store.connect()?;
    read_periods(&conn)
}

fn read_periods(conn: &Connection) -> Result<Vec<Period>> {
    let ctx = "reading review periods";
    let mut stmt = conn.prepare(include_str!("sql/period_columns.sql")).map_err(Error::store(ctx))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Period {
                id: r.get(0)?,
                year: r.get(1)?,
                province_code: r.get(2)?,
                period_start: r.get(3)?,
                period_end: r.get(4)?,
                commune_deadline: r.get(5)?,
                province_deadline: r.get(6)?,
                ministry_deadline: r.get(7)?,
                state: r.get(8)?,
                version: r.get(9)?,
            })
        })
        .map_err(Error::store(ctx))?;
    rows.collect::<std::result::Result<_, _>>().map_err(Error::store(ctx))
}

fn period(conn: &Connection, id: i32) -> Result<Period> {
    read_periods(conn)?.into_iter().find(|p| p.id == id).ok_or_else(|| Error::NotFound(format!("no review period {id}")))
}

/// Open the review of `year` for `province` (or every province), with the commune deadline the
/// province sets (default from `data/rules/review.toml`) and the deadlines of Art. 7.
pub fn open_period(store: &Store, year: i32, province: Option<&str>, commune_deadline: Option<NaiveDate>, actor: &str) -> Result<Period> {
    let rules = crate::rules::Rules::embedded()?;
    let (start, end) = rules.for_year(province, year).map_or(crate::rules::Period::CALENDAR, |s| s.period()).of(year);
    let d = Deadlines::embedded()?;
    let province_deadline = on(year, d.province)?;
    let ministry_deadline = on(year, d.ministry)?;
    let commune = match commune_deadline {
        Some(c) if c <= start || c > province_deadline => {
            return Err(Error::InvalidArgument(format!(
                "the commune deadline {c} must fall after the period starts ({start}) and by the province's deadline ({province_deadline}, {})",
                d.citations[1]
            )));
        }
        Some(c) => c,
        None => on(year, d.commune)?,
    };
    let conn = store.connect()?;
    crate::store::transaction(&conn, "opening a review period", |conn| {
        let same: Option<i32> = conn.query_row(include_str!("sql/period_same.sql"), params![year, province], |r| r.get(0)).optional().map_err(Error::store("reading review periods"))?;
        if same.is_some() {
            return Err(Error::Refused(format!(
                "the {year} review of {} is already open (period {}); close it or keep it",
                province.map_or("every province".to_string(), |p| format!("province {p}")),
                same.unwrap_or_default()
            )));
        }
        let id: i32 = conn
            .query_row(include_str!("sql/period_insert.sql"), params![year, province, start, end, commune, province_deadline, ministry_deadline, actor, now()], |r| r.get(0))
            .map_err(Error::store("opening a review period"))?;
        event(conn, id, None, "open_period", actor, Some(1), None, Some(&format!("open {year} {}", province.unwrap_or("*"))), None)?;
        period(conn, id)
    })
}

/// Close a period to submissions (accepting and returning continue).
pub fn close_period(store: &Store, id: i32, expected_version: i32, actor: &str) -> Result<Period> {
    let conn = store.connect()?;
    crate::store::transaction(&conn, "closing a review period", |conn| {
        let n = conn.execute(include_str!("sql/period_set_state.sql"), params![PeriodState::Closed, id, expected_version]).map_err(Error::store("closing a review period"))?;
        if n == 0 {
            let p = period(conn, id)?;
            if p.state != PeriodState::Open {
                return Err(Error::Refused(format!("review period {id} is {}: only an open period is closed", p.state)));
            }
            return Err(Error::Conflict(format!("review period {id} is at version {} ({}), not {expected_version}: reload it", p.version, p.state)));
        }
        event(conn, id, None, "close_period", actor, Some(expected_version + 1), Some("open"), Some("closed"), None)?;
        period(conn, id)
    })
}

/// What a commune officer types: the figures (indicator columns of domain.md §5.2 → values) and
/// the self-assessment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Draft {
    pub figures: serde_json::Map<String, serde_json::Value>,
    /// The type the commune assesses itself as: I, II, III or none.
    pub self_key_type: Option<String>,
    /// Whether the commune claims the drug-free criteria (Art. 6) are met.
    pub self_drug_free: Option<bool>,
    pub justification: Option<String>,
}

/// A commune's submission for a period.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub id: i64,
    pub period_id: i32,
    pub unit_id: i64,
    pub state: SubmissionState,
    pub version: i32,
    #[serde(flatten)]
    pub draft: Draft,
    pub comment: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
}

/// A submission from a row of `submission_columns.sql` / `submissions_of_period.sql`, with its
/// figures still JSON text.
fn submission_row(r: &duckdb::Row) -> duckdb::Result<(Submission, String)> {
    Ok((
        Submission {
            id: r.get(0)?,
            period_id: r.get(1)?,
            unit_id: r.get(2)?,
            state: r.get(3)?,
            version: r.get(4)?,
            draft: Draft { figures: serde_json::Map::new(), self_key_type: r.get(6)?, self_drug_free: r.get(7)?, justification: r.get(8)? },
            comment: r.get(9)?,
            updated_by: r.get(10)?,
            updated_at: r.get(11)?,
        },
        r.get(5)?,
    ))
}

fn with_figures((mut s, figures): (Submission, String)) -> Result<Submission> {
    s.draft.figures = serde_json::from_str(&figures).map_err(|e| Error::Corrupt(format!("submission {}: figures: {e}", s.id)))?;
    Ok(s)
}

fn submission_by_id(conn: &Connection, id: i64) -> Result<Submission> {
    let row = conn.query_row(include_str!("sql/submission_columns.sql"), [id], submission_row).optional().map_err(Error::store("reading a review submission"))?;
    row.map(with_figures).unwrap_or_else(|| Err(Error::NotFound(format!("no review submission {id}"))))
}

/// Every submission of a period, read in one query.
pub fn submissions(store: &Store, period_id: i32) -> Result<Vec<Submission>> {
    let conn = store.connect()?;
    let ctx = "reading review submissions";
    let rows: Vec<(Submission, String)> = conn
        .prepare(include_str!("sql/submissions_of_period.sql"))
        .map_err(Error::store(ctx))?
        .query_map([period_id], submission_row)
        .map_err(Error::store(ctx))?
        .collect::<std::result::Result<_, _>>()
        .map_err(Error::store(ctx))?;
    rows.into_iter().map(with_figures).collect()
}

/// A period by id.
pub fn period_by_id(store: &Store, id: i32) -> Result<Period> {
    period(&store.connect()?, id)
}

/// A submission by id.
pub fn submission(store: &Store, id: i64) -> Result<Submission> {
    submission_by_id(&store.connect()?, id)
}

/// The submission of `unit` for `period`, if there is one.
pub fn submission_of(store: &Store, period_id: i32, unit_id: i64) -> Result<Option<Submission>> {
    let conn = store.connect()?;
    let id: Option<i64> = conn.query_row(include_str!("sql/submission_of_unit.sql"), params![period_id, unit_id], |r| r.get(0)).optional().map_err(Error::store("reading a review submission"))?;
    id.map(|id| submission_by_id(&conn, id)).transpose()
}

/// The indicator columns a draft may carry (the figures, not the row's identity or source).
fn check_keys(draft: &Draft) -> Result<()> {
    const NOT_TYPED: [&str; 5] = ["unit_code", "year", "source_ref", "source_url", "data_quality"];
    let known: Vec<&str> = crate::import::INDICATOR_COLUMNS.iter().map(|c| c.name).filter(|n| !NOT_TYPED.contains(n)).collect();
    if let Some(bad) = draft.figures.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(Error::InvalidArgument(format!("'{bad}' is not a figure the form takes; use one of: {}", known.join(", "))));
    }
    if let Some(t) = &draft.self_key_type
        && !["I", "II", "III", "none"].contains(&t.as_str())
    {
        return Err(Error::InvalidArgument(format!("self-assessed type '{t}' must be I, II, III or none")));
    }
    Ok(())
}

/// Save the officer's draft for `unit` over the version they saw (0: there is none yet). Drafts
/// are kept as typed, valid or not; they are checked in full when submitted.
pub fn save_draft(store: &Store, period_id: i32, unit_id: i64, expected_version: i32, draft: &Draft, actor: &str) -> Result<Submission> {
    check_keys(draft)?;
    let figures = serde_json::Value::Object(draft.figures.clone()).to_string();
    let conn = store.connect()?;
    crate::store::transaction(&conn, "saving a review draft", |conn| {
        let p = period(conn, period_id)?;
        if p.state != PeriodState::Open {
            return Err(Error::Refused(format!("the {} review is {}: submissions are no longer taken", p.year, p.state)));
        }
        locked(conn, &p, unit_id)?;
        let existing: Option<i64> = conn.query_row(include_str!("sql/submission_of_unit.sql"), params![period_id, unit_id], |r| r.get(0)).optional().map_err(Error::store("reading a review submission"))?;
        let id = match existing {
            None if expected_version == 0 => {
                conn.query_row(
                    include_str!("sql/submission_insert.sql"),
                    params![period_id, unit_id, figures, draft.self_key_type, draft.self_drug_free, draft.justification, actor, now()],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(Error::store("saving a review draft"))?
            }
            None => return Err(Error::Conflict(format!("there is no submission yet for unit {unit_id}: save with version 0"))),
            Some(id) => {
                let n = conn
                    .execute(
                        include_str!("sql/submission_update_draft.sql"),
                        params![figures, draft.self_key_type, draft.self_drug_free, draft.justification, actor, now(), id, expected_version],
                    )
                    .map_err(Error::store("saving a review draft"))?;
                if n == 0 {
                    let s = submission_by_id(conn, id)?;
                    return Err(stale(&s, expected_version, "save the draft"));
                }
                id
            }
        };
        let s = submission_by_id(conn, id)?;
        event(conn, period_id, Some(id), "save_draft", actor, Some(s.version), None, Some(&figures), None)?;
        Ok(s)
    })
}

/// Refuse any change to a commune whose province's lists for the period are approved.
fn locked(conn: &Connection, p: &Period, unit_id: i64) -> Result<()> {
    match approval::locked_by(conn, p.id, unit_id)? {
        Some(no) => Err(Error::Refused(format!("the {} lists of this commune's province were approved by decision {no}: nothing more is taken; a change is an amendment of that decision", p.year))),
        None => Ok(()),
    }
}

fn stale(s: &Submission, expected: i32, what: &str) -> Error {
    Error::Conflict(format!(
        "cannot {what}: the submission is at version {} ({}, by {} at {}), not {expected}; reload it — nothing was changed",
        s.version, s.state, s.updated_by, s.updated_at
    ))
}

/// The submission's figures as an indicator file of one row, for the import's checks and write.
fn as_indicator_csv(conn: &Connection, s: &Submission, year: i32) -> Result<String> {
    let code: String = conn.query_row(include_str!("sql/unit_code.sql"), [s.unit_id], |r| r.get(0)).optional().map_err(Error::store("reading a commune"))?
        .ok_or_else(|| Error::NotFound(format!("no commune with unit id {}", s.unit_id)))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["unit_code".to_string(), "year".into(), "source_ref".into()];
    let mut row = vec![code, year.to_string(), format!("annual review {year}, submission {} v{}", s.id, s.version)];
    for (k, v) in &s.draft.figures {
        header.push(k.clone());
        row.push(match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(t) => t.clone(),
            other => other.to_string(),
        });
    }
    w.write_record(&header).and_then(|()| w.write_record(&row)).map_err(|e| Error::Internal(format!("writing a submission as CSV: {e}")))?;
    let bytes = w.into_inner().map_err(|e| Error::Internal(format!("writing a submission as CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

/// The import's problems with a submission, located by the form's field instead of the one-row
/// file's column (what the officer can find), in the form's words.
fn by_field(e: Error, csv: &str) -> Error {
    let Error::Rejected(mut problems) = e else { return e };
    let header: Vec<String> = csv.lines().next().map(|h| h.split(',').map(str::to_string).collect()).unwrap_or_default();
    for p in &mut problems.items {
        p.field = usize::try_from(p.column).ok().and_then(|c| c.checked_sub(1)).and_then(|c| header.get(c)).cloned();
        p.file = "the form".into();
    }
    Error::Rejected(problems)
}

/// Move submission `id` (at `expected_version`) to `to`, from one of `from`; for `accept`, the
/// figures are written as the period's indicator row in the same transaction.
fn step(store: &Store, id: i64, expected_version: i32, from: &[SubmissionState], to: SubmissionState, action: &str, comment: Option<&str>, actor: &str) -> Result<Submission> {
    let conn = store.connect()?;
    let s = submission_by_id(&conn, id)?;
    let p = period(&conn, s.period_id)?;
    if s.version != expected_version {
        return Err(stale(&s, expected_version, action));
    }
    locked(&conn, &p, s.unit_id)?;
    if !from.contains(&s.state) {
        return Err(Error::Refused(format!("cannot {action} a submission that is {} (only one that is {})", s.state, from.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" or "))));
    }
    if to == SubmissionState::Submitted {
        if p.state != PeriodState::Open {
            return Err(Error::Refused(format!("the {} review is {}: submissions are no longer taken", p.year, p.state)));
        }
        // Every check an import makes, on this one row, nothing kept.
        let csv = as_indicator_csv(&conn, &s, p.year)?;
        let opts = ImportOptions { actor: actor.to_string(), replace: true, dry_run: true, ..ImportOptions::default() };
        crate::import::import_indicators(store, &Input::from_bytes(format!("submission {id}"), csv.as_bytes()), &opts).map_err(|e| by_field(e, &csv))?;
    }
    let states: Vec<String> = from.iter().map(|f| f.as_str().to_string()).collect();
    let list = format!("[{}]", states.iter().map(|s| crate::store::quote(s)).collect::<Vec<_>>().join(", "));
    let transition = |conn: &Connection| -> Result<Submission> {
        let n = conn
            .execute(include_str!("sql/submission_set_state.sql"), params![to, comment, actor, now(), id, expected_version, list])
            .map_err(Error::store("changing a review submission"))?;
        if n == 0 {
            return Err(stale(&submission_by_id(conn, id)?, expected_version, action));
        }
        let after = submission_by_id(conn, id)?;
        event(conn, s.period_id, Some(id), action, actor, Some(after.version), Some(s.state.as_str()), Some(to.as_str()), comment)?;
        Ok(after)
    };
    if to != SubmissionState::Accepted {
        return crate::store::transaction(&conn, "changing a review submission", transition);
    }
    // Accepted: the state change and the indicator row in one transaction, through the import.
    let csv = as_indicator_csv(&conn, &s, p.year)?;
    let opts = ImportOptions { actor: actor.to_string(), replace: true, ..ImportOptions::default() };
    let mut accepted = None;
    crate::import::import_indicators_during(store, &Input::from_bytes(format!("annual review {} submission {id}", p.year), csv.as_bytes()), &opts, |conn| {
        accepted = Some(transition(conn)?);
        Ok(())
    })?;
    accepted.ok_or_else(|| Error::Internal("acceptance did not run".into()))
}

/// Submit a draft (or a returned submission) for review: checked in full as an import would.
pub fn submit(store: &Store, id: i64, expected_version: i32, actor: &str) -> Result<Submission> {
    step(store, id, expected_version, &[SubmissionState::Draft, SubmissionState::Returned], SubmissionState::Submitted, "submit", None, actor)
}

/// Take a submission back before it is reviewed: it is a draft again.
pub fn withdraw(store: &Store, id: i64, expected_version: i32, actor: &str) -> Result<Submission> {
    step(store, id, expected_version, &[SubmissionState::Submitted], SubmissionState::Draft, "withdraw", None, actor)
}

/// Return a submission to its commune with a comment saying what to correct.
pub fn return_submission(store: &Store, id: i64, expected_version: i32, comment: &str, actor: &str) -> Result<Submission> {
    if comment.trim().is_empty() {
        return Err(Error::InvalidArgument("say what to correct: a returned submission needs a comment".into()));
    }
    step(store, id, expected_version, &[SubmissionState::Submitted], SubmissionState::Returned, "return", Some(comment), actor)
}

/// Accept a submission: its figures become the period's indicator row (validated and written as
/// an import, replacing the commune-year's row) in the same transaction.
pub fn accept(store: &Store, id: i64, expected_version: i32, actor: &str) -> Result<Submission> {
    step(store, id, expected_version, &[SubmissionState::Submitted], SubmissionState::Accepted, "accept", None, actor)
}
