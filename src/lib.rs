//! commune-atlas: commune-level drug-situation classification for Viet Nam, on a map.
//!
//! Layers, from the ground up (arrows point down only):
//! - [`store`] — the DuckDB database: schema (`src/store/sql/*.sql`), migrations, typed queries;
//! - [`access`] — users, roles, province scopes, tokens and the audit log;
//! - [`geo`] and [`text`] — pure helpers on geometry and Vietnamese names; [`fonts`] — the embedded fonts;
//! - [`rules`] — rule sets as data (`data/rules/*.toml`) and their three-valued evaluation;
//! - [`import`] — validated, atomic imports of user files;
//! - [`analytics`] — classification, conversion and progress, written back to the store;
//! - [`plans`] — conversion plans with lifecycle, audit trail and optimistic concurrency;
//! - [`sandbox`] and [`saved`] — analysts' SQL: a locked-down read-only copy and saved queries;
//! - [`demo`] — the embedded synthetic demo dataset;
//! - [`tiles`] — the in-memory atlas: shared arcs, zoom bands, MVT encoding, tile cache;
//! - [`render`] — static maps: one SVG, rasterised to PNG or converted to PDF;
//! - [`api`] — the HTTP service (axum).
//!
//! The binary (`src/main.rs`, `src/cli/`) is the only place that reads arguments or the environment.

pub mod access;
pub mod analytics;
pub mod api;
pub mod demo;
pub mod error;
pub mod fonts;
pub mod geo;
pub mod import;
pub mod plans;
pub mod render;
pub mod rules;
pub mod sandbox;
pub mod saved;
pub mod store;
pub mod text;
pub mod tiles;

pub use error::{Error, Result};
