//! The DuckDB store: opening the database file, applying migrations, transactions, SQL templates,
//! the unit directory and the typed queries the rest of the crate uses. Nothing outside this
//! module opens the store (the SQL sandbox and the query-result writer in `crate::sql` open
//! throw-away databases of their own).
//!
//! The schema lives in numbered SQL files under `src/store/migrations/`; each is applied once,
//! inside a transaction, and recorded in `schema_migrations` with its checksum, so a store created
//! by an older binary is brought up to date on open and a store edited by hand is noticed. The
//! store's own queries are in `src/store/sql/`.

pub mod backup;
mod migrations;
pub mod queries;
pub mod tabular;
pub mod units;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use duckdb::{Config, Connection};

use crate::error::{Error, Result};

pub use migrations::MIGRATIONS;
pub use queries::{BoundaryVersion, StoreSummary, UnitFilter, VersionUnits};
pub use tabular::Table;
pub use units::{Directory, Entry};

/// `atlas_meta.dataset` of a store built from the embedded demo.
pub const DEMO_DATASET: &str = "synthetic-demo";

/// An open atlas database. Cheap to share behind an `Arc`; each unit of work takes its own
/// connection with [`Store::connect`].
pub struct Store {
    path: PathBuf,
    /// The connection every other one is cloned from (DuckDB connections are not `Sync`).
    primary: Mutex<Connection>,
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
        let config = Config::default()
            // Everything the atlas needs is compiled in; never try to fetch an extension.
            .enable_autoload_extension(false)
            // The atlas keeps what it serves in its own structures; DuckDB's page cache need not
            // grow past this (it spills to disk for larger queries).
            .and_then(|c| c.max_memory(&std::env::var("ATLAS_DUCKDB_MEMORY").unwrap_or_else(|_| "256MB".into())))
            .map_err(Error::store("configuring DuckDB"))?;
        let primary = Connection::open_with_flags(&path, config).map_err(|source| {
            let hint = if source.to_string().contains("lock") {
                " (another commune-atlas process, probably `serve`, has it open; stop it or use another --db)"
            } else {
                ""
            };
            Error::Store { context: format!("opening {}{hint}", path.display()), source }
        })?;
        migrations::apply(&primary)?;
        Ok(Store { path, primary: Mutex::new(primary) })
    }

    /// Cap DuckDB's memory (buffer pool and operators; larger queries spill to disk).
    pub fn set_memory_limit_mb(&self, mb: usize) -> Result<()> {
        self.lock().execute_batch(&format!("SET memory_limit = '{}MB'", mb.max(64))).map_err(Error::store("setting DuckDB's memory limit"))
    }

    /// Where the database file lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new connection to the same database, for one unit of work (a request, an import).
    pub fn connect(&self) -> Result<Connection> {
        self.lock().try_clone().map_err(Error::store("opening a connection"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.primary.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A value from `atlas_meta`.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let conn = self.connect()?;
        let mut stmt = conn.prepare(include_str!("sql/meta_get.sql")).map_err(Error::store("reading atlas_meta"))?;
        let mut rows = stmt.query([key]).map_err(Error::store("reading atlas_meta"))?;
        match rows.next().map_err(Error::store("reading atlas_meta"))? {
            Some(r) => Ok(Some(r.get(0).map_err(Error::store("reading atlas_meta"))?)),
            None => Ok(None),
        }
    }

    /// Set a value in `atlas_meta`.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        set_meta(&self.lock(), key, value)
    }

    /// True when the store holds the synthetic demo dataset.
    pub fn is_demo(&self) -> Result<bool> {
        Ok(self.meta("dataset")?.as_deref() == Some(DEMO_DATASET))
    }

    /// Flush the write-ahead log into the database file.
    pub fn checkpoint(&self) -> Result<()> {
        self.lock().execute_batch(include_str!("sql/checkpoint.sql")).map_err(Error::store("checkpointing"))
    }
}

/// Set a value in `atlas_meta` on `conn` (inside the caller's transaction, when it has one).
pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(include_str!("sql/meta_set.sql"), [key, value]).map(|_| ()).map_err(Error::store("writing atlas_meta"))
}

/// Remove a value from `atlas_meta` on `conn`.
pub fn delete_meta(conn: &Connection, key: &str) -> Result<()> {
    conn.execute(include_str!("sql/meta_delete.sql"), [key]).map(|_| ()).map_err(Error::store("writing atlas_meta"))
}

/// Run `work` in one transaction on `conn`: committed when it returns `Ok`, rolled back when it
/// fails (and then nothing it did remains). `what` names the work in error messages. A commit
/// that loses a write-write race with another connection is [`Error::Conflict`]: nothing was
/// changed and the caller may reload and retry.
pub fn transaction<T>(conn: &Connection, what: &str, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.execute_batch("BEGIN TRANSACTION").map_err(|e| conflict_or_store(what, e))?;
    match work(conn) {
        Ok(v) => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(conflict_or_store(what, e))
            }
        },
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// A DuckDB failure as the crate's error: a transaction conflict (DuckDB's error type
/// `TransactionContext` reporting a conflict) is [`Error::Conflict`], anything else a store error.
pub fn conflict_or_store(what: &str, e: duckdb::Error) -> Error {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("");
    if first.starts_with("TransactionContext Error") && first.contains("onflict") {
        Error::Conflict(format!("another change was committed at the same time ({what}); nothing was changed: reload and retry"))
    } else {
        Error::Store { context: what.to_string(), source: e }
    }
}

/// A `.sql` template with its `{name}` placeholders filled. Values are SQL the crate makes itself
/// — identifiers of its own tables, literals quoted with [`quote`] — never text a user typed.
/// The template's comment lines (its description, `-- example:` and `-- needs:` headers) are
/// dropped first, so a placeholder named in a comment is never filled into one.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// `text` as an SQL string literal: `it's` → `'it''s'`.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `name` as an SQL identifier: `a"b` → `"a""b"`.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A file path as an SQL string literal.
pub fn quote_path(path: &Path) -> String {
    quote(&path.display().to_string())
}
