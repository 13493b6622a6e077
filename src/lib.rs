//! commune-atlas: commune-level drug-situation classification for Viet Nam, on a map.
//!
//! Layers, from the ground up (arrows point down only):
//! - [`store`] — the DuckDB database: schema migrations (`src/store/migrations/*.sql`), typed queries
//!   (`src/store/sql/*.sql`), transactions, the unit directory;
//! - [`access`] — users, roles, province scopes, tokens and the audit log;
//! - [`vocab`] — the domain's closed vocabularies as enums (levels, route scopes, recognition kinds …);
//! - [`geo`], [`text`], [`hash`] and [`dates`] — pure helpers on geometry, Vietnamese names, stable
//!   hashes and file dates; [`fonts`] — the embedded fonts;
//! - [`rules`] — rule sets as data (`data/rules/*.toml`) and their three-valued evaluation;
//! - [`import`] — validated, atomic imports of user files;
//! - [`analytics`] — classification, conversion and progress, written back to the store;
//! - [`plans`] — conversion plans with lifecycle, audit trail and optimistic concurrency;
//! - [`sql`] — analysts' SQL and data going out: the curated relations, scopes, the locked-down
//!   sandbox, saved queries and the one export writer;
//! - [`demo`] — the embedded synthetic demo dataset;
//! - [`tiles`] — the in-memory atlas: shared arcs, zoom bands, MVT encoding, tile cache;
//! - [`render`] — static maps: one SVG, rasterised to PNG or converted to PDF;
//! - [`api`] — the HTTP service (axum).
//!
//! Every SQL statement lives in a `.sql` file beside the module that runs it (`<module>/sql/`),
//! included at compile time; `tests/sql_files.rs` prepares each against a fresh store.
//!
//! The binary (`src/main.rs`, `src/cli/`) is the only place that reads arguments or the environment.

pub mod access;
pub mod analytics;
pub mod api;
pub mod dates;
pub mod demo;
pub mod error;
pub mod fonts;
pub mod geo;
pub mod hash;
pub mod import;
pub mod plans;
pub mod render;
pub mod review;
pub mod rules;
pub mod sql;
pub mod store;
pub mod text;
pub mod tiles;
pub mod vocab;

pub use error::{Error, Result};
