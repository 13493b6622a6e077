//! Safe SQL for analysts: a separate, read-only DuckDB database holding only curated relations,
//! opened with external access disabled and its configuration locked, queried with a statement
//! time limit (the query is interrupted), a memory limit and a row limit.
//!
//! The curated relations are copied from the store into a file of their own when the sandbox is
//! built (at start-up and after data changes): `unit` (no geometry), `unit_geometry` (GeoJSON, when
//! asked for), `indicator`, `classification`, `conversion`, `province_progress`, `crosswalk`,
//! `recognition_event`, `quota_assignment`, `province_quota`, `target_path`, `plan`,
//! `plan_commune`, `boundary_version`, `key_route`. Nothing else exists there: no raw tables, no
//! files, no settings to change. A scoped user's sandbox holds only the rows of their scope
//! (see [`ScopeBy`]), so no query can reach another province's figures; key routes keep only
//! their stretches inside the user's communes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use duckdb::types::Value;
use duckdb::{Config, Connection, ToSql};

use crate::access::Scope;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::tabular::{self, Table};

/// How a relation's rows are cut to a user's scope.
#[derive(Debug, Clone, Copy)]
pub enum ScopeBy {
    /// Not commune data (boundary versions): copied whole.
    Nothing,
    /// Key routes: the routes with a stretch in scope, their geometry cut to those stretches
    /// (given to [`Sandbox::build`] as `routes_in_scope`).
    Route,
    /// Rows whose `unit_id` is in scope.
    Unit,
    /// Rows whose `province_code` is in scope.
    Province,
    /// Crosswalk rows whose new unit (version, code) is in scope.
    NewUnit,
}

/// Relations copied into the sandbox: (name, query on the store, how scope cuts it).
pub const RELATIONS: &[(&str, &str, ScopeBy)] = &[
    ("boundary_version", "SELECT id, name, valid_from, valid_to, code_system, source FROM boundary_version", ScopeBy::Nothing),
    ("unit", "SELECT * FROM unit", ScopeBy::Unit),
    ("unit_geometry", "SELECT unit_id, code, geometry FROM admin_unit", ScopeBy::Unit),
    ("indicator", "SELECT * FROM indicator_v", ScopeBy::Unit),
    ("classification", "SELECT * FROM classification_v", ScopeBy::Unit),
    (
        "conversion",
        "SELECT u.boundary_version, u.code AS unit_code, u.name AS unit_name, u.province_code, u.province_name, c.*
         FROM conversion c JOIN unit u USING (unit_id)",
        ScopeBy::Unit,
    ),
    ("province_progress", "SELECT * FROM province_progress", ScopeBy::Province),
    ("crosswalk", "SELECT * FROM crosswalk_v", ScopeBy::NewUnit),
    ("recognition_event", "SELECT * FROM recognition_event_v", ScopeBy::Unit),
    (
        "quota_assignment",
        "SELECT u.code AS unit_code, u.name AS unit_name, u.province_code, q.* FROM quota_assignment q JOIN unit u USING (unit_id)",
        ScopeBy::Unit,
    ),
    ("province_quota", "SELECT * FROM province_quota", ScopeBy::Province),
    ("target_path", "SELECT * FROM target_path", ScopeBy::Province),
    (
        "plan",
        "SELECT plan_id, name, province_code, target_year, quota, status, version, created_by, created_at, updated_by, updated_at FROM plan",
        ScopeBy::Province,
    ),
    ("plan_commune", "SELECT * FROM plan_commune_v", ScopeBy::Province),
    ("key_route", "SELECT route_id, name, route_scope, geometry FROM key_route", ScopeBy::Route),
];

impl ScopeBy {
    /// The relation cut to scope, given the temporary tables `scope_unit`, `scope_province` and
    /// `scope_route` of the building connection.
    fn scoped(self, query: &str) -> String {
        let rows_where = |predicate: &str| format!("SELECT * FROM ({query}) x WHERE {predicate}");
        match self {
            ScopeBy::Nothing => format!("SELECT * FROM ({query}) x"),
            ScopeBy::Route => format!("SELECT x.* REPLACE (s.geometry AS geometry) FROM ({query}) x JOIN scope_route s USING (route_id)"),
            ScopeBy::Unit => rows_where("x.unit_id IN (SELECT unit_id FROM scope_unit)"),
            ScopeBy::Province => rows_where("x.province_code IN (SELECT code FROM scope_province)"),
            ScopeBy::NewUnit => {
                rows_where("EXISTS (SELECT 1 FROM scope_unit s JOIN unit u USING (unit_id) WHERE u.boundary_version = x.new_version AND u.code = x.new_code)")
            }
        }
    }
}

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

/// A query failure for the client: DuckDB's message and, when it says so, the position.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SqlError {
    pub message: String,
    /// 1-based character offset in the query, when DuckDB reports one.
    pub position: Option<usize>,
    pub kind: &'static str,
}

/// The sandbox database.
pub struct Sandbox {
    path: PathBuf,
    conn: Mutex<Connection>,
    pub limits: Limits,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(self.path.with_extension("duckdb.wal"));
    }
}

fn quote_path(p: &Path) -> String {
    p.display().to_string().replace('\'', "''")
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
            conn.execute_batch(&format!("ATTACH '{}' AS sandbox_build", quote_path(&path)))
                .map_err(Error::store("creating the SQL sandbox"))?;
            let copy = (|| {
                if let Some(codes) = scope.codes() {
                    conn.execute_batch(
                        "CREATE OR REPLACE TEMP TABLE scope_unit (unit_id BIGINT);
                         CREATE OR REPLACE TEMP TABLE scope_province (code VARCHAR);",
                    )?;
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
                    conn.execute_batch("CREATE OR REPLACE TEMP TABLE scope_route (route_id BIGINT, geometry VARCHAR);")?;
                    let mut routes = conn.appender("scope_route")?;
                    for (id, geometry) in routes_in_scope {
                        routes.append_row(duckdb::params![id, geometry])?;
                    }
                    routes.flush()?;
                }
                for (name, query, by) in RELATIONS {
                    let relation = if scope.is_all() { ScopeBy::Nothing } else { *by }.scoped(query);
                    conn.execute_batch(&format!("CREATE TABLE sandbox_build.main.{name} AS {relation}"))?;
                }
                Ok::<_, duckdb::Error>(())
            })();
            let detach = conn.execute_batch("DETACH sandbox_build");
            copy.map_err(Error::store("copying relations into the SQL sandbox"))?;
            detach.map_err(Error::store("closing the SQL sandbox file"))?;
        }
        let config = Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .and_then(|c| c.enable_autoload_extension(false))
            .and_then(|c| c.with("autoinstall_known_extensions", "false"))
            .and_then(|c| c.max_memory(&limits.memory))
            .and_then(|c| c.threads(limits.threads))
            .and_then(|c| c.enable_external_access(false))
            .and_then(|c| c.with("lock_configuration", "true"))
            .map_err(Error::store("configuring the SQL sandbox"))?;
        let conn = Connection::open_with_flags(&path, config).map_err(Error::store("opening the SQL sandbox"))?;
        Ok(Sandbox { path, conn: Mutex::new(conn), limits })
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
        tabular::run(
            &c,
            "SELECT table_name, column_name, data_type FROM information_schema.columns ORDER BY table_name, ordinal_position",
            100_000,
        )
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
fn classify(message: &str) -> &'static str {
    let first = message.lines().next().unwrap_or("");
    match first.split_once(" Error: ").map_or("", |(kind, _)| kind.trim()) {
        "INTERRUPT" => "timeout",
        "Parser" => "syntax",
        "Out of Memory" => "memory",
        "Permission" => "forbidden",
        "Invalid Input" if first.contains("read-only mode") || first.contains("configuration has been locked") => "forbidden",
        _ => "error",
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

/// A result as a Parquet file (written by a throw-away in-memory DuckDB).
pub fn to_parquet(t: &Table) -> Result<Vec<u8>> {
    let conn = Connection::open_in_memory().map_err(Error::store("parquet writer"))?;
    let ctx = "writing Parquet";
    let cols: Vec<String> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let ty = match c.data_type.as_str() {
                "BOOLEAN" | "TINYINT" | "SMALLINT" | "INTEGER" | "BIGINT" | "UTINYINT" | "USMALLINT" | "UINTEGER" => "BIGINT",
                "FLOAT" | "DOUBLE" | "DECIMAL" | "HUGEINT" | "UBIGINT" => "DOUBLE",
                "DATE" => "DATE",
                "TIMESTAMP" => "TIMESTAMP",
                _ => "VARCHAR",
            };
            let ty = if c.data_type == "BOOLEAN" { "BOOLEAN" } else { ty };
            format!("c{i} {ty}")
        })
        .collect();
    conn.execute_batch(&format!("CREATE TABLE r ({})", cols.join(", "))).map_err(Error::store(ctx))?;
    {
        let mut app = conn.appender("r").map_err(Error::store(ctx))?;
        for row in &t.rows {
            let vals: Vec<Value> = row
                .iter()
                .zip(&t.columns)
                .map(|(v, c)| match (v, c.data_type.as_str()) {
                    (serde_json::Value::Null, _) => Value::Null,
                    (serde_json::Value::Bool(b), _) => Value::Boolean(*b),
                    (serde_json::Value::Number(n), _) => n.as_i64().map(Value::BigInt).unwrap_or_else(|| Value::Double(n.as_f64().unwrap_or(0.0))),
                    (serde_json::Value::String(s), _) => Value::Text(s.clone()),
                    (other, _) => Value::Text(other.to_string()),
                })
                .collect();
            let refs: Vec<&dyn ToSql> = vals.iter().map(|v| v as &dyn ToSql).collect();
            app.append_row(refs.as_slice()).map_err(Error::store(ctx))?;
        }
        app.flush().map_err(Error::store(ctx))?;
    }
    let renames: Vec<String> =
        t.columns.iter().enumerate().map(|(i, c)| format!("c{i} AS \"{}\"", c.name.replace('"', "\"\""))).collect();
    let tmp = tempfile_path("export", "parquet");
    conn.execute_batch(&format!("COPY (SELECT {} FROM r) TO '{}' (FORMAT parquet)", renames.join(", "), quote_path(&tmp)))
        .map_err(Error::store(ctx))?;
    let bytes = std::fs::read(&tmp).map_err(Error::io(&tmp))?;
    let _ = std::fs::remove_file(&tmp);
    Ok(bytes)
}

fn tempfile_path(stem: &str, ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "commune-atlas-{stem}-{}-{}.{ext}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
    ))
}

/// A result as GeoJSON: rows with a `unit_id`, or a `unit_code` (with `boundary_version` when
/// present, else the newest version holding the code), get their unit's geometry.
/// Only units `keep` accepts (the user's scope) get a geometry; others get `null`.
pub fn to_geojson(store: &Store, t: &Table, keep: &dyn Fn(i64) -> bool) -> Result<String> {
    let idx = |n: &str| t.columns.iter().position(|c| c.name == n);
    let (id_col, code_col, version_col) = (idx("unit_id"), idx("unit_code").or(idx("code")), idx("boundary_version"));
    if id_col.is_none() && code_col.is_none() {
        return Err(Error::InvalidArgument("GeoJSON needs a unit_id or unit_code column in the result".into()));
    }
    let conn = store.connect()?;
    let mut stmt_id = conn.prepare("SELECT geometry FROM admin_unit WHERE unit_id = ?").map_err(Error::store("geometry"))?;
    let mut stmt_code = conn
        .prepare(
            "SELECT a.unit_id, a.geometry FROM admin_unit a JOIN boundary_version v ON v.id = a.boundary_version_id
             WHERE a.code = ? AND (? IS NULL OR v.name = ?) ORDER BY v.valid_from DESC LIMIT 1",
        )
        .map_err(Error::store("geometry"))?;
    let mut out = String::from(r#"{"type":"FeatureCollection","features":["#);
    let mut first = true;
    for row in &t.rows {
        let geom: Option<String> = if let Some(i) = id_col.and_then(|i| row[i].as_i64()) {
            if keep(i) { stmt_id.query_row([i], |r| r.get(0)).ok() } else { None }
        } else if let Some(code) = code_col.map(|i| tabular::cell_text(&row[i])) {
            let v = version_col.map(|i| tabular::cell_text(&row[i]));
            stmt_code
                .query_row(duckdb::params![code, v, v], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .ok()
                .filter(|(id, _)| keep(*id))
                .map(|(_, g)| g)
        } else {
            None
        };
        let props: serde_json::Map<String, serde_json::Value> =
            t.columns.iter().zip(row).map(|(c, v)| (c.name.clone(), v.clone())).collect();
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(r#"{"type":"Feature","properties":"#);
        out.push_str(&serde_json::Value::Object(props).to_string());
        out.push_str(r#","geometry":"#);
        out.push_str(geom.as_deref().unwrap_or("null"));
        out.push('}');
    }
    out.push_str("]}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn failures_are_told_apart_by_duckdbs_error_type_not_by_words_in_its_hints() {
        // Messages as DuckDB 1.x prints them.
        let oom = "Out of Memory Error: could not allocate block of size 256.0 KiB (513.0 MiB/488.2 MiB used)\n\n\
                   Possible solutions:\n* Reducing the number of threads (SET threads=X)\n\
                   * Disabling insertion-order preservation (SET preserve_insertion_order=false)";
        assert_eq!(classify(oom), "memory");
        assert_eq!(classify("INTERRUPT Error: Interrupted!"), "timeout");
        assert_eq!(classify("Parser Error: syntax error at or near \"SELEC\""), "syntax");
        assert_eq!(
            classify("Permission Error: Cannot access file \"/etc/passwd\" - file system operations are disabled by configuration"),
            "forbidden"
        );
        assert_eq!(
            classify("Invalid Input Error: Cannot execute statement of type \"EXECUTE\" on database \"sb\" which is attached in read-only mode!"),
            "forbidden"
        );
        assert_eq!(classify("Invalid Input Error: Cannot change configuration option \"threads\" - the configuration has been locked"), "forbidden");
        // A user's identifier that looks like a keyword does not change the kind.
        assert_eq!(classify("Catalog Error: Table with name block_locked_disabled does not exist!"), "error");
        assert_eq!(classify("Binder Error: Referenced column \"x\" not found"), "error");
    }
}
