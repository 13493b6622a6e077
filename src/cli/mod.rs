//! Command-line interface: argument definitions (clap derive) and dispatch. This module and
//! `main.rs` are the only places that read arguments or the environment.

mod backup;
mod classify;
mod demo;
mod export;
mod floor;
mod import;
mod info;
mod query;
mod render;
mod report;
mod serve;
mod template;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit status for input that was rejected or refused (sysexits EX_DATAERR).
pub const EXIT_REJECTED: i32 = 65;

#[derive(Debug, Parser)]
#[command(
    name = "commune-atlas",
    version,
    about = "Commune-level drug-situation atlas for Viet Nam: DuckDB store, rule sets, vector tiles, web map.",
    long_about = "commune-atlas keeps per-commune, per-year drug-control indicators in one DuckDB file, \
classifies communes with rule sets kept as data, and serves maps of the results.\n\n\
Start with `commune-atlas serve`: with no database yet it builds one from the embedded synthetic \
demo data and serves the web map at http://127.0.0.1:8080/.",
    after_help = "Examples:\n  \
commune-atlas serve                                   # demo store, http://127.0.0.1:8080/\n  \
commune-atlas --db prov.duckdb import boundaries communes.geojson --version vn2025 --valid-from 2025-07-01\n  \
commune-atlas --db prov.duckdb import indicators indicators_2025.csv\n  \
commune-atlas --db prov.duckdb info\n  \
commune-atlas --db prov.duckdb query \"SELECT province_name, count(*) FROM unit GROUP BY ALL\""
)]
pub struct Cli {
    /// The DuckDB database file (created if missing).
    #[arg(long, global = true, env = "ATLAS_DB", default_value = "atlas.duckdb", value_name = "PATH")]
    pub db: PathBuf,

    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Log lines as text for people or JSON objects for a log collector (one per line).
    #[arg(long, global = true, env = "ATLAS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web map and the HTTP API.
    #[command(after_help = "Examples:\n  \
commune-atlas serve                          # http://127.0.0.1:8080/, demo data on first start\n  \
commune-atlas --db prov.duckdb serve --bind 127.0.0.1:9000 --no-demo\n\n\
With no database file at --db, `serve` creates one from the embedded synthetic demo data \
(unless --no-demo). GET /api/health tells what the store holds.\n\n\
Sign-in: the demo on a loopback address needs none (demo mode). Any other address, your own \
data, or --require-login needs users: create an admin first with \
`commune-atlas users add NAME --role admin --scope '*'`.")]
    Serve(serve::ServeArgs),

    /// Import a file into the store (validated, all-or-nothing).
    #[command(subcommand)]
    Import(import::ImportCommand),

    /// Write a workbook to fill in (the indicators of a province's communes).
    #[command(subcommand)]
    Template(template::TemplateCommand),

    /// Run SQL against the store and print the result.
    #[command(after_help = "Examples:\n  \
commune-atlas query \"SELECT * FROM boundary_version_summary\"\n  \
commune-atlas query --format csv \"SELECT * FROM indicator_v WHERE year = 2024\" > 2024.csv\n  \
commune-atlas query --format json \"SELECT unit_code, addict_user_rate_pct FROM indicator_v LIMIT 5\"\n\n\
commune-atlas query --saved persistent_hotspots --param year=2024\n\n\
Start with the views: unit, indicator_v, crosswalk_v, recognition_event_v, boundary_version_summary, \
classification_v, province_progress. Saved queries (queries/*.sql) run in the same sandbox as the web \
SQL console.")]
    Query(query::QueryArgs),

    /// Recompute classification and conversion (after editing data/rules, or with --rules DIR).
    #[command(after_help = "Examples:\n  commune-atlas classify\n  commune-atlas classify --rules ./my-rules   # try edited thresholds\n\n\
Imports refresh the results themselves; `serve` refreshes them when the built-in rules changed.")]
    Classify(classify::ClassifyArgs),

    /// Synthetic demo data.
    #[command(subcommand)]
    Demo(demo::DemoCommand),

    /// Users, roles, province scopes and API tokens (while the server is stopped; when it runs,
    /// admins use /api/admin/users).
    #[command(subcommand)]
    Users(users::UsersCommand),

    /// Draw a static map (SVG, PNG at 300 dpi, or A4 PDF) for reports and slides.
    #[command(after_help = "Examples:\n  \
commune-atlas render --view status --year 2025 status-2025.png\n  \
commune-atlas render --view conversion --year 2025 --province 98 --lang en conversion-98.pdf\n  \
commune-atlas render --view indicator --metric arrest_rate_pct --method jenks --classes 5 arrests.svg\n\n\
The same classes, colours and legend as the web map; Vietnamese text in the embedded DejaVu Sans font. \
While the server runs, GET /api/maps/{view}.{svg|png|pdf}?year=&province=&lang= gives the same maps.")]
    Render(render::RenderArgs),

    /// The province report as one PDF: status map, counts vs last year, conversion, progress to
    /// the 2030 target, quota and plans, top candidates — or, with --plan, a conversion plan's
    /// sheet to print and sign.
    #[command(after_help = "Examples:\n  commune-atlas report --province 98 --year 2025 bao-cao-98-2025.pdf\n  \
commune-atlas report --province 98 --lang en report-98.pdf\n  \
commune-atlas report --plan 3 ke-hoach-3.pdf\n\n\
While serving: GET /api/reports/{province}.pdf?year=&lang= (the province dashboard links to it) and \
GET /api/plans/{id}/plan.pdf?lang= (\"Print plan\" in the Plans view).")]
    Report(report::ReportArgs),

    /// Export data for use elsewhere: datasets as (Geo)Parquet/CSV/GeoJSON, tiles as PMTiles.
    #[command(subcommand)]
    Export(export::ExportCommand),

    /// Write a consistent copy of the store (stop the server first, or use GET /api/admin/backup).
    #[command(after_help = "Examples:\n  commune-atlas --db prov.duckdb backup backups/prov-2026-11-25.duckdb\n  \
curl -H \"Authorization: Bearer $TOKEN\" -o prov.duckdb http://atlas:8080/api/admin/backup   # while serving")]
    Backup(backup::BackupArgs),

    /// Replace the store with a backup (the server must be stopped).
    #[command(after_help = "Example:\n  commune-atlas --db prov.duckdb restore backups/prov-2026-11-25.duckdb --force")]
    Restore(backup::RestoreArgs),

    /// Show what the store holds: boundary versions, unit counts, indicator years.
    #[command(after_help = "Example:\n  commune-atlas --db prov.duckdb info\n  commune-atlas info --json")]
    Info(info::InfoArgs),

    /// The HTTP floor for benchmarks: the same axum/tokio stack answering a fixed body.
    #[command(hide = true)]
    Floor(floor::FloorArgs),
}

/// Run the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.db, args),
        Command::Import(cmd) => import::run(&cli.db, cmd),
        Command::Template(cmd) => template::run(&cli.db, cmd),
        Command::Query(args) => query::run(&cli.db, args),
        Command::Info(args) => info::run(&cli.db, args),
        Command::Demo(cmd) => demo::run(&cli.db, cmd),
        Command::Classify(args) => classify::run(&cli.db, args),
        Command::Users(cmd) => users::run(&cli.db, cmd),
        Command::Backup(args) => backup::backup(&cli.db, args),
        Command::Export(cmd) => export::run(&cli.db, cmd),
        Command::Render(args) => render::run(&cli.db, args),
        Command::Report(args) => report::run(&cli.db, args),
        Command::Restore(args) => backup::restore(&cli.db, args),
        Command::Floor(args) => floor::run(args),
    }
}
