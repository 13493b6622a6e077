//! The commune form of the annual review: which figures it asks, grouped as Decision 28 groups
//! them, each with its Vietnamese label, meaning, unit and the range the importer checks; and the
//! live evaluation of typed figures under the year's rule set (rates, criteria, type, Art. 6).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::import::{Aliases, INDICATOR_COLUMNS, Ty};

/// One field of the form.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub key: &'static str,
    pub vi: String,
    pub meaning: &'static str,
    pub min: f64,
    pub max: f64,
    pub integer: bool,
    pub required: bool,
    /// Shown, not typed (the route designation is the authorities').
    pub read_only: bool,
}

/// A group of fields as the law groups them.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub fields: Vec<Field>,
}

const GROUPS: &[(&str, &str, &str, &[&str])] = &[
    ("records", "Người nghiện, người sử dụng trái phép có hồ sơ quản lý", "People with records", &["resident_population", "addicts_with_records", "illegal_users_with_records"]),
    (
        "where",
        "Người nghiện đang ở đâu",
        "Where they are",
        &["addicts_in_community", "addicts_in_compulsory_rehab", "addicts_in_voluntary_facility", "addicts_in_community_rehab", "addicts_in_detention", "methadone_patients", "post_rehab_managed", "users_in_community", "users_in_detention"],
    ),
    ("locations", "Điểm tổ chức, chứa chấp sử dụng trái phép", "Drug-use locations", &["drug_use_locations"]),
    ("arrests", "Bắt giữ", "Arrests", &["drug_offenders_arrested", "drug_cases_detected"]),
    ("plants", "Cây có chứa chất ma túy", "Drug plants", &["plants_destroyed_count", "plants_destroyed_area_m2", "plant_cases"]),
    ("art6", "Điều kiện địa bàn không ma túy (Điều 6)", "Drug-free conditions (Art. 6)", &["residents_using_not_exempt", "residents_violating_drug_law", "wanted_drug_fugitives_hiding"]),
    ("route", "Tuyến trọng điểm (do cơ quan có thẩm quyền xác định)", "Key route (designated by the authorities)", &["key_route_scope"]),
];

/// The form's groups and fields.
pub fn groups() -> Result<Vec<Group>> {
    let aliases = Aliases::embedded()?;
    GROUPS
        .iter()
        .map(|(id, vi, en, keys)| {
            let fields = keys
                .iter()
                .map(|k| {
                    let spec = INDICATOR_COLUMNS.iter().find(|c| c.name == *k).ok_or_else(|| Error::Internal(format!("no indicator column {k}")))?;
                    let (min, max, integer) = match spec.ty {
                        Ty::Int { min, max } => (min as f64, max as f64, true),
                        Ty::Float { min, max } => (min, max, false),
                        _ => (0.0, 0.0, false),
                    };
                    Ok(Field { key: spec.name, vi: aliases.vietnamese(k).unwrap_or(k).to_string(), meaning: spec.meaning, min, max, integer, required: spec.required && spec.default.is_none(), read_only: *k == "key_route_scope" })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Group { id, vi, en, fields })
        })
        .collect()
}

/// The evaluation of typed `figures` for `year` (the province's rule set): what the map would
/// show once accepted. Figures not typed stay unknown, never zero.
pub fn evaluate(year: i32, province: Option<&str>, figures: &serde_json::Map<String, serde_json::Value>) -> Result<serde_json::Value> {
    let rules = crate::rules::Rules::embedded()?;
    let set = rules.for_year(province, year).ok_or_else(|| Error::NotFound(format!("no rule set applies to {year}")))?;
    let mut inputs = crate::rules::Inputs::default();
    for c in INDICATOR_COLUMNS {
        if let Some(v) = figures.get(c.name).and_then(serde_json::Value::as_f64) {
            inputs.set(c.name, Some(v));
        }
    }
    inputs.key_route_scope = figures.get("key_route_scope").and_then(|v| v.as_str()).and_then(|s| s.parse().ok());
    inputs.derive_rates();
    let e = crate::rules::eval::evaluate(set, &inputs);
    let criteria: Vec<serde_json::Value> = e
        .criteria
        .iter()
        .map(|r| {
            let rule = set.criteria.iter().find(|x| x.id == r.id);
            serde_json::json!({ "id": r.id, "type": r.key_type, "value": r.value, "detail": r.detail, "label_vi": rule.map(|x| x.label_vi.as_str()), "citation": rule.map(|x| x.citation.as_str()) })
        })
        .collect();
    Ok(serde_json::json!({
        "ruleset": set.id,
        "rates": { "addict_user_rate_pct": inputs.values.get("addict_user_rate_pct"), "arrest_rate_pct": inputs.values.get("arrest_rate_pct") },
        "key_type": e.key_type, "possible": e.possible, "criteria": criteria,
        "drug_free_check": e.drug_free_check, "drug_free": e.drug_free,
    }))
}
