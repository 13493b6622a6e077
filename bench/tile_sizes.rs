//! Tile sizes per zoom: for every polygon layer, the number of tiles with data and the largest
//! and mean tile, raw and gzipped, from z0 to z14 — on the national synthetic set (as detailed
//! as real boundaries) and on the real boundary files of `../shared/realdata` (never copied into
//! the repository; skipped, saying so, when absent).
//!
//! `cargo bench --bench tile_sizes` (`-- --max-zoom 12` to stop earlier).

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::NaiveDate;
use commune_atlas::demo;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input};
use commune_atlas::store::Store;
use commune_atlas::tiles::{Kind, TileService, zoom_sizes};

fn report(t: &TileService, max_zoom: u8) {
    for l in t.layers().iter().filter(|l| matches!(l.kind, Kind::Polygons(_))) {
        println!("\n{} ({} features)\n  {}", l.id, l.features, commune_atlas::tiles::ZoomSizes::HEADER);
        for z in 0..=max_zoom {
            let t0 = std::time::Instant::now();
            println!("  {}   ({:.1} s)", zoom_sizes(l, z), t0.elapsed().as_secs_f64());
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let max_zoom: u8 = args.iter().position(|a| a == "--max-zoom").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(14);
    let dir = tempfile::tempdir().unwrap();

    let data = dir.path().join("national");
    demo::generate::generate(7, demo::generate::Scale::National, &data).expect("generate");
    let store = Store::open(dir.path().join("national.duckdb")).unwrap();
    demo::load_dir(&store, &data, &ImportOptions::default()).expect("load national");
    let t0 = std::time::Instant::now();
    let t = TileService::load(&store, None).expect("tiles");
    println!("national synthetic set: layers built in {:.1} s", t0.elapsed().as_secs_f64());
    report(&t, max_zoom);

    for file in ["vn2025_commune_p22_quang_ninh.geojson", "vn2025_commune_p82_dong_thap.geojson", "pre2025_gadm41_commune_p22_quang_ninh.geojson", "pre2025_gadm41_commune_p87_dong_thap.geojson"] {
        let Some(path) = common::realdata(file) else { continue };
        let store = Store::open(dir.path().join(format!("{file}.duckdb"))).unwrap();
        // The real files as an office imports them: code system, snap tolerance and repair chosen from the data.
        let b = BoundaryOptions { code_system: None, repair: true, snap_tolerance: None, ..common::commune_boundaries("real", NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()) };
        import::import_boundaries(&store, &Input::from_path(&path).unwrap(), &b, &ImportOptions::default()).expect("import");
        println!("\nreal boundaries: {file}");
        report(&TileService::load(&store, None).unwrap(), max_zoom);
    }
}
