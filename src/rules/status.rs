//! From key type and recognition to the map status (`status.toml`): drug_free, hotspot, at_risk,
//! no_activity, undetermined, no_data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::eval::{Evaluation, KeyType};
use crate::vocab::{RecognitionKind, ReportedKeyType};

crate::vocabulary! {
    /// A commune-year's status on the map, in legend order.
    pub enum MapStatus ("map status") {
        DrugFree = "drug_free",
        NoActivity = "no_activity",
        AtRisk = "at_risk",
        Hotspot = "hotspot",
        Undetermined = "undetermined",
        NoData = "no_data",
    }
}

/// `[key_type]` of status.toml.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyTypeMap {
    #[serde(rename = "I")]
    pub i: MapStatus,
    #[serde(rename = "II")]
    pub ii: MapStatus,
    #[serde(rename = "III")]
    pub iii: MapStatus,
    pub none_with_activity: MapStatus,
    pub none_without_activity: MapStatus,
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
    pub drug_free: BTreeMap<RecognitionKind, DrugFreeLabel>,
}

crate::vocabulary! {
    /// How a status was decided.
    pub enum Basis ("status basis") {
        /// An official recognition event for the year.
        Recognition = "recognition",
        /// An officially reported key type.
        Official = "official",
        /// Computed from the indicators with the year's rule set.
        Computed = "computed",
        /// No indicators for the year.
        NoData = "no_data",
    }
}

/// A commune-year's map status.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub status: MapStatus,
    pub basis: Basis,
    /// The recognition label when drug-free (e.g. `khong_co_te_nan_legacy`).
    pub drug_free_label: Option<RecognitionKind>,
    /// The drug-free label is an older legal category than Decision 28's "không ma túy".
    pub legacy_label: bool,
}

impl StatusMapping {
    /// Status of one outcome (`I`, `II`, `III`, `none`).
    pub fn of_outcome(&self, outcome: KeyType, activity: Option<bool>) -> MapStatus {
        let k = &self.key_type;
        match outcome {
            KeyType::I => k.i,
            KeyType::II => k.ii,
            KeyType::III => k.iii,
            KeyType::Undetermined => MapStatus::Undetermined,
            KeyType::None => match activity {
                Some(false) => k.none_without_activity,
                Some(true) => k.none_with_activity,
                // Unknown activity: both readings of "none" must agree, or it is undetermined.
                None if k.none_with_activity == k.none_without_activity => k.none_with_activity,
                None => MapStatus::Undetermined,
            },
        }
    }

    /// Decide the status: recognition first, then an official key type, then the computation.
    pub fn decide(&self, recognition: Option<RecognitionKind>, official: Option<ReportedKeyType>, eval: Option<&Evaluation>) -> Status {
        if let Some(label) = recognition
            && let Some(l) = self.drug_free.get(&label)
        {
            return Status { status: MapStatus::DrugFree, basis: Basis::Recognition, drug_free_label: Some(label), legacy_label: l.legacy };
        }
        let plain = |status, basis| Status { status, basis, drug_free_label: None, legacy_label: false };
        if let Some(o) = official {
            let (outcome, activity) = match o {
                ReportedKeyType::I => (KeyType::I, None),
                ReportedKeyType::II => (KeyType::II, None),
                ReportedKeyType::III => (KeyType::III, None),
                ReportedKeyType::NonKeyWithDrugs => (KeyType::None, Some(true)),
                ReportedKeyType::None => (KeyType::None, eval.and_then(|e| e.activity)),
            };
            return plain(self.of_outcome(outcome, activity), Basis::Official);
        }
        let Some(e) = eval else { return plain(MapStatus::NoData, Basis::NoData) };
        let statuses: Vec<MapStatus> = e.possible.iter().map(|o| self.of_outcome(*o, e.activity)).collect();
        match statuses.split_first() {
            Some((first, rest)) if rest.iter().all(|s| s == first) => plain(*first, Basis::Computed),
            _ => plain(MapStatus::Undetermined, Basis::Computed),
        }
    }
}
