//! Classification, conversion and progress over HTTP, answered from the in-memory
//! [`Snapshot`](crate::analytics::Snapshot):
//! - `GET /api/status?year=&version=` — every commune's map status for a year (compact, for maps);
//! - `GET /api/units/{id}/evaluation?year=` — one commune's full evaluation and its history,
//!   continued across the 2025 reform through the crosswalk;
//! - `GET /api/conversion?from=&to=&apportioned=` — year-over-year conversion per commune;
//! - `GET /api/progress?province=` — drug-free share against the target path, quotas;
//! - `GET /api/rules` — the rule sets, for legends and explanations.
//!
//! Status, conversion and progress are answered through the answer cache ([`super::answers`]):
//! computed once per query, scope and data generation, with an ETag.

use std::collections::BTreeMap;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Json, Path, Query};
use super::error::{ApiError, ApiResult};
use super::AppState;
use crate::access::{Principal, Scope};
use crate::analytics::{Snapshot, conversion};
use crate::rules::status::MapStatus;

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
    pub version: Option<String>,
}

/// The year asked for, or the latest year with data.
fn pick_year(s: &Snapshot, year: Option<i32>) -> ApiResult<i32> {
    let years = s.years();
    match year {
        Some(y) if years.contains(&y) => Ok(y),
        Some(y) => Err(ApiError::not_found(format!(
            "no classified data for {y}; years with data: {}",
            years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(", ")
        ))),
        None => years.last().copied().ok_or_else(|| ApiError::not_found("the store holds no indicators yet")),
    }
}

/// Units of the version a year's map is drawn on, within the user's scope.
pub(super) fn version_units(s: &Snapshot, year: i32, version: Option<&str>, scope: &Scope) -> ApiResult<(String, Vec<i64>)> {
    let v = match version {
        Some(name) => s.versions.iter().find(|v| v.name == name).ok_or_else(|| {
            ApiError::not_found(format!("no boundary version named '{name}'"))
        })?,
        None => s.version_for_year(year).ok_or_else(|| ApiError::not_found(format!("no boundary version is valid in {year}")))?,
    };
    let mut ids: Vec<i64> =
        s.facts.units.iter().filter(|(id, u)| u.version_id == v.id && scope.unit(**id)).map(|(id, _)| *id).collect();
    ids.sort_unstable();
    Ok((v.name.clone(), ids))
}

pub async fn status(State(state): State<AppState>, Extension(p): Extension<Principal>, uri: Uri, headers: HeaderMap, Query(q): Query<YearQuery>) -> ApiResult<Response> {
    let (st, who) = (state.clone(), p.clone());
    super::answers::answer(&state, "status", uri.query(), &p, &headers, move || status_of(&st.snapshot(), &who, q)).await
}

fn status_of(s: &Snapshot, p: &Principal, q: YearQuery) -> ApiResult<Value> {
    let year = pick_year(&s, q.year)?;
    let (version, ids) = version_units(s, year, q.version.as_deref(), &p.scope)?;
    let mut counts: BTreeMap<MapStatus, usize> = MapStatus::ALL.iter().map(|k| (*k, 0)).collect();
    let mut units = serde_json::Map::new();
    let mut possible = serde_json::Map::new();
    let mut rulesets: BTreeMap<String, usize> = BTreeMap::new();
    for id in ids {
        let c = s.classified.get(&(id, year));
        let st = c.map_or(MapStatus::NoData, |c| c.status.status);
        *counts.entry(st).or_default() += 1;
        units.insert(id.to_string(), json!(st));
        if let Some(e) = c.and_then(|c| c.evaluation.as_ref()) {
            *rulesets.entry(e.ruleset_id.clone()).or_default() += 1;
            if e.possible.len() > 1 {
                possible.insert(id.to_string(), json!(e.between()));
            }
        }
    }
    Ok(json!({
        "year": year,
        "boundary_version": version,
        "rulesets": rulesets,
        "counts": counts,
        "units": units,
        "undetermined_between": possible,
    }))
}

pub async fn evaluation(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<Value>> {
    let s = state.snapshot();
    let unit = s.facts.units.get(&id).ok_or_else(|| ApiError::not_found(format!("no commune with unit id {id}")))?;
    if !p.scope.unit(id) {
        return Err(p.scope.refuse(&format!("unit {id}")).into());
    }
    let unit_years: Vec<i32> = s.years().into_iter().filter(|y| s.classified.contains_key(&(id, *y))).collect();
    let year = match q.year {
        Some(y) => y,
        None => *unit_years.last().ok_or_else(|| ApiError::not_found(format!("unit {id} has no classified year")))?,
    };
    let c = s.classified.get(&(id, year));
    let row = s.facts.indicators.get(&(id, year));
    let province = unit.province_code.as_deref();
    let set = s.rules.for_year(province, year);
    let full = s.evaluate(id, year);
    let criteria: Vec<Value> = match (full.as_ref(), set) {
        (Some(e), Some(set)) => e
            .criteria
            .iter()
            .map(|r| {
                let rule = set.criteria.iter().find(|x| x.id == r.id);
                json!({
                    "id": r.id, "type": r.key_type, "value": r.value, "because": r.because, "detail": r.detail,
                    "label_vi": rule.map(|x| x.label_vi.as_str()), "label_en": rule.map(|x| x.label_en.as_str()),
                    "confirmed": rule.map(|x| x.confirmed), "citation": rule.map(|x| x.citation.as_str()),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    // The drug-free criteria (Art. 6) and the readings (interpretation switches) in force, with the
    // ones that decided this result.
    let drug_free: Vec<Value> = match (full.as_ref(), set.and_then(|s| s.drug_free.as_ref())) {
        (Some(e), Some(rules)) => e
            .drug_free
            .iter()
            .map(|r| {
                let rule = rules.criteria.iter().find(|x| x.id == r.id);
                json!({
                    "id": r.id, "value": r.value, "because": r.because, "detail": r.detail,
                    "label_vi": rule.map(|x| x.label_vi.as_str()), "label_en": rule.map(|x| x.label_en.as_str()),
                    "citation": rule.map(|x| x.citation.as_str()),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let decisive = c.map(|c| c.decisive.clone()).unwrap_or_default();
    let readings: Vec<Value> = match (full.as_ref(), set) {
        (Some(e), Some(set)) => set
            .interpretations
            .iter()
            .map(|(r, i)| {
                json!({
                    "name": r, "enabled": e.readings.on(*r), "decisive": decisive.contains(r),
                    "label_vi": i.label_vi, "label_en": i.label_en, "reason": i.reason,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let period = set.map(|s| s.period());
    // History: this unit's own years, then earlier years rebuilt from its predecessors.
    let mut history = Vec::new();
    for y in s.years() {
        if let Some(h) = s.classified.get(&(id, y)) {
            history.push(json!({
                "year": y, "status": h.status.status, "key_type": h.evaluation.as_ref().map(|e| e.key_type.as_str()),
                "possible": h.evaluation.as_ref().map(|e| e.between()),
                "addict_user_rate_pct": h.rates.0, "arrest_rate_pct": h.rates.1,
                "drug_use_locations": s.facts.indicators.get(&(id, y)).and_then(|r| r.inputs.values.get("drug_use_locations")),
                "basis": "same_unit", "apportioned": false,
            }));
        } else if s.facts.predecessors.contains_key(&id) {
            let split = s.facts.predecessors[&id].iter().any(|l| !l.relation.whole());
            if let Ok((side, basis, inputs)) = conversion::rebuilt_side(&s.rules, &s.facts, id, y, true) {
                history.push(json!({
                    "year": y, "status": side.status, "key_type": Value::Null, "possible": Value::Null,
                    "addict_user_rate_pct": inputs.values.get("addict_user_rate_pct"),
                    "arrest_rate_pct": inputs.values.get("arrest_rate_pct"),
                    "drug_use_locations": inputs.values.get("drug_use_locations"),
                    "basis": basis, "apportioned": split,
                }));
            }
        }
    }
    let successors: Vec<Value> = s
        .facts
        .successors
        .get(&id)
        .map(|v| v.iter().filter(|(n, _)| p.scope.unit(*n)).map(|(n, rel)| json!({"unit_id": n, "code": s.facts.units.get(n).map(|u| u.code.as_str()), "relation": rel})).collect())
        .unwrap_or_default();
    let predecessors: Vec<Value> = s
        .facts
        .predecessors
        .get(&id)
        .map(|v| {
            v.iter()
                .filter(|l| p.scope.unit(l.old_unit_id))
                .map(|l| json!({"unit_id": l.old_unit_id, "code": s.facts.units.get(&l.old_unit_id).map(|u| u.code.as_str()),
                                 "relation": l.relation, "weight_population": l.weight_population}))
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(json!({
        "unit_id": id,
        "code": unit.code,
        "province_code": unit.province_code,
        "year": year,
        "ruleset": set.map(|s| json!({"id": s.id, "title_vi": s.title_vi, "title_en": s.title_en, "legal_basis": s.legal_basis})),
        "status": c.map(|c| &c.status),
        "key_type": c.and_then(|c| c.evaluation.as_ref()).map(|e| e.key_type.as_str()),
        "possible": c.and_then(|c| c.evaluation.as_ref()).map(|e| &e.possible),
        "types": c.and_then(|c| c.evaluation.as_ref()).map(|e| &e.types),
        "reason_codes": full.as_ref().map(|e| e.reason_codes()),
        "reasons": full.as_ref().map(|e| e.reasons()),
        "drug_free_check": full.as_ref().and_then(|e| e.drug_free_check),
        "drug_free": drug_free,
        "readings": readings,
        "decided_by": decisive,
        "period": period.as_ref().map(|p| json!({
            "start": p.of(year).0, "end": p.of(year).1, "label_vi": p.label(year, false), "label_en": p.label(year, true),
        })),
        "official_key_type": c.and_then(|c| c.official_key_type),
        "review_flag": c.and_then(|c| c.review_flag.as_deref()),
        "note": c.and_then(|c| c.note.as_deref()),
        "criteria": criteria,
        "indicators": row.map(|r| &r.inputs.values),
        "key_route_scope": row.and_then(|r| r.inputs.key_route_scope),
        "history": history,
        "predecessors": predecessors,
        "successors": successors,
    })))
}

#[derive(Debug, Deserialize)]
pub struct ConversionQuery {
    pub from: Option<i32>,
    pub to: Option<i32>,
    #[serde(default)]
    pub apportioned: bool,
    /// `approved` (default: official acts first) or `computed` (the figures alone).
    #[serde(default)]
    pub statuses: conversion::Statuses,
}

pub async fn conversion(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<ConversionQuery>,
) -> ApiResult<Response> {
    let (st, who) = (state.clone(), p.clone());
    super::answers::answer(&state, "conversion", uri.query(), &p, &headers, move || conversion_of(&st.snapshot(), &who, q)).await
}

fn conversion_of(s: &Snapshot, p: &Principal, q: ConversionQuery) -> ApiResult<Value> {
    let to = pick_year(s, q.to)?;
    let from = q.from.unwrap_or(to - 1);
    if from >= to {
        return Err(ApiError::bad_request(format!("from ({from}) must be before to ({to})")));
    }
    pick_year(s, Some(from))?;
    let by_key = s.by_key();
    let mut rows = conversion::between(&s.rules, &s.facts, &by_key, from, to, q.apportioned, q.statuses);
    rows.retain(|r| p.scope.unit(r.unit_id));
    let mut counts: BTreeMap<conversion::Class, usize> = conversion::Class::ALL.iter().map(|k| (*k, 0)).collect();
    let mut units = serde_json::Map::new();
    let mut bases: BTreeMap<conversion::Basis, usize> = BTreeMap::new();
    for r in &rows {
        *counts.entry(r.conversion).or_default() += 1;
        *bases.entry(r.basis).or_default() += 1;
        units.insert(r.unit_id.to_string(), json!(r.conversion));
    }
    Ok(json!({
        "from": from, "to": to, "apportioned": q.apportioned, "statuses": q.statuses,
        "boundary_version": s.version_for_year(to).map(|v| v.name.clone()),
        "counts": counts, "bases": bases, "units": units,
        "note": "analytical definitions (domain.md §3), not legal categories; across the 2025 reform the earlier year is rebuilt from old communes' counts and labels never transfer",
    }))
}

#[derive(Debug, Deserialize)]
pub struct ProgressQuery {
    pub province: Option<String>,
}

/// `GET /api/progress?province=` — per province and year with data: communes by status, the
/// drug-free share, the target for that year and the quota; plus `targets`, each province's
/// whole target path (to 2030 and beyond), so charts can show the way still to go.
pub async fn progress(State(state): State<AppState>, Extension(p): Extension<Principal>, uri: Uri, headers: HeaderMap, Query(q): Query<ProgressQuery>) -> ApiResult<Response> {
    if let Some(code) = q.province.as_deref()
        && !p.scope.province(Some(code))
    {
        return Err(p.scope.refuse(&format!("province {code}")).into());
    }
    let (store, who) = (state.store.clone(), p.clone());
    super::answers::answer(&state, "progress", uri.query(), &p, &headers, move || {
        let (years, targets) = crate::analytics::progress::read(&store.connect()?, q.province.as_deref())?;
        let years: Vec<_> = years.into_iter().filter(|y| who.scope.province(Some(&y.province_code))).collect();
        let targets: Vec<_> = targets.into_iter().filter(|t| who.scope.province(Some(&t.province_code))).collect();
        Ok(json!({ "rows": years, "targets": targets }))
    })
    .await
}

pub async fn rules(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let s = state.snapshot();
    let statuses: Vec<_> = MapStatus::ALL.iter().map(|m| crate::analytics::choropleth::status_category(*m)).collect();
    // Each year with data as the assessment period of its rule set ("Kỳ 15/12/2025–14/12/2026").
    let periods: serde_json::Map<String, Value> = s
        .years()
        .into_iter()
        .filter_map(|y| {
            let p = s.rules.for_year(None, y)?.period();
            Some((y.to_string(), json!({ "start": p.of(y).0, "end": p.of(y).1, "label_vi": p.label(y, false), "label_en": p.label(y, true) })))
        })
        .collect();
    Ok(Json(json!({
        "digest": s.rules.digest,
        "rulesets": s.rules.sets,
        "apply": s.rules.apply,
        "status": s.rules.status,
        "statuses": statuses,
        "periods": periods,
    })))
}

#[derive(Debug, Deserialize)]
pub struct ProvinceQuery {
    pub year: Option<i32>,
    /// One province only (refused when it is out of the user's scope).
    pub province: Option<String>,
}

/// `GET /api/provinces/classification?year=` — each province in scope under Decision 28/2025
/// Art. 5: the six criteria (tri-state, with the sums they read), how many are met at least and at
/// most, and whether it is a key complex area (`true`, `false`, `unknown`).
pub async fn provinces(State(state): State<AppState>, Extension(p): Extension<Principal>, Query(q): Query<ProvinceQuery>) -> ApiResult<Json<Value>> {
    if let Some(code) = q.province.as_deref()
        && !p.scope.province(Some(code))
    {
        return Err(p.scope.refuse(&format!("province {code}")).into());
    }
    let s = state.snapshot();
    let year = pick_year(&s, q.year)?;
    // The Ministry's approvals of the province-level results (Art. 7.3), beside the computed ones.
    let store = state.store.clone();
    let approved = tokio::task::spawn_blocking(move || crate::review::national::ministry_decisions(&store, year)).await??;
    let mut counts: BTreeMap<&str, usize> = [("true", 0), ("false", 0), ("unknown", 0)].into_iter().collect();
    let provinces: Vec<Value> = s
        .provinces_in(year)
        .filter(|r| p.scope.province(Some(&r.province_code)) && q.province.as_deref().is_none_or(|c| c == r.province_code))
        .map(|r| {
            let set = s.rules.set(&r.evaluation.ruleset_id);
            let labels = |id: &str| set.and_then(|s| s.province.as_ref()).and_then(|pr| pr.criteria.iter().find(|c| c.id == id));
            let key = crate::analytics::tri_text(r.evaluation.key);
            *counts.entry(key).or_default() += 1;
            json!({
                "province_code": r.province_code,
                "province_name": state.units().province_name(&r.province_code),
                "unit_id": state.units().entries().iter().find(|e| e.level == crate::vocab::Level::Province && e.code == r.province_code && e.boundary_version == r.boundary_version).map(|e| e.unit_id),
                "key_area": key,
                "met_min": r.evaluation.met_min, "met_max": r.evaluation.met_max, "min_criteria": r.evaluation.min_criteria,
                "reason_codes": r.reason_codes(),
                "communes": r.communes, "communes_with_data": r.communes_with_data,
                "sums": {
                    "resident_population": r.resident_population, "addicts_and_users": r.addicts_and_users,
                    "drug_use_locations": r.drug_use_locations, "drug_offenders_arrested": r.drug_offenders_arrested,
                    "plants_destroyed_count": r.plants_destroyed_count, "plants_destroyed_area_m2": r.plants_destroyed_area_m2,
                    "type_i_ii_communes": r.type_i_ii_communes,
                },
                "route_scope": r.route_scope,
                "approved": approved.get(&r.province_code),
                "criteria": r.evaluation.criteria.iter().map(|c| {
                    let rule = labels(&c.id);
                    json!({
                        "id": c.id, "value": c.value, "because": c.because, "detail": c.detail,
                        "label_vi": rule.map(|x| x.label_vi.as_str()), "label_en": rule.map(|x| x.label_en.as_str()),
                        "citation": rule.map(|x| x.citation.as_str()),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({
        "year": year,
        "boundary_version": s.version_for_year(year).map(|v| v.name.clone()),
        "counts": counts,
        "provinces": provinces,
    })))
}
