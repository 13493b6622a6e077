//! Tile engine benchmarks (criterion): building a layer (shared arcs + zoom bands + R-tree)
//! and rendering + encoding tiles without the cache; drawing a range of label glyphs.
//!
//! `cargo bench --bench tiles` — uses the embedded demo; set ATLAS_BENCH_NATIONAL=1 to also
//! build the national synthetic dataset (~10,000 + 3,321 communes). To profile the miss path on
//! the load test's own data, point ATLAS_BENCH_STORE at its store and ATLAS_BENCH_TILES at its URL
//! list (`bench/load_test.sh` leaves both in its work directory: `atlas.duckdb`, `tiles.txt`):
//! the bench then encodes every tile of the list once per iteration, as the uncached run does.

use std::time::Instant;

use commune_atlas::demo;
use commune_atlas::import::ImportOptions;
use commune_atlas::store::Store;
use commune_atlas::tiles::mercator::{tile_range, to_world};
use commune_atlas::tiles::TileService;
use criterion::{Criterion, criterion_group, criterion_main};

fn store_with(dir: &std::path::Path, national: bool) -> Store {
    let store = Store::open(dir.join("bench.duckdb")).expect("store");
    if national {
        let data = dir.join("national");
        demo::generate::generate(7, demo::generate::Scale::National, &data).expect("generate");
        demo::load_dir(&store, &data, &ImportOptions::default()).expect("load national");
    } else {
        demo::load(&store, &ImportOptions::default()).expect("load demo");
    }
    store
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with(dir.path(), false);
    c.bench_function("build all demo layers", |b| b.iter(|| TileService::load(&store, None).expect("load")));
    let service = TileService::load(&store, None).expect("load");
    let layer = service.layer("communes.demo-2019").expect("layer");
    let mut tiles = Vec::new();
    let (a, z) = (to_world(layer.bounds[0], layer.bounds[3]), to_world(layer.bounds[2], layer.bounds[1]));
    for zoom in [5u8, 8, 10, 12, 14] {
        let (x0, y0, x1, y1) = tile_range(zoom, [a[0], a[1], z[0], z[1]]);
        let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
        tiles.push((zoom, cx, cy));
    }
    for (zoom, x, y) in tiles {
        c.bench_function(&format!("encode communes z{zoom} (uncached)"), |b| {
            b.iter(|| TileService::encode(&layer, zoom, x, y, &commune_atlas::tiles::Everything))
        });
    }
    // Label glyphs: the first request for a range draws it (later ones are cached).
    for range in [0u32, 7680] {
        c.bench_function(&format!("draw glyph range {range}-{} (uncached)", range + 255), |b| {
            b.iter(|| commune_atlas::tiles::glyphs::draw_range("DejaVu Sans", range, &commune_atlas::tiles::glyphs::Repertoire::everything()).expect("a known font"))
        });
    }
    if let (Ok(db), Ok(list)) = (std::env::var("ATLAS_BENCH_STORE"), std::env::var("ATLAS_BENCH_TILES")) {
        let store = Store::open(&db).expect("ATLAS_BENCH_STORE: a commune-atlas store");
        let s = TileService::load(&store, None).expect("load layers");
        let layer = s.layer("communes").expect("a communes layer");
        let text = std::fs::read_to_string(&list).expect("ATLAS_BENCH_TILES: a z/x/y list");
        let tiles: Vec<(u8, u32, u32)> = text
            .lines()
            .filter_map(|l| {
                let mut it = l.trim().split('/').map(|n| n.parse::<u32>().ok());
                Some((it.next()?? as u8, it.next()??, it.next()??))
            })
            .collect();
        let mut g = c.benchmark_group("load test list");
        g.sample_size(10);
        g.throughput(criterion::Throughput::Elements(tiles.len() as u64));
        g.bench_function(format!("encode {} tiles (uncached)", tiles.len()), |b| {
            b.iter(|| tiles.iter().filter_map(|&(z, x, y)| TileService::encode(&layer, z, x, y, &commune_atlas::tiles::Everything)).count())
        });
        g.finish();
    }
    if std::env::var("ATLAS_BENCH_NATIONAL").is_ok() {
        let ndir = tempfile::tempdir().expect("tempdir");
        let nstore = store_with(ndir.path(), true);
        let t = Instant::now();
        let s = TileService::load(&nstore, None).expect("load national");
        eprintln!("national: {} layers built in {:.2} s", s.layers().len(), t.elapsed().as_secs_f64());
        let mut g = c.benchmark_group("national");
        g.sample_size(10);
        g.bench_function("build all national layers", |b| b.iter(|| TileService::load(&nstore, None).expect("load")));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
