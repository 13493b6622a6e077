//! Static map rendering: SVG composition, 300 dpi PNG and PDF of the status map — for the demo
//! and, with ATLAS_BENCH_NATIONAL=1, the national synthetic dataset (3,323 communes) — and the
//! printed plan sheet of a 40-commune plan (SVG pages and the bound PDF).

use std::time::Duration;

use commune_atlas::analytics::choropleth::Spec;
use commune_atlas::render::{self, Format, MapRequest};
use commune_atlas::store::Store;
use commune_atlas::tiles::TileService;
use criterion::{Criterion, criterion_group, criterion_main};

fn setup(national: bool) -> (tempfile::TempDir, commune_atlas::analytics::Snapshot, TileService, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.duckdb")).unwrap();
    let opts = commune_atlas::import::ImportOptions { actor: "bench".into(), ..Default::default() };
    if national {
        let out = dir.path().join("national");
        commune_atlas::demo::generate::generate(7, commune_atlas::demo::generate::Scale::National, &out).unwrap();
        commune_atlas::demo::load_dir(&store, &out, &opts).unwrap();
    } else {
        commune_atlas::demo::load(&store, &opts).unwrap();
    }
    let rules = commune_atlas::rules::Rules::embedded().unwrap();
    let (_, snapshot) = commune_atlas::analytics::up_to_date(&store, &rules).unwrap();
    let tiles = TileService::load(&store, None).unwrap();
    (dir, snapshot, tiles, store)
}

fn maps(c: &mut Criterion) {
    let national = std::env::var("ATLAS_BENCH_NATIONAL").is_ok();
    let (_dir, s, tiles, _store) = setup(national);
    let name = if national { "national" } else { "demo" };
    let mut g = c.benchmark_group(format!("status map ({name})"));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (label, format) in [("svg", Format::Svg), ("png 300 dpi", Format::Png), ("pdf", Format::Pdf)] {
        let req = MapRequest { view: commune_atlas::render::View::Status, spec: Spec::default(), province: None, english: false, format };
        g.bench_function(label, |b| b.iter(|| render::render(&s, &tiles, &req, &|_| true, &|_| None, true).unwrap()));
    }
    g.finish();
}

fn plan_sheet(c: &mut Criterion) {
    let (_dir, s, tiles, store) = setup(false);
    // The 40 best candidates of the demo's province 99, with a note on every third.
    let layer = tiles.layer("communes.demo-2025").unwrap();
    let commune_atlas::tiles::Kind::Polygons(p) = &layer.kind else { unreachable!() };
    let ranked = commune_atlas::analytics::candidates::rank(&s, &s.rules.candidates, &p.neighbours(), &Default::default(), "99", 2026, Default::default());
    let mut plan = commune_atlas::plans::create(&store, "Bench", "99", 2027, Some(30), "bench").unwrap();
    for (i, c) in ranked.iter().take(40).enumerate() {
        let note = (i % 3 == 0).then_some("Họp dân, rà soát người sử dụng trái phép chất ma túy, phối hợp công an xã trong quý 2");
        plan = commune_atlas::plans::add_commune(&store, plan.plan_id, plan.version, c.unit_id, note, "bench").unwrap();
    }
    let req = render::plan::PlanSheetRequest { plan, province_name: "Tỉnh Bench".into(), english: false, demo: true };
    let mut g = c.benchmark_group("plan sheet (40 communes)");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("svg pages", |b| b.iter(|| render::plan::pages(&s, &tiles, &req).unwrap()));
    g.bench_function("pdf", |b| b.iter(|| render::pdf_pages(&render::plan::pages(&s, &tiles, &req).unwrap()).unwrap()));
    g.finish();
}

criterion_group!(benches, maps, plan_sheet);
criterion_main!(benches);
