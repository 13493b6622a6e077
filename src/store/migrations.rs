//! Numbered schema migrations, embedded from `src/store/migrations/` and applied in order.

use duckdb::{Connection, params};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One schema step: a number, a name and the SQL file it runs.
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in the order it must be applied. Append only: never edit a released file.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "core_schema", sql: include_str!("migrations/0001_core_schema.sql") },
    Migration { version: 2, name: "views", sql: include_str!("migrations/0002_views.sql") },
    Migration { version: 3, name: "analytics", sql: include_str!("migrations/0003_analytics.sql") },
    Migration { version: 4, name: "routes", sql: include_str!("migrations/0004_routes.sql") },
    Migration { version: 5, name: "plans", sql: include_str!("migrations/0005_plans.sql") },
    Migration { version: 6, name: "access", sql: include_str!("migrations/0006_access.sql") },
    Migration { version: 7, name: "progress_decimal", sql: include_str!("migrations/0007_progress_decimal.sql") },
    Migration { version: 8, name: "decision_28_as_written", sql: include_str!("migrations/0008_decision_28_as_written.sql") },
    Migration { version: 9, name: "real_boundaries", sql: include_str!("migrations/0009_real_boundaries.sql") },
    Migration { version: 10, name: "review", sql: include_str!("migrations/0010_review.sql") },
    Migration { version: 11, name: "approval", sql: include_str!("migrations/0011_approval.sql") },
];

fn checksum(sql: &str) -> String {
    let digest = Sha256::digest(sql.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Apply every migration the store has not seen yet; refuse a store whose applied migrations
/// differ from the binary's (edited by hand, or written by a newer binary).
pub fn apply(conn: &Connection) -> Result<()> {
    conn.execute_batch(include_str!("sql/schema_migrations_create.sql")).map_err(Error::store("creating schema_migrations"))?;
    let applied: Vec<(i32, String)> = {
        let mut stmt = conn
            .prepare(include_str!("sql/schema_migrations_list.sql"))
            .map_err(Error::store("reading schema_migrations"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(Error::store("reading schema_migrations"))?;
        rows.collect::<Result<_, _>>().map_err(Error::store("reading schema_migrations"))?
    };
    if let Some((newest, _)) = applied.last()
        && *newest > MIGRATIONS.last().map_or(0, |m| m.version)
    {
        return Err(Error::Refused(format!(
            "this store has schema version {newest}, newer than this binary understands; \
             upgrade commune-atlas"
        )));
    }
    for m in MIGRATIONS {
        let sum = checksum(m.sql);
        match applied.iter().find(|(v, _)| *v == m.version) {
            Some((_, seen)) if *seen == sum => continue,
            Some(_) => {
                return Err(Error::Refused(format!(
                    "schema migration {} ({}) in this store differs from the one built into this binary; \
                     the store was created by a different build — restore a backup or re-import into a new --db",
                    m.version, m.name
                )));
            }
            None => {}
        }
        let ctx = format!("applying migration {} ({})", m.version, m.name);
        super::transaction(conn, &ctx, |c| {
            c.execute_batch(m.sql).map_err(Error::store(ctx.clone()))?;
            c.execute(include_str!("sql/schema_migrations_insert.sql"), params![m.version, m.name, sum])
                .map(|_| ())
                .map_err(Error::store(ctx.clone()))
        })?;
    }
    Ok(())
}
