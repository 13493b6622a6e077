//! Arbitrary bytes as an indicators CSV: the importer's checks must answer with problems
//! (file, line, column, reason) or rows, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = commune_atlas::import::check_indicators_csv(data, "fuzz.csv", &["90001", "90002", "90003"]);
});
