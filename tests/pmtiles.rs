//! PMTiles export: an archive written by `commune-atlas export pmtiles` holds, for every tile of
//! the pyramid up to its max zoom, exactly the bytes the live endpoint serves — and nothing where
//! the endpoint answers "empty".

mod common;

use std::io::Read;
use std::time::Duration;

use pmtiles::{AsyncPmTilesReader, TileCoord};
use serde_json::Value;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(30))).build().into()
}

fn tile_range(bounds: &[f64], z: u8) -> Vec<(u32, u32)> {
    let n = f64::from(1u32 << z);
    let tx = |lon: f64| (((lon + 180.0) / 360.0 * n).floor() as u32).min((1 << z) - 1);
    let ty = |lat: f64| {
        let r = lat.to_radians();
        (((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32).min((1 << z) - 1)
    };
    // One tile of margin: the tile buffer reaches into neighbours.
    let (x0, x1) = (tx(bounds[0]).saturating_sub(1), (tx(bounds[2]) + 1).min((1 << z) - 1));
    let (y0, y1) = (ty(bounds[3]).saturating_sub(1), (ty(bounds[1]) + 1).min((1 << z) - 1));
    (x0..=x1).flat_map(|x| (y0..=y1).map(move |y| (x, y))).collect()
}

#[test]
fn a_pmtiles_archive_holds_exactly_the_live_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let mut archives = Vec::new();
    for (layer, version, maxzoom) in [("communes", "demo-2025", 12u8), ("districts", "demo-2019", 9)] {
        let out = dir.path().join(format!("{layer}.pmtiles"));
        let json_dir = dir.path().join(format!("{layer}-data"));
        let (code, stdout, err) = common::run(&[
            "--db", db.to_str().unwrap(), "export", "pmtiles", "--layer", layer, "--version", version,
            "--maxzoom", &maxzoom.to_string(), "--choropleths", json_dir.to_str().unwrap(), out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stdout}{err}");
        assert!(stdout.contains(&format!("{layer}.{version}")), "{stdout}");
        archives.push((format!("{layer}.{version}"), maxzoom, out));
    }
    let server = common::serve(&db);
    // The static choropleth files beside the archive equal the live endpoint's answers.
    for (file, query) in [("status-2025.json", "metric=status&year=2025"), ("conversion-2026.json", "metric=conversion&year=2026")] {
        let saved: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("communes-data").join(file)).unwrap()).unwrap();
        let mut live = agent().get(&format!("{}/api/choropleth?{query}", server.base)).call().unwrap();
        let live: Value = live.body_mut().read_json().unwrap();
        assert_eq!(saved["units"], live["units"], "{file}");
        assert_eq!(saved["legend"], live["legend"], "{file}");
    }
    assert!(!dir.path().join("communes-data/status-2019.json").exists(), "pre-reform years are not on this archive's units");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for (layer, maxzoom, path) in archives {
        let reader = rt.block_on(AsyncPmTilesReader::new_with_path(&path)).expect("a valid PMTiles archive");
        let meta: Value = serde_json::from_str(&rt.block_on(reader.get_metadata()).unwrap()).unwrap();
        assert_eq!(meta["name"], layer.as_str());
        assert!(meta["attribution"].as_str().unwrap().contains("SYNTHETIC"));
        let mut tj = agent().get(&format!("{}/tiles/{layer}.json", server.base)).call().unwrap();
        let tj: Value = tj.body_mut().read_json().unwrap();
        let bounds: Vec<f64> = tj["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let (mut same, mut empty) = (0, 0);
        for z in 0..=maxzoom {
            for (x, y) in tile_range(&bounds, z) {
                let mut live = agent().get(&format!("{}/tiles/{layer}/{z}/{x}/{y}.mvt", server.base)).call().unwrap();
                let stored = rt.block_on(reader.get_tile(TileCoord::new(z, x, y).unwrap())).unwrap();
                match live.status().as_u16() {
                    200 => {
                        let raw = live.body_mut().read_to_vec().unwrap();
                        let gz = stored.unwrap_or_else(|| panic!("{layer} {z}/{x}/{y}: live tile missing from the archive"));
                        let mut back = Vec::new();
                        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
                        assert!(back == raw, "{layer} {z}/{x}/{y}: archive and live tile differ");
                        same += 1;
                    }
                    204 => {
                        assert!(stored.is_none(), "{layer} {z}/{x}/{y}: the archive has a tile the server calls empty");
                        empty += 1;
                    }
                    s => panic!("{layer} {z}/{x}/{y}: live answered {s}"),
                }
            }
        }
        assert!(same > 20 && empty > 0, "{layer}: {same} tiles compared, {empty} empty");
        eprintln!("{layer}: {same} tiles identical to the live ones, {empty} empty in both");
    }
}
