//! Analysts' SQL and data going out of the atlas.
//!
//! - The **curated relations** ([`RELATIONS`], one `.sql` file each under `src/sql/relations/`):
//!   what an analyst may query, what exports write, and how a user's scope cuts each of them
//!   ([`ScopeBy`], applied by [`scope`]).
//! - [`sandbox`] — a locked-down, read-only copy of the relations cut to one scope, where analysts'
//!   statements run under time, memory and row limits.
//! - [`saved`] — the saved queries of `queries/`.
//! - [`export`] — the one writer of exported data (CLI and HTTP alike): DuckDB `COPY` of a
//!   relation, types kept; and typed Parquet/CSV of a query result.

pub mod export;
pub mod sandbox;
pub mod saved;
pub mod scope;

/// How a relation's rows are cut to a user's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeBy {
    /// Not commune data (boundary versions): copied whole.
    Nothing,
    /// Key routes: the routes with a stretch in scope, their geometry cut to those stretches.
    Route,
    /// Rows whose `unit_id` is in scope.
    Unit,
    /// Rows whose `province_code` is in scope.
    Province,
    /// Crosswalk rows whose new unit (version, code) is in scope.
    NewUnit,
}

/// A curated relation: its name in the sandbox, the query on the store that makes it, and how
/// scope cuts it.
#[derive(Debug, Clone, Copy)]
pub struct Relation {
    pub name: &'static str,
    pub sql: &'static str,
    pub scope: ScopeBy,
}

/// Every relation an analyst sees, in the order the schema browser lists them.
pub const RELATIONS: &[Relation] = &[
    Relation { name: "boundary_version", sql: include_str!("relations/boundary_version.sql"), scope: ScopeBy::Nothing },
    Relation { name: "unit", sql: include_str!("relations/unit.sql"), scope: ScopeBy::Unit },
    Relation { name: "unit_geometry", sql: include_str!("relations/unit_geometry.sql"), scope: ScopeBy::Unit },
    Relation { name: "indicator", sql: include_str!("relations/indicator.sql"), scope: ScopeBy::Unit },
    Relation { name: "classification", sql: include_str!("relations/classification.sql"), scope: ScopeBy::Unit },
    Relation { name: "conversion", sql: include_str!("relations/conversion.sql"), scope: ScopeBy::Unit },
    Relation { name: "province_progress", sql: include_str!("relations/province_progress.sql"), scope: ScopeBy::Province },
    Relation { name: "province_classification", sql: include_str!("relations/province_classification.sql"), scope: ScopeBy::Province },
    Relation { name: "province_route", sql: include_str!("relations/province_route.sql"), scope: ScopeBy::Province },
    Relation { name: "crosswalk", sql: include_str!("relations/crosswalk.sql"), scope: ScopeBy::NewUnit },
    Relation { name: "recognition_event", sql: include_str!("relations/recognition_event.sql"), scope: ScopeBy::Unit },
    Relation { name: "quota_assignment", sql: include_str!("relations/quota_assignment.sql"), scope: ScopeBy::Unit },
    Relation { name: "province_quota", sql: include_str!("relations/province_quota.sql"), scope: ScopeBy::Province },
    Relation { name: "target_path", sql: include_str!("relations/target_path.sql"), scope: ScopeBy::Province },
    Relation { name: "plan", sql: include_str!("relations/plan.sql"), scope: ScopeBy::Province },
    Relation { name: "plan_commune", sql: include_str!("relations/plan_commune.sql"), scope: ScopeBy::Province },
    Relation { name: "key_route", sql: include_str!("relations/key_route.sql"), scope: ScopeBy::Route },
];

/// A relation by name.
pub fn relation(name: &str) -> Option<&'static Relation> {
    RELATIONS.iter().find(|r| r.name == name)
}
