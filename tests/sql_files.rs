//! SQL is the contract: every statement the atlas runs lives in a `.sql` file beside the module
//! that runs it. These tests keep it so — no SQL hides in a Rust string, every `.sql` file is
//! used, and every statement still prepares against a freshly migrated store, so a schema change
//! that breaks a query fails here, not in front of a user.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use commune_atlas::store::{Store, fill};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
    out.sort();
}

/// The string literals of Rust source (contents as written, escapes kept), outside comments,
/// with the line each starts on.
fn string_literals(code: &str) -> Vec<(usize, String)> {
    let c: Vec<char> = code.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    while i < c.len() {
        match c[i] {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
                i += 2;
            }
            '\'' => {
                // A char literal ('x', '\'', '"') or a lifetime ('a).
                if c.get(i + 1) == Some(&'\\') {
                    i += 2;
                    while i < c.len() && c[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if c.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            'r' if (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#')) && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_')) => {
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let start_line = line;
                let mut text = String::new();
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    line += usize::from(c[j] == '\n');
                    text.push(c[j]);
                    j += 1;
                }
                out.push((start_line, text));
                i = j;
            }
            '"' => {
                let start_line = line;
                let mut text = String::new();
                let mut j = i + 1;
                while j < c.len() && c[j] != '"' {
                    if c[j] == '\\' && j + 1 < c.len() {
                        text.push(c[j]);
                        j += 1;
                    }
                    line += usize::from(c[j] == '\n');
                    text.push(c[j]);
                    j += 1;
                }
                out.push((start_line, text));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// A literal that reads like an SQL statement: a statement keyword followed by more SQL.
fn looks_like_sql(text: &str) -> bool {
    let mut t = text.trim_start();
    while let Some(rest) = t.strip_prefix("\\n") {
        t = rest.trim_start();
    }
    ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "WITH", "COPY", "FROM"].iter().any(|k| {
        t.strip_prefix(k).is_some_and(|rest| rest.starts_with(|ch: char| ch.is_whitespace()) && rest.trim().len() > 1)
    })
}

#[test]
fn no_sql_statement_hides_in_a_rust_string_outside_tests() {
    let mut rs = Vec::new();
    files(&src(), "rs", &mut rs);
    let mut offenders = Vec::new();
    for f in &rs {
        let code = std::fs::read_to_string(f).expect("read");
        // Unit tests sit in a `#[cfg(test)]` module at the end of a file.
        let code = code.split("#[cfg(test)]").next().unwrap_or("");
        for (line, text) in string_literals(code) {
            if looks_like_sql(&text) {
                offenders.push(format!("{}:{line}: {}", f.strip_prefix(src()).unwrap_or(f).display(), text.chars().take(60).collect::<String>()));
            }
        }
    }
    assert!(offenders.is_empty(), "SQL in Rust strings (move each into a .sql file beside its module):\n{}", offenders.join("\n"));
    // The scanner itself finds what it must, and lets keywords and prose pass.
    let found = string_literals("let a = \"SELECT x FROM t\"; let b = r#\"WITH q AS (SELECT 1) SELECT * FROM q\"#; let c = '\"'; // \"SELECT 1 FROM c\"\n");
    assert_eq!(found.iter().filter(|(_, t)| looks_like_sql(t)).count(), 2, "{found:?}");
    assert!(!looks_like_sql("SELECT") && !looks_like_sql("from 2025 on") && !looks_like_sql("DELETE"));
}

/// `include_str!("…")` targets of a Rust file, resolved against its directory.
fn included(file: &Path, code: &str) -> Vec<PathBuf> {
    let dir = file.parent().expect("dir");
    code.match_indices("include_str!(\"")
        .filter_map(|(i, m)| {
            let rest = &code[i + m.len()..];
            rest.find('"').map(|end| dir.join(&rest[..end]))
        })
        .collect()
}

/// The `.sql` files holding statements (migrations are checked by applying them).
/// Every statement file the code runs (DuckDB's and, under `sqlite/`, SQLite's).
fn all_statement_files() -> Vec<PathBuf> {
    let mut all = Vec::new();
    files(&src(), "sql", &mut all);
    all.retain(|p| !p.starts_with(src().join("store/migrations")));
    all
}

/// Statements in SQLite's dialect (read from GeoPackages), kept in `sqlite/` directories.
fn is_sqlite(p: &Path) -> bool {
    p.components().any(|c| c.as_os_str() == "sqlite")
}

/// The statements run against the DuckDB store.
fn statement_files() -> Vec<PathBuf> {
    all_statement_files().into_iter().filter(|p| !is_sqlite(p)).collect()
}

#[test]
fn every_sql_file_is_used_by_the_code() {
    let mut rs = Vec::new();
    files(&src(), "rs", &mut rs);
    let mut used = std::collections::BTreeSet::new();
    for f in &rs {
        let code = std::fs::read_to_string(f).expect("read");
        for p in included(f, &code) {
            if let Ok(p) = p.canonicalize() {
                used.insert(p);
            }
        }
    }
    let unused: Vec<String> = all_statement_files()
        .into_iter()
        .filter(|p| !used.contains(&p.canonicalize().expect("canonical")))
        .map(|p| p.strip_prefix(src()).unwrap_or(&p).display().to_string())
        .collect();
    assert!(unused.is_empty(), "SQL files no code includes (remove them, or use them): {unused:?}");
}

/// A statement file's `-- example: a=…; b=…` values and `-- needs: x.sql, y.sql` prerequisites.
fn headers(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut example = Vec::new();
    let mut needs = Vec::new();
    for l in text.lines() {
        if let Some(e) = l.trim().strip_prefix("-- example:") {
            for pair in e.split(';') {
                if let Some((k, v)) = pair.split_once('=') {
                    example.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
        } else if let Some(n) = l.trim().strip_prefix("-- needs:") {
            needs.extend(n.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()));
        }
    }
    (example, needs)
}

/// The statement of a file, its template filled with its own example values.
fn statement(path: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("read sql");
    let (example, needs) = headers(&text);
    let values: Vec<(&str, &str)> = example.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    (fill(&text, &values), needs)
}

/// Placeholders `{name}` a filled template still has.
fn unfilled(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i + 1..];
        if let Some(end) = tail.find('}') {
            let name = &tail[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                out.push(name.to_string());
            }
        }
        rest = tail;
    }
    out
}

fn prepare_all(conn: &duckdb::Connection, path: &Path, done: &mut BTreeMap<PathBuf, ()>, run: bool) -> Result<(), String> {
    let (sql, needs) = statement(path);
    for n in needs {
        let p = src().join(&n);
        if !p.exists() {
            return Err(format!("needs {n}, which does not exist"));
        }
        if !done.contains_key(&p) {
            prepare_all(conn, &p, done, true).map_err(|e| format!("prerequisite {n}: {e}"))?;
            done.insert(p, ());
        }
    }
    let left = unfilled(&sql);
    if !left.is_empty() {
        return Err(format!("template placeholders without an `-- example:` value: {left:?}"));
    }
    if run {
        conn.execute_batch(&sql).map_err(|e| e.to_string())
    } else {
        conn.prepare(&sql).map(|_| ()).map_err(|e| e.to_string())
    }
}

#[test]
fn every_statement_prepares_against_a_freshly_migrated_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Named `atlas` so templates that name the store's own database have an example to use.
    let store = Store::open(dir.path().join("atlas.duckdb")).expect("fresh store");
    let files = statement_files();
    assert!(files.len() > 80, "expected the crate's statements, found {}", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let conn = store.connect().expect("connection");
        let mut done = BTreeMap::new();
        if let Err(e) = prepare_all(&conn, f, &mut done, false) {
            failures.push(format!("{}: {}", f.strip_prefix(src()).unwrap_or(f).display(), e.lines().next().unwrap_or("")));
        }
        // Databases a prerequisite attached belong to the whole store: detach them again.
        let mut stmt = conn.prepare("SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> 'atlas'").unwrap();
        let attached: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        for db in attached {
            conn.execute_batch(&format!("DETACH DATABASE \"{db}\"")).unwrap();
        }
    }
    assert!(failures.is_empty(), "{} of {} statements do not prepare:\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn every_sqlite_statement_prepares_against_a_geopackage() {
    // The core tables of OGC GeoPackage 1.3 (§1.1.2.1, §1.1.3.1, §2.1.5.1) and one layer.
    let db = rusqlite::Connection::open_in_memory().expect("sqlite");
    db.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT, last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
         CREATE TABLE communes (fid INTEGER PRIMARY KEY, geom BLOB, code TEXT);",
    )
    .expect("schema");
    let files: Vec<PathBuf> = all_statement_files().into_iter().filter(|p| is_sqlite(p)).collect();
    assert!(files.len() >= 3, "the GeoPackage statements: {files:?}");
    for f in files {
        let (sql, _) = statement(&f);
        assert!(unfilled(&sql).is_empty(), "{}: placeholders without an example", f.display());
        db.prepare(&sql).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}
