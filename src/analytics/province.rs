//! Province-level key complex areas (Decision 28/2025 Art. 5), per province and year: sums over
//! the province's communes of the year's boundary version, the share of its communes that are key
//! areas of type I or II, and its route designation, evaluated with the year's rule set.
//!
//! Missing figures are never read as zero: when some communes have no indicator row, the sums
//! are known only as lower bounds (a count criterion can still be met), the rates are unknown,
//! and the type I + II share runs from the communes certainly of those types to all that might be.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{Classified, Facts};
use crate::rules::eval::{Interval, ProvinceInputs};
use crate::rules::status::MapStatus;
use crate::rules::{KeyType, ProvinceEvaluation, Rules, Tri, evaluate_province};
use crate::store::BoundaryVersion;
use crate::vocab::{DataQuality, RouteScope};

/// One province-year's Art. 5 result and what it was computed from.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceResult {
    pub province_code: String,
    pub year: i32,
    pub boundary_version: String,
    pub communes: usize,
    pub communes_with_data: usize,
    pub resident_population: i64,
    pub addicts_and_users: i64,
    pub drug_use_locations: i64,
    pub drug_offenders_arrested: i64,
    pub plants_destroyed_count: i64,
    pub plants_destroyed_area_m2: f64,
    /// Communes certainly of type I or II.
    pub type_i_ii_communes: usize,
    pub route_scope: Option<RouteScope>,
    pub evaluation: ProvinceEvaluation,
}

impl ProvinceResult {
    /// The criteria met, e.g. `P.1,P.2,P.4,P.6`.
    pub fn reason_codes(&self) -> String {
        self.evaluation.criteria.iter().filter(|c| c.value == Tri::True).map(|c| c.id.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// Sums of one province's communes in one year.
#[derive(Debug, Default)]
struct Sums {
    communes: usize,
    with_data: usize,
    population: f64,
    addicts_and_users: f64,
    locations: f64,
    arrested: f64,
    plants: f64,
    area: f64,
    /// Certainly type I or II; possibly (certainly, or still possible, or no data).
    type_i_ii: (usize, usize),
}

/// Art. 5's inputs from the sums: exact when every commune has figures, else lower bounds for
/// counts and nothing for rates.
fn inputs(s: &Sums, route: Option<RouteScope>) -> ProvinceInputs {
    let complete = s.with_data == s.communes && s.communes > 0;
    let sum = |v: f64| if complete { Interval::exact(v) } else { Interval { lo: v, hi: f64::INFINITY } };
    let mut values = BTreeMap::new();
    values.insert("resident_population", sum(s.population));
    values.insert("drug_use_locations", sum(s.locations));
    values.insert("drug_offenders_arrested", sum(s.arrested));
    values.insert("plants_destroyed_count", sum(s.plants));
    values.insert("plants_destroyed_area_m2", sum(s.area));
    if complete && s.population > 0.0 {
        values.insert("addict_user_rate_pct", Interval::exact(100.0 * s.addicts_and_users / s.population));
        values.insert("arrest_rate_pct", Interval::exact(100.0 * s.arrested / s.population));
    }
    if s.communes > 0 {
        let n = s.communes as f64;
        values.insert("share_type_i_ii_pct", Interval { lo: 100.0 * s.type_i_ii.0 as f64 / n, hi: 100.0 * s.type_i_ii.1 as f64 / n });
    }
    ProvinceInputs { values, route_scope: route }
}

/// Whether a commune-year is certainly / possibly a key area of type I or II.
fn type_i_ii(c: Option<&&Classified>) -> (bool, bool) {
    let Some(c) = c else { return (false, true) };
    match c.status.status {
        MapStatus::TypeI | MapStatus::TypeIi => (true, true),
        MapStatus::Undetermined | MapStatus::NoData => {
            let possible = c.evaluation.as_ref().is_none_or(|e| e.possible.iter().any(|k| matches!(k, KeyType::I | KeyType::II)));
            (false, possible)
        }
        _ => (false, false),
    }
}

/// Art. 5 for every province and year with classified communes, under each year's rule set (years
/// whose rule set has no province criteria are left out).
pub fn classify(
    rules: &Rules,
    facts: &Facts,
    classified: &HashMap<(i64, i32), &Classified>,
    versions: &[BoundaryVersion],
    routes: &HashMap<(String, i32), RouteScope>,
) -> Vec<ProvinceResult> {
    let mut years: Vec<i32> = classified.keys().map(|k| k.1).collect();
    years.sort_unstable();
    years.dedup();
    let mut out = Vec::new();
    for year in years {
        let Some(version) = super::version_for_year(versions, year) else { continue };
        let mut sums: BTreeMap<&str, Sums> = BTreeMap::new();
        for (id, u) in facts.units.iter().filter(|(_, u)| u.version_id == version.id) {
            let Some(p) = u.province_code.as_deref() else { continue };
            let s = sums.entry(p).or_default();
            s.communes += 1;
            let (certain, possible) = type_i_ii(classified.get(&(*id, year)));
            s.type_i_ii.0 += usize::from(certain);
            s.type_i_ii.1 += usize::from(possible);
            let Some(row) = facts.indicators.get(&(*id, year)).filter(|r| r.data_quality != DataQuality::Apportioned) else { continue };
            let v = |k: &str| row.inputs.values.get(k).copied().unwrap_or(0.0);
            s.with_data += 1;
            s.population += v("resident_population");
            s.addicts_and_users += v("addicts_with_records") + v("illegal_users_with_records");
            s.locations += v("drug_use_locations");
            s.arrested += v("drug_offenders_arrested");
            s.plants += v("plants_destroyed_count");
            s.area += v("plants_destroyed_area_m2");
        }
        for (code, s) in sums {
            let Some(set) = rules.for_year(Some(code), year) else { continue };
            let route = routes.get(&(code.to_string(), year)).copied();
            let Some(evaluation) = evaluate_province(set, &inputs(&s, route)) else { continue };
            out.push(ProvinceResult {
                province_code: code.to_string(),
                year,
                boundary_version: version.name.clone(),
                communes: s.communes,
                communes_with_data: s.with_data,
                resident_population: s.population.round() as i64,
                addicts_and_users: s.addicts_and_users.round() as i64,
                drug_use_locations: s.locations.round() as i64,
                drug_offenders_arrested: s.arrested.round() as i64,
                plants_destroyed_count: s.plants.round() as i64,
                plants_destroyed_area_m2: s.area,
                type_i_ii_communes: s.type_i_ii.0,
                route_scope: route,
                evaluation,
            });
        }
    }
    out
}
