//! From key type and recognition to the map status (`status.toml`): drug_free, hotspot, at_risk,
//! no_activity, undetermined, no_data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::eval::Evaluation;

/// `[key_type]` of status.toml.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyTypeMap {
    #[serde(rename = "I")]
    pub i: String,
    #[serde(rename = "II")]
    pub ii: String,
    #[serde(rename = "III")]
    pub iii: String,
    pub none_with_activity: String,
    pub none_without_activity: String,
}

/// A recognition status type that counts as drug-free.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrugFreeLabel {
    pub legacy: bool,
}

/// status.toml.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusMapping {
    pub key_type: KeyTypeMap,
    pub drug_free: BTreeMap<String, DrugFreeLabel>,
}

/// Every map status, in legend order.
pub const STATUSES: &[&str] = &["drug_free", "no_activity", "at_risk", "hotspot", "undetermined", "no_data"];

/// How a status was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// An official recognition event for the year.
    Recognition,
    /// An officially reported key type.
    Official,
    /// Computed from the indicators with the year's rule set.
    Computed,
    /// No indicators for the year.
    NoData,
}

/// A commune-year's map status.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub status: String,
    pub basis: Basis,
    /// The recognition label when drug-free (e.g. `khong_co_te_nan_legacy`).
    pub drug_free_label: Option<String>,
    /// The drug-free label is an older legal category than Decision 28's "không ma túy".
    pub legacy_label: bool,
}

impl StatusMapping {
    /// Status of one outcome (`I`, `II`, `III`, `none`).
    pub fn of_outcome(&self, outcome: &str, activity: Option<bool>) -> &str {
        match outcome {
            "I" => &self.key_type.i,
            "II" => &self.key_type.ii,
            "III" => &self.key_type.iii,
            _ if activity == Some(false) => &self.key_type.none_without_activity,
            _ if activity == Some(true) => &self.key_type.none_with_activity,
            // Unknown activity: both readings of "none" must agree, or it is undetermined.
            _ if self.key_type.none_with_activity == self.key_type.none_without_activity => {
                &self.key_type.none_with_activity
            }
            _ => "undetermined",
        }
    }

    /// Decide the status: recognition first, then an official key type, then the computation.
    pub fn decide(&self, recognition: Option<&str>, official: Option<&str>, eval: Option<&Evaluation>) -> Status {
        if let Some(label) = recognition
            && let Some(l) = self.drug_free.get(label)
        {
            return Status {
                status: "drug_free".into(),
                basis: Basis::Recognition,
                drug_free_label: Some(label.to_string()),
                legacy_label: l.legacy,
            };
        }
        let plain = |status: &str, basis| Status { status: status.to_string(), basis, drug_free_label: None, legacy_label: false };
        if let Some(o) = official {
            let outcome = if o == "non_key_with_drugs" { "none" } else { o };
            let activity = if o == "non_key_with_drugs" { Some(true) } else { eval.and_then(|e| e.activity) };
            return plain(self.of_outcome(outcome, activity), Basis::Official);
        }
        let Some(e) = eval else { return plain("no_data", Basis::NoData) };
        let statuses: Vec<&str> = e.possible.iter().map(|o| self.of_outcome(o, e.activity)).collect();
        let first = statuses.first().copied().unwrap_or("undetermined");
        if statuses.iter().all(|s| *s == first) { plain(first, Basis::Computed) } else { plain("undetermined", Basis::Computed) }
    }
}
