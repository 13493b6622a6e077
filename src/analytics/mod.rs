//! Classification, year-over-year conversion and province progress, computed from the store's
//! indicators and recognition events with the rule files, and written back to the store
//! (`classification`, `conversion`, `target_path`; the `province_progress` view reads them).
//!
//! Refreshed after every import and whenever the rules change (their digest is kept in
//! `atlas_meta`), so what an analyst queries is always what the map shows.

pub mod candidates;
pub mod choropleth;
pub mod conversion;
pub mod facts;
pub mod progress;
pub mod province;

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use duckdb::types::Value;
use duckdb::{Connection, ToSql};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::rules::status::{Basis, MapStatus, Status};
use crate::rules::{Evaluation, KeyType, Reading, Rules, evaluate};
use crate::store::{Store, transaction};
use crate::vocab::{DataQuality, ReportedKeyType};

pub use conversion::{Conversion, Side, compare};
pub use facts::{Facts, IndicatorRow, UnitInfo};

/// Severity ranks (domain.md §3): I = 4, II = 3, III = 2, non-key = 1, drug-free = 0.
pub fn rank(outcome: KeyType) -> i16 {
    match outcome {
        KeyType::I => 4,
        KeyType::II => 3,
        KeyType::III => 2,
        KeyType::None | KeyType::Undetermined => 1,
    }
}

/// The severity rank of an officially reported key type.
pub fn reported_rank(reported: ReportedKeyType) -> i16 {
    match reported {
        ReportedKeyType::I => 4,
        ReportedKeyType::II => 3,
        ReportedKeyType::III => 2,
        ReportedKeyType::NonKeyWithDrugs | ReportedKeyType::None => 1,
    }
}

/// A commune-year's classification.
#[derive(Debug, Clone, Serialize)]
pub struct Classified {
    pub unit_id: i64,
    pub year: i32,
    pub status: Status,
    pub evaluation: Option<Evaluation>,
    pub official_key_type: Option<ReportedKeyType>,
    pub severity: (i16, i16),
    pub rates: (Option<f64>, Option<f64>),
    pub review_flag: Option<String>,
    pub note: Option<String>,
    /// The readings whose opposite setting would change the computed result.
    pub decisive: Vec<Reading>,
}

/// Classify one commune-year from its facts.
pub fn classify(rules: &Rules, facts: &Facts, unit_id: i64, year: i32) -> Option<Classified> {
    let row = facts.indicators.get(&(unit_id, year));
    let recog = facts.drug_free.get(&(unit_id, year)).copied();
    let official = row.and_then(|r| r.reported_key_type).or_else(|| facts.official_key_type.get(&(unit_id, year)).copied());
    if row.is_none() && recog.is_none() && official.is_none() {
        return None;
    }
    let province = facts.units.get(&unit_id).and_then(|u| u.province_code.as_deref());
    let mut note = None;
    let mut decisive = Vec::new();
    let evaluation = row.and_then(|r| {
        if r.data_quality == DataQuality::Apportioned {
            note = Some("apportioned estimate: not classified under official rules".to_string());
            return None;
        }
        rules.for_year(province, year).map(|set| {
            let (evaluation, readings) = crate::rules::eval::explain(set, &r.inputs);
            decisive = readings;
            evaluation
        })
    });
    let status = rules.status.decide(recog, official, evaluation.as_ref());
    let severity = match (status.basis, official, &evaluation) {
        (Basis::Recognition, _, _) => (0, 0),
        (Basis::Official, Some(o), _) => (reported_rank(o), reported_rank(o)),
        (_, _, Some(e)) => {
            let ranks: Vec<i16> = e.possible.iter().map(|o| rank(*o)).collect();
            (ranks.iter().copied().min().unwrap_or(1), ranks.iter().copied().max().unwrap_or(1))
        }
        _ => (1, 4),
    };
    let review_flag = (status.status == MapStatus::DrugFree
        && evaluation.as_ref().is_some_and(|e| matches!(e.key_type, KeyType::I | KeyType::II | KeyType::III)))
    .then(|| "recognised drug-free while the indicators make it a key area: review".to_string());
    let rates = row.map_or((None, None), |r| {
        (r.inputs.values.get("addict_user_rate_pct").copied(), r.inputs.values.get("arrest_rate_pct").copied())
    });
    Some(Classified { unit_id, year, status, evaluation, official_key_type: official, severity, rates, review_flag, note, decisive })
}

/// Classify every commune-year the facts mention.
pub fn classify_all(rules: &Rules, facts: &Facts) -> Vec<Classified> {
    let mut keys: Vec<(i64, i32)> = facts.indicators.keys().copied().collect();
    keys.extend(facts.drug_free.keys().copied());
    keys.extend(facts.official_key_type.keys().copied());
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter().filter_map(|(u, y)| classify(rules, facts, u, y)).collect()
}

/// Province-level key areas (Art. 5) for every province and year of `classified`.
fn provinces_of(rules: &Rules, facts: &Facts, classified: &[Classified], versions: &[crate::store::BoundaryVersion]) -> Vec<province::ProvinceResult> {
    let by_key: HashMap<(i64, i32), &Classified> = classified.iter().map(|c| ((c.unit_id, c.year), c)).collect();
    province::classify(rules, facts, &by_key, versions, &facts.province_routes)
}

/// What a refresh did.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshReport {
    pub classified: usize,
    pub conversions: usize,
    pub seconds: f64,
    pub rules_digest: String,
}

/// Everything the API answers analytics questions from: the rules, the facts and every
/// commune-year's classification, in memory.
pub struct Snapshot {
    pub rules: Rules,
    pub facts: Facts,
    pub classified: HashMap<(i64, i32), Classified>,
    pub versions: Vec<crate::store::BoundaryVersion>,
    /// Province-level key areas (Art. 5) by province and year.
    pub provinces: Vec<province::ProvinceResult>,
    /// The years of `classified`, ascending: asked by every evaluation and map answer (walking
    /// the whole classification for them was half the CPU of the mixed load).
    years: Vec<i32>,
}

/// The boundary version valid on 31 December of `year` (latest valid_from on or before it).
pub fn version_for_year(versions: &[crate::store::BoundaryVersion], year: i32) -> Option<&crate::store::BoundaryVersion> {
    let end = format!("{year}-12-31");
    versions
        .iter()
        .filter(|v| v.valid_from.as_str() <= end.as_str() && v.valid_to.as_deref().is_none_or(|t| t >= end.as_str()))
        .max_by(|a, b| a.valid_from.cmp(&b.valid_from).then(a.id.cmp(&b.id)))
}

impl Snapshot {
    /// Load the facts and classify everything.
    pub fn build(store: &Store, rules: Rules) -> Result<Snapshot> {
        let conn = store.connect()?;
        let facts = Facts::load(&conn)?;
        let classified = classify_all(&rules, &facts);
        let versions = crate::store::queries::boundary_versions(&conn)?;
        let provinces = provinces_of(&rules, &facts, &classified, &versions);
        Ok(Snapshot::from_parts(rules, facts, classified, versions, provinces))
    }

    /// Keep the classification compactly: per-criterion detail is dropped (it is in the
    /// `classification` table, and [`Snapshot::evaluate`] recomputes it for one commune-year).
    fn from_parts(
        rules: Rules,
        facts: Facts,
        classified: Vec<Classified>,
        versions: Vec<crate::store::BoundaryVersion>,
        provinces: Vec<province::ProvinceResult>,
    ) -> Snapshot {
        let classified = classified
            .into_iter()
            .map(|mut c| {
                if let Some(e) = c.evaluation.as_mut() {
                    e.criteria = Vec::new();
                }
                ((c.unit_id, c.year), c)
            })
            .collect::<HashMap<_, _>>();
        let mut years: Vec<i32> = classified.keys().map(|k| k.1).collect();
        years.sort_unstable();
        years.dedup();
        Snapshot { rules, facts, classified, versions, provinces, years }
    }

    /// The full evaluation (every criterion) of one commune-year.
    pub fn evaluate(&self, unit: i64, year: i32) -> Option<Evaluation> {
        let row = self.facts.indicators.get(&(unit, year))?;
        let province = self.facts.units.get(&unit).and_then(|u| u.province_code.as_deref());
        self.rules.for_year(province, year).map(|set| evaluate(set, &row.inputs))
    }

    /// References by key, as the conversion functions take them.
    pub fn by_key(&self) -> HashMap<(i64, i32), &Classified> {
        self.classified.iter().map(|(k, v)| (*k, v)).collect()
    }

    /// The boundary version valid on 31 December of `year` (latest valid_from on or before it).
    pub fn version_for_year(&self, year: i32) -> Option<&crate::store::BoundaryVersion> {
        version_for_year(&self.versions, year)
    }

    /// Province-level results (Art. 5) of one year.
    pub fn provinces_in(&self, year: i32) -> impl Iterator<Item = &province::ProvinceResult> {
        self.provinces.iter().filter(move |p| p.year == year)
    }

    /// Years with any classification, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.clone()
    }
}

/// Recompute `classification`, `conversion` and `target_path` in one transaction; returns the
/// snapshot the results came from.
pub fn refresh(store: &Store, rules: &Rules) -> Result<(RefreshReport, Snapshot)> {
    let started = Instant::now();
    let conn = store.connect()?;
    let facts = Facts::load(&conn)?;
    let mut classified = classify_all(rules, &facts);
    classified.sort_by_key(|c| (c.unit_id, c.year));
    let by_key: HashMap<(i64, i32), &Classified> = classified.iter().map(|c| ((c.unit_id, c.year), c)).collect();
    let conversions = conversion::consecutive(rules, &facts, &by_key);
    drop(by_key);
    let versions = crate::store::queries::boundary_versions(&conn)?;
    let provinces = provinces_of(rules, &facts, &classified, &versions);
    let refs: Vec<&Classified> = classified.iter().collect();
    transaction(&conn, "refreshing the classification", |conn| {
        write(conn, rules, &facts, &refs, &conversions)?;
        write_provinces(conn, &provinces)?;
        crate::store::set_meta(conn, "rules_digest", &rules.digest)
    })?;
    let n = classified.len();
    let snap = Snapshot::from_parts(rules.clone(), facts, classified, versions, provinces);
    let report = RefreshReport {
        classified: n,
        conversions: conversions.len(),
        seconds: started.elapsed().as_secs_f64(),
        rules_digest: rules.digest.clone(),
    };
    Ok((report, snap))
}

/// A snapshot of the store, refreshing the stored results first when the rules changed since
/// the last refresh (or none happened).
pub fn up_to_date(store: &Store, rules: &Rules) -> Result<(Option<RefreshReport>, Snapshot)> {
    if store.meta("rules_digest")?.as_deref() == Some(rules.digest.as_str()) {
        return Ok((None, Snapshot::build(store, rules.clone())?));
    }
    refresh(store, rules).map(|(r, s)| (Some(r), s))
}

/// A tri-state as stored: `true`, `false`, `unknown`.
pub fn tri_text(t: crate::rules::Tri) -> &'static str {
    match t {
        crate::rules::Tri::True => "true",
        crate::rules::Tri::False => "false",
        crate::rules::Tri::Unknown => "unknown",
    }
}

/// The readings in force, as stored: their names, comma-separated.
fn readings_text(r: crate::rules::Readings) -> String {
    Reading::ALL.iter().filter(|x| r.on(**x)).map(|x| x.as_str()).collect::<Vec<_>>().join(",")
}

/// Write the province-level results (replacing the old ones).
fn write_provinces(conn: &Connection, provinces: &[province::ProvinceResult]) -> Result<()> {
    let ctx = "writing province classification";
    conn.execute_batch(include_str!("sql/clear_province_classification.sql")).map_err(Error::store(ctx))?;
    let now = chrono::Utc::now().naive_utc();
    let mut app = conn.appender("province_classification").map_err(Error::store(ctx))?;
    for p in provinces {
        let criteria = serde_json::to_string(&p.evaluation.criteria).map_err(|e| Error::Internal(format!("province criteria as JSON: {e}")))?;
        app.append_row(duckdb::params![
            p.province_code,
            p.year,
            p.boundary_version,
            p.evaluation.ruleset_id,
            tri_text(p.evaluation.key),
            p.evaluation.met_min,
            p.evaluation.met_max,
            p.evaluation.min_criteria,
            p.communes as i64,
            p.communes_with_data as i64,
            p.resident_population,
            p.addicts_and_users,
            p.drug_use_locations,
            p.drug_offenders_arrested,
            p.plants_destroyed_count,
            p.plants_destroyed_area_m2,
            p.type_i_ii_communes as i64,
            p.route_scope,
            p.reason_codes(),
            criteria,
            Value::Timestamp(duckdb::types::TimeUnit::Microsecond, now.and_utc().timestamp_micros()),
        ])
        .map_err(Error::store(ctx))?;
    }
    app.flush().map_err(Error::store(ctx))
}

fn opt_i(v: Option<u32>) -> Value {
    v.map_or(Value::Null, |x| Value::SmallInt(x as i16))
}

fn write(
    conn: &Connection,
    rules: &Rules,
    facts: &Facts,
    classified: &[&Classified],
    conversions: &[Conversion],
) -> Result<()> {
    let ctx = "writing classification";
    for clear in [include_str!("sql/clear_classification.sql"), include_str!("sql/clear_conversion.sql"), include_str!("sql/clear_target_path.sql")] {
        conn.execute_batch(clear).map_err(Error::store(ctx))?;
    }
    let now = chrono::Utc::now().naive_utc();
    {
        let mut app = conn.appender("classification").map_err(Error::store(ctx))?;
        for c in classified {
            let e = c.evaluation.as_ref();
            let met = |k: usize| e.and_then(|e| e.types.get(k)).map(|t| (t.met_min, t.met_max));
            let (t1, t2, t3) = (met(0), met(1), met(2));
            let json_error = |err: serde_json::Error| Error::Internal(format!("writing the criteria of unit {} for {} as JSON: {err}", c.unit_id, c.year));
            let criteria = e.map(|e| serde_json::to_string(&e.criteria)).transpose().map_err(json_error)?;
            let drug_free_criteria =
                e.filter(|e| e.drug_free_check.is_some()).map(|e| serde_json::to_string(&e.drug_free)).transpose().map_err(json_error)?;
            let reason = e.map(Evaluation::reason_codes).or(c.note.clone());
            let values = [
                Value::BigInt(c.unit_id),
                Value::SmallInt(c.year as i16),
                e.map_or(Value::Null, |e| Value::Text(e.ruleset_id.clone())),
                Value::Text(c.status.status.as_str().into()),
                Value::Text(c.status.basis.as_str().into()),
                c.status.drug_free_label.map_or(Value::Null, |l| Value::Text(l.as_str().into())),
                Value::Boolean(c.status.legacy_label),
                e.map_or(Value::Null, |e| Value::Text(e.key_type.as_str().into())),
                e.map_or(Value::Null, |e| Value::Text(e.between())),
                c.official_key_type.map_or(Value::Null, |o| Value::Text(o.as_str().into())),
                Value::SmallInt(c.severity.0),
                Value::SmallInt(c.severity.1),
                opt_i(t1.map(|t| t.0)),
                opt_i(t1.and_then(|t| t.1)),
                opt_i(t2.map(|t| t.0)),
                opt_i(t2.and_then(|t| t.1)),
                opt_i(t3.map(|t| t.0)),
                opt_i(t3.and_then(|t| t.1)),
                c.rates.0.map_or(Value::Null, Value::Double),
                c.rates.1.map_or(Value::Null, Value::Double),
                e.and_then(|e| e.activity).map_or(Value::Null, Value::Boolean),
                e.and_then(|e| e.drug_free_check).map_or(Value::Null, |t| Value::Text(tri_text(t).into())),
                e.map_or(Value::Null, |e| Value::Text(readings_text(e.readings))),
                e.map_or(Value::Null, |_| Value::Text(c.decisive.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","))),
                reason.map_or(Value::Null, Value::Text),
                criteria.map_or(Value::Null, Value::Text),
                drug_free_criteria.map_or(Value::Null, Value::Text),
                c.review_flag.clone().map_or(Value::Null, Value::Text),
                Value::Timestamp(duckdb::types::TimeUnit::Microsecond, now.and_utc().timestamp_micros()),
            ];
            let params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
            app.append_row(params.as_slice()).map_err(Error::store(ctx))?;
        }
        app.flush().map_err(Error::store(ctx))?;
    }
    {
        let mut app = conn.appender("conversion").map_err(Error::store("writing conversion"))?;
        for c in conversions {
            app.append_row(duckdb::params![
                c.unit_id,
                c.from_year,
                c.to_year,
                c.from_status,
                c.to_status,
                c.conversion,
                c.basis,
                c.reason
            ])
            .map_err(Error::store("writing conversion"))?;
        }
        app.flush().map_err(Error::store("writing conversion"))?;
    }
    {
        let mut provinces: Vec<&str> = facts.units.values().filter_map(|u| u.province_code.as_deref()).collect();
        provinces.sort_unstable();
        provinces.dedup();
        let mut app = conn.appender("target_path").map_err(Error::store("writing target_path"))?;
        let mut rows: BTreeMap<(String, i32), f64> = BTreeMap::new();
        for p in provinces {
            for y in 2000..=2035 {
                if let Some(t) = rules.target_pct(p, y) {
                    rows.insert((p.to_string(), y), t);
                }
            }
        }
        for ((p, y), t) in rows {
            app.append_row(duckdb::params![p, y, t]).map_err(Error::store("writing target_path"))?;
        }
        app.flush().map_err(Error::store("writing target_path"))?;
    }
    Ok(())
}
