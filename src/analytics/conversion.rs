//! Year-over-year conversion (chuyển hóa) per commune, domain.md §3:
//! `converted_to_drug_free`, `converted` (lower severity), `maintained` (drug-free both years),
//! `relapsed` (drug-free → not, or non-key → key), `worsened`, `unchanged`, `not_comparable`.
//!
//! Across a boundary change the earlier year is rebuilt on the later year's unit from the old
//! units' **counts** through the crosswalk (rates recomputed on the summed population) and
//! classified with the earlier year's rules. Labels never transfer: an old commune's drug-free
//! recognition does not make the new one "maintained". A new unit that received part of a split
//! old unit is `not_comparable` unless apportioned estimates are asked for.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::{Classified, Facts, rank};
use crate::rules::{Inputs, Rules, evaluate};

/// One year's side of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub status: String,
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
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub conversion: String,
    /// `same_unit`, `crosswalk_merge` (whole old units summed), `crosswalk_apportioned`, `none`.
    pub basis: String,
    pub reason: Option<String>,
}

/// The conversion category between two sides.
pub fn compare(from: &Side, to: &Side) -> (&'static str, Option<String>) {
    if from.status == "no_data" || to.status == "no_data" {
        return ("not_comparable", Some("no data in one of the years".into()));
    }
    match (from.drug_free, to.drug_free) {
        (true, true) => ("maintained", None),
        (true, false) => ("relapsed", None),
        (false, true) => ("converted_to_drug_free", None),
        (false, false) => {
            let ((fmin, fmax), (tmin, tmax)) = (from.severity, to.severity);
            if tmax < fmin {
                ("converted", None)
            } else if tmin > fmax {
                if fmax <= 1 { ("relapsed", Some("non-key area became a key area".into())) } else { ("worsened", None) }
            } else if (fmin == fmax && tmin == tmax) || from.status == to.status {
                ("unchanged", None)
            } else {
                ("not_comparable", Some("the key type is undetermined in one of the years".into()))
            }
        }
    }
}

fn side_of(c: &Classified) -> Side {
    Side { status: c.status.status.clone(), drug_free: c.status.status == "drug_free", severity: c.severity }
}

/// Order of route scopes, for merging old units' scopes (the most serious known one wins).
fn scope_rank(s: &str) -> i32 {
    match s {
        "transnational" => 3,
        "inter_provincial" => 2,
        "intra_provincial" => 1,
        "none" => 0,
        _ => -1,
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
) -> Result<(Side, &'static str, Inputs), String> {
    let links = facts.predecessors.get(&unit).ok_or("no predecessor units in the crosswalk")?;
    let whole = |r: &str| matches!(r, "full" | "merge" | "rename" | "unchanged");
    let split = links.iter().any(|l| !whole(&l.relation));
    if split && !apportioned {
        return Err("an old commune was split between new ones; ask for the apportioned estimate".into());
    }
    let mut inputs = Inputs::default();
    let mut scopes: Vec<String> = Vec::new();
    for l in links {
        let row = facts
            .indicators
            .get(&(l.old_unit_id, year))
            .ok_or_else(|| format!("old commune {} has no indicators for {year}", facts.units.get(&l.old_unit_id).map_or("?", |u| u.code.as_str())))?;
        let w = if whole(&l.relation) {
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
        scopes.push(row.inputs.key_route_scope.clone().unwrap_or_else(|| "unknown".into()));
    }
    let best = scopes.iter().max_by_key(|s| scope_rank(s)).cloned();
    inputs.key_route_scope = match best {
        Some(s) if scope_rank(&s) > 0 => Some(s),
        _ if scopes.iter().any(|s| scope_rank(s) < 0) => Some("unknown".into()),
        other => other,
    };
    inputs.derive_rates();
    let province = facts.units.get(&unit).and_then(|u| u.province_code.as_deref());
    let set = rules.for_year(province, year).ok_or("no rule set applies to that year")?;
    let ev = evaluate(set, &inputs);
    let status = rules.status.decide(None, None, Some(&ev));
    let ranks: Vec<i16> = ev.possible.iter().map(|o| rank(o)).collect();
    let severity = (ranks.iter().copied().min().unwrap_or(1), ranks.iter().copied().max().unwrap_or(1));
    let basis = if split { "crosswalk_apportioned" } else { "crosswalk_merge" };
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
) -> Vec<Conversion> {
    let mut units: BTreeSet<i64> = BTreeSet::new();
    for (u, y) in by_key.keys() {
        if *y == to_year {
            units.insert(*u);
        }
    }
    units.into_iter().filter_map(|u| one(rules, facts, by_key, u, from_year, to_year, apportioned)).collect()
}

/// Conversion of one unit (of `to_year`) relative to `from_year`.
pub fn one(
    rules: &Rules,
    facts: &Facts,
    by_key: &HashMap<(i64, i32), &Classified>,
    unit: i64,
    from_year: i32,
    to_year: i32,
    apportioned: bool,
) -> Option<Conversion> {
    let to = by_key.get(&(unit, to_year))?;
    let to_side = side_of(to);
    let (from_side, basis, reason) = match by_key.get(&(unit, from_year)) {
        Some(f) => (Some(side_of(f)), "same_unit", None),
        None if facts.predecessors.contains_key(&unit) => match rebuilt_side(rules, facts, unit, from_year, apportioned) {
            Ok((s, basis, _)) => (Some(s), basis, None),
            Err(why) => (None, "crosswalk_merge", Some(why)),
        },
        None => (None, "none", Some(format!("no data for {from_year}"))),
    };
    let (conversion, why) = match &from_side {
        Some(f) => compare(f, &to_side),
        None => ("not_comparable", None),
    };
    Some(Conversion {
        unit_id: unit,
        from_year,
        to_year,
        from_status: from_side.map(|s| s.status),
        to_status: Some(to_side.status),
        conversion: conversion.to_string(),
        basis: basis.to_string(),
        reason: reason.or(why),
    })
}

/// Conversions between each year and the year before, for every unit (stored in `conversion`).
pub fn consecutive(rules: &Rules, facts: &Facts, by_key: &HashMap<(i64, i32), &Classified>) -> Vec<Conversion> {
    let years: BTreeSet<i32> = by_key.keys().map(|k| k.1).collect();
    let mut out = Vec::new();
    for y in years.iter().copied() {
        if years.contains(&(y - 1)) {
            out.extend(between(rules, facts, by_key, y - 1, y, false));
        }
    }
    out
}
