//! Safe SQL for analysts: a separate, read-only DuckDB database holding only curated relations,
//! opened with external access disabled and its configuration locked, queried with a statement
//! time limit (the query is interrupted), a memory limit and a row limit.
//!
//! The curated relations ([`RELATIONS`](super::RELATIONS)) are copied from the store into a file
//! of their own when the sandbox is built (on first use and after data changes). Nothing else
//! exists there: no raw tables, no files, no settings to change. A scoped user's sandbox holds
//! only the rows of their scope (cut by [`scope`](super::scope)), so no query can reach another
//! province's figures; key routes keep only their stretches inside the user's communes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use duckdb::types::Value;
use duckdb::{Config, Connection, ToSql};

use super::{RELATIONS, scope};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::store::tabular::{self, Table};
use crate::store::{Store, fill, quote_path};

/// Limits of one query.
#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    pub memory: String,
    pub rows: usize,
    pub threads: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(10), memory: "512MB".into(), rows: 10_000, threads: 1 }
    }
}

crate::vocabulary! {
    /// What kind of failure an analyst's statement met.
    pub enum Failure ("SQL failure kind") {
        /// It ran past the statement time limit and was interrupted.
        Timeout = "timeout",
        /// DuckDB could not parse it.
        Syntax = "syntax",
        /// It needed more memory than the sandbox allows.
        Memory = "memory",
        /// It tried something the sandbox does not allow (writing, files, settings).
        Forbidden = "forbidden",
        /// Anything else DuckDB refused (unknown table, wrong types …).
        Error = "error",
    }
}

/// A query failure for the client: DuckDB's message and, when it says so, the position.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SqlError {
    pub message: String,
    /// 1-based character offset in the query, when DuckDB reports one.
    pub position: Option<usize>,
    pub kind: Failure,
}

/// The sandbox database.
pub struct Sandbox {
    /// Where the sandbox file was built; on Linux it is unlinked once open, and lives only as
    /// long as [`Sandbox::file`].
    path: PathBuf,
    /// The open sandbox file, which DuckDB reads through `/proc/self/fd/N` (Linux).
    #[allow(dead_code)]
    file: Option<std::fs::File>,
    conn: Mutex<Connection>,
    pub limits: Limits,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(self.path.with_extension("duckdb.wal"));
    }
}

/// DuckDB settings that hold a file or directory name, set to neutral values before the
/// configuration is locked, so no answer of the sandbox (`current_setting(…)`,
/// `duckdb_settings()`) tells where the server keeps its files. With no temporary directory a
/// query that outgrows the memory limit fails with "Out of Memory" instead of spilling.
const NEUTRAL_SETTINGS: &[(&str, &str)] = &[("temp_directory", ""), ("home_directory", "/"), ("extension_directory", "/nonexistent"), ("secret_directory", "/nonexistent")];

/// The name DuckDB opens the built sandbox file by. On Linux the file is opened, unlinked, and
/// given to DuckDB as `/proc/self/fd/N`: with no name left to resolve, `duckdb_databases()` and
/// every message name no server directory, and the file disappears with the process. Elsewhere,
/// the file's own path.
fn open_name(path: &Path) -> Result<(PathBuf, Option<std::fs::File>)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path).map_err(Error::io(path))?;
        let name = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        if name.exists() {
            std::fs::remove_file(path).map_err(Error::io(path))?;
            return Ok((name, Some(file)));
        }
    }
    Ok((path.to_path_buf(), None))
}

impl Sandbox {
    /// Copy the curated relations of `store`, cut to `scope`, into a new file under `dir` and
    /// open it locked down. `routes_in_scope` is each key route's geometry inside the scope
    /// (route id, GeoJSON in EPSG:4326; see `tiles::layer::LineLayer::geojson_within`); it is
    /// used only when the scope is not everything.
    pub fn build(store: &Store, dir: &Path, limits: Limits, scope: &Scope, routes_in_scope: &[(i64, String)]) -> Result<Sandbox> {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let path = dir.join(format!(
            "sandbox-{}-{}.duckdb",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
        ));
        {
            let conn = store.connect()?;
            conn.execute_batch(&fill(include_str!("statements/attach_build.sql"), &[("path", &quote_path(&path))]))
                .map_err(Error::store("creating the SQL sandbox"))?;
            let copy = scope::install(&conn, scope, routes_in_scope).and_then(|()| {
                for r in RELATIONS {
                    let query = scope::cut(r, scope.is_all());
                    conn.execute_batch(&fill(include_str!("statements/copy_relation.sql"), &[("name", r.name), ("query", &query)]))
                        .map_err(Error::store(format!("copying {} into the SQL sandbox", r.name)))?;
                }
                Ok(())
            });
            let detach = conn.execute_batch(include_str!("statements/detach_build.sql"));
            copy?;
            detach.map_err(Error::store("closing the SQL sandbox file"))?;
        }
        // Path settings first: once external access is off they can no longer be changed.
        let mut config = Config::default();
        for (name, value) in NEUTRAL_SETTINGS {
            config = config.with(name, value).map_err(Error::store("configuring the SQL sandbox"))?;
        }
        let config = config
            .access_mode(duckdb::AccessMode::ReadOnly)
            .and_then(|c| c.enable_autoload_extension(false))
            .and_then(|c| c.with("autoinstall_known_extensions", "false"))
            .and_then(|c| c.max_memory(&limits.memory))
            .and_then(|c| c.threads(limits.threads))
            .and_then(|c| c.enable_external_access(false))
            .and_then(|c| c.with("lock_configuration", "true"))
            .map_err(Error::store("configuring the SQL sandbox"))?;
        let (name, file) = open_name(&path)?;
        let conn = Connection::open_with_flags(&name, config).map_err(Error::store("opening the SQL sandbox"))?;
        Ok(Sandbox { path, file, conn: Mutex::new(conn), limits })
    }

    /// A connection for one query, with its interrupt handle.
    pub fn connect(&self) -> Result<(Connection, std::sync::Arc<duckdb::InterruptHandle>)> {
        let c = self.conn.lock().unwrap_or_else(|p| p.into_inner()).try_clone().map_err(Error::store("sandbox connection"))?;
        let h = c.interrupt_handle();
        Ok((c, h))
    }

    /// The sandbox's relations and their columns (for the schema browser).
    pub fn schema(&self) -> Result<Table> {
        let (c, _) = self.connect()?;
        tabular::run(&c, include_str!("statements/schema.sql"), 100_000)
    }
}

/// Classify a DuckDB error message for the client and find the position it points at.
pub fn sql_error(e: &Error) -> SqlError {
    let message = match e {
        Error::Store { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    let kind = classify(&message);
    // DuckDB marks positions as "LINE 1: …" followed by a caret line; count the caret's offset.
    let position = message.lines().zip(message.lines().skip(1)).find_map(|(line, caret)| {
        let prefix = line.find(": ")?;
        line.starts_with("LINE ").then(|| caret.find('^').map(|c| c.saturating_sub(prefix + 2) + 1)).flatten()
    });
    SqlError { message, position, kind }
}

/// What kind of failure a DuckDB message reports, from the error type it starts with
/// ("Out of Memory Error: …", "Permission Error: …"). Only the type is trusted: the text after it
/// quotes the user's SQL and DuckDB's hints ("… block of size …", "Disabling …"), which must not
/// decide the kind.
fn classify(message: &str) -> Failure {
    let first = message.lines().next().unwrap_or("");
    match first.split_once(" Error: ").map_or("", |(kind, _)| kind.trim()) {
        "INTERRUPT" => Failure::Timeout,
        "Parser" => Failure::Syntax,
        "Out of Memory" => Failure::Memory,
        "Permission" => Failure::Forbidden,
        "Invalid Input" if first.contains("read-only mode") || first.contains("configuration has been locked") => Failure::Forbidden,
        _ => Failure::Error,
    }
}

/// The first keyword of a statement, after leading comments.
fn first_keyword(sql: &str) -> String {
    let mut s = sql.trim_start();
    loop {
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |x| x.1).trim_start();
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |x| x.1).trim_start();
        } else {
            break;
        }
    }
    s.chars().take_while(|c| c.is_ascii_alphabetic() || *c == '(').collect::<String>().to_ascii_uppercase()
}

/// Statements an analyst may run: reading ones. (The sandbox is read-only with its
/// configuration locked anyway; this refuses the rest with a clearer message.)
const READING: &[&str] = &["SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "SHOW", "EXPLAIN", "SUMMARIZE", "PIVOT", "UNPIVOT", "("];

/// Run one statement on a sandbox connection with named parameters (`$name` in the SQL).
pub fn run(conn: &Connection, sql: &str, params: &[(String, Value)], rows: usize) -> Result<Table> {
    let trimmed = sql.trim().trim_end_matches(';');
    if trimmed.is_empty() {
        return Err(Error::InvalidArgument("empty query".into()));
    }
    let kw = first_keyword(trimmed);
    if !READING.iter().any(|k| kw == *k || (k == &"(" && kw.starts_with('('))) {
        return Err(Error::Forbidden(format!(
            "only reading statements (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, EXPLAIN, SUMMARIZE, PIVOT) run in the SQL sandbox; '{}' is not one",
            kw.trim_start_matches('(')
        )));
    }
    let refs: Vec<(&str, &dyn ToSql)> = params.iter().map(|(k, v)| (k.as_str(), v as &dyn ToSql)).collect();
    tabular::run_params(conn, trimmed, refs.as_slice(), rows)
}

#[cfg(test)]
mod tests {
    use super::{Failure, classify};

    #[test]
    fn failures_are_told_apart_by_duckdbs_error_type_not_by_words_in_its_hints() {
        // Messages as DuckDB 1.x prints them.
        let oom = "Out of Memory Error: could not allocate block of size 256.0 KiB (513.0 MiB/488.2 MiB used)\n\n\
                   Possible solutions:\n* Reducing the number of threads (SET threads=X)\n\
                   * Disabling insertion-order preservation (SET preserve_insertion_order=false)";
        assert_eq!(classify(oom), Failure::Memory);
        assert_eq!(classify("INTERRUPT Error: Interrupted!"), Failure::Timeout);
        assert_eq!(classify("Parser Error: syntax error at or near \"SELEC\""), Failure::Syntax);
        assert_eq!(
            classify("Permission Error: Cannot access file \"/etc/passwd\" - file system operations are disabled by configuration"),
            Failure::Forbidden
        );
        assert_eq!(
            classify("Invalid Input Error: Cannot execute statement of type \"EXECUTE\" on database \"sb\" which is attached in read-only mode!"),
            Failure::Forbidden
        );
        assert_eq!(classify("Invalid Input Error: Cannot change configuration option \"threads\" - the configuration has been locked"), Failure::Forbidden);
        // A user's identifier that looks like a keyword does not change the kind.
        assert_eq!(classify("Catalog Error: Table with name block_locked_disabled does not exist!"), Failure::Error);
        assert_eq!(classify("Binder Error: Referenced column \"x\" not found"), Failure::Error);
    }
}
