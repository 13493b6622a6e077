//! Boundary import throughput (criterion, units/s): parsing, validation, repair where asked,
//! measures, the snap tolerance chosen from the data and the derived province (and district)
//! units — everything `import boundaries` does, into a fresh store each time. On the national
//! synthetic set (3,321 communes after the reform, ~10,000 before) and on the real files of
//! `../shared/realdata` when present (never copied into the repository).
//!
//! `cargo bench --bench import`

use std::time::Duration;

use chrono::NaiveDate;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input};
use commune_atlas::store::Store;
use commune_atlas::vocab::Level;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn options(version: &str, valid_from: (i32, u32, u32), repair: bool) -> BoundaryOptions {
    BoundaryOptions {
        version: version.into(),
        valid_from: NaiveDate::from_ymd_opt(valid_from.0, valid_from.1, valid_from.2).expect("date"),
        valid_to: None,
        level: Level::Commune,
        code_system: None,
        source: None,
        repair,
        snap_tolerance: None,
        props: Default::default(),
    }
}

fn features(bytes: &[u8]) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(bytes).expect("GeoJSON");
    v["features"].as_array().map_or(0, |f| f.len() as u64)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("national");
    commune_atlas::demo::generate::generate(7, commune_atlas::demo::generate::Scale::National, &data).expect("generate");
    let mut files: Vec<(String, Vec<u8>, BoundaryOptions)> = vec![
        ("national communes 2025".into(), std::fs::read(data.join("communes_2025.geojson")).expect("read"), options("n2025", (2025, 7, 1), false)),
        ("national communes 2019".into(), std::fs::read(data.join("communes_2019.geojson")).expect("read"), options("n2019", (2019, 1, 1), false)),
    ];
    let real = std::env::var("ATLAS_REALDATA").map(std::path::PathBuf::from).unwrap_or_else(|_| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata"));
    for (file, repair) in [
        ("vn2025_commune_p82_dong_thap.geojson", false),
        ("vn2025_commune_p22_quang_ninh.geojson", true),
        ("pre2025_gadm41_commune_p87_dong_thap.geojson", false),
        ("pre2025_gadm41_commune_p22_quang_ninh.geojson", true),
    ] {
        match std::fs::read(real.join(file)) {
            Ok(bytes) => files.push((format!("real {file}"), bytes, options("real", if file.starts_with("vn2025") { (2025, 7, 1) } else { (2019, 1, 1) }, repair))),
            Err(_) => eprintln!("*** {file} not found under {}: the real-data benchmarks are not run ***", real.display()),
        }
    }
    let mut g = c.benchmark_group("import boundaries");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, bytes, opts) in &files {
        g.throughput(Throughput::Elements(features(bytes)));
        g.bench_function(name.as_str(), |b| {
            b.iter_with_setup(
                || {
                    let d = tempfile::tempdir().expect("tempdir");
                    let store = Store::open(d.path().join("b.duckdb")).expect("store");
                    (d, store)
                },
                |(_d, store)| import::import_boundaries(&store, &Input::from_bytes(name.as_str(), bytes), opts, &ImportOptions::default()).expect("import"),
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
