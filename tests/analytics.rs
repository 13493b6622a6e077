//! Classification and conversion on the demo store: counts are conserved across the reform,
//! labels never cross it, the stored results match what the engine computes, and the story of
//! the demo data is visible in `province_progress`.

mod common;

use commune_atlas::analytics::conversion::Class;

use std::collections::HashMap;
use std::sync::OnceLock;

use commune_atlas::analytics::{self, Snapshot, conversion};
use commune_atlas::import::ImportOptions;
use commune_atlas::rules::Rules;
use commune_atlas::store::Store;

fn demo() -> &'static (tempfile::TempDir, Store, Snapshot) {
    static S: OnceLock<(tempfile::TempDir, Store, Snapshot)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("demo.duckdb")).unwrap();
        commune_atlas::demo::load(&store, &ImportOptions::default()).unwrap();
        let (_, snap) = analytics::refresh(&store, &Rules::embedded().unwrap()).unwrap();
        (dir, store, snap)
    })
}

#[test]
fn counts_are_conserved_per_province_across_the_reform_to_1e_9() {
    let (_d, _store, s) = demo();
    // 2024 counts of the old communes, summed per new province (through any of their links) …
    let mut old_sum: HashMap<String, HashMap<&str, f64>> = HashMap::new();
    let fields = ["addicts_with_records", "illegal_users_with_records", "drug_use_locations", "drug_offenders_arrested", "resident_population"];
    for (old, succ) in &s.facts.successors {
        let new_prov = s.facts.units[&succ[0].0].province_code.clone().unwrap();
        let row = &s.facts.indicators[&(*old, 2024)];
        for f in fields {
            *old_sum.entry(new_prov.clone()).or_default().entry(f).or_default() += row.inputs.values[f];
        }
    }
    // … equal the 2024 counts rebuilt on the new communes (apportioned where old ones were split).
    let mut new_sum: HashMap<String, HashMap<&str, f64>> = HashMap::new();
    let mut rebuilt = 0;
    for (id, u) in &s.facts.units {
        if !s.facts.predecessors.contains_key(id) {
            continue;
        }
        let (_, _, inputs) = conversion::rebuilt_side(&s.rules, &s.facts, *id, 2024, true).expect("rebuilt");
        rebuilt += 1;
        for f in fields {
            *new_sum.entry(u.province_code.clone().unwrap()).or_default().entry(f).or_default() += inputs.values[f];
        }
    }
    assert_eq!(rebuilt, 210);
    assert_eq!(old_sum.len(), 2, "two post-reform provinces");
    for (p, sums) in &old_sum {
        for f in fields {
            let (a, b) = (sums[f], new_sum[p][f]);
            assert!(((a - b) / a.max(1.0)).abs() < 1e-9, "province {p}, {f}: {a} old vs {b} rebuilt");
        }
    }
}

#[test]
fn a_new_commune_is_never_maintained_because_an_old_one_was_drug_free() {
    let (_d, _store, s) = demo();
    let by_key = s.by_key();
    let rows = conversion::between(&s.rules, &s.facts, &by_key, 2024, 2025, true, Default::default());
    assert_eq!(rows.len(), 210);
    let mut seen_recognised_predecessors = 0;
    for r in &rows {
        assert_ne!(r.conversion, Class::Maintained, "unit {} is 'maintained' across the reform", r.unit_id);
        let any_old_drug_free = s.facts.predecessors[&r.unit_id].iter().any(|l| s.facts.drug_free.contains_key(&(l.old_unit_id, 2024)));
        if any_old_drug_free && s.facts.drug_free.contains_key(&(r.unit_id, 2025)) {
            seen_recognised_predecessors += 1;
            assert_eq!(r.conversion, Class::ConvertedToDrugFree);
        }
    }
    assert!(seen_recognised_predecessors > 0, "the demo has new communes recognised in 2025 whose predecessors were drug-free in 2024");
    // Without apportioning, new communes that received part of a split old one are not comparable.
    let strict = conversion::between(&s.rules, &s.facts, &by_key, 2024, 2025, false, Default::default());
    let split: Vec<_> = strict.iter().filter(|r| r.reason.as_deref().is_some_and(|m| m.contains("split"))).collect();
    assert!(!split.is_empty());
    assert!(split.iter().all(|r| r.conversion == Class::NotComparable));
}

#[test]
fn the_stored_tables_hold_what_the_engine_computes() {
    let (_d, store, s) = demo();
    let conn = store.connect().unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM classification", [], |r| r.get(0)).unwrap();
    assert_eq!(n as usize, s.classified.len());
    let mut stmt = conn.prepare("SELECT unit_id, year, status, ruleset_id, reason_codes FROM classification").unwrap();
    let rows: Vec<(i64, i32, String, Option<String>, Option<String>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().map(Result::unwrap).collect();
    for (u, y, status, ruleset, _reason) in &rows {
        let c = &s.classified[&(*u, *y)];
        assert_eq!(c.status.status.as_str(), status);
        assert_eq!(c.evaluation.as_ref().map(|e| e.ruleset_id.clone()), *ruleset);
    }
    // Rule sets by year: 3122/2010 before 2025, 28/2025 from 2025.
    let wrong: i64 = conn
        .query_row(
            "SELECT count(*) FROM classification WHERE (year < 2025 AND ruleset_id <> 'QD3122_2010') OR (year >= 2025 AND ruleset_id <> 'QD28_2025')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wrong, 0);
    // Before 2025 the reported official key types decide; the recomputation stays beside them.
    let official: i64 = conn
        .query_row("SELECT count(*) FROM classification WHERE year < 2025 AND status_basis = 'official'", [], |r| r.get(0))
        .unwrap();
    assert!(official > 1000);
    // Consecutive-year conversions are stored for every year but the first.
    let years: i64 = conn.query_row("SELECT count(DISTINCT to_year) FROM conversion", [], |r| r.get(0)).unwrap();
    assert_eq!(years, 7);
}

#[test]
fn the_demo_story_shows_in_province_progress() {
    let (_d, store, _s) = demo();
    let conn = store.connect().unwrap();
    let (years, _) = commune_atlas::analytics::progress::read(&conn, None).unwrap();
    let rows: Vec<(String, i64, f64, Option<f64>)> =
        years.iter().map(|r| (r.province_code.clone(), i64::from(r.year), r.drug_free_pct.unwrap(), r.target_pct)).collect();
    // The steadily converting province: its share rises every year and meets ≈ 20 % / ≈ 30 %.
    let conv: Vec<&(String, i64, f64, Option<f64>)> = rows.iter().filter(|r| r.0 == "99").collect();
    assert_eq!(conv.len(), 8, "2019–2026");
    assert!(conv.windows(2).all(|w| w[1].2 > w[0].2), "{conv:?}");
    let share = |y: i64| conv.iter().find(|r| r.1 == y).unwrap().2;
    assert!((share(2025) - 20.0).abs() < 1.0 && (share(2026) - 30.0).abs() < 1.0);
    assert_eq!(conv.iter().find(|r| r.1 == 2026).unwrap().3, Some(26.0), "target path 20 % (2025) → 50 % (2030)");
    // The relapsing province loses ground in 2024.
    let relapse: Vec<&(String, i64, f64, Option<f64>)> = rows.iter().filter(|r| r.0 == "97").collect();
    let r = |y: i64| relapse.iter().find(|x| x.1 == y).unwrap().2;
    assert!(r(2024) < r(2023), "relapse in 2024: {} → {}", r(2023), r(2024));
}
