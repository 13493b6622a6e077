//! Everything classification reads from the store, loaded once per refresh.

use std::collections::HashMap;

use duckdb::Connection;

use crate::error::{Error, Result};
use crate::import::{INDICATOR_COLUMNS, Ty};
use crate::rules::Inputs;
use crate::store::fill;
use crate::vocab::{DataQuality, RecognitionAction, RecognitionKind, Relation, ReportedKeyType, RouteScope};

/// A unit as analytics needs it.
#[derive(Debug, Clone)]
pub struct UnitInfo {
    pub version_id: i32,
    pub code: String,
    pub province_code: Option<String>,
}

/// One indicator row, as rule inputs.
#[derive(Debug, Clone)]
pub struct IndicatorRow {
    pub inputs: Inputs,
    pub reported_key_type: Option<ReportedKeyType>,
    pub data_quality: DataQuality,
}

/// A crosswalk link into a new unit.
#[derive(Debug, Clone)]
pub struct Link {
    pub old_unit_id: i64,
    pub relation: Relation,
    pub weight_population: Option<f64>,
    pub weight_area: Option<f64>,
}

/// Indicators, recognitions, official labels, units and the crosswalk.
#[derive(Debug, Default)]
pub struct Facts {
    pub units: HashMap<i64, UnitInfo>,
    pub indicators: HashMap<(i64, i32), IndicatorRow>,
    /// (unit, year) → drug-free recognition status type (recognised or maintained, not revoked).
    pub drug_free: HashMap<(i64, i32), RecognitionKind>,
    /// (unit, year) → official key type from `key_type_official` events.
    pub official_key_type: HashMap<(i64, i32), ReportedKeyType>,
    /// New unit → links from old units.
    pub predecessors: HashMap<i64, Vec<Link>>,
    /// Old unit → the new units it feeds (with the link relation).
    pub successors: HashMap<i64, Vec<(i64, Relation)>>,
    /// (province code, year) → the province's key route designation (Art. 5.6).
    pub province_routes: HashMap<(String, i32), RouteScope>,
}

/// The numeric indicator columns (rule inputs).
pub fn numeric_columns() -> Vec<&'static str> {
    INDICATOR_COLUMNS
        .iter()
        .filter(|c| matches!(c.ty, Ty::Int { .. } | Ty::Float { .. }) && c.name != "year")
        .map(|c| c.name)
        .collect()
}

impl Facts {
    pub fn load(conn: &Connection) -> Result<Facts> {
        let mut f = Facts::default();
        let ctx = "loading units for analytics";
        let mut stmt = conn
            .prepare(include_str!("sql/facts_units.sql"))
            .map_err(Error::store(ctx))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, UnitInfo { version_id: r.get(1)?, code: r.get(2)?, province_code: r.get(3)? }))
            })
            .map_err(Error::store(ctx))?;
        for r in rows {
            let (id, u) = r.map_err(Error::store(ctx))?;
            f.units.insert(id, u);
        }

        let ctx = "loading indicators for analytics";
        let cols = numeric_columns();
        let numeric = cols.iter().map(|c| format!("CAST({c} AS DOUBLE)")).collect::<Vec<_>>().join(", ");
        let sql = fill(include_str!("sql/facts_indicators.sql"), &[("numeric", &numeric)]);
        let mut stmt = conn.prepare(&sql).map_err(Error::store(ctx))?;
        let mut rows = stmt.query([]).map_err(Error::store(ctx))?;
        while let Some(r) = rows.next().map_err(Error::store(ctx))? {
            let unit: i64 = r.get(0).map_err(Error::store(ctx))?;
            let year: i32 = r.get(1).map_err(Error::store(ctx))?;
            let mut inputs = Inputs { key_route_scope: r.get(3).map_err(Error::store(ctx))?, ..Default::default() };
            for (i, c) in cols.iter().enumerate() {
                let v: Option<f64> = r.get(5 + i).map_err(Error::store(ctx))?;
                inputs.set(c, v);
            }
            inputs.derive_rates();
            f.indicators.insert(
                (unit, year),
                IndicatorRow {
                    inputs,
                    reported_key_type: r.get(2).map_err(Error::store(ctx))?,
                    data_quality: r.get(4).map_err(Error::store(ctx))?,
                },
            );
        }

        let ctx = "loading recognition events for analytics";
        let mut stmt = conn
            .prepare(include_str!("sql/facts_recognitions.sql"))
            .map_err(Error::store(ctx))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i32>(1)?,
                    r.get::<_, RecognitionKind>(2)?,
                    r.get::<_, RecognitionAction>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(Error::store(ctx))?;
        for row in rows {
            let (unit, year, kind, action, value) = row.map_err(Error::store(ctx))?;
            match (kind, action) {
                (RecognitionKind::KeyTypeOfficial, _) => {
                    if let Some(v) = value {
                        let official = v.parse().map_err(|e| Error::Corrupt(format!("recognition event of unit {unit} for {year}: {e}")))?;
                        f.official_key_type.insert((unit, year), official);
                    }
                }
                (_, RecognitionAction::Recognize | RecognitionAction::Maintain) => {
                    f.drug_free.insert((unit, year), kind);
                }
                (_, RecognitionAction::Revoke) => {
                    f.drug_free.remove(&(unit, year));
                }
                (_, RecognitionAction::Classify) => {}
            }
        }

        let ctx = "loading the crosswalk for analytics";
        let mut stmt = conn
            .prepare(include_str!("sql/facts_crosswalk.sql"))
            .map_err(Error::store(ctx))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(1)?,
                    Link {
                        old_unit_id: r.get(0)?,
                        relation: r.get(2)?,
                        weight_population: r.get(3)?,
                        weight_area: r.get(4)?,
                    },
                ))
            })
            .map_err(Error::store(ctx))?;
        for row in rows {
            let (new, link) = row.map_err(Error::store(ctx))?;
            f.successors.entry(link.old_unit_id).or_default().push((new, link.relation));
            f.predecessors.entry(new).or_default().push(link);
        }
        for v in f.predecessors.values_mut() {
            v.sort_by_key(|l| l.old_unit_id);
        }

        let ctx = "loading province route designations";
        let mut stmt = conn.prepare(include_str!("sql/facts_province_routes.sql")).map_err(Error::store(ctx))?;
        let rows = stmt.query_map([], |r| Ok(((r.get::<_, String>(0)?, r.get::<_, i32>(1)?), r.get::<_, RouteScope>(2)?))).map_err(Error::store(ctx))?;
        f.province_routes = rows.collect::<std::result::Result<_, _>>().map_err(Error::store(ctx))?;
        Ok(f)
    }
}
