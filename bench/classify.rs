//! Classification benchmark (criterion): evaluating every commune-year of the national
//! synthetic dataset (10,000 pre-reform communes × 6 years + 3,321 × 2 years) with the rule files.
//!
//! `cargo bench --bench classify`

use commune_atlas::analytics::{Facts, classify_all};
use commune_atlas::demo;
use commune_atlas::import::ImportOptions;
use commune_atlas::rules::Rules;
use commune_atlas::store::Store;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("national");
    demo::generate::generate(7, demo::generate::Scale::National, &data).expect("generate");
    let store = Store::open(dir.path().join("n.duckdb")).expect("store");
    demo::load_dir(&store, &data, &ImportOptions::default()).expect("load");
    let rules = Rules::embedded().expect("rules");
    let conn = store.connect().expect("connect");
    let facts = Facts::load(&conn).expect("facts");
    eprintln!("{} commune-years", facts.indicators.len());
    let mut g = c.benchmark_group("national");
    g.sample_size(10);
    g.bench_function("classify every commune-year", |b| b.iter(|| classify_all(&rules, &facts)));
    g.bench_function("load facts from DuckDB", |b| b.iter(|| Facts::load(&conn).expect("facts")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
