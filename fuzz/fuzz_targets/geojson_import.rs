//! Arbitrary bytes as a GeoJSON boundary file, with and without geometry repair: the importer's
//! checks (JSON, properties, codes, validity sweep, repair) must answer with problems or units,
//! never panic.
#![no_main]

use commune_atlas::import::{BoundaryOptions, Input, check_geojson};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, bytes)) = data.split_first() else { return };
    let b = BoundaryOptions {
        version: "fuzz".into(),
        valid_from: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default(),
        valid_to: None,
        level: "commune".into(),
        code_system: Some("synthetic".into()),
        source: None,
        repair: flags & 1 == 1,
        snap_tolerance: 0.0,
        props: Default::default(),
    };
    let _ = check_geojson(&Input::from_bytes("fuzz.geojson", bytes), &b);
});
