//! `commune-atlas demo generate`: write the synthetic dataset.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use commune_atlas::demo::generate::{self, Scale};

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Generate the synthetic dataset (boundaries of both vintages, crosswalk, indicators 2019–2026,
    /// recognitions, quotas, targets, key routes) as ordinary import files.
    #[command(after_help = "Examples:\n  \
commune-atlas demo generate --seed 2025 --scale demo --out data/demo        # the committed demo\n  \
commune-atlas demo generate --seed 7 --scale national --out /tmp/national   # benchmarks\n  \
commune-atlas --db national.duckdb import boundaries /tmp/national/communes_2025.geojson \\\n      \
--version national-2025 --valid-from 2025-07-01 --code-system synthetic\n\n\
The same seed always gives byte-identical files. Every file says it is SYNTHETIC; codes use ranges \
real units do not (demo: provinces 97–99, districts 975+, communes 90001+). `manifest.toml` lists \
the import order; `serve` uses it for the embedded demo.")]
    Generate(GenerateArgs),

    /// Import a generated dataset directory (its manifest.toml, in order) into --db.
    #[command(after_help = "Example:\n  \
commune-atlas demo generate --scale national --seed 7 --out /tmp/national\n  \
commune-atlas --db /tmp/national.duckdb demo load /tmp/national")]
    Load(LoadArgs),
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// A directory written by `demo generate`.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Random seed; the same seed gives byte-identical output.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// demo (3 provinces, ~700 communes) or national (63 → 34 provinces, ~10,000 → ~3,321 communes).
    #[arg(long, default_value = "demo", value_parser = ["demo", "national"])]
    pub scale: String,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(db: &std::path::Path, cmd: DemoCommand) -> anyhow::Result<()> {
    match cmd {
        DemoCommand::Load(a) => {
            let store = commune_atlas::store::Store::open(db)?;
            let opts = commune_atlas::import::ImportOptions { actor: "demo".into(), progress: true, ..Default::default() };
            let reports = commune_atlas::demo::load_dir(&store, &a.dir, &opts)?;
            for r in &reports {
                println!("{r}");
            }
            if commune_atlas::demo::parse_manifest(&std::fs::read_to_string(a.dir.join("manifest.toml"))?)?.synthetic {
                store.set_meta("dataset", commune_atlas::store::DEMO_DATASET)?;
            }
            let rules = commune_atlas::rules::Rules::embedded()?;
            let (r, _) = commune_atlas::analytics::refresh(&store, &rules)?;
            println!("classified {} commune-years, {} conversions in {:.2} s", r.classified, r.conversions, r.seconds);
            store.checkpoint()?;
            Ok(())
        }
        DemoCommand::Generate(a) => {
            let scale: Scale = a.scale.parse()?;
            eprintln!("generating the {} dataset (seed {}) into {} …", scale.as_str(), a.seed, a.out.display());
            let s = generate::generate(a.seed, scale, &a.out)?;
            for (name, bytes) in &s.files {
                println!("  {name:<26} {:>9.1} kB", *bytes as f64 / 1024.0);
            }
            let total: u64 = s.files.iter().map(|f| f.1).sum();
            println!(
                "{} → {} provinces, {} districts, {} → {} communes, {} indicator rows, {:.1} MB in {:.1} s",
                s.provinces_before,
                s.provinces_after,
                s.districts,
                s.communes_before,
                s.communes_after,
                s.indicator_rows,
                total as f64 / 1e6,
                s.seconds
            );
            Ok(())
        }
    }
}
