//! The annual review's heavy steps, on the demo's province 99 (160 communes) with every commune's
//! figures submitted and accepted: the province's proposal (`approval::lists`), the approval
//! itself (decision, entries and official acts in one transaction — timed once, it can happen
//! once), the annex PDF, the report to the Ministry (tables, PDF cover, XLSX) and the Ministry's
//! national view. `cargo bench --bench review`.

use std::time::{Duration, Instant};

use commune_atlas::review::{self, approval, national};
use commune_atlas::store::Store;
use commune_atlas::store::units::Directory;
use criterion::{Criterion, criterion_group, criterion_main};

fn review(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.duckdb")).unwrap();
    commune_atlas::demo::load(&store, &commune_atlas::import::ImportOptions { actor: "bench".into(), ..Default::default() }).unwrap();
    let rules = commune_atlas::rules::Rules::embedded().unwrap();
    let units = Directory::load(&store).unwrap();
    let period = review::open_period(&store, 2026, Some("99"), None, "bench").unwrap();
    let snap = commune_atlas::analytics::up_to_date(&store, &rules).unwrap().1;
    // Every commune's 2026 figures as they are in the demo, submitted and accepted.
    let communes: Vec<i64> = units.entries().iter().filter(|e| e.level == commune_atlas::vocab::Level::Commune && e.province_code.as_deref() == Some("99") && e.boundary_version == "demo-2025").map(|e| e.unit_id).collect();
    let started = Instant::now();
    for &u in &communes {
        let Some(row) = snap.facts.indicators.get(&(u, 2026)) else { continue };
        let mut figures = serde_json::Map::new();
        for (k, v) in row.inputs.values.iter() {
            if !k.ends_with("_pct") {
                figures.insert(k.to_string(), serde_json::json!(v));
            }
        }
        figures.insert("key_route_scope".into(), serde_json::json!(row.inputs.key_route_scope.map_or("unknown", |r| r.as_str())));
        let d = review::Draft { figures, self_key_type: Some("none".into()), self_drug_free: Some(false), justification: None };
        let s = review::save_draft(&store, period.id, u, 0, &d, "officer").and_then(|s| review::submit(&store, s.id, s.version, "officer")).unwrap_or_else(|e| panic!("commune {u}: {e}"));
        review::accept(&store, s.id, s.version, "reviewer").unwrap();
    }
    eprintln!("{} communes submitted and accepted in {:.1} s", communes.len(), started.elapsed().as_secs_f64());
    let snap = commune_atlas::analytics::refresh(&store, &rules).unwrap().1;

    let mut g = c.benchmark_group("review (demo province 99)");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("proposal (lists)", |b| b.iter(|| approval::lists(&store, &snap, &units, period.id, "99").unwrap()));
    let undecided: Vec<approval::Override> = approval::lists(&store, &snap, &units, period.id, "99").unwrap().entries.iter().filter(|e| e.list.is_none()).map(|e| approval::Override { unit_id: e.unit_id, list: approval::List::None, reason: "bench".into() }).collect();
    let signed = approval::Signed { decision_no: "1/QĐ-UBND".into(), decision_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 18).unwrap(), signer: "bench".into() };
    let t = Instant::now();
    let lists = approval::approve(&store, &snap, &units, period.id, "99", &signed, &undecided, "bench").unwrap();
    eprintln!("approval of {} entries (decision, entries, official acts, one transaction): {:.0} ms", lists.entries.len(), t.elapsed().as_secs_f64() * 1000.0);
    let snap = commune_atlas::analytics::refresh(&store, &rules).unwrap().1;
    let lists = approval::lists(&store, &snap, &units, period.id, "99").unwrap();
    g.bench_function("annex pdf", |b| b.iter(|| commune_atlas::render::pdf_pages(&commune_atlas::render::annex::pages(&lists, None, false, true).unwrap()).unwrap()));
    let (progress, _) = commune_atlas::analytics::progress::read(&store.connect().unwrap(), Some("99")).unwrap();
    g.bench_function("report cover pdf", |b| b.iter(|| commune_atlas::render::pdf(&commune_atlas::render::review_report::cover(&commune_atlas::render::review_report::tables(&lists, &snap, &progress, false), true)).unwrap()));
    g.bench_function("report xlsx", |b| b.iter(|| commune_atlas::render::review_report::workbook(&commune_atlas::render::review_report::tables(&lists, &snap, &progress, false)).unwrap()));
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 21).unwrap();
    g.bench_function("national view", |b| b.iter(|| national::overview(&store, &snap, &units, 2026, today).unwrap()));
    g.finish();
}

criterion_group!(benches, review);
criterion_main!(benches);
