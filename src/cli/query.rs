//! `commune-atlas query "SQL"`: run SQL and print a table, CSV or JSON.

use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use commune_atlas::store::{Store, tabular};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL statement.
    pub sql: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// At most this many rows.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
}

pub fn run(db: &Path, args: QueryArgs) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let conn = store.connect()?;
    let t = tabular::run(&conn, &args.sql, args.limit)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &t)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(t.columns.iter().map(|c| c.name.as_str()))?;
            for row in &t.rows {
                w.write_record(row.iter().map(tabular::cell_text))?;
            }
            w.flush()?;
        }
        Format::Table => {
            let cells: Vec<Vec<String>> = t.rows.iter().map(|r| r.iter().map(tabular::cell_text).collect()).collect();
            let mut widths: Vec<usize> = t.columns.iter().map(|c| c.name.chars().count()).collect();
            for row in &cells {
                for (w, c) in widths.iter_mut().zip(row) {
                    *w = (*w).max(c.chars().count().min(60));
                }
            }
            let line = |out: &mut dyn Write, items: Vec<&str>| -> std::io::Result<()> {
                let parts: Vec<String> = items
                    .iter()
                    .zip(&widths)
                    .map(|(s, w)| {
                        let s: String = s.chars().take(60).collect();
                        format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())))
                    })
                    .collect();
                writeln!(out, "{}", parts.join(" │ ").trim_end())
            };
            line(&mut out, t.columns.iter().map(|c| c.name.as_str()).collect())?;
            writeln!(out, "{}", widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().join("─┼─"))?;
            for row in &cells {
                line(&mut out, row.iter().map(String::as_str).collect())?;
            }
            writeln!(
                out,
                "({} row{}{})",
                t.rows.len(),
                if t.rows.len() == 1 { "" } else { "s" },
                if t.truncated { format!(", truncated at --limit {}", args.limit) } else { String::new() }
            )?;
        }
    }
    Ok(())
}
