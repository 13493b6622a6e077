//! The Ministry's national view of the review (Decision 28/2025 Art. 7.3, 9.1): per province
//! whether its lists are approved and reported (when, by which decision) or overdue after the
//! province deadline, its approved counts by list, its Art. 5 result on the data and the
//! Ministry's own province-level decision (key area, drug-free, key route designation) with its
//! number; the national counts against the 2030 target (≥ 50 % of communes drug-free); and the
//! national lists (every province's approved entries) for CSV and XLSX.

use chrono::NaiveDate;
use duckdb::{Connection, OptionalExt, params};
use serde::{Deserialize, Serialize};

use super::approval::{self, List, Signed};
use crate::analytics::Snapshot;
use crate::error::{Error, Result};
use crate::rules::Tri;
use crate::store::Store;
use crate::store::units::Directory;
use crate::vocab::{Level, RouteScope};

/// The national target: the share of communes drug-free by 2030 (Resolution 163/2024/QH15).
pub const TARGET_2030_PCT: f64 = 50.0;

/// The Ministry's decision on a province's result for a year.
#[derive(Debug, Clone, Serialize)]
pub struct MinistryDecision {
    pub key_area: bool,
    pub drug_free: bool,
    pub route_scope: Option<RouteScope>,
    pub decision_no: String,
    pub decision_date: String,
    pub signer: String,
    pub decided_by: String,
}

/// One province in the national view.
#[derive(Debug, Clone, Serialize)]
pub struct Province {
    pub province_code: String,
    pub province_name: String,
    pub communes: usize,
    /// The period whose lists cover it this year (if a review was opened).
    pub period_id: Option<i32>,
    /// The province's approval: decision number, date, when recorded (`None`: not reported).
    pub reported: Option<(String, String, String)>,
    /// Past the province deadline without approved lists.
    pub overdue: bool,
    pub type_i: usize,
    pub type_ii: usize,
    pub type_iii: usize,
    /// Recognised drug-free this year: the approved list once reported, the official acts on
    /// record before that (as the map shows them).
    pub drug_free: usize,
    pub not_assessed: usize,
    /// Art. 5 on the data: key area true / false / unknown, criteria met.
    pub art5_key: Option<Tri>,
    pub art5_met: Option<u32>,
    pub route_scope: Option<RouteScope>,
    pub ministry: Option<MinistryDecision>,
}

/// The national view of a year.
#[derive(Debug, Clone, Serialize)]
pub struct National {
    pub year: i32,
    pub province_deadline: Option<String>,
    pub ministry_deadline: Option<String>,
    pub provinces: Vec<Province>,
    pub reported: usize,
    pub communes: usize,
    pub drug_free: usize,
    pub drug_free_pct: f64,
    pub target_2030_pct: f64,
}

fn ministry_of(conn: &Connection, year: i32, province: &str) -> Result<Option<MinistryDecision>> {
    conn.query_row(include_str!("sql/ministry_decision_of.sql"), params![year, province], |r| {
        Ok(MinistryDecision { key_area: r.get(0)?, drug_free: r.get(1)?, route_scope: r.get(2)?, decision_no: r.get(3)?, decision_date: r.get(4)?, signer: r.get(5)?, decided_by: r.get(6)? })
    })
    .optional()
    .map_err(Error::store("reading the Ministry's decisions"))
}

/// The Ministry's decisions of a year, by province code.
pub fn ministry_decisions(store: &Store, year: i32) -> Result<std::collections::HashMap<String, MinistryDecision>> {
    let ctx = "reading the Ministry's decisions";
    let conn = store.connect()?;
    let mut stmt = conn.prepare(include_str!("sql/ministry_decisions_of_year.sql")).map_err(Error::store(ctx))?;
    let rows = stmt
        .query_map([year], |r| {
            Ok((r.get::<_, String>(0)?, MinistryDecision { key_area: r.get(1)?, drug_free: r.get(2)?, route_scope: r.get(3)?, decision_no: r.get(4)?, decision_date: r.get(5)?, signer: r.get(6)?, decided_by: r.get(7)? }))
        })
        .map_err(Error::store(ctx))?;
    rows.collect::<std::result::Result<_, _>>().map_err(Error::store(ctx))
}

/// The period of `year` covering `province`: its own, else the national one.
fn period_for(periods: &[super::Period], year: i32, province: &str) -> Option<super::Period> {
    let of_year = periods.iter().filter(|p| p.year == year);
    of_year.clone().find(|p| p.province_code.as_deref() == Some(province)).or_else(|| of_year.clone().find(|p| p.province_code.is_none())).cloned()
}

/// Every province of the newest boundary version in force at the end of `year`, with its review.
pub fn overview(store: &Store, snap: &Snapshot, units: &Directory, year: i32, today: NaiveDate) -> Result<National> {
    let periods = super::periods(store)?;
    let end = format!("{year}-12-14");
    let newest = units.entries().iter().filter(|e| e.level == Level::Province && e.valid_from <= end).map(|e| e.valid_from.clone()).max();
    let mut provinces: Vec<&crate::store::units::Entry> = units.entries().iter().filter(|e| e.level == Level::Province && Some(&e.valid_from) == newest.as_ref()).collect();
    provinces.sort_by(|a, b| a.code.cmp(&b.code));
    let conn = store.connect()?;
    // Drug-free communes as the map has them: the official acts of the year (a reported province's
    // approved lists; elsewhere recognitions on record).
    let (progress, _) = crate::analytics::progress::read(&conn, None)?;
    let mut out = Vec::new();
    for p in provinces {
        let period = period_for(&periods, year, &p.code);
        let lists = match &period {
            Some(x) => Some(approval::lists(store, snap, units, x.id, &p.code)?),
            None => None,
        };
        let count = |l: List| lists.as_ref().map_or(0, |x| x.entries.iter().filter(|e| x.approved && e.list == Some(l)).count());
        let communes = units.entries().iter().filter(|e| e.level == Level::Commune && e.valid_from == p.valid_from && e.province_code.as_deref() == Some(p.code.as_str())).count();
        let reported = lists.as_ref().and_then(|l| l.decisions.first()).map(|d| (d.decision_no.clone(), d.decision_date.clone(), d.decided_at.clone()));
        let deadline = period.as_ref().and_then(|x| NaiveDate::parse_from_str(&x.province_deadline, "%Y-%m-%d").ok());
        let art5 = snap.provinces_in(year).find(|r| r.province_code == p.code);
        out.push(Province {
            province_code: p.code.clone(),
            province_name: p.name.clone(),
            communes,
            period_id: period.as_ref().map(|x| x.id),
            overdue: reported.is_none() && deadline.is_some_and(|d| today > d),
            reported,
            type_i: count(List::I),
            type_ii: count(List::II),
            type_iii: count(List::III),
            drug_free: progress.iter().find(|r| r.province_code == p.code && r.year == year).map_or(count(List::DrugFree), |r| usize::try_from(r.drug_free).unwrap_or(0)),
            not_assessed: lists.as_ref().map_or(communes, |l| if l.approved { l.not_assessed.len() } else { communes }),
            art5_key: art5.map(|r| r.evaluation.key),
            art5_met: art5.map(|r| r.evaluation.met_min),
            route_scope: snap.facts.province_routes.get(&(p.code.clone(), year)).copied(),
            ministry: ministry_of(&conn, year, &p.code)?,
        });
    }
    let communes: usize = out.iter().map(|p| p.communes).sum();
    let drug_free: usize = out.iter().map(|p| p.drug_free).sum();
    let any = periods.iter().find(|p| p.year == year);
    Ok(National {
        year,
        province_deadline: any.map(|p| p.province_deadline.clone()),
        ministry_deadline: any.map(|p| p.ministry_deadline.clone()),
        reported: out.iter().filter(|p| p.reported.is_some()).count(),
        drug_free_pct: if communes == 0 { 0.0 } else { 100.0 * drug_free as f64 / communes as f64 },
        provinces: out,
        communes,
        drug_free,
        target_2030_pct: TARGET_2030_PCT,
    })
}

/// The Ministry's decision on a province's result.
#[derive(Debug, Clone, Deserialize)]
pub struct ProvinceDecision {
    #[serde(flatten)]
    pub signed: Signed,
    pub key_area: bool,
    #[serde(default)]
    pub drug_free: bool,
    pub route_scope: Option<RouteScope>,
}

/// Record the Ministry's approval of a province-level result for `year` — once the province
/// has reported (its lists approved); once per province and year.
pub fn approve_province(store: &Store, snap: &Snapshot, units: &Directory, year: i32, province: &str, d: &ProvinceDecision, actor: &str) -> Result<MinistryDecision> {
    if d.signed.decision_no.trim().is_empty() || d.signed.signer.trim().is_empty() {
        return Err(Error::InvalidArgument("a decision needs its number (e.g. 123/QĐ-BCA) and its signer".into()));
    }
    if d.key_area && d.drug_free {
        return Err(Error::InvalidArgument("a province cannot be both a key area and drug-free".into()));
    }
    if d.route_scope == Some(RouteScope::Unknown) {
        return Err(Error::InvalidArgument("the route designation is none, intra_provincial, inter_provincial or transnational".into()));
    }
    let periods = super::periods(store)?;
    let period = period_for(&periods, year, province).ok_or_else(|| Error::NotFound(format!("no {year} review covers province {province}")))?;
    let lists = approval::lists(store, snap, units, period.id, province)?;
    if !lists.approved {
        return Err(Error::Refused(format!("{} has not reported its {year} lists yet: the Ministry approves after the province", lists.province_name)));
    }
    let conn = store.connect()?;
    crate::store::transaction(&conn, "recording the Ministry's decision", |conn| {
        if ministry_of(conn, year, province)?.is_some() {
            return Err(Error::Refused(format!("the Ministry's {year} decision on {} is already recorded", lists.province_name)));
        }
        conn.execute(
            include_str!("sql/ministry_decision_insert.sql"),
            params![year, province, d.key_area, d.drug_free, d.route_scope, d.signed.decision_no.trim(), d.signed.decision_date, d.signed.signer.trim(), actor, super::now()],
        )
        .map_err(|e| match e {
            // Another decision landed first (the unique province-year).
            duckdb::Error::DuckDBFailure(_, Some(m)) if m.contains("Duplicate key") || m.contains("unique") => Error::Refused(format!("the Ministry's {year} decision on {} is already recorded", lists.province_name)),
            e => Error::store("recording the Ministry's decision")(e),
        })?;
        let what = format!("province {province} {year}: key area {}, drug-free {}, route {}, decision {}", d.key_area, d.drug_free, d.route_scope.map_or("–", |r| r.as_str()), d.signed.decision_no.trim());
        super::event(conn, period.id, None, "ministry_approve", actor, None, None, Some(&what), None)?;
        Ok(())
    })?;
    ministry_of(&conn, year, province)?.ok_or_else(|| Error::Internal("the Ministry's decision was not recorded".into()))
}

/// Every reported province's lists of a year (for the national PDF: each province's annex).
pub fn reported_lists(store: &Store, snap: &Snapshot, units: &Directory, year: i32) -> Result<Vec<approval::Lists>> {
    let periods = super::periods(store)?;
    let mut provinces: Vec<&str> = units.entries().iter().filter(|e| e.level == Level::Province).map(|e| e.code.as_str()).collect();
    provinces.sort_unstable();
    provinces.dedup();
    let mut out = Vec::new();
    for p in provinces {
        let Some(period) = period_for(&periods, year, p) else { continue };
        let lists = approval::lists(store, snap, units, period.id, p)?;
        if lists.approved {
            out.push(lists);
        }
    }
    Ok(out)
}

/// The national lists of a year: every reported province's approved entries, by province and code.
pub fn national_lists(store: &Store, snap: &Snapshot, units: &Directory, year: i32) -> Result<Vec<(String, approval::Entry)>> {
    Ok(reported_lists(store, snap, units, year)?.into_iter().flat_map(|l| l.entries.into_iter().map(move |e| (l.province_name.clone(), e))).collect())
}
