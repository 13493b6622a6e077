//! The audit log: logins, user changes and SQL statements go to `audit_event`; imports and plan
//! changes are in `import_log` and `plan_audit`, written in the same transaction as the change.
//! The view `audit_log` (migration 6) shows all of them as one timeline, for admins.

use duckdb::{Connection, params};

use crate::error::{Error, Result};
use crate::store::Store;

/// One event.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub duration_ms: Option<f64>,
    pub rows: Option<i64>,
}

impl Event {
    pub fn new(actor: &str, action: &str) -> Event {
        Event { actor: actor.into(), action: action.into(), outcome: "ok".into(), ..Event::default() }
    }
    pub fn target(mut self, t: impl Into<String>) -> Event {
        self.target = Some(t.into());
        self
    }
    pub fn outcome(mut self, o: &str) -> Event {
        self.outcome = o.into();
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Event {
        self.detail = Some(d.into());
        self
    }
    pub fn timing(mut self, duration_ms: f64, rows: Option<i64>) -> Event {
        self.duration_ms = Some(duration_ms);
        self.rows = rows;
        self
    }
}

/// Record an event on a connection (inside the caller's transaction, when it has one).
pub fn record_on(conn: &Connection, e: &Event) -> Result<()> {
    conn.execute(
        include_str!("sql/audit_insert.sql"),
        params![e.actor, e.action, e.target, e.outcome, e.detail, e.duration_ms, e.rows],
    )
    .map(|_| ())
    .map_err(Error::store("writing the audit log"))
}

/// Record an event on its own.
pub fn record(store: &Store, e: &Event) -> Result<()> {
    record_on(&store.connect()?, e)
}

/// The audit timeline, newest first, optionally for one action and/or one actor; at most `limit`
/// events.
pub fn log(store: &Store, action: Option<&str>, actor: Option<&str>, limit: usize) -> Result<crate::store::Table> {
    let conn = store.connect()?;
    crate::store::tabular::run_params(
        &conn,
        include_str!("sql/audit_log.sql"),
        &[("action", &action as &dyn duckdb::ToSql), ("actor", &actor as &dyn duckdb::ToSql)],
        limit,
    )
}
