//! The province approves the review's lists (Decision 28/2025 Art. 7.2, 9.2.b): a proposal built
//! from the accepted submissions — each commune's list as its figures give it under the rule
//! set, its self-assessment, its list in the previous approved period and the changes against it
//! ("đưa vào" / "đưa ra khỏi danh sách") — which the approver (the provincial People's
//! Committee) may depart from, with a reason, and then approves under a decision number, date and
//! signer. Approval writes the decision, its entries and the official acts the map reads
//! (`recognition_event`: the key type, or the drug-free recognition) in one transaction and locks
//! the province's period: a later change is an amendment, with its own decision, and both stay in
//! the history. Communes never accepted are "not assessed": on no list, never carried over.
//!
//! [Interpretation] The proposal is what the figures give (the rule set decides, as the map
//! does); the self-assessment is shown beside it, never taken over silently.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use duckdb::{Connection, OptionalExt, params};
use serde::{Deserialize, Serialize};

use super::{Period, PeriodState, SubmissionState};
use crate::analytics::Snapshot;
use crate::error::{Error, Result};
use crate::rules::status::MapStatus;
use crate::store::Store;
use crate::store::units::Directory;

crate::vocabulary! {
    /// The list an approval puts a commune on: a key area of type I, II or III, drug-free, or none.
    pub enum List ("approved list") { I = "I", II = "II", III = "III", DrugFree = "drug_free", None = "none" }
}

crate::vocabulary! {
    /// A decision on a period's lists: the approval, or a later amendment of it.
    pub enum DecisionKind ("decision kind") { Approval = "approval", Amendment = "amendment" }
}

impl List {
    /// The list a computed status stands for (`None`: the figures leave it undetermined).
    pub fn of_status(s: MapStatus) -> Option<List> {
        match s {
            MapStatus::TypeI => Some(List::I),
            MapStatus::TypeIi => Some(List::II),
            MapStatus::TypeIii => Some(List::III),
            MapStatus::DrugFree | MapStatus::DrugFreeCandidate => Some(List::DrugFree),
            MapStatus::NoActivity | MapStatus::NonKey => Some(List::None),
            MapStatus::Undetermined | MapStatus::NoData => None,
        }
    }

    /// The lists in the order of the annex: key areas from the most serious, then drug-free.
    pub const ANNEXED: [List; 4] = [List::I, List::II, List::III, List::DrugFree];

    /// The short name a table cell uses; `None` (no list, or not assessed) reads "on no list".
    pub fn short(l: Option<List>, en: bool) -> &'static str {
        let tr = |vi, english| if en { english } else { vi };
        match l {
            Some(List::I) => tr("Loại I", "Type I"),
            Some(List::II) => tr("Loại II", "Type II"),
            Some(List::III) => tr("Loại III", "Type III"),
            Some(List::DrugFree) => tr("Không ma túy", "Drug-free"),
            Some(List::None) | None => tr("Không thuộc danh sách", "On no list"),
        }
    }

    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (List::I, false) => "Địa bàn trọng điểm, phức tạp về ma túy loại I",
            (List::II, false) => "Địa bàn trọng điểm, phức tạp về ma túy loại II",
            (List::III, false) => "Địa bàn trọng điểm, phức tạp về ma túy loại III",
            (List::DrugFree, false) => "Địa bàn không ma túy",
            (List::None, false) => "Không thuộc danh sách",
            (List::I, true) => "Key complex drug area, type I",
            (List::II, true) => "Key complex drug area, type II",
            (List::III, true) => "Key complex drug area, type III",
            (List::DrugFree, true) => "Drug-free area",
            (List::None, true) => "On no list",
        }
    }
}

/// One commune of a proposal or a decision.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    /// The former units it was formed from, where the names differ (the 2025 reform).
    pub former: Option<String>,
    /// What the figures give under the rule set (`None`: undetermined).
    pub computed: Option<List>,
    /// What the commune said of itself.
    pub self_assessed: Option<List>,
    /// Its list in the previous approved period (`None`: on none, or not assessed).
    pub previous: Option<List>,
    /// The main criteria met: the rule ids that decided the list (a key type's criteria, or Art. 6's).
    pub criteria: Vec<String>,
    /// The list: the proposal's (= computed) or, approved, the decision's.
    pub list: Option<List>,
    pub override_reason: Option<String>,
}

/// A commune of the province the review has no accepted submission of.
#[derive(Debug, Clone, Serialize)]
pub struct NotAssessed {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub state: String,
    pub previous: Option<List>,
}

/// A commune put on or taken off a list against the previous period.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    pub unit_id: i64,
    pub name: String,
    pub from: Option<List>,
    /// `None`: not assessed this period (or on no list).
    pub to: Option<List>,
}

/// A decision on the lists.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub id: i32,
    pub kind: DecisionKind,
    pub decision_no: String,
    pub decision_date: String,
    pub signer: String,
    pub decided_by: String,
    pub decided_at: String,
    pub entries: Vec<Entry>,
}

/// The province's lists for a period: the proposal (before approval) or the lists in force.
#[derive(Debug, Clone, Serialize)]
pub struct Lists {
    pub period: Period,
    pub province_code: String,
    pub province_name: String,
    pub approved: bool,
    /// Where `previous` comes from: `approved` (decisions in the atlas), `official` (official acts
    /// on record for the previous year) or `none`.
    pub previous_source: &'static str,
    pub entries: Vec<Entry>,
    pub not_assessed: Vec<NotAssessed>,
    /// Submissions still waiting for the reviewer (approval waits for them).
    pub pending: usize,
    /// Per list: the communes put on it and taken off it against the previous period.
    pub put_on: BTreeMap<List, Vec<Change>>,
    pub taken_off: BTreeMap<List, Vec<Change>>,
    pub decisions: Vec<Decision>,
}

/// The approver's departure from the proposal for one commune.
#[derive(Debug, Clone, Deserialize)]
pub struct Override {
    pub unit_id: i64,
    pub list: List,
    pub reason: String,
}

/// A decision's particulars as signed.
#[derive(Debug, Clone, Deserialize)]
pub struct Signed {
    pub decision_no: String,
    pub decision_date: NaiveDate,
    pub signer: String,
}

fn self_list(key_type: Option<&str>, drug_free: Option<bool>) -> Option<List> {
    if drug_free == Some(true) {
        return Some(List::DrugFree);
    }
    key_type.and_then(|t| t.parse().ok())
}

/// Every decision of a province's period, oldest first, with its entries.
fn decisions(conn: &Connection, period_id: i32, province: &str) -> Result<Vec<Decision>> {
    let ctx = "reading the review's decisions";
    let mut stmt = conn.prepare(include_str!("sql/decisions_of_province.sql")).map_err(Error::store(ctx))?;
    let heads: Vec<Decision> = stmt
        .query_map(params![period_id, province], |r| {
            Ok(Decision {
                id: r.get(0)?,
                kind: r.get(1)?,
                decision_no: r.get(2)?,
                decision_date: r.get(3)?,
                signer: r.get(4)?,
                decided_by: r.get(5)?,
                decided_at: r.get(6)?,
                entries: Vec::new(),
            })
        })
        .map_err(Error::store(ctx))?
        .collect::<std::result::Result<_, _>>()
        .map_err(Error::store(ctx))?;
    let mut stmt = conn.prepare(include_str!("sql/decision_entries.sql")).map_err(Error::store(ctx))?;
    let mut out = Vec::with_capacity(heads.len());
    for mut d in heads {
        d.entries = stmt
            .query_map([d.id], |r| {
                let criteria: String = r.get(7)?;
                Ok(Entry {
                    unit_id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    former: None,
                    list: r.get(3)?,
                    computed: r.get(4)?,
                    self_assessed: r.get(5)?,
                    previous: r.get(6)?,
                    criteria: criteria.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
                    override_reason: r.get(8)?,
                })
            })
            .map_err(Error::store(ctx))?
            .collect::<std::result::Result<_, _>>()
            .map_err(Error::store(ctx))?;
        out.push(d);
    }
    Ok(out)
}

/// The lists in force after `decisions`: each commune's latest entry.
fn in_force(decisions: &[Decision]) -> HashMap<i64, &Entry> {
    let mut out = HashMap::new();
    for d in decisions {
        for e in &d.entries {
            out.insert(e.unit_id, e);
        }
    }
    out
}

/// The previous period's approved lists of the province: from decisions in the atlas where the
/// previous year's review was approved here, else from the official acts on record for that year.
fn previous(conn: &Connection, snap: &Snapshot, period: &Period, province: &str, units: &[i64]) -> Result<(HashMap<i64, List>, &'static str)> {
    let id: Option<i32> = conn
        .query_row(include_str!("sql/approved_period_of_year.sql"), params![period.year - 1, province], |r| r.get(0))
        .optional()
        .map_err(Error::store("reading the previous review"))?;
    if let Some(id) = id {
        let d = decisions(conn, id, province)?;
        return Ok((in_force(&d).into_iter().map(|(u, e)| (u, e.list.unwrap_or(List::None))).collect(), "approved"));
    }
    let mut out = HashMap::new();
    for &u in units {
        let year = period.year - 1;
        if snap.facts.drug_free.contains_key(&(u, year)) {
            out.insert(u, List::DrugFree);
        } else if let Some(o) = snap.facts.official_key_type.get(&(u, year)) {
            out.insert(u, o.as_str().parse().unwrap_or(List::None));
        }
    }
    let source = if out.is_empty() { "none" } else { "official" };
    Ok((out, source))
}

/// The communes of `province` the period covers, by code.
fn communes<'a>(units: &'a Directory, period: &'a Period, province: &str) -> Vec<&'a crate::store::units::Entry> {
    let mut out: Vec<_> = period.communes(units).filter(|e| e.province_code.as_deref() == Some(province)).collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The former units a commune was formed from, where their names differ from its own.
fn former(snap: &Snapshot, units: &Directory, unit: &crate::store::units::Entry) -> Option<String> {
    let names: Vec<String> = snap.facts.predecessors.get(&unit.unit_id)?.iter().filter_map(|l| units.get(l.old_unit_id)).map(|e| e.name.clone()).collect();
    (names.iter().any(|n| *n != unit.name)).then(|| names.join(", "))
}

fn covers(period: &Period, province: &str) -> Result<()> {
    if period.province_code.as_deref().is_some_and(|p| p != province) {
        return Err(Error::NotFound(format!("review period {} is province {}'s, not {province}'s", period.id, period.province_code.as_deref().unwrap_or(""))));
    }
    Ok(())
}

/// The province's lists for a period: before approval the proposal from the accepted
/// submissions, after it the lists in force (approval and amendments) — with the changes
/// against the previous period either way.
pub fn lists(store: &Store, snap: &Snapshot, units: &Directory, period_id: i32, province: &str) -> Result<Lists> {
    let conn = store.connect()?;
    let period = super::period(&conn, period_id)?;
    covers(&period, province)?;
    let subs = super::submissions(store, period_id)?;
    let decided = decisions(&conn, period_id, province)?;
    let approved = !decided.is_empty();
    let force = in_force(&decided);
    let communes = communes(units, &period, province);
    let ids: Vec<i64> = communes.iter().map(|c| c.unit_id).collect();
    let (prev, previous_source) = previous(&conn, snap, &period, province, &ids)?;
    let mut entries = Vec::new();
    let mut not_assessed = Vec::new();
    let mut pending = 0;
    for c in &communes {
        let sub = subs.iter().find(|s| s.unit_id == c.unit_id);
        if let Some(e) = force.get(&c.unit_id) {
            entries.push(Entry { former: former(snap, units, c), ..(*e).clone() });
            continue;
        }
        match sub {
            Some(s) if s.state == SubmissionState::Accepted => {
                let classified = snap.classified.get(&(c.unit_id, period.year));
                let eval = classified.and_then(|x| x.evaluation.as_ref());
                let computed = eval.and_then(|e| List::of_status(snap.rules.status.decide(None, None, Some(e)).status));
                let criteria: Vec<String> = eval.map(|e| e.reasons().iter().map(|s| s.to_string()).collect()).unwrap_or_default();
                entries.push(Entry {
                    unit_id: c.unit_id,
                    code: c.code.clone(),
                    name: c.name.clone(),
                    former: former(snap, units, c),
                    computed,
                    self_assessed: self_list(s.draft.self_key_type.as_deref(), s.draft.self_drug_free),
                    previous: prev.get(&c.unit_id).copied(),
                    criteria,
                    list: computed,
                    override_reason: None,
                });
            }
            other => {
                if other.is_some_and(|s| s.state == SubmissionState::Submitted) {
                    pending += 1;
                }
                not_assessed.push(NotAssessed {
                    unit_id: c.unit_id,
                    code: c.code.clone(),
                    name: c.name.clone(),
                    state: other.map_or("not_started", |s| s.state.as_str()).to_string(),
                    previous: prev.get(&c.unit_id).copied(),
                });
            }
        }
    }
    let (put_on, taken_off) = changes(&entries, &not_assessed);
    Ok(Lists {
        province_name: units.province_name(province).unwrap_or(province).to_string(),
        period,
        province_code: province.to_string(),
        approved,
        previous_source,
        entries,
        not_assessed,
        pending,
        put_on,
        taken_off,
        decisions: decided,
    })
}

pub type ByList = BTreeMap<List, Vec<Change>>;

/// Put on / taken off each annexed list: the difference of this period's lists and the previous
/// period's (a commune not assessed now is on no list now).
pub fn changes(entries: &[Entry], not_assessed: &[NotAssessed]) -> (ByList, ByList) {
    let mut put_on: ByList = BTreeMap::new();
    let mut taken_off: ByList = BTreeMap::new();
    let now = entries.iter().map(|e| (e.unit_id, e.name.as_str(), e.previous, e.list));
    let gone = not_assessed.iter().map(|n| (n.unit_id, n.name.as_str(), n.previous, None));
    for (unit_id, name, from, to) in now.chain(gone) {
        let from = from.filter(|l| *l != List::None);
        let to = to.filter(|l| *l != List::None);
        if from == to {
            continue;
        }
        let change = Change { unit_id, name: name.to_string(), from, to };
        if let Some(l) = to {
            put_on.entry(l).or_default().push(change.clone());
        }
        if let Some(l) = from {
            taken_off.entry(l).or_default().push(change);
        }
    }
    (put_on, taken_off)
}

fn check_signed(s: &Signed) -> Result<()> {
    if s.decision_no.trim().is_empty() || s.signer.trim().is_empty() {
        return Err(Error::InvalidArgument("a decision needs its number (e.g. 1234/QĐ-UBND) and its signer".into()));
    }
    Ok(())
}

/// Write `entries` as decision `kind` and the official acts the map reads, in one transaction.
fn decide(conn: &Connection, period: &Period, province: &str, kind: DecisionKind, signed: &Signed, entries: &[Entry], issuer: &str, actor: &str) -> Result<i32> {
    let ctx = "recording the decision";
    let id: i32 = conn
        .query_row(
            include_str!("sql/decision_insert.sql"),
            params![period.id, province, kind, signed.decision_no.trim(), signed.decision_date, signed.signer.trim(), actor, super::now()],
            |r| r.get(0),
        )
        .map_err(|e| match e {
            duckdb::Error::DuckDBFailure(_, Some(m)) if m.contains("Duplicate key") || m.contains("unique") => {
                Error::Refused(format!("decision {} of province {province} is already recorded: each decision has its own number", signed.decision_no.trim()))
            }
            e => Error::store(ctx)(e),
        })?;
    for e in entries {
        let list = e.list.ok_or_else(|| Error::InvalidArgument(format!("{} ({}) is on no list yet: the figures leave it undetermined, decide it with a reason", e.name, e.code)))?;
        conn.execute(
            include_str!("sql/decision_entry_insert.sql"),
            params![id, e.unit_id, list, e.computed, e.self_assessed, e.previous, e.criteria.join(","), e.override_reason],
        )
        .map_err(Error::store(ctx))?;
        // The official acts of the year, as the decision has them now.
        conn.execute(include_str!("sql/recognitions_of_year_delete.sql"), params![e.unit_id, period.year]).map_err(Error::store(ctx))?;
        let (status_type, value, action) = match list {
            List::DrugFree => ("khong_ma_tuy_2025", None, if e.previous == Some(List::DrugFree) { "maintain" } else { "recognize" }),
            other => ("key_type_official", Some(other.as_str()), "classify"),
        };
        conn.execute(include_str!("sql/recognition_insert.sql"), params![e.unit_id, status_type, value, period.year, signed.decision_no.trim(), signed.decision_date, issuer, action])
            .map_err(Error::store(ctx))?;
    }
    Ok(id)
}

/// Approve the province's lists for the period: the proposal with the approver's overrides.
/// Refused while submissions wait for review, while a commune's figures leave its list
/// undetermined and no override decides it, and once approved (amend instead).
pub fn approve(store: &Store, snap: &Snapshot, units: &Directory, period_id: i32, province: &str, signed: &Signed, overrides: &[Override], actor: &str) -> Result<Lists> {
    check_signed(signed)?;
    let current = lists(store, snap, units, period_id, province)?;
    if let Some(d) = current.decisions.first() {
        return Err(Error::Refused(format!(
            "the {} lists of {} were approved by decision {} of {}: a change now is an amendment with its own decision",
            current.period.year, current.province_name, d.decision_no, d.decision_date
        )));
    }
    if current.pending > 0 {
        return Err(Error::Refused(format!("{} submission(s) of {} still wait for review: accept or return them first", current.pending, current.province_name)));
    }
    let mut entries = current.entries.clone();
    if entries.is_empty() {
        return Err(Error::Refused(format!("no submission of {} has been accepted: there is nothing to approve", current.province_name)));
    }
    for o in overrides {
        if o.reason.trim().is_empty() {
            return Err(Error::InvalidArgument(format!("the change for unit {} needs a reason", o.unit_id)));
        }
        let e = entries.iter_mut().find(|e| e.unit_id == o.unit_id).ok_or_else(|| {
            Error::InvalidArgument(format!("unit {} has no accepted submission in this period: only assessed communes go on the lists", o.unit_id))
        })?;
        e.list = Some(o.list);
        e.override_reason = Some(o.reason.trim().to_string());
    }
    let undecided: Vec<String> = entries.iter().filter(|e| e.list.is_none()).map(|e| format!("{} ({})", e.name, e.code)).collect();
    if !undecided.is_empty() {
        return Err(Error::InvalidArgument(format!("the figures leave {} undetermined: decide each with a reason ({})", undecided.len(), undecided.join(", "))));
    }
    let issuer = format!("UBND {}", current.province_name);
    let conn = store.connect()?;
    crate::store::transaction(&conn, "approving the review's lists", |conn| {
        // Checked again inside the transaction: nothing approved in the meantime.
        if !decisions(conn, period_id, province)?.is_empty() {
            return Err(Error::Refused(format!("the {} lists of {} were approved meanwhile: reload them", current.period.year, current.province_name)));
        }
        decide(conn, &current.period, province, DecisionKind::Approval, signed, &entries, &issuer, actor)?;
        // The approved lists are the year's official acts for the whole province: a commune not
        // assessed keeps no earlier act of the year (it is on no list, never carried over).
        for n in &current.not_assessed {
            conn.execute(include_str!("sql/recognitions_of_year_delete.sql"), params![n.unit_id, current.period.year]).map_err(Error::store("approving the review's lists"))?;
        }
        if current.period.province_code.as_deref() == Some(province) {
            conn.execute(include_str!("sql/period_approve.sql"), params![PeriodState::Approved, current.period.id]).map_err(Error::store("approving the period"))?;
        }
        let summary = List::ANNEXED.iter().map(|l| format!("{}: {}", l.as_str(), entries.iter().filter(|e| e.list == Some(*l)).count())).collect::<Vec<_>>().join(", ");
        super::event(conn, current.period.id, None, "approve", actor, None, None, Some(&format!("province {province}, decision {} ({summary})", signed.decision_no.trim())), None)?;
        Ok(())
    })?;
    lists(store, snap, units, period_id, province)
}

/// Amend approved lists: each change with its reason, under a new decision; the history keeps
/// the approval and every amendment.
pub fn amend(store: &Store, snap: &Snapshot, units: &Directory, period_id: i32, province: &str, signed: &Signed, changes: &[Override], actor: &str) -> Result<Lists> {
    check_signed(signed)?;
    let current = lists(store, snap, units, period_id, province)?;
    if current.decisions.is_empty() {
        return Err(Error::Refused(format!("the {} lists of {} are not approved yet: approve them first", current.period.year, current.province_name)));
    }
    if changes.is_empty() {
        return Err(Error::InvalidArgument("an amendment changes at least one commune".into()));
    }
    let mut entries = Vec::new();
    for c in changes {
        if c.reason.trim().is_empty() {
            return Err(Error::InvalidArgument(format!("the change for unit {} needs a reason", c.unit_id)));
        }
        let e = current.entries.iter().find(|e| e.unit_id == c.unit_id).ok_or_else(|| {
            Error::InvalidArgument(format!("unit {} is not on the approved lists of {}: only assessed communes are amended", c.unit_id, current.province_name))
        })?;
        entries.push(Entry { list: Some(c.list), override_reason: Some(c.reason.trim().to_string()), ..e.clone() });
    }
    let issuer = format!("UBND {}", current.province_name);
    let conn = store.connect()?;
    crate::store::transaction(&conn, "amending the review's lists", |conn| {
        decide(conn, &current.period, province, DecisionKind::Amendment, signed, &entries, &issuer, actor)?;
        let what = entries.iter().map(|e| format!("{} → {}", e.code, e.list.map_or("", |l| l.as_str()))).collect::<Vec<_>>().join(", ");
        super::event(conn, current.period.id, None, "amend", actor, None, None, Some(&format!("province {province}, decision {}: {what}", signed.decision_no.trim())), None)?;
        Ok(())
    })?;
    lists(store, snap, units, period_id, province)
}

/// Is the commune's period locked by an approval of its province? The decision, if so.
pub fn locked_by(conn: &Connection, period_id: i32, unit_id: i64) -> Result<Option<String>> {
    conn.query_row(include_str!("sql/approval_of_unit.sql"), params![period_id, unit_id], |r| r.get(0)).optional().map_err(Error::store("reading the review's decisions"))
}
