//! Conversion plans: a province's named list of communes to convert in a target year, with notes,
//! a lifecycle (draft → submitted → approved → closed; submitted may go back to draft) and a full
//! audit trail (`plan_audit`: who, when, what, the plan before and after).
//!
//! Every write names the plan `version` it read; a stale version is refused with
//! [`Error::Conflict`] and changes nothing, so two leaders editing at once never lose a change
//! silently. Communes can be added or removed only while the plan is a draft.

use duckdb::{Connection, params};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::store::{Store, conflict_or_store, transaction};
use crate::rules::status::MapStatus;
use crate::vocab::PlanStatus;

/// A plan with its communes.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub plan_id: i64,
    pub name: String,
    pub province_code: String,
    pub target_year: i32,
    pub quota: Option<i32>,
    pub status: PlanStatus,
    pub version: i32,
    pub created_by: String,
    pub updated_by: String,
    pub communes: Vec<PlanCommune>,
}

/// A commune in a plan, with the outcome once the target year's recognitions are imported.
#[derive(Debug, Clone, Serialize)]
pub struct PlanCommune {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub note: Option<String>,
    pub added_by: String,
    /// Status in the target year (None before that year has data).
    pub status_in_target_year: Option<MapStatus>,
    /// Recognised drug-free in the target year.
    pub converted: bool,
}

/// Fields a client may change.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PlanEdit {
    pub name: Option<String>,
    pub quota: Option<i32>,
    pub status: Option<PlanStatus>,
}

fn ctx(what: &str) -> impl FnOnce(duckdb::Error) -> Error + '_ {
    move |e| conflict_or_store(what, e)
}

/// Read one plan (with communes) on `conn`.
fn read(conn: &Connection, id: i64) -> Result<Plan> {
    let mut p = conn
        .query_row(include_str!("sql/plan_get.sql"), [id], |r| {
                Ok(Plan {
                    plan_id: r.get(0)?,
                    name: r.get(1)?,
                    province_code: r.get(2)?,
                    target_year: r.get(3)?,
                    quota: r.get(4)?,
                    status: r.get(5)?,
                    version: r.get(6)?,
                    created_by: r.get(7)?,
                    updated_by: r.get(8)?,
                    communes: Vec::new(),
                })
            })
        .map_err(|e| match e {
            duckdb::Error::QueryReturnedNoRows => Error::NotFound(format!("no plan with id {id}")),
            other => Error::Store { context: "reading a plan".into(), source: other },
        })?;
    let mut stmt = conn.prepare(include_str!("sql/plan_communes.sql")).map_err(Error::store("reading plan communes"))?;
    p.communes = stmt
        .query_map([id], |r| {
            let status: Option<MapStatus> = r.get(5)?;
            Ok(PlanCommune {
                unit_id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                note: r.get(3)?,
                added_by: r.get(4)?,
                converted: status == Some(MapStatus::DrugFree),
                status_in_target_year: status,
            })
        })
        .map_err(Error::store("reading plan communes"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(Error::store("reading plan communes"))?;
    Ok(p)
}

/// One plan.
pub fn get(store: &Store, id: i64) -> Result<Plan> {
    read(&store.connect()?, id)
}

/// Plans of a province (or all), newest first.
pub fn list(store: &Store, province: Option<&str>) -> Result<Vec<Plan>> {
    let conn = store.connect()?;
    let mut stmt = conn
        .prepare(include_str!("sql/plan_ids.sql"))
        .map_err(Error::store("listing plans"))?;
    let ids: Vec<i64> = stmt
        .query_map(params![province], |r| r.get(0))
        .map_err(Error::store("listing plans"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(Error::store("listing plans"))?;
    ids.into_iter().map(|id| read(&conn, id)).collect()
}

/// Run `change` on plan `id` in one transaction: check the version, apply, bump the version,
/// record the audit row. Returns the plan after the change.
fn write(
    store: &Store,
    id: i64,
    expected: i32,
    actor: &str,
    action: &str,
    change: impl FnOnce(&Connection, &Plan) -> Result<()>,
) -> Result<Plan> {
    let conn = store.connect()?;
    transaction(&conn, "changing a plan", |conn| {
        let before = read(conn, id)?;
        if before.version != expected {
            return Err(Error::Conflict(format!(
                "plan {id} is at version {} (changed by {}), not {expected}; reload it, then apply your change again",
                before.version, before.updated_by
            )));
        }
        change(conn, &before)?;
        let n = conn
            .execute(include_str!("sql/plan_bump_version.sql"), params![actor, id, expected])
            .map_err(ctx("updating the plan version"))?;
        if n != 1 {
            return Err(Error::Conflict(format!("plan {id} changed meanwhile; reload it and retry")));
        }
        let after = read(conn, id)?;
        audit(conn, id, actor, action, Some(&before), &after)?;
        Ok(after)
    })
}

fn audit(conn: &Connection, id: i64, actor: &str, action: &str, before: Option<&Plan>, after: &Plan) -> Result<()> {
    let json = |p: &Plan| serde_json::to_string(p).map_err(|e| Error::Internal(format!("writing plan {id} as JSON: {e}")));
    let b = before.map(json).transpose()?;
    let a = json(after)?;
    conn.execute(include_str!("sql/plan_audit_insert.sql"), params![id, actor, action, b, a])
    .map(|_| ())
    .map_err(ctx("recording the plan audit"))
}

/// Longest plan name and commune note, in characters: a name fits the printed sheet's title line,
/// a note a few lines of its table (longer texts belong in the plan's own documents).
pub const MAX_NAME: usize = 120;
pub const MAX_NOTE: usize = 1000;

fn check_name(name: &str) -> Result<()> {
    let n = name.trim().chars().count();
    if n == 0 {
        return Err(Error::InvalidArgument("a plan needs a name".into()));
    }
    if n > MAX_NAME {
        return Err(Error::InvalidArgument(format!("a plan name has at most {MAX_NAME} characters, this one {n}; shorten it")));
    }
    Ok(())
}

fn check_note(note: Option<&str>) -> Result<()> {
    let n = note.map_or(0, |t| t.chars().count());
    if n > MAX_NOTE {
        return Err(Error::InvalidArgument(format!(
            "a commune's note has at most {MAX_NOTE} characters, this one {n}; keep the note short and put longer texts in the plan's documents"
        )));
    }
    Ok(())
}

/// Create a draft plan.
pub fn create(store: &Store, name: &str, province: &str, target_year: i32, quota: Option<i32>, actor: &str) -> Result<Plan> {
    check_name(name)?;
    if !(2000..=2035).contains(&target_year) {
        return Err(Error::InvalidArgument(format!("target_year must be 2000–2035, not {target_year}")));
    }
    if quota.is_some_and(|q| q < 0) {
        return Err(Error::InvalidArgument("quota cannot be negative".into()));
    }
    let conn = store.connect()?;
    let known: i64 = conn
        .query_row(include_str!("sql/province_unit_count.sql"), [province], |r| r.get(0))
        .map_err(Error::store("checking the province"))?;
    if known == 0 {
        return Err(Error::InvalidArgument(format!("unknown province code '{province}'")));
    }
    transaction(&conn, "creating a plan", |conn| {
        let id: i64 = conn
            .query_row(
                include_str!("sql/plan_insert.sql"),
                params![name.trim(), province, target_year, quota, actor, actor],
                |r| r.get(0),
            )
            .map_err(ctx("creating a plan"))?;
        let after = read(conn, id)?;
        audit(conn, id, actor, "create", None, &after)?;
        Ok(after)
    })
}

/// Change name, quota or status.
pub fn edit(store: &Store, id: i64, expected: i32, edit: &PlanEdit, actor: &str) -> Result<Plan> {
    let action = match &edit.status {
        Some(s) => format!("status:{s}"),
        None => "edit".to_string(),
    };
    write(store, id, expected, actor, &action, |conn, before| {
        if let Some(to) = edit.status
            && to != before.status
            && !before.status.may_become(to)
        {
            return Err(Error::InvalidArgument(format!(
                "a {} plan cannot become {to}; the lifecycle is draft → submitted → approved → closed (submitted may return to draft)",
                before.status
            )));
        }
        if let Some(q) = edit.quota
            && q < 0
        {
            return Err(Error::InvalidArgument("quota cannot be negative".into()));
        }
        if let Some(name) = &edit.name {
            check_name(name)?;
        }
        conn.execute(include_str!("sql/plan_update.sql"), params![edit.name.as_deref().map(str::trim), edit.quota, edit.status, id])
        .map(|_| ())
        .map_err(ctx("editing the plan"))
    })
}

fn must_be_draft(p: &Plan) -> Result<()> {
    if p.status != PlanStatus::Draft {
        return Err(Error::InvalidArgument(format!("plan {} is {}; only a draft's communes can change", p.plan_id, p.status)));
    }
    Ok(())
}

/// Add a commune (of the plan's province) with a note.
pub fn add_commune(store: &Store, id: i64, expected: i32, unit_id: i64, note: Option<&str>, actor: &str) -> Result<Plan> {
    check_note(note)?;
    write(store, id, expected, actor, &format!("add:{unit_id}"), |conn, before| {
        must_be_draft(before)?;
        let province: Option<String> = conn
            .query_row(include_str!("sql/commune_province.sql"), [unit_id], |r| r.get(0))
            .map_err(|_| Error::NotFound(format!("no commune with unit id {unit_id}")))?;
        if province.as_deref() != Some(before.province_code.as_str()) {
            return Err(Error::InvalidArgument(format!("commune {unit_id} is not in province {}", before.province_code)));
        }
        if before.communes.iter().any(|c| c.unit_id == unit_id) {
            return Err(Error::InvalidArgument(format!("commune {unit_id} is already in the plan")));
        }
        conn.execute(include_str!("sql/plan_commune_insert.sql"), params![id, unit_id, note, actor])
        .map(|_| ())
        .map_err(ctx("adding a commune to the plan"))
    })
}

/// Change a commune's note.
pub fn set_note(store: &Store, id: i64, expected: i32, unit_id: i64, note: Option<&str>, actor: &str) -> Result<Plan> {
    check_note(note)?;
    write(store, id, expected, actor, &format!("note:{unit_id}"), |conn, _| {
        let n = conn
            .execute(include_str!("sql/plan_commune_note.sql"), params![note, id, unit_id])
            .map_err(ctx("changing a note"))?;
        if n == 0 {
            return Err(Error::NotFound(format!("commune {unit_id} is not in plan {id}")));
        }
        Ok(())
    })
}

/// Remove a commune.
pub fn remove_commune(store: &Store, id: i64, expected: i32, unit_id: i64, actor: &str) -> Result<Plan> {
    write(store, id, expected, actor, &format!("remove:{unit_id}"), |conn, before| {
        must_be_draft(before)?;
        let n = conn
            .execute(include_str!("sql/plan_commune_delete.sql"), params![id, unit_id])
            .map_err(ctx("removing a commune"))?;
        if n == 0 {
            return Err(Error::NotFound(format!("commune {unit_id} is not in plan {id}")));
        }
        Ok(())
    })
}

/// The audit trail of a plan, oldest first.
pub fn history(store: &Store, id: i64) -> Result<Vec<Value>> {
    let conn = store.connect()?;
    let mut stmt = conn
        .prepare(include_str!("sql/plan_history.sql"))
        .map_err(Error::store("reading the plan history"))?;
    let rows = stmt
        .query_map([id], |r| {
            let before: Option<String> = r.get(4)?;
            let after: Option<String> = r.get(5)?;
            Ok(json!({
                "audit_id": r.get::<_, i64>(0)?, "at": r.get::<_, String>(1)?, "actor": r.get::<_, String>(2)?,
                "action": r.get::<_, String>(3)?,
                "before": before.and_then(|b| serde_json::from_str::<Value>(&b).ok()),
                "after": after.and_then(|a| serde_json::from_str::<Value>(&a).ok()),
            }))
        })
        .map_err(Error::store("reading the plan history"))?;
    rows.collect::<std::result::Result<_, _>>().map_err(Error::store("reading the plan history"))
}

use crate::text::spreadsheet_cell as cell;

/// The plan as CSV (for spreadsheets). Texts people typed (plan name, notes, user names) are
/// kept from running as formulas ([`crate::text::spreadsheet_cell`]).
pub fn to_csv(p: &Plan) -> Result<String> {
    let bad = |e: csv::Error| Error::Internal(format!("writing plan {} as CSV: {e}", p.plan_id));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["plan", "province_code", "target_year", "status", "unit_code", "unit_name", "note", "added_by", "status_in_target_year", "converted"])
        .map_err(bad)?;
    for c in &p.communes {
        w.write_record([
            &*cell(&p.name),
            p.province_code.as_str(),
            &p.target_year.to_string(),
            p.status.as_str(),
            c.code.as_str(),
            &*cell(&c.name),
            &*cell(c.note.as_deref().unwrap_or("")),
            &*cell(&c.added_by),
            c.status_in_target_year.as_ref().map_or("", |s| s.as_str()),
            if c.converted { "true" } else { "false" },
        ])
        .map_err(bad)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(format!("writing plan {} as CSV: {}", p.plan_id, e.error())))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("plan {} CSV is not UTF-8: {e}", p.plan_id)))
}
