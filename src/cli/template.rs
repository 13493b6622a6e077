//! `commune-atlas template indicators --province CODE --year YEAR OUT.xlsx`: the workbook a
//! province fills in, its communes pre-filled.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use commune_atlas::store::Store;

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// The indicators workbook of a province: one row per commune (code and name pre-filled),
    /// Vietnamese headers over the English keys, validation of every figure, an instructions
    /// sheet naming the Decision 28/2025 criteria each column feeds.
    #[command(after_help = "Example:\n  commune-atlas template indicators --province 82 --year 2025 chi_so_82_2025.xlsx\n\n\
Fill it in and import it as it is: commune-atlas import indicators chi_so_82_2025.xlsx (no mapping needed). \
While serving: GET /api/templates/indicators.xlsx?province=82&year=2025.")]
    Indicators(TemplateArgs),
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Province code or name (e.g. 82, "Đồng Tháp").
    #[arg(long)]
    pub province: String,
    /// Reporting year: the assessment period and the boundary version follow from it.
    #[arg(long)]
    pub year: i32,
    /// The workbook to write (.xlsx).
    pub out: PathBuf,
}

pub fn run(db: &Path, cmd: TemplateCommand) -> anyhow::Result<()> {
    let TemplateCommand::Indicators(a) = cmd;
    let store = Store::open(db)?;
    let t = commune_atlas::import::indicators_template(&store, &a.province, a.year)?;
    std::fs::write(&a.out, &t.bytes).with_context(|| format!("writing {}", a.out.display()))?;
    println!("wrote {} ({} communes of province {}, {} bytes)", a.out.display(), t.communes, t.province_code, t.bytes.len());
    Ok(())
}
