//! `commune-atlas info`: what the store holds.

use std::path::Path;

use clap::Args;
use commune_atlas::store::{Store, queries};

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(db: &Path, args: InfoArgs) -> anyhow::Result<()> {
    if !db.exists() {
        anyhow::bail!(
            "no store at {} — import data into it, or run `commune-atlas serve` to create the demo store",
            db.display()
        );
    }
    let store = Store::open(db)?;
    let conn = store.connect()?;
    let s = queries::summary(&conn)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    println!("store: {}{}", store.path().display(), if store.is_demo()? { "  (synthetic demo data)" } else { "" });
    if s.boundary_versions.is_empty() {
        println!("boundary versions: none — start with `commune-atlas import boundaries`");
    } else {
        println!("boundary versions:");
        for v in &s.boundary_versions {
            println!(
                "  {:<16} {} → {:<10}  {:>4} provinces {:>5} districts {:>6} communes  [{}]",
                v.name,
                v.valid_from,
                v.valid_to.as_deref().unwrap_or("(open)"),
                v.units.province,
                v.units.district,
                v.units.commune,
                v.code_system
            );
        }
    }
    if s.indicator_years.is_empty() {
        println!("indicators: none");
    } else {
        let years: Vec<String> = s.indicator_years.iter().map(|y| format!("{} ({} rows)", y.year, y.rows)).collect();
        println!("indicators: {}", years.join(", "));
    }
    println!(
        "crosswalk links: {}   recognition events: {}   quota assignments: {}   province targets: {}   imports logged: {}",
        s.crosswalk_rows, s.recognition_events, s.quota_assignments, s.province_quotas, s.imports
    );
    Ok(())
}
