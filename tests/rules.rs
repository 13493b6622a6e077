//! The rule engine on the worked examples of domain.md §5.5, and its monotonicity.

mod common;

use commune_atlas::rules::eval::{Interval, ProvinceInputs, decisive_readings, evaluate_with};
use commune_atlas::rules::status::{Basis, MapStatus};
use commune_atlas::rules::{Inputs, KeyType, Reading, Readings, Rules, Tri, Values, evaluate, evaluate_province};
use commune_atlas::vocab::{RecognitionKind, RouteScope};

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
    assert_eq!(criterion(&ev, "I.dd"), Tri::Unknown, "≥ 2 criteria of type II or higher are met, the route is not designated");
    let t1 = &ev.types[0];
    assert_eq!((t1.met_min, t1.met_max), (3, Some(4)));
    assert_eq!(ev.key_type, KeyType::I);
    assert_eq!(ev.possible, vec![KeyType::I]);
    assert_eq!(ev.reasons(), vec!["I.a", "I.b", "I.c"]);
    // Drug-free: Art. 6.3 fails (2 locations), whatever the other inputs.
    assert_eq!(drug_free(&ev, "6.3"), Tri::False);
    assert_eq!(ev.drug_free_check, Some(Tri::False));
    let status = r.status.decide(None, None, Some(&ev));
    assert_eq!((status.status, status.basis), (MapStatus::TypeI, Basis::Computed));
}

fn drug_free(ev: &commune_atlas::rules::Evaluation, id: &str) -> Tri {
    ev.drug_free.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no drug-free criterion {id}")).value
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
    assert_eq!(ev.drug_free_check, None, "the 2010 rules have no drug-free criteria");
    // The year's rule set is chosen by year: 2024 → 3122/2010, 2025 → 28/2025.
    assert_eq!(r.for_year(Some("22"), 2024).unwrap().id, "QD3122_2010");
    assert_eq!(r.for_year(Some("22"), 2025).unwrap().id, "QD28_2025");
}

/// Example B: population 20,000; 60 addicts + users; 1 location; 12 arrested; no plants; no route.
fn example_b() -> Inputs {
    inputs(
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
    )
}

#[test]
fn example_b_is_type_ii_decided_by_the_bands() {
    let r = rules();
    let i = example_b();
    assert!((i.values["addict_user_rate_pct"] - 0.30).abs() < 1e-12);
    assert!((i.values["arrest_rate_pct"] - 0.06).abs() < 1e-12);
    let ev = evaluate(r.set("QD28_2025").unwrap(), &i);
    for id in ["I.a", "I.b", "I.c", "I.d", "I.dd"] {
        assert_eq!(criterion(&ev, id), Tri::False, "{id}");
    }
    assert_eq!(criterion(&ev, "II.a"), Tri::True, "0.1 ≤ 0.30 < 0.5");
    assert_eq!(criterion(&ev, "II.b"), Tri::True, "exactly 1 location");
    assert_eq!(criterion(&ev, "II.c"), Tri::True, "0.05 ≤ 0.06 < 0.1");
    assert_eq!(criterion(&ev, "II.d"), Tri::False);
    assert_eq!(criterion(&ev, "II.dd"), Tri::False, "on no route");
    let t2 = &ev.types[1];
    assert_eq!((t2.met_min, t2.met_max), (3, Some(3)));
    assert_eq!(ev.key_type, KeyType::II);
    assert_eq!(ev.reasons(), vec!["II.a", "II.b", "II.c"]);
    assert_eq!(ev.reason_codes(), "II.a,II.b,II.c true; 6.1 unknown(input),6.2 unknown(input)");
    assert_eq!(drug_free(&ev, "6.3"), Tri::False, "one location");
    assert_eq!(ev.drug_free_check, Some(Tri::False));
    assert_eq!(r.status.decide(None, None, Some(&ev)).status, MapStatus::TypeIi);
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
    assert_eq!((status.status, status.basis), (MapStatus::TypeI, Basis::Official), "the official label decides");
}

/// Example D: population 10,000; 5 addicts + users; no location; 2 arrested; no plants; no route;
/// 2 residents using outside the exempt groups, 2 violating drug law, no fugitive.
fn example_d() -> Inputs {
    inputs(
        &[
            ("resident_population", 10_000.0),
            ("addicts_with_records", 3.0),
            ("illegal_users_with_records", 2.0),
            ("drug_use_locations", 0.0),
            ("drug_offenders_arrested", 2.0),
            ("plants_destroyed_count", 0.0),
            ("plants_destroyed_area_m2", 0.0),
            ("residents_using_not_exempt", 2.0),
            ("residents_violating_drug_law", 2.0),
            ("wanted_drug_fugitives_hiding", 0.0),
        ],
        "none",
    )
}

#[test]
fn example_d_is_type_iii_by_its_rate_and_arrests_and_the_reading_that_decided_says_so() {
    let r = rules();
    let set = r.set("QD28_2025").unwrap();
    let i = example_d();
    assert!((i.values["addict_user_rate_pct"] - 0.05).abs() < 1e-12);
    assert!((i.values["arrest_rate_pct"] - 0.02).abs() < 1e-12);
    let ev = evaluate(set, &i);
    assert!(ev.types[0].met_min == 0 && !ev.types[1].possible, "not I, not II");
    assert_eq!(criterion(&ev, "III.a"), Tri::True, "0 < 0.05 < 0.1");
    assert_eq!(criterion(&ev, "III.b"), Tri::True, "0 < 0.02 < 0.05");
    assert_eq!(criterion(&ev, "III.c"), Tri::False, "no plants at all, with type_iii_requires_activity");
    assert_eq!(ev.key_type, KeyType::III);
    assert_eq!(ev.reasons(), vec!["III.a", "III.b"]);
    assert_eq!(drug_free(&ev, "6.1"), Tri::False, "2 residents using outside the exempt groups");
    assert_eq!(ev.drug_free_check, Some(Tri::False));
    assert_eq!(r.status.decide(None, None, Some(&ev)).status, MapStatus::TypeIii);
    assert!(ev.readings.on(Reading::TypeIiiRequiresActivity) && ev.readings.on(Reading::HigherTypeCounts));

    // The same commune with every count zero: under the default reading not type III; Art. 6 then
    // decides (it holds: a drug-free candidate). Read literally, it is type III via III.a — and the
    // evaluation names the reading that decided.
    let mut zero = example_d();
    for k in ["addicts_with_records", "illegal_users_with_records", "drug_offenders_arrested", "residents_using_not_exempt", "residents_violating_drug_law"] {
        zero.set(k, Some(0.0));
    }
    zero.derive_rates();
    let ev = evaluate(set, &zero);
    assert_eq!(ev.key_type, KeyType::None);
    assert_eq!(ev.drug_free_check, Some(Tri::True));
    assert_eq!(r.status.decide(None, None, Some(&ev)).status, MapStatus::DrugFreeCandidate);
    let literal = evaluate_with(set, &zero, Readings::of(set).with(Reading::TypeIiiRequiresActivity, false).with(Reading::DrugFreeBeforeTypeIii, false));
    assert_eq!(literal.key_type, KeyType::III, "0 % is below 0.1 %");
    assert_eq!(literal.reasons()[0], "III.a");
    assert!(decisive_readings(set, &example_d()).is_empty(), "example D is type III under every single change of reading");
    let mut literal_set = set.clone();
    literal_set.interpretations.get_mut(&Reading::TypeIiiRequiresActivity).unwrap().enabled = false;
    literal_set.interpretations.get_mut(&Reading::DrugFreeBeforeTypeIii).unwrap().enabled = false;
    let ev = evaluate(&literal_set, &zero);
    assert_eq!(ev.key_type, KeyType::III, "with type_iii_requires_activity = false an all-zero commune is type III");
    assert!(!ev.readings.on(Reading::TypeIiiRequiresActivity), "the evaluation records the reading in force");
    assert_eq!(
        decisive_readings(&literal_set, &zero),
        vec![Reading::TypeIiiRequiresActivity, Reading::DrugFreeBeforeTypeIii],
        "either reading alone would make it no key area (a candidate)"
    );
}

/// Example E: population 8,000; 3 addicts with records, all in methadone treatment; nothing else.
fn example_e() -> Inputs {
    inputs(
        &[
            ("resident_population", 8_000.0),
            ("addicts_with_records", 3.0),
            ("illegal_users_with_records", 0.0),
            ("methadone_patients", 3.0),
            ("drug_use_locations", 0.0),
            ("drug_offenders_arrested", 0.0),
            ("plants_destroyed_count", 0.0),
            ("plants_destroyed_area_m2", 0.0),
            ("residents_using_not_exempt", 0.0),
            ("residents_violating_drug_law", 0.0),
            ("wanted_drug_fugitives_hiding", 0.0),
        ],
        "none",
    )
}

#[test]
fn example_e_meets_the_drug_free_criteria_and_awaits_approval_until_a_recognition_is_recorded() {
    let r = rules();
    let set = r.set("QD28_2025").unwrap();
    let i = example_e();
    assert!((i.values["addict_user_rate_pct"] - 0.0375).abs() < 1e-12);
    let ev = evaluate(set, &i);
    assert_eq!(criterion(&ev, "III.a"), Tri::True, "III.a holds by value");
    assert_eq!(ev.drug_free_check, Some(Tri::True), "Art. 6.1–6.3 all hold");
    assert_eq!(ev.key_type, KeyType::None, "drug_free_before_type_iii: a candidate, not type III");
    assert_eq!(ev.reasons(), vec!["6.1", "6.2", "6.3"]);
    assert_eq!(decisive_readings(set, &i), vec![Reading::DrugFreeBeforeTypeIii]);
    let s = r.status.decide(None, None, Some(&ev));
    assert_eq!((s.status, s.basis), (MapStatus::DrugFreeCandidate, Basis::Computed), "meets the criteria — awaiting approval");
    let approved = r.status.decide(Some(RecognitionKind::DrugFree2025), None, Some(&ev));
    assert_eq!((approved.status, approved.basis), (MapStatus::DrugFree, Basis::Recognition));
    // The same inputs with the fugitive count missing: Art. 6.2 unknown, so the check is unknown,
    // and the commune is type III or a candidate.
    let mut missing = i.clone();
    missing.values = missing.values.iter().filter(|(k, _)| *k != "wanted_drug_fugitives_hiding").fold(Values::default(), |mut v, (k, x)| {
        v.insert(k, x);
        v
    });
    let ev = evaluate(set, &missing);
    assert_eq!(drug_free(&ev, "6.2"), Tri::Unknown);
    assert_eq!(ev.drug_free_check, Some(Tri::Unknown));
    assert_eq!(ev.between(), "III|none");
    assert_eq!(r.status.decide(None, None, Some(&ev)).status, MapStatus::Undetermined);
}

/// Example F: 40 communes, 1,000,000 residents, 2,300 addicts + users, 6 locations, 480 arrested,
/// 2 type I communes, 1,000 plants / 300 m², on an inter-provincial route.
fn example_f(arrested: f64, locations: f64) -> ProvinceInputs {
    let mut values = std::collections::BTreeMap::new();
    let pop = 1_000_000.0;
    for (k, v) in [
        ("resident_population", pop),
        ("addict_user_rate_pct", 100.0 * 2_300.0 / pop),
        ("drug_use_locations", locations),
        ("drug_offenders_arrested", arrested),
        ("arrest_rate_pct", 100.0 * arrested / pop),
        ("share_type_i_ii_pct", 100.0 * 2.0 / 40.0),
        ("plants_destroyed_count", 1_000.0),
        ("plants_destroyed_area_m2", 300.0),
    ] {
        values.insert(k, Interval::exact(v));
    }
    ProvinceInputs { values, route_scope: Some(RouteScope::InterProvincial) }
}

#[test]
fn example_f_is_a_province_level_key_area_with_four_of_six() {
    let r = rules();
    let set = r.set("QD28_2025").unwrap();
    let p = evaluate_province(set, &example_f(480.0, 6.0)).unwrap();
    let value = |id: &str| p.criteria.iter().find(|c| c.id == id).unwrap().value;
    assert_eq!(
        ["P.1", "P.2", "P.3", "P.4", "P.5", "P.6"].map(value),
        [Tri::True, Tri::True, Tri::False, Tri::True, Tri::False, Tri::True],
        "0.23 ≥ 0.2; 6 ≥ 5; 0.048 < 0.05; 5 % ≥ 3 %; 1,000 < 8,000 and 300 < 2,000; inter-provincial"
    );
    assert_eq!((p.met_min, p.met_max, p.key), (4, 4, Tri::True));
    assert_eq!(evaluate_province(set, &example_f(470.0, 6.0)).unwrap().key, Tri::True, "470 arrested: the answer does not change");
    let fewer = evaluate_province(set, &example_f(480.0, 4.0)).unwrap();
    assert_eq!((fewer.met_min, fewer.key), (3, Tri::False), "4 locations: 3 of 6, not a key area");
    // A transnational route counts as inter-provincial under the reading; an undesignated one is unknown.
    let mut t = example_f(480.0, 6.0);
    t.route_scope = Some(RouteScope::Transnational);
    assert_eq!(evaluate_province(set, &t).unwrap().key, Tri::True);
    let mut u = example_f(480.0, 4.0);
    u.route_scope = None;
    let unknown = evaluate_province(set, &u).unwrap();
    assert_eq!((unknown.met_min, unknown.met_max, unknown.key), (2, 3, Tri::False));
    // Sums known only as lower bounds (communes without figures) still meet a count criterion.
    let mut partial = example_f(480.0, 6.0);
    partial.values.insert("drug_use_locations", Interval { lo: 6.0, hi: f64::INFINITY });
    partial.values.remove("addict_user_rate_pct");
    let pp = evaluate_province(set, &partial).unwrap();
    assert_eq!(pp.criteria.iter().find(|c| c.id == "P.2").unwrap().value, Tri::True);
    assert_eq!(pp.criteria.iter().find(|c| c.id == "P.1").unwrap().value, Tri::Unknown);
    assert_eq!((pp.met_min, pp.met_max, pp.key), (3, 4, Tri::Unknown));
}

#[test]
fn a_commune_with_no_drug_activity_meets_article_6_or_not_and_a_recognition_wins() {
    let r = rules();
    let quiet = |fugitives: f64| {
        inputs(
            &[
                ("resident_population", 5_000.0),
                ("addicts_with_records", 0.0),
                ("illegal_users_with_records", 0.0),
                ("drug_use_locations", 0.0),
                ("drug_offenders_arrested", 0.0),
                ("plants_destroyed_count", 0.0),
                ("plants_destroyed_area_m2", 0.0),
                ("residents_using_not_exempt", 0.0),
                ("residents_violating_drug_law", 0.0),
                ("wanted_drug_fugitives_hiding", fugitives),
            ],
            "none",
        )
    };
    let set = r.set("QD28_2025").unwrap();
    let ev = evaluate(set, &quiet(0.0));
    assert_eq!(ev.key_type, KeyType::None);
    assert_eq!(r.status.decide(None, None, Some(&ev)).status, MapStatus::DrugFreeCandidate);
    // A wanted fugitive hiding there: no key area, but not drug-free either.
    let ev = evaluate(set, &quiet(1.0));
    assert_eq!((ev.key_type, ev.drug_free_check), (KeyType::None, Some(Tri::False)));
    assert_eq!(r.status.decide(None, None, Some(&ev)).status, MapStatus::NonKey, "has drugs, not a key area");
    // Without the Art. 6 columns and without activity: no recorded activity.
    let mut bare = quiet(0.0);
    bare.values = bare.values.iter().filter(|(k, _)| !k.starts_with("residents_") && !k.starts_with("wanted_")).fold(Values::default(), |mut v, (k, x)| {
        v.insert(k, x);
        v
    });
    let ev = evaluate(set, &bare);
    assert_eq!((ev.key_type, ev.drug_free_check, ev.activity), (KeyType::None, Some(Tri::Unknown), Some(false)));
    assert_eq!(r.status.decide(None, None, Some(&ev)).status, MapStatus::NoActivity);
    let s = r.status.decide(Some(RecognitionKind::DrugFree2025), None, Some(&ev));
    assert_eq!((s.status, s.legacy_label), (MapStatus::DrugFree, false));
    let s = r.status.decide(Some(RecognitionKind::NoDrugViceLegacy), None, Some(&ev));
    assert_eq!((s.status, s.legacy_label), (MapStatus::DrugFree, true), "legacy labels are flagged");
}

/// Every threshold of Decision 28/2025 as domain.md §1.3–§1.5 states it: (criterion, field,
/// operator, value or [low, high)). The rule file must say exactly this, and cite each point.
const DECISION_28: &[(&str, &str, &str, &[f64])] = &[
    ("I.a", "addict_user_rate_pct", ">=", &[0.5]),
    ("I.b", "drug_use_locations", ">=", &[2.0]),
    ("I.c", "arrest_rate_pct", ">=", &[0.1]),
    ("I.d", "plants_destroyed_count", ">=", &[3000.0]),
    ("I.d", "plants_destroyed_area_m2", ">=", &[750.0]),
    ("II.a", "addict_user_rate_pct", "band", &[0.1, 0.5]),
    ("II.b", "drug_use_locations", "==", &[1.0]),
    ("II.c", "arrest_rate_pct", "band", &[0.05, 0.1]),
    ("II.d", "plants_destroyed_count", "band", &[500.0, 3000.0]),
    ("II.d", "plants_destroyed_area_m2", "band", &[125.0, 750.0]),
    ("III.a", "addict_user_rate_pct", "<", &[0.1]),
    ("III.b", "arrest_rate_pct", "<", &[0.05]),
    ("III.c", "plants_destroyed_count", "<", &[500.0]),
    ("III.c", "plants_destroyed_area_m2", "<", &[125.0]),
    ("6.1", "residents_using_not_exempt", "==", &[0.0]),
    ("6.2", "residents_violating_drug_law", "==", &[0.0]),
    ("6.2", "wanted_drug_fugitives_hiding", "==", &[0.0]),
    ("6.3", "drug_use_locations", "==", &[0.0]),
    ("P.1", "addict_user_rate_pct", ">=", &[0.2]),
    ("P.2", "drug_use_locations", ">=", &[5.0]),
    ("P.3", "arrest_rate_pct", ">=", &[0.05]),
    ("P.4", "share_type_i_ii_pct", ">=", &[3.0]),
    ("P.5", "plants_destroyed_count", ">=", &[8000.0]),
    ("P.5", "plants_destroyed_area_m2", ">=", &[2000.0]),
];

#[test]
fn every_threshold_in_the_rule_file_is_the_decisions_number_and_cites_its_article() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/rules/QD28_2025.toml")).unwrap();
    let toml: toml::Value = toml::from_str(&text).unwrap();
    let mut checks: Vec<&toml::Value> = toml["criteria"].as_array().unwrap().iter().collect();
    checks.extend(toml["drug_free"]["criteria"].as_array().unwrap());
    checks.extend(toml["province"]["criteria"].as_array().unwrap());
    let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)).unwrap();
    let mut found: Vec<(String, String, String, Vec<f64>)> = Vec::new();
    for c in &checks {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["confirmed"].as_str(), Some("true"), "{id} is confirmed");
        let citation = c["citation"].as_str().unwrap();
        assert!(citation.starts_with("Điều "), "{id} cites its article: {citation}");
        let conds: Vec<&toml::Value> = if c.get("field").is_some() {
            vec![*c]
        } else {
            c.get("any_of").or(c.get("all_of")).and_then(|v| v.as_array()).map(|a| a.iter().collect()).unwrap_or_default()
        };
        for cond in conds {
            let op = cond["op"].as_str().unwrap().to_string();
            let values = if op == "band" { vec![num(&cond["low"]), num(&cond["high"])] } else { vec![num(&cond["value"])] };
            found.push((id.to_string(), cond["field"].as_str().unwrap().to_string(), op, values));
        }
    }
    let expected: Vec<(String, String, String, Vec<f64>)> =
        DECISION_28.iter().map(|(id, f, op, v)| (id.to_string(), f.to_string(), op.to_string(), v.to_vec())).collect();
    assert_eq!(found, expected, "the rule file's thresholds are the decision's");
    // Types, the province minimum, the route criteria and the period.
    let types: Vec<(String, i64)> = toml["types"].as_array().unwrap().iter().map(|t| (t["key"].as_str().unwrap().into(), t["min_criteria"].as_integer().unwrap())).collect();
    assert_eq!(types, vec![("I".into(), 3), ("II".into(), 3), ("III".into(), 1)]);
    assert_eq!(toml["province"]["min_criteria"].as_integer(), Some(4));
    let routes: Vec<(&str, i64, &str)> = checks
        .iter()
        .filter_map(|c| c.get("route").map(|r| (c["id"].as_str().unwrap(), r["min_criteria"].as_integer().unwrap(), r["of_type"].as_str().unwrap())))
        .collect();
    assert_eq!(routes, vec![("I.dd", 2, "II"), ("II.dd", 2, "III")]);
    assert_eq!((toml["period"]["start"].as_str(), toml["period"]["end"].as_str()), (Some("12-15"), Some("12-14")));
    let r = rules();
    let period = r.set("QD28_2025").unwrap().period();
    assert_eq!(period.label(2026, false), "Kỳ 15/12/2025–14/12/2026");
    assert_eq!(period.of(2026), (chrono::NaiveDate::from_ymd_opt(2025, 12, 15).unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 12, 14).unwrap()));
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

#[test]
fn the_readings_found_decisive_are_exactly_those_whose_flip_changes_the_result() {
    // `decisive_readings` re-evaluates only the readings that can bear on a commune's inputs;
    // here every reading is flipped on every input, and the two answers must agree.
    let r = rules();
    let set = r.set("QD28_2025").unwrap();
    let fields: [(&str, f64); 9] = [
        ("addicts_with_records", 120.0),
        ("illegal_users_with_records", 60.0),
        ("drug_use_locations", 3.0),
        ("drug_offenders_arrested", 30.0),
        ("plants_destroyed_count", 4_000.0),
        ("plants_destroyed_area_m2", 1_000.0),
        ("residents_using_not_exempt", 2.0),
        ("residents_violating_drug_law", 2.0),
        ("wanted_drug_fugitives_hiding", 1.0),
    ];
    let scopes = ["none", "intra_provincial", "inter_provincial", "transnational", "unknown"];
    let mut state = 0x0dec_2025_u64;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    };
    let base = Readings::of(set);
    let mut decided: std::collections::BTreeMap<Reading, usize> = Default::default();
    for _ in 0..4_000 {
        let scope = scopes[(next() * 5.0) as usize % 5];
        let mut pairs: Vec<(&'static str, f64)> = vec![("resident_population", (5_000.0 + next() * 30_000.0).round())];
        for (k, max) in fields {
            // Each input is zero, missing or some value, about a third of the time each.
            match (next() * 3.0) as u8 {
                0 => pairs.push((k, 0.0)),
                1 => {}
                _ => pairs.push((k, (next() * max).round())),
            }
        }
        // Users outside the exempt groups are among those with records.
        let with_records: f64 = pairs.iter().filter(|(k, _)| k.ends_with("_with_records")).map(|(_, v)| v).sum();
        for p in pairs.iter_mut().filter(|(k, _)| *k == "residents_using_not_exempt") {
            p.1 = p.1.min(with_records);
        }
        let i = inputs(&pairs, scope);
        let now = evaluate_with(set, &i, base);
        let every: Vec<Reading> = set
            .interpretations
            .keys()
            .copied()
            .filter(|r| {
                let flipped = evaluate_with(set, &i, base.with(*r, !base.on(*r)));
                (&flipped.possible, flipped.drug_free_check) != (&now.possible, now.drug_free_check)
            })
            .collect();
        assert_eq!(decisive_readings(set, &i), every, "{pairs:?} on {scope}");
        for r in every {
            *decided.entry(r).or_default() += 1;
        }
    }
    // The sample exercises every reading: each decided some results.
    for r in set.interpretations.keys() {
        assert!(decided.get(r).copied().unwrap_or(0) > 0, "{r} never decided a result: {decided:?}");
    }
}
