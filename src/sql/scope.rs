//! Cutting relations to a user's scope on a store connection: the scope's units, provinces and
//! route stretches go into temporary tables of that connection ([`install`]), and each relation is
//! wrapped in the filter its [`ScopeBy`] names ([`cut`]). The sandbox and the exports both cut
//! this way, so an analyst's query and a download can never disagree about what is in scope.

use duckdb::Connection;

use super::{Relation, ScopeBy};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::store::fill;

/// Fill `scope_unit`, `scope_province` and `scope_route` on `conn` for `scope` (nothing to do for
/// a national scope). `routes_in_scope` is each key route's geometry inside the scope (route id,
/// GeoJSON in EPSG:4326; see `tiles::layer::LineLayer::geojson_within`).
pub fn install(conn: &Connection, scope: &Scope, routes_in_scope: &[(i64, String)]) -> Result<()> {
    let Some(codes) = scope.codes() else { return Ok(()) };
    let ctx = "recording the scope";
    let run = || -> duckdb::Result<()> {
        conn.execute_batch(include_str!("scope/create_scope_unit.sql"))?;
        conn.execute_batch(include_str!("scope/create_scope_province.sql"))?;
        conn.execute_batch(include_str!("scope/create_scope_route.sql"))?;
        let mut units = conn.appender("scope_unit")?;
        for id in scope.unit_ids() {
            units.append_row([id])?;
        }
        units.flush()?;
        drop(units);
        let mut provinces = conn.appender("scope_province")?;
        for c in codes {
            provinces.append_row([c.as_str()])?;
        }
        provinces.flush()?;
        drop(provinces);
        let mut routes = conn.appender("scope_route")?;
        for (id, geometry) in routes_in_scope {
            routes.append_row(duckdb::params![id, geometry])?;
        }
        routes.flush()
    };
    run().map_err(Error::store(ctx))
}

/// The query of `relation` cut to the scope [`install`]ed on the connection (`everything`: the
/// relation whole).
pub fn cut(relation: &Relation, everything: bool) -> String {
    let by = if everything { ScopeBy::Nothing } else { relation.scope };
    let template = match by {
        ScopeBy::Nothing => return relation.sql.to_string(),
        ScopeBy::Route => include_str!("scope/by_route.sql"),
        ScopeBy::Unit => include_str!("scope/by_unit.sql"),
        ScopeBy::Province => include_str!("scope/by_province.sql"),
        ScopeBy::NewUnit => include_str!("scope/by_new_unit.sql"),
    };
    fill(template, &[("relation", &fill(relation.sql, &[]))])
}
