//! The story the synthetic data tells, so that analysts (and tests) can find it:
//!
//! - drug activity concentrates along a key route corridor from a border crossing to the coast
//!   and around the crossing itself;
//! - one province converts steadily toward the national target (≈ 20 % drug-free in 2025,
//!   ≈ 30 % in 2026), one lags, one converts and then relapses (2024);
//! - recognition events per year with decision numbers; commune quota assignments and province
//!   targets for 2025 and 2026;
//! - from 2025, the inputs of the drug-free criteria (Decision 28/2025 Art. 6): approved communes
//!   meet them; in every province a few quiet communes meet them too but are not yet approved
//!   (drug-free candidates); in 2026 two approved communes of the lagging province lapse — a
//!   wanted fugitive hides in one, a drug-use location appears in the other;
//! - a key route designation for the provinces the route crosses (Art. 5.6), so the province the
//!   route runs through becomes a province-level key area (Art. 5).
//!
//! Years 2019–2024 are on the pre-reform communes, 2025–2026 on the post-reform ones.

use std::collections::{HashMap, HashSet};

use super::rng::Rng;
use super::{World, dist, dist_to_polyline};

/// First and last year of indicators.
pub const FIRST_YEAR: i32 = 2019;
pub const LAST_YEAR: i32 = 2026;
/// The first year on post-reform units.
pub const REFORM_YEAR: i32 = 2025;

/// A province's trajectory.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub key: &'static str,
    pub name_vi: &'static str,
    /// Drug-free share of the province's communes, 2019 … 2026.
    pub shares: [f64; 8],
    /// Multiplies the drug-pressure field.
    pub pressure: f64,
    /// Yearly factor on pressure.
    pub trend: f64,
}

pub const SCENARIOS: [Scenario; 3] = [
    Scenario {
        key: "converting",
        name_vi: "chuyển hóa đều",
        shares: [0.05, 0.07, 0.09, 0.11, 0.13, 0.16, 0.20, 0.30],
        pressure: 0.9,
        trend: 0.95,
    },
    Scenario {
        key: "lagging",
        name_vi: "chậm tiến độ",
        shares: [0.02, 0.03, 0.03, 0.04, 0.04, 0.05, 0.07, 0.09],
        pressure: 1.2,
        trend: 1.0,
    },
    Scenario {
        key: "relapsing",
        name_vi: "tái phức tạp",
        shares: [0.04, 0.07, 0.10, 0.14, 0.16, 0.11, 0.12, 0.14],
        pressure: 1.0,
        trend: 0.97,
    },
];

/// The national target path the quotas follow: 20 % in 2025, 30 % in 2026.
pub const TARGET_SHARE: [(i32, f64); 2] = [(2025, 20.0), (2026, 30.0)];

/// Scenario of a pre-reform province: a province that is not merged in the reform converts
/// steadily; in a merger the province giving its code lags, the others relapse. Post-reform
/// provinces continue the scenario of the province whose code they keep.
pub fn assign_scenarios(world: &mut World) {
    let mut pre_scn: HashMap<String, usize> = HashMap::new();
    for p in &world.post.provinces {
        if p.predecessors.len() == 1 {
            pre_scn.insert(p.predecessors[0].clone(), 0);
        } else {
            for code in &p.predecessors {
                pre_scn.insert(code.clone(), if *code == p.code { 1 } else { 2 });
            }
        }
    }
    for u in world.pre.provinces.iter_mut().chain(&mut world.pre.districts).chain(&mut world.pre.communes) {
        u.scenario = pre_scn.get(&u.province_code).copied().unwrap_or(0);
    }
    let post_scn: HashMap<String, usize> =
        world.post.provinces.iter().map(|p| (p.code.clone(), pre_scn.get(&p.code).copied().unwrap_or(0))).collect();
    for u in world.post.provinces.iter_mut().chain(&mut world.post.communes) {
        u.scenario = post_scn.get(&u.province_code).copied().unwrap_or(0);
    }
}

/// Indicator CSV header (domain.md §5.2 names).
pub const INDICATOR_HEADER: &[&str] = &[
    "unit_code",
    "year",
    "reference_date",
    "resident_population",
    "addicts_with_records",
    "illegal_users_with_records",
    "addicts_in_community",
    "addicts_in_compulsory_rehab",
    "addicts_in_voluntary_facility",
    "addicts_in_community_rehab",
    "addicts_in_detention",
    "methadone_patients",
    "users_in_community",
    "users_in_detention",
    "post_rehab_managed",
    "new_addicts_in_period",
    "new_users_in_period",
    "no_fixed_residence",
    "psychosis_signs",
    "residents_using_not_exempt",
    "residents_violating_drug_law",
    "wanted_drug_fugitives_hiding",
    "drug_use_locations",
    "drug_hotspots_legacy",
    "drug_offenders_arrested",
    "drug_cases_detected",
    "art256a_cases",
    "plants_destroyed_count",
    "plants_destroyed_area_m2",
    "plant_cases",
    "key_route_scope",
    "propaganda_sessions",
    "propaganda_reach_persons",
    "staff_trained",
    "vocational_training_persons",
    "jobs_supported",
    "legal_regime",
    "reported_key_type",
    "source_ref",
    "data_quality",
];

pub const RECOGNITION_HEADER: &[&str] =
    &["unit_code", "status_type", "value", "year_covered", "decision_no", "decision_date", "issuer", "action", "source_url"];
pub const QUOTA_HEADER: &[&str] = &["unit_code", "year", "assigned_by_plan", "self_registered"];
pub const TARGET_HEADER: &[&str] = &["province_code", "year", "quota_count", "target_share_pct", "plan_ref"];
pub const PROVINCE_ROUTE_HEADER: &[&str] = &["province_code", "year", "route_scope", "source_ref"];

/// What a commune-year's drug-free inputs (Art. 6) tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Art6 {
    /// As its other figures have them.
    Ordinary,
    /// Meets every Art. 6 criterion (approved, or a candidate awaiting approval).
    Meets,
    /// Was approved; now a wanted drug fugitive hides there (Art. 6.2 fails).
    LapsedFugitive,
    /// Was approved; now a drug-use location has appeared (Art. 6.3 fails).
    LapsedLocation,
}

/// All tabular output, as CSV fields.
#[derive(Debug, Default)]
pub struct Stories {
    pub indicators: Vec<Vec<String>>,
    pub recognitions: Vec<Vec<String>>,
    pub quotas: Vec<Vec<String>>,
    pub targets: Vec<Vec<String>>,
    pub province_routes: Vec<Vec<String>>,
    /// (province code, year) → (recognized communes, communes): the realised shares.
    pub drug_free: Vec<(String, i32, usize, usize)>,
}

/// A commune of either vintage, for the story.
struct C<'a> {
    u: &'a super::UnitDef,
    pressure: f64,
    centroid: [f64; 2],
}

fn commune_views<'a>(world: &'a World, units: &'a [super::UnitDef]) -> Vec<C<'a>> {
    units
        .iter()
        .map(|u| {
            let pop: f64 = u.cells.iter().map(|&c| world.cell_pop[c] as f64).sum::<f64>().max(1.0);
            let pressure = u.cells.iter().map(|&c| world.cell_pressure[c] * world.cell_pop[c] as f64).sum::<f64>() / pop
                * SCENARIOS[u.scenario].pressure;
            let area: f64 = u.cells.iter().map(|&c| world.cell_area(c)).sum::<f64>().max(1e-9);
            let centroid = u.cells.iter().fold([0.0, 0.0], |acc, &c| {
                let k = world.cell_area(c) / area;
                let p = world.mesh.cells[c].as_ref().map_or(world.mesh.seeds[c], |x| x.centroid);
                [acc[0] + p[0] * k, acc[1] + p[1] * k]
            });
            C { u, pressure, centroid }
        })
        .collect()
}

/// Recognised communes (indices into `cs`) per year for one province of one vintage.
fn recognised(cs: &[&C], scenario: &Scenario, years: std::ops::RangeInclusive<i32>) -> HashMap<i32, (Vec<usize>, Vec<usize>)> {
    // Rank: least pressure first; ties by code.
    let mut rank: Vec<usize> = (0..cs.len()).collect();
    rank.sort_by(|&a, &b| cs[a].pressure.total_cmp(&cs[b].pressure).then(cs[a].u.code.cmp(&cs[b].u.code)));
    let mut out = HashMap::new();
    let mut prev: Vec<usize> = Vec::new();
    for y in years {
        let share = scenario.shares[(y - FIRST_YEAR) as usize];
        let n = (share * cs.len() as f64).round() as usize;
        let mut revoked = Vec::new();
        let set: Vec<usize> = if n >= prev.len() || y == REFORM_YEAR {
            rank.iter().copied().take(n).collect()
        } else {
            // Relapse: the recognised communes under most pressure lose their status.
            let mut keep = prev.clone();
            keep.sort_by(|&a, &b| cs[a].pressure.total_cmp(&cs[b].pressure).then(a.cmp(&b)));
            revoked = keep.split_off(n);
            keep
        };
        prev = set.clone();
        out.insert(y, (set, revoked));
    }
    out
}

/// Build every table of the story.
pub fn tell(world: &World) -> Stories {
    let mut st = Stories::default();
    let source = format!("SYNTHETIC demo data (commune-atlas demo generate --seed {})", world.seed);
    for (vintage, years) in [(&world.pre, FIRST_YEAR..=REFORM_YEAR - 1), (&world.post, REFORM_YEAR..=LAST_YEAR)] {
        let views = commune_views(world, &vintage.communes);
        for (pi, p) in vintage.provinces.iter().enumerate() {
            let cs: Vec<&C> = views.iter().filter(|c| c.u.province_code == p.code).collect();
            let scenario = &SCENARIOS[p.scenario];
            let mut rec = recognised(&cs, scenario, years.clone());
            let post_vintage = years.start() == &REFORM_YEAR;
            // Lapses (2026): the two approved communes under most pressure in the lagging
            // province are not approved again.
            let lapsed: Vec<usize> = if post_vintage && p.scenario == 1 {
                let mut prev: Vec<usize> = rec[&REFORM_YEAR].0.clone();
                prev.sort_by(|&a, &b| cs[b].pressure.total_cmp(&cs[a].pressure).then(a.cmp(&b)));
                prev.into_iter().take(2).collect()
            } else {
                Vec::new()
            };
            if let Some(last) = rec.get_mut(&LAST_YEAR) {
                last.0.retain(|i| !lapsed.contains(i));
            }
            let mut rng = Rng::derive(world.seed, &format!("story-{}-{}", p.code, years.start()));
            let mut prev: HashSet<usize> = HashSet::new();
            for y in years.clone() {
                let (set, revoked) = &rec[&y];
                let set_h: HashSet<usize> = set.iter().copied().collect();
                // Candidates: the quietest communes not approved meet Art. 6 too (about 8 %).
                let candidates: HashSet<usize> = if y >= REFORM_YEAR {
                    let mut rank: Vec<usize> = (0..cs.len()).filter(|i| !set_h.contains(i) && !lapsed.contains(i)).collect();
                    rank.sort_by(|&a, &b| cs[a].pressure.total_cmp(&cs[b].pressure).then(cs[a].u.code.cmp(&cs[b].u.code)));
                    rank.into_iter().take(((0.08 * cs.len() as f64).round() as usize).max(1)).collect()
                } else {
                    HashSet::new()
                };
                st.drug_free.push((p.code.clone(), y, set.len(), cs.len()));
                let decision = format!("{}/QĐ-UBND", 100 + pi * 7 + ((y - FIRST_YEAR) as usize) * 13);
                let date = format!("{}-01-{:02}", y + 1, 8 + pi % 20);
                for &i in set {
                    let post = y >= REFORM_YEAR;
                    let action = if !post && prev.contains(&i) { "maintain" } else { "recognize" };
                    st.recognitions.push(vec![
                        cs[i].u.code.clone(),
                        if post { "khong_ma_tuy_2025" } else { "khong_co_te_nan_legacy" }.into(),
                        String::new(),
                        y.to_string(),
                        decision.clone(),
                        date.clone(),
                        format!("UBND {}", p.name),
                        action.into(),
                        String::new(),
                    ]);
                }
                for &i in revoked {
                    st.recognitions.push(vec![
                        cs[i].u.code.clone(),
                        "khong_co_te_nan_legacy".into(),
                        String::new(),
                        y.to_string(),
                        format!("{}/QĐ-UBND", 500 + pi * 7 + ((y - FIRST_YEAR) as usize) * 13),
                        format!("{y}-12-{:02}", 10 + pi % 15),
                        format!("UBND {}", p.name),
                        "revoke".into(),
                        String::new(),
                    ]);
                }
                let revoked_h: HashSet<usize> = revoked.iter().copied().collect();
                for (i, c) in cs.iter().enumerate() {
                    let mut factor = scenario.trend.powi(y - FIRST_YEAR) * (0.12 * rng.normal()).exp();
                    if revoked_h.contains(&i) {
                        factor *= 1.7;
                    }
                    let lapse = y == LAST_YEAR && lapsed.contains(&i);
                    let art6 = match lapsed.iter().position(|l| *l == i) {
                        Some(0) if lapse => Art6::LapsedFugitive,
                        Some(_) if lapse => Art6::LapsedLocation,
                        _ if set_h.contains(&i) || candidates.contains(&i) => Art6::Meets,
                        _ => Art6::Ordinary,
                    };
                    // A lapsed commune keeps the profile of the approved one it was.
                    let quiet = set_h.contains(&i) || lapse;
                    st.indicators.push(indicator_row(world, c, y, factor, quiet, art6, &source, &mut rng));
                }
                prev = set_h;
            }
            if years.start() == &REFORM_YEAR {
                // Quotas: the province assigns communes toward the national target path; the
                // converting province meets it, the others do not.
                let mut rank: Vec<usize> = (0..cs.len()).collect();
                rank.sort_by(|&a, &b| cs[a].pressure.total_cmp(&cs[b].pressure).then(cs[a].u.code.cmp(&cs[b].u.code)));
                for (k, &(y, share)) in TARGET_SHARE.iter().enumerate() {
                    let n = ((share / 100.0 + 0.02) * cs.len() as f64).round() as usize;
                    let plan = format!("{}/KH-UBND", 60 + pi * 11 + k * 40);
                    let assigned: HashSet<usize> = rank.iter().copied().take(n).collect();
                    for &i in rank.iter().take(n) {
                        st.quotas.push(vec![cs[i].u.code.clone(), y.to_string(), plan.clone(), "false".into()]);
                    }
                    for &i in &rec[&y].0 {
                        if !assigned.contains(&i) {
                            st.quotas.push(vec![cs[i].u.code.clone(), y.to_string(), String::new(), "true".into()]);
                        }
                    }
                    st.targets.push(vec![p.code.clone(), y.to_string(), n.to_string(), format!("{share}"), plan]);
                }
                // The route's designation (Art. 5.6): a province with a commune on the
                // inter-provincial route is on it, from 2026 (designated by the Ministry for the
                // period ending 14/12/2026).
                let on_route = cs.iter().any(|c| dist_to_polyline(c.centroid, &world.route) < 7.0);
                for y in REFORM_YEAR..=LAST_YEAR {
                    let scope = if on_route && y == LAST_YEAR { "inter_provincial" } else if on_route { "unknown" } else { "none" };
                    st.province_routes.push(vec![p.code.clone(), y.to_string(), scope.into(), format!("SYNTHETIC designation {y}")]);
                }
            }
        }
    }
    st
}

#[allow(clippy::too_many_arguments)]
fn indicator_row(world: &World, c: &C, y: i32, factor: f64, drug_free: bool, art6: Art6, source: &str, rng: &mut Rng) -> Vec<String> {
    let growth = 1.009f64.powi(y - REFORM_YEAR);
    let pop: i64 = c.u.cells.iter().map(|&cell| (world.cell_pop[cell] as f64 * growth).round() as i64).sum::<i64>().max(1);
    let pressure = c.pressure * factor;
    let post = y >= REFORM_YEAR;
    let (rate, mut locations, hotspots, arrests) = if drug_free {
        (0.02 * pressure.min(1.0), 0, 0, 0)
    } else {
        (
            0.5 * pressure,
            rng.poisson(0.9 * pressure * pressure),
            rng.poisson(1.5 * pressure * pressure),
            rng.poisson(pop as f64 * 0.000_68 * pressure),
        )
    };
    let total = (rate / 100.0 * pop as f64).round() as i64;
    let addicts = (total as f64 * 0.58).round() as i64;
    let users = total - addicts;
    let part = |f: f64| (addicts as f64 * f).floor() as i64;
    let upart = |f: f64| (users as f64 * f).floor() as i64;
    let (w, h) = (world.mesh.width, world.mesh.height);
    let mountain = c.centroid[0] < 0.35 * w && c.centroid[1] > 0.55 * h;
    let (plants, area, plant_cases) = if !drug_free && mountain && rng.chance((0.25 * pressure).min(0.8)) {
        let n = (6.5 + 0.8 * rng.normal()).exp().round() as i64;
        (n, (n as f64 / 4.0 * 10.0).round() / 10.0, (n / 400).max(1))
    } else {
        (0, 0.0, 0)
    };
    let d_border = dist(c.centroid, world.border_crossing);
    let d_route = dist_to_polyline(c.centroid, &world.route);
    let scope = if y < 2021 {
        "unknown"
    } else if d_border < 14.0 {
        "transnational"
    } else if d_route < 7.0 {
        "inter_provincial"
    } else {
        "none"
    };
    let sessions = rng.poisson(12.0 + 6.0 * pressure);
    let opt = |v: i64| v.to_string();
    // Art. 6 inputs, from 2025, drawn from their own stream so the other figures stay as they were.
    let mut r6 = Rng::derive(world.seed, &format!("art6-{}-{y}", c.u.code));
    let exempt = part(0.2) + part(0.12) + part(0.25);
    let (not_exempt, violating, fugitives) = match art6 {
        Art6::Meets => {
            locations = 0;
            (0, 0, 0)
        }
        Art6::LapsedFugitive => (0, 0, 1),
        Art6::LapsedLocation => {
            locations = 1;
            (0, 0, 0)
        }
        Art6::Ordinary => (
            (addicts + users - exempt).max(0),
            ((arrests as f64) * 0.7).round() as i64 + r6.poisson(0.3 * pressure),
            r6.poisson(0.03 * pressure),
        ),
    };
    let art6_cell = |v: i64| if post { v.to_string() } else { String::new() };
    vec![
        c.u.code.clone(),
        y.to_string(),
        // Stocks are counted at the end of the period: 14 December under Decision 28/2025.
        if post { format!("{y}-12-14") } else { format!("{y}-12-31") },
        pop.to_string(),
        addicts.to_string(),
        users.to_string(),
        opt(part(0.55)),
        opt(part(0.15)),
        opt(part(0.05)),
        opt(part(0.12)),
        opt(part(0.08)),
        opt(part(0.2)),
        opt(upart(0.8)),
        opt(upart(0.1)),
        opt(part(0.25)),
        opt(rng.poisson(addicts as f64 * 0.12)),
        opt(rng.poisson(users as f64 * 0.2)),
        opt(part(0.05)),
        opt(rng.poisson(addicts as f64 * 0.02)),
        art6_cell(not_exempt),
        art6_cell(violating),
        art6_cell(fugitives),
        locations.to_string(),
        if post { String::new() } else { hotspots.to_string() },
        arrests.to_string(),
        rng.poisson(arrests as f64 * 0.7).to_string(),
        if post { rng.poisson(arrests as f64 * 0.25).to_string() } else { String::new() },
        plants.to_string(),
        format!("{area}"),
        plant_cases.to_string(),
        scope.to_string(),
        sessions.to_string(),
        (sessions * (80 + rng.int(0, 80))).to_string(),
        rng.poisson(8.0).to_string(),
        rng.poisson(addicts as f64 * 0.1).to_string(),
        rng.poisson(addicts as f64 * 0.06).to_string(),
        if post { "post_256a" } else { "pre_256a" }.to_string(),
        // Before 2025 the police's own classification (under 3122/2010 practice) is on record.
        if post {
            String::new()
        } else if drug_free {
            "none".to_string()
        } else {
            match pressure {
                p if p >= 1.6 => "I",
                p if p >= 1.25 => "II",
                p if p >= 0.75 => "III",
                p if p >= 0.25 => "non_key_with_drugs",
                _ => "none",
            }
            .to_string()
        },
        source.to_string(),
        "official".to_string(),
    ]
}
