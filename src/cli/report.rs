//! `commune-atlas report --province CODE --year YEAR OUT.pdf`: the province report.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use commune_atlas::render::{self, report};

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
    let started = std::time::Instant::now();
    let d = super::render::Drawing::load(db)?;
    let province_name =
        d.province_name(&a.province).ok_or_else(|| anyhow::anyhow!("no province with code '{}' (see `commune-atlas info`)", a.province))?;
    let (store, snapshot, tiles) = (&d.store, &d.snapshot, &d.tiles);
    let year = a.year.or_else(|| snapshot.years().last().copied()).context("the store holds no indicators")?;
    let req = report::ReportRequest { province: a.province.clone(), province_name, year, english: a.lang == "en", demo: store.is_demo()?, plans: true };
    let svg = report::svg(store, snapshot, tiles, &req)?;
    let bytes = if a.out.extension().and_then(|e| e.to_str()) == Some("svg") { svg.into_bytes() } else { render::pdf(&svg)? };
    std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
    println!("wrote {} ({:.1} KB) in {:.2} s", a.out.display(), bytes.len() as f64 / 1024.0, started.elapsed().as_secs_f64());
    Ok(())
}
