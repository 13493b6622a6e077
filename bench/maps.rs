//! Static map rendering: SVG composition, 300 dpi PNG and PDF of the status map — for the demo
//! and, with ATLAS_BENCH_NATIONAL=1, the national synthetic dataset (3,323 communes).

use std::time::Duration;

use commune_atlas::analytics::choropleth::Spec;
use commune_atlas::render::{self, Format, MapRequest};
use commune_atlas::store::Store;
use commune_atlas::tiles::TileService;
use criterion::{Criterion, criterion_group, criterion_main};

fn setup(national: bool) -> (tempfile::TempDir, commune_atlas::analytics::Snapshot, TileService, bool) {
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
    (dir, snapshot, tiles, national)
}

fn maps(c: &mut Criterion) {
    let national = std::env::var("ATLAS_BENCH_NATIONAL").is_ok();
    let (_dir, s, tiles, _) = setup(national);
    let name = if national { "national" } else { "demo" };
    let mut g = c.benchmark_group(format!("status map ({name})"));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (label, format) in [("svg", Format::Svg), ("png 300 dpi", Format::Png), ("pdf", Format::Pdf)] {
        let req = MapRequest { view: "status".into(), spec: Spec::default(), province: None, english: false, format };
        g.bench_function(label, |b| b.iter(|| render::render(&s, &tiles, &req, &|_| true, &|_| None, true).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, maps);
criterion_main!(benches);
