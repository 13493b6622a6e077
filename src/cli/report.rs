//! `commune-atlas report --province CODE --year YEAR OUT.pdf`: the province report;
//! `commune-atlas report --plan ID OUT.pdf`: a conversion plan's sheet, to print and sign.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use commune_atlas::render::{self, plan, report};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["province", "plan"])))]
pub struct ReportArgs {
    /// Province code.
    #[arg(long)]
    pub province: Option<String>,
    /// Print this conversion plan's sheet instead: A4 pages with the map, the numbered communes
    /// and signature blocks (plan ids: GET /api/plans, or the Plans view).
    #[arg(long, value_name = "ID")]
    pub plan: Option<i64>,
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
    let (store, snapshot, tiles) = (&d.store, &d.snapshot, &d.tiles);
    let svg_out = a.out.extension().and_then(|e| e.to_str()) == Some("svg");
    let english = a.lang == "en";
    let written = if let Some(id) = a.plan {
        let plan = commune_atlas::plans::get(store, id)?;
        let province_name = d.province_name(&plan.province_code).unwrap_or_else(|| plan.province_code.clone());
        let req = plan::PlanSheetRequest { plan, province_name, english, demo: store.is_demo()? };
        let pages = plan::pages(snapshot, tiles, &req)?;
        if svg_out {
            // One SVG per page: OUT, then OUT-2.svg, OUT-3.svg, …
            let mut files = Vec::new();
            for (i, page) in pages.iter().enumerate() {
                let path = if i == 0 { a.out.clone() } else { a.out.with_file_name(format!("{}-{}.svg", stem(&a.out), i + 1)) };
                std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
                files.push((path, page.len()));
            }
            files
        } else {
            let bytes = render::pdf_pages(&pages)?;
            std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
            vec![(a.out.clone(), bytes.len())]
        }
    } else {
        let code = a.province.as_deref().context("give --province CODE or --plan ID")?;
        let province_name = d.province_name(code).ok_or_else(|| anyhow::anyhow!("no province with code '{code}' (see `commune-atlas info`)"))?;
        let year = a.year.or_else(|| snapshot.years().last().copied()).context("the store holds no indicators")?;
        let req = report::ReportRequest { province: code.to_string(), province_name, year, english, demo: store.is_demo()?, plans: true };
        let svg = report::svg(store, snapshot, tiles, &req)?;
        let bytes = if svg_out { svg.into_bytes() } else { render::pdf(&svg)? };
        std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
        vec![(a.out.clone(), bytes.len())]
    };
    for (path, len) in &written {
        println!("wrote {} ({:.1} KB)", path.display(), *len as f64 / 1024.0);
    }
    println!("done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn stem(p: &Path) -> String {
    p.file_stem().map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned())
}
