//! The rule engine on the worked examples of domain.md §5.5, and its monotonicity.

mod common;

use commune_atlas::rules::status::Basis;
use commune_atlas::rules::{Inputs, KeyType, Rules, Tri, evaluate};

fn rules() -> Rules {
    Rules::embedded().expect("the embedded rule files load")
}

fn inputs(pairs: &[(&'static str, f64)], scope: &str) -> Inputs {
    common::rule_inputs(pairs, scope)
}

fn criterion(ev: &commune_atlas::rules::Evaluation, id: &str) -> Tri {
    ev.criteria.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no criterion {id}")).value
}

/// Example A: population 12,000; 41 addicts + 25 users; 2 locations; 13 arrested; no plants;
/// route scope unknown.
fn example_a() -> Inputs {
    inputs(
        &[
            ("resident_population", 12_000.0),
            ("addicts_with_records", 41.0),
            ("illegal_users_with_records", 25.0),
            ("drug_use_locations", 2.0),
            ("drug_offenders_arrested", 13.0),
            ("plants_destroyed_count", 0.0),
            ("plants_destroyed_area_m2", 0.0),
        ],
        "unknown",
    )
}

#[test]
fn example_a_is_type_i_under_decision_28_with_reason_codes_i_a_i_b_i_c() {
    let r = rules();
    let ev = evaluate(r.set("QD28_2025").unwrap(), &example_a());
    assert!((ev_rate(&example_a(), "addict_user_rate_pct") - 0.55).abs() < 1e-12);
    assert!((ev_rate(&example_a(), "arrest_rate_pct") - 100.0 * 13.0 / 12_000.0).abs() < 1e-12);
    assert_eq!(criterion(&ev, "I.a"), Tri::True);
    assert_eq!(criterion(&ev, "I.b"), Tri::True);
    assert_eq!(criterion(&ev, "I.c"), Tri::True);
    assert_eq!(criterion(&ev, "I.d"), Tri::False);
    assert_eq!(criterion(&ev, "I.dd"), Tri::Unknown);
    let t1 = &ev.types[0];
    assert_eq!((t1.met_min, t1.met_max), (3, Some(4)));
    assert_eq!(ev.key_type, KeyType::I);
    assert_eq!(ev.possible, vec![KeyType::I]);
    assert_eq!(ev.fired(), vec!["I.a", "I.b", "I.c"]);
    let status = r.status.decide(None, None, Some(&ev));
    assert_eq!((status.status.as_str(), status.basis), ("hotspot", Basis::Computed));
}

fn ev_rate(i: &Inputs, k: &str) -> f64 {
    i.values[k]
}

#[test]
fn example_a_under_the_2010_rules_is_not_type_i_and_ii_iii_stay_undetermined() {
    let r = rules();
    let mut i = example_a();
    // "if the same places are counted as hotspots" (domain.md §5.5).
    i.set("drug_hotspots_legacy", Some(2.0));
    let ev = evaluate(r.set("QD3122_2010").unwrap(), &i);
    assert_eq!(criterion(&ev, "I.a"), Tri::False, "41 addicts < 100");
    assert_eq!(criterion(&ev, "I.b"), Tri::False, "2 hotspots < 5");
    assert_eq!(criterion(&ev, "I.c"), Tri::False, "0 m² is below 2,000 in any unit");
    assert_eq!(ev.key_type, KeyType::Undetermined);
    assert_eq!(ev.between(), "II|III|none");
    // The year's rule set is chosen by year: 2024 → 3122/2010, 2025 → 28/2025.
    assert_eq!(r.for_year(Some("22"), 2024).unwrap().id, "QD3122_2010");
    assert_eq!(r.for_year(Some("22"), 2025).unwrap().id, "QD28_2025");
}

#[test]
fn example_b_is_honestly_undetermined_between_ii_iii_and_none() {
    let r = rules();
    let i = inputs(
        &[
            ("resident_population", 20_000.0),
            ("addicts_with_records", 40.0),
            ("illegal_users_with_records", 20.0),
            ("drug_use_locations", 1.0),
            ("drug_offenders_arrested", 12.0),
            ("plants_destroyed_count", 0.0),
            ("plants_destroyed_area_m2", 0.0),
        ],
        "none",
    );
    assert!((i.values["addict_user_rate_pct"] - 0.30).abs() < 1e-12);
    assert!((i.values["arrest_rate_pct"] - 0.06).abs() < 1e-12);
    let ev = evaluate(r.set("QD28_2025").unwrap(), &i);
    for id in ["I.a", "I.b", "I.c", "I.d", "I.dd"] {
        assert_eq!(criterion(&ev, id), Tri::False, "{id}");
    }
    assert_eq!(criterion(&ev, "II.a"), Tri::Unknown, "lower bound of the band not confirmed");
    assert_eq!(criterion(&ev, "II.b"), Tri::True);
    assert_eq!(criterion(&ev, "II.c"), Tri::True);
    assert_eq!(criterion(&ev, "II.d"), Tri::False);
    assert_eq!(criterion(&ev, "II.dd"), Tri::False);
    let t2 = &ev.types[1];
    assert_eq!((t2.met_min, t2.met_max), (2, Some(3)));
    assert!(!ev.types[0].possible);
    assert_eq!(ev.key_type, KeyType::Undetermined);
    assert_eq!(ev.between(), "II|III|none");
    assert_eq!(ev.reason_codes(), "II.b,II.c true; II.a unknown(threshold)");
    // Rendered as "needs rule confirmation", never as type II.
    assert_eq!(r.status.decide(None, None, Some(&ev)).status.as_str(), "undetermined");
}

#[test]
fn example_c_keeps_the_reported_type_i_and_the_recomputation_as_an_annotation() {
    let r = rules();
    let i = inputs(
        &[
            ("resident_population", 20_000.0),
            ("addicts_with_records", 39.0),
            ("illegal_users_with_records", 65.0),
            ("drug_offenders_arrested", 24.0),
            ("drug_hotspots_legacy", 0.0),
            ("plants_destroyed_area_m2", 0.0),
        ],
        "unknown",
    );
    let ev = evaluate(r.set("QD3122_2010").unwrap(), &i);
    assert_eq!(criterion(&ev, "I.a"), Tri::False, "39 addicts < 100 under the 2010 wording");
    assert!(!ev.types[0].possible, "the recomputation says 'not I'");
    let status = r.status.decide(None, Some(commune_atlas::vocab::ReportedKeyType::I), Some(&ev));
    assert_eq!((status.status.as_str(), status.basis), ("hotspot", Basis::Official), "the official label decides");
}

#[test]
fn a_commune_with_no_drug_activity_is_no_key_area_and_a_recognition_wins() {
    let r = rules();
    let zero = inputs(
        &[
            ("resident_population", 5_000.0),
            ("addicts_with_records", 0.0),
            ("illegal_users_with_records", 0.0),
            ("drug_use_locations", 0.0),
            ("drug_offenders_arrested", 0.0),
            ("plants_destroyed_count", 0.0),
            ("plants_destroyed_area_m2", 0.0),
        ],
        "none",
    );
    let ev = evaluate(r.set("QD28_2025").unwrap(), &zero);
    assert_eq!(ev.key_type, KeyType::None);
    assert!(ev.ruled_out_by_activity);
    assert_eq!(r.status.decide(None, None, Some(&ev)).status.as_str(), "no_activity");
    let s = r.status.decide(Some(commune_atlas::vocab::RecognitionKind::DrugFree2025), None, Some(&ev));
    assert_eq!((s.status.as_str(), s.legacy_label), ("drug_free", false));
    let s = r.status.decide(Some(commune_atlas::vocab::RecognitionKind::NoDrugViceLegacy), None, Some(&ev));
    assert_eq!((s.status.as_str(), s.legacy_label), ("drug_free", true), "legacy labels are flagged");
}

/// Severity interval of an evaluation's possible outcomes: none = 0 … I = 3.
fn interval(ev: &commune_atlas::rules::Evaluation) -> (u8, u8) {
    let r = |o: &KeyType| match o {
        KeyType::I => 3,
        KeyType::II => 2,
        KeyType::III => 1,
        KeyType::None | KeyType::Undetermined => 0,
    };
    let ranks: Vec<u8> = ev.possible.iter().map(|o| r(o)).collect();
    (*ranks.iter().min().unwrap(), *ranks.iter().max().unwrap())
}

#[test]
fn raising_any_single_indicator_never_lowers_the_key_type_and_lowering_never_raises_it() {
    let r = rules();
    let fields: [(&str, f64); 7] = [
        ("resident_population", 40_000.0),
        ("addicts_with_records", 300.0),
        ("illegal_users_with_records", 200.0),
        ("drug_use_locations", 6.0),
        ("drug_offenders_arrested", 80.0),
        ("plants_destroyed_count", 6_000.0),
        ("plants_destroyed_area_m2", 1_500.0),
    ];
    let scopes = ["none", "intra_provincial", "inter_provincial", "transnational", "unknown"];
    // A fixed pseudo-random walk over inputs (SplitMix64), so failures reproduce.
    let mut state = 0x1234_5678_u64;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    };
    let mut checked = 0;
    for set_id in ["QD28_2025", "QD3122_2010"] {
        let set = r.set(set_id).unwrap();
        for _ in 0..3_000 {
            let scope = scopes[(next() * 5.0) as usize % 5];
            let mut base: Vec<(&'static str, f64)> = fields.iter().map(|(k, max)| (*k, (next() * max).round())).collect();
            base[0].1 = base[0].1.max(1_000.0); // population
            base.push(("drug_hotspots_legacy", (next() * 8.0).round()));
            let before = evaluate(set, &inputs(&base, scope));
            // Raise or lower one count (not the population: it is a denominator).
            let k = 1 + (next() * (base.len() - 1) as f64) as usize;
            let mut raised = base.clone();
            raised[k].1 = (raised[k].1 * (1.0 + next() * 2.0) + 1.0).round();
            let after = evaluate(set, &inputs(&raised, scope));
            let (b, a) = (interval(&before), interval(&after));
            assert!(
                a.0 >= b.0 && a.1 >= b.1,
                "{set_id}: raising {} from {} to {} moved {:?} → {:?} ({} → {})",
                raised[k].0, base[k].1, raised[k].1, before.possible, after.possible, before.reason_codes(), after.reason_codes()
            );
            // And the other way round: lowering back never raises.
            let back = evaluate(set, &inputs(&base, scope));
            assert_eq!(interval(&back), b);
            checked += 1;
        }
    }
    assert_eq!(checked, 6_000);
}
