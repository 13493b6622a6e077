//! Ranking communes for conversion (chuyển hóa): for a province and target year, every commune
//! not yet drug-free, scored by how close it is to drug-free, with every component shown —
//! value, score, weight, contribution — so a leader can see why one commune ranks above another.
//!
//! Components (weights in `data/rules/candidates.toml`): the gaps to the type I thresholds of the
//! target year's rule set (addict+user rate, drug-use locations, arrest rate, plants), the trend of
//! the rate over the last three years, the share of neighbouring communes already drug-free
//! (neighbours share an edge), and population. [Proposal]: no written selection criteria exist.

use std::collections::HashMap;

use serde::Serialize;

use super::{Snapshot, conversion};
use crate::rules::status::MapStatus;
use crate::rules::{CandidateConfig, Inputs, KeyType, Op, RuleSet, Threshold};

/// One component of a candidate's score.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub key: &'static str,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    /// The measured value (None: not known).
    pub value: Option<f64>,
    /// The reference it is measured against, e.g. the criterion's threshold.
    pub reference: Option<f64>,
    /// 0 (far from drug-free) … 1 (close).
    pub score: f64,
    pub weight: f64,
    /// weight × score / Σ weights.
    pub contribution: f64,
    /// Whether the reference threshold is confirmed in the sources.
    pub confirmed: bool,
}

/// A ranked commune.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub rank: usize,
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub score: f64,
    /// The year the indicators come from.
    pub base_year: i32,
    /// Indicators rebuilt from pre-reform communes through the crosswalk.
    pub rebuilt: bool,
    pub status: MapStatus,
    pub components: Vec<Component>,
}

/// Everything one commune's score needs.
pub struct Facts<'a> {
    pub inputs: &'a Inputs,
    /// Addict+user rate in earlier years, oldest first (for the trend).
    pub rate_history: Vec<f64>,
    /// Share of neighbours drug-free (None: no neighbours known).
    pub neighbours_drug_free: Option<f64>,
}

/// The type I threshold of `field` in `set` (value and whether it is confirmed).
fn threshold(set: &RuleSet, field: &str) -> Option<(f64, bool)> {
    set.criteria.iter().filter(|c| c.key_type == KeyType::I).find_map(|c| {
        let conds = c.condition.iter().chain(&c.any_of);
        conds.into_iter().find(|x| x.field == field && x.op == Op::Ge).and_then(|x| match x.value {
            Some(Threshold::Exact(v)) => Some((v, c.confirmed == crate::rules::Confirmed::True)),
            Some(Threshold::Range([_, hi])) => Some((hi, false)),
            None => None,
        })
    })
}

/// Score one commune.
pub fn score(set: &RuleSet, cfg: &CandidateConfig, f: &Facts) -> (f64, Vec<Component>) {
    let v = |k: &str| f.inputs.values.get(k).copied();
    let w = |k: &str| cfg.weights.get(k).copied().unwrap_or(0.0);
    let gap = |value: Option<f64>, reference: Option<(f64, bool)>| -> (f64, Option<f64>, bool) {
        match (value, reference) {
            (Some(x), Some((t, confirmed))) if t > 0.0 => ((1.0 - x / t).clamp(0.0, 1.0), Some(t), confirmed),
            (_, r) => (0.5, r.map(|r| r.0), r.is_some_and(|r| r.1)),
        }
    };
    let mut comps = Vec::new();
    let mut push = |key, label_vi, label_en, value: Option<f64>, (score, reference, confirmed): (f64, Option<f64>, bool)| {
        comps.push(Component { key, label_vi, label_en, value, reference, score, weight: w(key), contribution: 0.0, confirmed });
    };
    push(
        "rate_gap",
        "Tỷ lệ nghiện + sử dụng so với ngưỡng (a)",
        "Addict + user rate vs threshold (a)",
        v("addict_user_rate_pct"),
        gap(v("addict_user_rate_pct"), threshold(set, "addict_user_rate_pct")),
    );
    push(
        "locations",
        "Điểm tổ chức sử dụng so với ngưỡng (b)",
        "Drug-use locations vs threshold (b)",
        v("drug_use_locations"),
        gap(v("drug_use_locations"), threshold(set, "drug_use_locations")),
    );
    push(
        "arrest_gap",
        "Tỷ lệ bị bắt so với ngưỡng (c)",
        "Arrest rate vs threshold (c)",
        v("arrest_rate_pct"),
        gap(v("arrest_rate_pct"), threshold(set, "arrest_rate_pct")),
    );
    let plants = match (v("plants_destroyed_count"), v("plants_destroyed_area_m2")) {
        (Some(n), Some(a)) => {
            let (sn, tn, cn) = gap(Some(n), threshold(set, "plants_destroyed_count"));
            let (sa, _, _) = gap(Some(a), threshold(set, "plants_destroyed_area_m2"));
            (sn.min(sa), tn, cn)
        }
        _ => (0.5, None, false),
    };
    push("plants", "Cây có chứa chất ma túy so với ngưỡng (d)", "Drug plants vs threshold (d)", v("plants_destroyed_count"), plants);
    let slope = if f.rate_history.len() >= 2 {
        let h = &f.rate_history;
        Some((h[h.len() - 1] - h[0]) / (h.len() - 1) as f64)
    } else {
        None
    };
    let trend = slope.map_or(0.5, |s| (0.5 - 0.5 * s / cfg.trend.full_scale_pp).clamp(0.0, 1.0));
    push("trend", "Xu hướng tỷ lệ 3 năm (điểm %/năm)", "3-year trend of the rate (pp/year)", slope, (trend, None, true));
    push(
        "neighbours",
        "Tỷ lệ xã giáp ranh đã không ma túy",
        "Share of neighbouring communes drug-free",
        f.neighbours_drug_free,
        (f.neighbours_drug_free.unwrap_or(0.0), None, true),
    );
    let pop = v("resident_population");
    push(
        "population",
        "Dân số",
        "Population",
        pop,
        (pop.map_or(0.5, |p| (1.0 - p / cfg.population.large).clamp(0.0, 1.0)), Some(cfg.population.large), true),
    );
    let total_w: f64 = comps.iter().map(|c| c.weight).sum::<f64>().max(1e-12);
    for c in &mut comps {
        c.contribution = c.weight * c.score / total_w;
    }
    let s = comps.iter().map(|c| c.contribution).sum();
    (s, comps)
}

/// Rank the communes of `province` for `target_year`. `adjacency` maps a unit to the units it
/// shares an edge with; `names` gives display names.
pub fn rank(
    s: &Snapshot,
    cfg: &CandidateConfig,
    adjacency: &HashMap<i64, Vec<i64>>,
    names: &HashMap<i64, String>,
    province: &str,
    target_year: i32,
    statuses: conversion::Statuses,
) -> Vec<Candidate> {
    let Some(version) = s.version_for_year(target_year) else { return Vec::new() };
    let Some(set) = s.rules.for_year(Some(province), target_year) else { return Vec::new() };
    let base_year = target_year - 1;
    let mut units: Vec<i64> = s
        .facts
        .units
        .iter()
        .filter(|(_, u)| u.version_id == version.id && u.province_code.as_deref() == Some(province))
        .map(|(id, _)| *id)
        .collect();
    units.sort_unstable();
    // Already drug-free: recognised (approved statuses), or meeting Art. 6 on the figures (computed).
    let status = |u: i64, y: i32| s.classified.get(&(u, y)).map_or(MapStatus::NoData, |c| conversion::status_under(&s.rules, c, statuses));
    let drug_free = |u: i64, y: i32| match statuses {
        conversion::Statuses::Approved => status(u, y) == MapStatus::DrugFree,
        conversion::Statuses::Computed => status(u, y) == MapStatus::DrugFreeCandidate,
    };
    let mut out = Vec::new();
    for u in units {
        if drug_free(u, base_year) {
            continue;
        }
        let (inputs, rebuilt): (Inputs, bool) = match s.facts.indicators.get(&(u, base_year)) {
            Some(r) => (r.inputs.clone(), false),
            None => match conversion::rebuilt_side(&s.rules, &s.facts, u, base_year, true) {
                Ok((_, _, inputs)) => (inputs, true),
                Err(_) => continue,
            },
        };
        let rate_at = |y: i32| -> Option<f64> {
            s.facts.indicators.get(&(u, y)).and_then(|r| r.inputs.values.get("addict_user_rate_pct").copied()).or_else(|| {
                conversion::rebuilt_side(&s.rules, &s.facts, u, y, true)
                    .ok()
                    .and_then(|(_, _, i)| i.values.get("addict_user_rate_pct").copied())
            })
        };
        let rate_history: Vec<f64> = (base_year - 2..=base_year).filter_map(rate_at).collect();
        let neighbours = adjacency.get(&u).filter(|n| !n.is_empty()).map(|n| {
            n.iter().filter(|x| drug_free(**x, base_year)).count() as f64 / n.len() as f64
        });
        let (score, components) = score(set, cfg, &Facts { inputs: &inputs, rate_history, neighbours_drug_free: neighbours });
        out.push(Candidate {
            rank: 0,
            unit_id: u,
            code: s.facts.units.get(&u).map(|x| x.code.clone()).unwrap_or_default(),
            name: names.get(&u).cloned().unwrap_or_default(),
            score,
            base_year,
            rebuilt,
            status: status(u, base_year),
            components,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.code.cmp(&b.code)));
    for (i, c) in out.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    out
}
