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
    /// The SQL statement (or use --saved).
    #[arg(required_unless_present = "saved")]
    pub sql: Option<String>,
    /// Run a saved query from queries/ (e.g. status_by_province_year) in the analysts' sandbox.
    #[arg(long, value_name = "NAME", conflicts_with = "sql")]
    pub saved: Option<String>,
    /// A parameter of the saved query, as NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// At most this many rows.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
}

pub fn run(db: &Path, args: QueryArgs) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let t = match (&args.saved, &args.sql) {
        (Some(name), _) => {
            let q = commune_atlas::sql::saved::get(name)?;
            let mut given = std::collections::BTreeMap::new();
            for p in &args.params {
                let (k, v) = p.split_once('=').ok_or_else(|| anyhow::anyhow!("--param needs NAME=VALUE, got '{p}'"))?;
                given.insert(k.to_string(), v.to_string());
            }
            let params = commune_atlas::sql::saved::bind(&q, &given)?;
            let sandbox = commune_atlas::sql::sandbox::Sandbox::build(
                &store,
                &std::env::temp_dir().join("commune-atlas-sandbox"),
                commune_atlas::sql::sandbox::Limits::default(),
                &commune_atlas::access::Scope::all(),
                &[],
            )?;
            let (conn, _) = sandbox.connect()?;
            commune_atlas::sql::sandbox::run(&conn, &q.sql, &params, args.limit)?
        }
        (None, Some(sql)) => tabular::run(&store.connect()?, sql, args.limit)?,
        (None, None) => anyhow::bail!("give a SQL statement or --saved NAME"),
    };
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
