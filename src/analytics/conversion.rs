//! Year-over-year conversion (chuyển hóa) per commune, domain.md §3:
//! `converted_to_drug_free`, `converted` (lower severity), `maintained` (drug-free both years),
//! `relapsed` (drug-free → not, or non-key → key), `worsened`, `unchanged`, `not_comparable`.
//!
//! Across a boundary change the earlier year is rebuilt on the later year's unit from the old
//! units' **counts** through the crosswalk (rates recomputed on the summed population) and
//! classified with the earlier year's rules. Labels never transfer: an old commune's drug-free
//! recognition does not make the new one "maintained". A new unit that received part of a split
//! old unit is `not_comparable` unless apportioned estimates are asked for.
//!
//! Each side reads the **approved** statuses (the official acts — an approved review's lists,
//! imported recognitions — first, the figures where there are none; the default) or the
//! **computed** ones (the figures alone under the rule set), by [`Statuses`].

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::{Classified, Facts, rank};
use crate::rules::status::MapStatus;
use crate::rules::{Inputs, Rules, evaluate};
use crate::vocab::RouteScope;

crate::vocabulary! {
    /// How a commune's situation changed between two years (domain.md §3; analytical, not legal).
    pub enum Class ("conversion class") {
        ConvertedToDrugFree = "converted_to_drug_free", Converted = "converted", Maintained = "maintained", Relapsed = "relapsed",
        Worsened = "worsened", Unchanged = "unchanged", NotComparable = "not_comparable",
    }
}

crate::vocabulary! {
    /// What the earlier year of a comparison was read from.
    pub enum Basis ("conversion basis") {
        /// The same unit has data in both years.
        SameUnit = "same_unit",
        /// The earlier year rebuilt from whole old units through the crosswalk.
        CrosswalkMerge = "crosswalk_merge",
        /// The earlier year rebuilt with apportioned shares of split old units (estimates).
        CrosswalkApportioned = "crosswalk_apportioned",
        /// Nothing to compare with.
        None = "none",
    }
}

crate::vocabulary! {
    /// Which statuses a comparison or ranking reads.
    pub enum Statuses ("statuses") {
        /// Official acts first (approved lists, recognitions), the figures where there are none.
        Approved = "approved",
        /// The figures alone, under the rule set, as if nothing had been approved.
        Computed = "computed",
    }
}

impl Default for Statuses {
    fn default() -> Self {
        Statuses::Approved
    }
}

/// A classified commune-year's status under `statuses`.
pub fn status_under(rules: &Rules, c: &Classified, statuses: Statuses) -> MapStatus {
    match statuses {
        Statuses::Approved => c.status.status,
        Statuses::Computed => c.evaluation.as_ref().map_or(MapStatus::NoData, |e| rules.status.decide(None, None, Some(e)).status),
    }
}

/// One year's side of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub status: MapStatus,
    pub drug_free: bool,
    /// (lowest, highest) possible severity rank.
    pub severity: (i16, i16),
}

/// A unit's conversion between two years.
#[derive(Debug, Clone, Serialize)]
pub struct Conversion {
    pub unit_id: i64,
    pub from_year: i32,
    pub to_year: i32,
    pub from_status: Option<MapStatus>,
    pub to_status: Option<MapStatus>,
    pub conversion: Class,
    pub basis: Basis,
    pub reason: Option<String>,
}

/// The conversion category between two sides.
pub fn compare(from: &Side, to: &Side) -> (Class, Option<String>) {
    if from.status == MapStatus::NoData || to.status == MapStatus::NoData {
        return (Class::NotComparable, Some("no data in one of the years".into()));
    }
    match (from.drug_free, to.drug_free) {
        (true, true) => (Class::Maintained, None),
        (true, false) => (Class::Relapsed, None),
        (false, true) => (Class::ConvertedToDrugFree, None),
        (false, false) => {
            let ((fmin, fmax), (tmin, tmax)) = (from.severity, to.severity);
            if tmax < fmin {
                (Class::Converted, None)
            } else if tmin > fmax {
                if fmax <= 1 { (Class::Relapsed, Some("non-key area became a key area".into())) } else { (Class::Worsened, None) }
            } else if (fmin == fmax && tmin == tmax) || from.status == to.status {
                (Class::Unchanged, None)
            } else {
                (Class::NotComparable, Some("the key type is undetermined in one of the years".into()))
            }
        }
    }
}

fn side_of(rules: &Rules, c: &Classified, statuses: Statuses) -> Side {
    match statuses {
        Statuses::Approved => Side { status: c.status.status, drug_free: c.status.status == MapStatus::DrugFree, severity: c.severity },
        Statuses::Computed => {
            let status = status_under(rules, c, statuses);
            let ranks: Vec<i16> = c.evaluation.as_ref().map(|e| e.possible.iter().map(|o| rank(*o)).collect()).unwrap_or_default();
            let severity = (ranks.iter().copied().min().unwrap_or(1), ranks.iter().copied().max().unwrap_or(4));
            // On the figures alone, meeting Art. 6 counts as drug-free.
            Side { status, drug_free: status == MapStatus::DrugFreeCandidate, severity }
        }
    }
}

/// Order of route scopes, for merging old units' scopes (the most serious known one wins).
fn scope_rank(s: RouteScope) -> i32 {
    match s {
        RouteScope::Transnational => 3,
        RouteScope::InterProvincial => 2,
        RouteScope::IntraProvincial => 1,
        RouteScope::None => 0,
        RouteScope::Unknown => -1,
    }
}

/// Rebuild year `year` on new unit `unit` from its old units. Returns the side and the basis, or
/// why it cannot be done.
pub fn rebuilt_side(
    rules: &Rules,
    facts: &Facts,
    unit: i64,
    year: i32,
    apportioned: bool,
) -> Result<(Side, Basis, Inputs), String> {
    let links = facts.predecessors.get(&unit).ok_or("no predecessor units in the crosswalk")?;
    let split = links.iter().any(|l| !l.relation.whole());
    if split && !apportioned {
        return Err("an old commune was split between new ones; ask for the apportioned estimate".into());
    }
    let mut inputs = Inputs::default();
    let mut scopes: Vec<RouteScope> = Vec::new();
    for l in links {
        let row = facts
            .indicators
            .get(&(l.old_unit_id, year))
            .ok_or_else(|| format!("old commune {} has no indicators for {year}", facts.units.get(&l.old_unit_id).map_or("?", |u| u.code.as_str())))?;
        let w = if l.relation.whole() {
            1.0
        } else {
            l.weight_population.or(l.weight_area).ok_or("a split link has no weights")?
        };
        for (k, v) in row.inputs.values.iter() {
            if k.ends_with("_pct") {
                continue; // rates are recomputed from the summed counts
            }
            inputs.values.add(k, v * w);
        }
        scopes.push(row.inputs.key_route_scope.unwrap_or(RouteScope::Unknown));
    }
    let best = scopes.iter().copied().max_by_key(|s| scope_rank(*s));
    inputs.key_route_scope = match best {
        Some(s) if scope_rank(s) > 0 => Some(s),
        _ if scopes.iter().any(|s| scope_rank(*s) < 0) => Some(RouteScope::Unknown),
        other => other,
    };
    inputs.derive_rates();
    let province = facts.units.get(&unit).and_then(|u| u.province_code.as_deref());
    let set = rules.for_year(province, year).ok_or("no rule set applies to that year")?;
    let ev = evaluate(set, &inputs);
    let status = rules.status.decide(None, None, Some(&ev));
    let ranks: Vec<i16> = ev.possible.iter().map(|o| rank(*o)).collect();
    let severity = (ranks.iter().copied().min().unwrap_or(1), ranks.iter().copied().max().unwrap_or(1));
    let basis = if split { Basis::CrosswalkApportioned } else { Basis::CrosswalkMerge };
    Ok((Side { status: status.status, drug_free: false, severity }, basis, inputs))
}

/// Conversion of every classified unit of `to_year` relative to `from_year`.
pub fn between(
    rules: &Rules,
    facts: &Facts,
    by_key: &HashMap<(i64, i32), &Classified>,
    from_year: i32,
    to_year: i32,
    apportioned: bool,
    statuses: Statuses,
) -> Vec<Conversion> {
    let mut units: BTreeSet<i64> = BTreeSet::new();
    for (u, y) in by_key.keys() {
        if *y == to_year {
            units.insert(*u);
        }
    }
    units.into_iter().filter_map(|u| one(rules, facts, by_key, u, from_year, to_year, apportioned, statuses)).collect()
}

/// Conversion of one unit (of `to_year`) relative to `from_year`.
#[allow(clippy::too_many_arguments)]
pub fn one(
    rules: &Rules,
    facts: &Facts,
    by_key: &HashMap<(i64, i32), &Classified>,
    unit: i64,
    from_year: i32,
    to_year: i32,
    apportioned: bool,
    statuses: Statuses,
) -> Option<Conversion> {
    let to = by_key.get(&(unit, to_year))?;
    let to_side = side_of(rules, to, statuses);
    let (from_side, basis, reason) = match by_key.get(&(unit, from_year)) {
        Some(f) => (Some(side_of(rules, f, statuses)), Basis::SameUnit, None),
        None if facts.predecessors.contains_key(&unit) => match rebuilt_side(rules, facts, unit, from_year, apportioned) {
            // Labels never transfer; on the figures alone, meeting Art. 6 counts as drug-free.
            Ok((s, basis, _)) if statuses == Statuses::Computed => (Some(Side { drug_free: s.status == MapStatus::DrugFreeCandidate, ..s }), basis, None),
            Ok((s, basis, _)) => (Some(s), basis, None),
            Err(why) => (None, Basis::CrosswalkMerge, Some(why)),
        },
        None => (None, Basis::None, Some(format!("no data for {from_year}"))),
    };
    let (conversion, why) = match &from_side {
        Some(f) => compare(f, &to_side),
        None => (Class::NotComparable, None),
    };
    Some(Conversion {
        unit_id: unit,
        from_year,
        to_year,
        from_status: from_side.map(|s| s.status),
        to_status: Some(to_side.status),
        conversion,
        basis,
        reason: reason.or(why),
    })
}

/// Conversions between each year and the year before, for every unit (stored in `conversion`).
pub fn consecutive(rules: &Rules, facts: &Facts, by_key: &HashMap<(i64, i32), &Classified>) -> Vec<Conversion> {
    let years: BTreeSet<i32> = by_key.keys().map(|k| k.1).collect();
    let mut out = Vec::new();
    for y in years.iter().copied() {
        if years.contains(&(y - 1)) {
            out.extend(between(rules, facts, by_key, y - 1, y, false, Statuses::Approved));
        }
    }
    out
}
