//! Writing validated rows: staged in a temporary table, checked against existing keys, then
//! moved into the target table with one `INSERT … SELECT` inside the import transaction.

use duckdb::types::Value;
use duckdb::{Connection, ToSql};

use super::progress::Progress;
use crate::error::{Error, Result};
use crate::store::fill;

/// Rows for one table: the columns they fill and the columns that identify a row.
pub struct Batch<'a> {
    pub table: &'a str,
    pub columns: Vec<&'a str>,
    pub key: &'a [&'a str],
    /// (source line, one value per column)
    pub rows: Vec<(u64, Vec<Value>)>,
}

/// What [`write`] did.
pub struct Outcome {
    pub rows: u64,
    pub replaced: u64,
}

/// Stage `batch`, refuse (or with `replace`, delete) rows whose keys already exist, then insert.
/// `file` names the input in the refusal message.
pub fn write(conn: &Connection, batch: Batch<'_>, replace: bool, file: &str, progress: bool) -> Result<Outcome> {
    let ctx = format!("writing {}", batch.table);
    let cols = batch.columns.join(", ");
    let (table, columns) = (("table", batch.table), ("columns", cols.as_str()));
    conn.execute_batch(&fill(include_str!("sql/stage_create.sql"), &[table, columns]))
        .and_then(|()| conn.execute_batch(include_str!("sql/stage_add_line.sql")))
        .map_err(Error::store(ctx.clone()))?;
    {
        let mut app = conn.appender_to_catalog_and_db("incoming", "temp", "main").map_err(Error::store(ctx.clone()))?;
        let mut bar = Progress::new(progress, batch.rows.len() as u64, "staging");
        for (line, values) in &batch.rows {
            let mut params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
            let line = *line as i64;
            params.push(&line);
            app.append_row(params.as_slice()).map_err(Error::store(ctx.clone()))?;
            bar.inc(1);
        }
        app.flush().map_err(Error::store(ctx.clone()))?;
        bar.finish();
    }
    let on: Vec<String> = batch.key.iter().map(|k| format!("t.{k} = i.{k}")).collect();
    let on = on.join(" AND ");
    let on = ("on", on.as_str());
    let (clashes, first_line): (i64, Option<i64>) = conn
        .query_row(&fill(include_str!("sql/stage_clashes.sql"), &[table, on]), [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(Error::store(ctx.clone()))?;
    if clashes > 0 && !replace {
        let _ = conn.execute_batch(include_str!("sql/stage_drop.sql"));
        return Err(Error::Refused(format!(
            "{file}: {clashes} row(s) already exist in {} (first: line {}); nothing was imported. \
             Re-run with --replace to replace exactly those rows.",
            batch.table,
            first_line.unwrap_or(0)
        )));
    }
    if clashes > 0 {
        conn.execute_batch(&fill(include_str!("sql/stage_replace.sql"), &[table, on])).map_err(Error::store(ctx.clone()))?;
    }
    conn.execute_batch(&fill(include_str!("sql/stage_insert.sql"), &[table, columns]))
        .and_then(|()| conn.execute_batch(include_str!("sql/stage_drop.sql")))
        .map_err(Error::store(ctx))?;
    Ok(Outcome { rows: batch.rows.len() as u64, replaced: clashes as u64 })
}
