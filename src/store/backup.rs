//! Consistent copies of the store and putting one back.
//!
//! A backup is an ordinary DuckDB file made with `COPY FROM DATABASE` inside one transaction, so
//! it is a snapshot even while the server keeps writing: every table, view, sequence (with its
//! current value) as of one moment. A restore checks the copy opens and carries the schema, then
//! swaps it in with a rename, so the store is either the old one or the restored one.

use std::path::{Path, PathBuf};

use super::{Store, fill, quote_ident, quote_path};
use crate::error::{Error, Result};

/// What a backup wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub seconds: f64,
}

fn partial(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(".partial");
    PathBuf::from(s)
}

/// Copy the whole store to `out` (which must not exist) as of one moment.
pub fn backup(store: &Store, out: &Path) -> Result<BackupReport> {
    let started = std::time::Instant::now();
    if out.exists() {
        return Err(Error::Refused(format!("{} exists; choose a new file name for the backup", out.display())));
    }
    let tmp = partial(out);
    let _ = std::fs::remove_file(&tmp);
    let conn = store.connect()?;
    let name: String =
        conn.query_row(include_str!("sql/current_database.sql"), [], |r| r.get(0)).map_err(Error::store("naming the database"))?;
    let copy = conn
        .execute_batch(&fill(include_str!("sql/backup_attach.sql"), &[("path", &quote_path(&tmp))]))
        .and_then(|_| conn.execute_batch(&fill(include_str!("sql/backup_copy.sql"), &[("database", &quote_ident(&name))])));
    let detach = conn.execute_batch(include_str!("sql/backup_detach.sql"));
    if let Err(e) = copy.map_err(Error::store(format!("copying the store to {}", out.display()))).and(
        detach.map_err(Error::store("closing the backup file")),
    ) {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(tmp.with_extension("partial.wal"));
        return Err(e);
    }
    std::fs::rename(&tmp, out).map_err(Error::io(out))?;
    let bytes = std::fs::metadata(out).map_err(Error::io(out))?.len();
    Ok(BackupReport { path: out.to_path_buf(), bytes, seconds: started.elapsed().as_secs_f64() })
}

/// Replace the store at `db` with the backup `from`. Refuses while another process (a running
/// server) holds `db`.
pub fn restore(from: &Path, db: &Path) -> Result<()> {
    if !from.exists() {
        return Err(Error::NotFound(format!("no backup at {}", from.display())));
    }
    if db.exists() {
        // Opening takes DuckDB's lock: it fails while a server has the store open.
        drop(Store::open(db)?);
    }
    let tmp = partial(db);
    let _ = std::fs::remove_file(&tmp);
    std::fs::copy(from, &tmp).map_err(Error::io(&tmp))?;
    let checked = (|| {
        let store = Store::open(&tmp)?; // brings an older backup's schema up to date
        let conn = store.connect()?;
        // Reading the boundary versions proves the copy carries the atlas schema.
        let n = super::queries::boundary_versions(&conn)
            .map_err(|e| Error::Refused(format!("{} is not a commune-atlas backup ({e})", from.display())))?
            .len();
        store.checkpoint()?;
        Ok::<_, Error>(n)
    })();
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    std::fs::rename(&tmp, db).map_err(Error::io(db))?;
    Ok(())
}
