//! Small tiles at every zoom: the national synthetic pyramid of today's units (34 provinces,
//! 3,321 communes, as detailed as the real boundaries), z0–z12, keeps every raw tile within
//! 100 KB — a screenful a provincial office's link fetches in a few seconds — because each zoom
//! carries only the detail its pixels show (simplification and grid per zoom), never
//! full-resolution arcs, and below the label zoom a polygon is its unit id and its shape.
//!
//! The pre-reform vintage (10,000 communes, three times as dense) is measured and printed too,
//! not held to the budget: its low-zoom tiles are larger (see the closing figures).

use commune_atlas::demo;
use commune_atlas::import::ImportOptions;
use commune_atlas::store::Store;
use commune_atlas::tiles::{Kind, TileService, zoom_sizes};

/// The budget: the largest raw tile of any zoom.
const MAX_RAW: usize = 100 * 1024;

/// Coordinates per feature in a GeoJSON file written one feature per line (as the real files
/// count them: a boundary shared by two communes counts in both).
fn vertices_per_feature(path: &std::path::Path) -> (usize, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut features = 0;
    let mut coords = 0;
    fn count(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Array(a) if a.len() >= 2 && a.iter().all(serde_json::Value::is_number) => 1,
            serde_json::Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    for f in doc["features"].as_array().unwrap() {
        features += 1;
        coords += count(&f["geometry"]["coordinates"]);
    }
    (features, coords)
}

#[test]
fn the_national_pyramid_keeps_every_tile_from_z0_to_z12_within_100_kb() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("national");
    demo::generate::generate(7, demo::generate::Scale::National, &data).expect("generate the national set");
    // As detailed as the real national communes (≈ 136 vertices each, 451k in all).
    let (n, v) = vertices_per_feature(&data.join("communes_2025.geojson"));
    eprintln!("national synthetic communes (2025): {n} features, {v} vertices, {:.0} per commune", v as f64 / n as f64);
    assert!(n > 3000 && v as f64 / n as f64 >= 120.0, "{n} communes with {v} vertices: the set must be as detailed as real boundaries");
    let store = Store::open(dir.path().join("national.duckdb")).unwrap();
    demo::load_dir(&store, &data, &ImportOptions::default()).expect("load the national set");
    let t = TileService::load(&store, None).expect("tiles build");
    let mut over = Vec::new();
    let current = t.layer("communes").expect("the newest communes").version.clone();
    for l in t.layers().iter().filter(|l| matches!(l.kind, Kind::Polygons(_))) {
        let budgeted = l.version == current;
        eprintln!("{}: {}", l.id, commune_atlas::tiles::ZoomSizes::HEADER);
        for z in 0..=12u8 {
            let s = zoom_sizes(l, z);
            eprintln!("  {s}");
            assert!(s.tiles > 0, "{} z{z}: tiles with data", l.id);
            if budgeted && s.max_raw > MAX_RAW {
                over.push(format!("{} z{z} {}/{}: {} bytes", l.id, s.max_raw_at.0, s.max_raw_at.1, s.max_raw));
            }
        }
    }
    assert!(over.is_empty(), "raw tiles of today's units over {MAX_RAW} bytes: {over:?}");
}
