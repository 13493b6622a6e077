//! Leaders' workflow: candidates ranked with an explanation, plans with a lifecycle, an audit
//! trail and optimistic concurrency, outcomes once the year's recognitions are in.

mod common;

use commune_atlas::rules::status::MapStatus;
use commune_atlas::vocab::PlanStatus;

use std::sync::{Arc, Barrier, OnceLock};

use commune_atlas::Error;
use commune_atlas::analytics::candidates::{self, Facts};
use commune_atlas::analytics::{self, Snapshot};
use commune_atlas::import::ImportOptions;
use commune_atlas::plans::{self, PlanEdit};
use commune_atlas::rules::{Inputs, Rules};
use commune_atlas::store::Store;

fn inputs(pairs: &[(&'static str, f64)]) -> Inputs {
    common::rule_inputs(pairs, "none")
}

#[test]
fn a_quiet_commune_with_drug_free_neighbours_ranks_above_a_type_i_hotspot_and_says_why() {
    let rules = Rules::embedded().unwrap();
    let set = rules.set("QD28_2025").unwrap();
    let quiet = inputs(&[
        ("resident_population", 8_000.0),
        ("addicts_with_records", 0.0),
        ("illegal_users_with_records", 0.0),
        ("drug_use_locations", 0.0),
        ("drug_offenders_arrested", 0.0),
        ("plants_destroyed_count", 0.0),
        ("plants_destroyed_area_m2", 0.0),
    ]);
    let hotspot = inputs(&[
        ("resident_population", 8_000.0),
        ("addicts_with_records", 40.0),
        ("illegal_users_with_records", 25.0),
        ("drug_use_locations", 3.0),
        ("drug_offenders_arrested", 12.0),
        ("plants_destroyed_count", 0.0),
        ("plants_destroyed_area_m2", 0.0),
    ]);
    assert_eq!(commune_atlas::rules::evaluate(set, &hotspot).key_type, commune_atlas::rules::KeyType::I, "the second commune is a type I hotspot");
    let (a, ca) = candidates::score(set, &rules.candidates, &Facts { inputs: &quiet, rate_history: vec![0.0, 0.0, 0.0], neighbours_drug_free: Some(0.75) });
    let (b, cb) = candidates::score(set, &rules.candidates, &Facts { inputs: &hotspot, rate_history: vec![0.8, 0.8, 0.81], neighbours_drug_free: Some(0.0) });
    assert!(a > b, "quiet {a} vs hotspot {b}");
    // The explanation lists the components that made the difference, largest first.
    let mut diff: Vec<(&str, f64)> = ca.iter().zip(&cb).map(|(x, y)| (x.key, x.contribution - y.contribution)).collect();
    diff.sort_by(|x, y| y.1.total_cmp(&x.1));
    let top: Vec<&str> = diff.iter().take(4).map(|d| d.0).collect();
    for k in ["rate_gap", "locations", "neighbours", "arrest_gap"] {
        assert!(top.contains(&k), "{k} is among the components that made the difference: {diff:?}");
    }
    // Every component shows its value, weight and whether its threshold is confirmed.
    let rate = ca.iter().find(|c| c.key == "rate_gap").unwrap();
    assert_eq!((rate.reference, rate.confirmed), (Some(0.5), true));
    assert!((a - ca.iter().map(|c| c.contribution).sum::<f64>()).abs() < 1e-12);
}

fn demo() -> &'static (tempfile::TempDir, Arc<Store>, Snapshot) {
    static S: OnceLock<(tempfile::TempDir, Arc<Store>, Snapshot)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("demo.duckdb")).unwrap();
        commune_atlas::demo::load(&store, &ImportOptions::default()).unwrap();
        let (_, snap) = analytics::refresh(&store, &Rules::embedded().unwrap()).unwrap();
        (dir, Arc::new(store), snap)
    })
}

#[test]
fn the_demo_ranking_is_deterministic_and_puts_hotspots_last() {
    let (_d, store, s) = demo();
    let tiles = commune_atlas::tiles::TileService::load(store, None).unwrap();
    let layer = tiles.layer("communes.demo-2025").unwrap();
    let commune_atlas::tiles::Kind::Polygons(p) = &layer.kind else { unreachable!() };
    let adjacency = p.neighbours();
    assert!(adjacency.values().all(|n| !n.is_empty()) && adjacency.len() >= 200, "neighbours from shared edges");
    let names = std::collections::HashMap::new();
    let a = candidates::rank(s, &s.rules.candidates, &adjacency, &names, "99", 2026, Default::default());
    let b = candidates::rank(s, &s.rules.candidates, &adjacency, &names, "99", 2026, Default::default());
    assert_eq!(a.iter().map(|c| c.unit_id).collect::<Vec<_>>(), b.iter().map(|c| c.unit_id).collect::<Vec<_>>());
    assert!(a.len() > 50);
    assert!(a.iter().all(|c| c.status != MapStatus::DrugFree), "drug-free communes are not candidates");
    let hot: Vec<usize> = a.iter().filter(|c| matches!(c.status, MapStatus::TypeI | MapStatus::TypeIi)).map(|c| c.rank).collect();
    assert!(!hot.is_empty());
    assert!(hot.iter().all(|r| *r > a.len() / 2), "hotspots rank in the lower half: {hot:?} of {}", a.len());
}

#[test]
fn a_plan_goes_through_its_lifecycle_and_every_change_is_audited() {
    let (_d, store, _s) = demo();
    let units: Vec<i64> = {
        let conn = store.connect().unwrap();
        let mut st = conn
            .prepare("SELECT unit_id FROM unit WHERE boundary_version = 'demo-2025' AND province_code = '99' AND level = 'commune' ORDER BY unit_id LIMIT 3")
            .unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let p = plans::create(store, "Kế hoạch 2026", "99", 2026, Some(2), "lan").unwrap();
    assert_eq!((p.status.as_str(), p.version), ("draft", 1));
    let p = plans::add_commune(store, p.plan_id, 1, units[0], Some("gần trung tâm"), "lan").unwrap();
    let p = plans::add_commune(store, p.plan_id, 2, units[1], None, "minh").unwrap();
    let p = plans::set_note(store, p.plan_id, 3, units[1], Some("ưu tiên"), "minh").unwrap();
    let p = plans::remove_commune(store, p.plan_id, 4, units[0], "lan").unwrap();
    assert_eq!(p.communes.len(), 1);
    // Lifecycle: draft → submitted → approved → closed; no skipping; communes frozen after draft.
    let err = plans::edit(store, p.plan_id, 5, &PlanEdit { status: Some(PlanStatus::Approved), ..Default::default() }, "lan").unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let p = plans::edit(store, p.plan_id, 5, &PlanEdit { status: Some(PlanStatus::Submitted), ..Default::default() }, "lan").unwrap();
    assert!(plans::add_commune(store, p.plan_id, 6, units[2], None, "lan").is_err(), "no additions once submitted");
    let p = plans::edit(store, p.plan_id, 6, &PlanEdit { status: Some(PlanStatus::Approved), ..Default::default() }, "chu_tich").unwrap();
    let p = plans::edit(store, p.plan_id, 7, &PlanEdit { status: Some(PlanStatus::Closed), ..Default::default() }, "chu_tich").unwrap();
    assert_eq!((p.status.as_str(), p.version), ("closed", 8));
    // The audit trail: who, what, before and after, for every change.
    let h = plans::history(store, p.plan_id).unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.len(), 8);
    assert_eq!(actions[0], "create");
    assert_eq!(h[3]["actor"], "minh");
    assert_eq!(h[3]["before"]["communes"][1]["note"], serde_json::Value::Null);
    assert_eq!(h[3]["after"]["communes"][1]["note"], "ưu tiên");
    assert_eq!(h[7]["before"]["status"], "approved");
    assert_eq!(h[7]["after"]["status"], "closed");
}

#[test]
fn two_concurrent_edits_one_succeeds_one_gets_a_conflict_and_no_change_is_lost() {
    let (_d, store, _s) = demo();
    let units: Vec<i64> = {
        let conn = store.connect().unwrap();
        let mut st = conn
            .prepare("SELECT unit_id FROM unit WHERE boundary_version = 'demo-2025' AND province_code = '98' AND level = 'commune' ORDER BY unit_id LIMIT 2")
            .unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let p = plans::create(store, "Đồng thời", "98", 2026, None, "a").unwrap();
    // Both read version 1 and write at the same moment.
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = units
        .iter()
        .map(|&u| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let id = p.plan_id;
            std::thread::spawn(move || {
                barrier.wait();
                plans::add_commune(&store, id, 1, u, Some("song song"), "x")
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(Error::Conflict(_)))).count();
    assert_eq!((ok, conflicts), (1, 1), "{results:?}");
    let now = plans::get(store, p.plan_id).unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(now.communes.len(), 1, "the winner's change is kept, the loser changed nothing");
    // The loser reloads and applies its change on the new version: nothing is lost.
    let loser = units.iter().find(|u| now.communes[0].unit_id != **u).copied().unwrap();
    let after = plans::add_commune(store, p.plan_id, now.version, loser, Some("song song"), "x").unwrap();
    assert_eq!(after.communes.len(), 2);
    // A stale write later is refused too, and leaves the plan as it was.
    let err = plans::edit(store, p.plan_id, 1, &PlanEdit { name: Some("cũ".into()), ..Default::default() }, "y").unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
    assert_eq!(plans::get(store, p.plan_id).unwrap().name, "Đồng thời");
}

#[test]
fn a_plan_shows_which_selected_communes_converted_once_recognitions_are_in() {
    let (_d, store, s) = demo();
    // A 2025 plan in the converting province with two communes recognised in 2025 and one not.
    let recognised: Vec<i64> = s
        .facts
        .drug_free
        .keys()
        .filter(|(u, y)| *y == 2025 && s.facts.units[u].province_code.as_deref() == Some("99"))
        .map(|k| k.0)
        .take(2)
        .collect();
    let not: i64 = s
        .facts
        .units
        .iter()
        .find(|(id, u)| u.province_code.as_deref() == Some("99") && s.classified.get(&(**id, 2025)).is_some_and(|c| matches!(c.status.status, MapStatus::TypeI | MapStatus::TypeIi)))
        .map(|(id, _)| *id)
        .unwrap();
    let mut p = plans::create(store, "2025", "99", 2025, Some(3), "t").unwrap();
    for u in recognised.iter().chain([&not]) {
        p = plans::add_commune(store, p.plan_id, p.version, *u, None, "t").unwrap();
    }
    let converted: Vec<bool> = p.communes.iter().map(|c| c.converted).collect();
    assert_eq!(converted.iter().filter(|c| **c).count(), 2);
    let csv = plans::to_csv(&p).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.lines().next().unwrap().contains("converted"));
    // A note typed like a spreadsheet formula stays text in the CSV.
    let p = plans::set_note(store, p.plan_id, p.version, not, Some("=HYPERLINK(\"http://x\",\"bấm\")"), "t").unwrap();
    let csv = plans::to_csv(&p).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let notes: Vec<String> = r.records().map(|x| x.unwrap()[6].to_string()).collect();
    assert!(notes.contains(&"'=HYPERLINK(\"http://x\",\"bấm\")".to_string()), "{notes:?}");
    assert!(notes.iter().all(|n| !n.starts_with('=')));
}

#[test]
fn an_overlong_note_or_plan_name_is_refused_with_the_limit_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("p.duckdb")).unwrap();
    commune_atlas::demo::load(&store, &ImportOptions::default()).unwrap();
    let too_long = "x".repeat(plans::MAX_NAME + 1);
    let err = plans::create(&store, &too_long, "98", 2026, None, "an").unwrap_err();
    assert!(matches!(&err, Error::InvalidArgument(m) if m.contains("at most 120 characters")), "{err}");
    assert!(plans::list(&store, None).unwrap().is_empty(), "no plan was made");
    // Exactly at the limit is fine; one over is refused, for the name and for a note.
    let p = plans::create(&store, &"Đ".repeat(plans::MAX_NAME), "98", 2026, None, "an").unwrap();
    let unit: i64 = store.connect().unwrap().query_row("SELECT unit_id FROM unit WHERE province_code = '98' AND level = 'commune' AND valid_to IS NULL ORDER BY unit_id LIMIT 1", [], |r| r.get(0)).unwrap();
    let p = plans::add_commune(&store, p.plan_id, p.version, unit, Some(&"ư".repeat(plans::MAX_NOTE)), "an").unwrap();
    let err = plans::set_note(&store, p.plan_id, p.version, unit, Some(&"ư".repeat(plans::MAX_NOTE + 1)), "an").unwrap_err();
    assert!(matches!(&err, Error::InvalidArgument(m) if m.contains("at most 1000 characters")), "{err}");
    let edit = PlanEdit { name: Some(too_long), ..PlanEdit::default() };
    assert!(matches!(plans::edit(&store, p.plan_id, p.version, &edit, "an"), Err(Error::InvalidArgument(_))));
    let after = plans::get(&store, p.plan_id).unwrap();
    assert_eq!(after.version, p.version, "nothing was written");
    assert_eq!(after.communes[0].note.as_deref().map(|n| n.chars().count()), Some(plans::MAX_NOTE));
}
