//! `commune-atlas classify`: recompute classification and conversion with the rule files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use commune_atlas::analytics;
use commune_atlas::rules::Rules;
use commune_atlas::rules::status::MapStatus;
use commune_atlas::store::Store;

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Use the rule files in this directory instead of the built-in data/rules (to try edits).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

pub fn run(db: &Path, args: ClassifyArgs) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let rules = match &args.rules {
        Some(dir) => Rules::from_dir(dir)?,
        None => Rules::embedded()?,
    };
    let (report, snap) = analytics::refresh(&store, &rules)?;
    println!(
        "classified {} commune-years and {} conversions in {:.3} s (rules {})",
        report.classified, report.conversions, report.seconds, report.rules_digest
    );
    let mut by_year: BTreeMap<i32, BTreeMap<MapStatus, usize>> = BTreeMap::new();
    for c in snap.classified.values() {
        *by_year.entry(c.year).or_default().entry(c.status.status).or_default() += 1;
    }
    let width = |s: &MapStatus| s.as_str().len() + 2;
    println!("{:<6}{}", "year", MapStatus::ALL.iter().map(|s| format!("{:>w$}", s.as_str(), w = width(s))).collect::<String>());
    for (y, counts) in by_year {
        println!("{y:<6}{}", MapStatus::ALL.iter().map(|s| format!("{:>w$}", counts.get(s).copied().unwrap_or(0), w = width(s))).collect::<String>());
    }
    // Where the decision is silent: how many results the opposite reading would change.
    let mut decided: BTreeMap<&str, usize> = BTreeMap::new();
    for c in snap.classified.values() {
        for r in &c.decisive {
            *decided.entry(r.as_str()).or_default() += 1;
        }
    }
    if !decided.is_empty() {
        println!("readings that decided a result (its opposite would change it), in commune-years:");
        for (reading, n) in decided {
            println!("  {reading:<42}{n:>7}");
        }
    }
    Ok(())
}
