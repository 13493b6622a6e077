//! `commune-atlas report --province CODE --year YEAR OUT.pdf`: the province report.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use commune_atlas::render::{self, report};
use commune_atlas::store::Store;
use commune_atlas::tiles::TileService;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Province code.
    #[arg(long)]
    pub province: String,
    /// Year (default: the latest with data).
    #[arg(long)]
    pub year: Option<i32>,
    /// vi or en.
    #[arg(long, default_value = "vi")]
    pub lang: String,
    /// Output: .pdf (A4 portrait) or .svg.
    pub out: PathBuf,
}

pub fn run(db: &Path, a: ReportArgs) -> anyhow::Result<()> {
    if !db.exists() {
        anyhow::bail!("no store at {}", db.display());
    }
    let started = std::time::Instant::now();
    let store = Store::open(db)?;
    let rules = commune_atlas::rules::Rules::embedded()?;
    let (_, snapshot) = commune_atlas::analytics::up_to_date(&store, &rules)?;
    let tiles = TileService::load(&store, None)?;
    let names = commune_atlas::api::search::load(&store)?;
    let province_name = names
        .iter()
        .filter(|e| e.level == "province" && e.code == a.province)
        .map(|e| e.name.clone())
        .next()
        .ok_or_else(|| anyhow::anyhow!("no province with code '{}' (see `commune-atlas info`)", a.province))?;
    let year = a.year.or_else(|| snapshot.years().last().copied()).context("the store holds no indicators")?;
    let req = report::ReportRequest { province: a.province.clone(), province_name, year, english: a.lang == "en", demo: store.is_demo()?, plans: true };
    let svg = report::svg(&store, &snapshot, &tiles, &req)?;
    let bytes = if a.out.extension().and_then(|e| e.to_str()) == Some("svg") { svg.into_bytes() } else { render::pdf(&svg)? };
    std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
    println!("wrote {} ({:.1} KB) in {:.2} s", a.out.display(), bytes.len() as f64 / 1024.0, started.elapsed().as_secs_f64());
    Ok(())
}
