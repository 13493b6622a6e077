//! From recognition, official key type and the computed evaluation to the map status
//! (`status.toml`): drug-free (approved), meets the drug-free criteria (awaiting approval), no
//! recorded activity, has drugs but no key area, key area of type III/II/I, undetermined, no data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::eval::{Evaluation, KeyType, Tri};
use crate::vocab::{RecognitionKind, ReportedKeyType};

crate::vocabulary! {
    /// A commune-year's status on the map, in legend order: approved drug-free first, then what
    /// the figures say from the least to the most serious.
    pub enum MapStatus ("map status") {
        /// Recognised drug-free by the province (a recognition event for the year).
        DrugFree = "drug_free",
        /// Meets the drug-free criteria (Art. 6) on the data, no key area — awaiting approval.
        DrugFreeCandidate = "drug_free_candidate",
        /// No drug activity recorded (and the drug-free criteria not assessable).
        NoActivity = "no_activity",
        /// Has drugs (activity, or an Art. 6 criterion fails) but is not a key area.
        NonKey = "non_key",
        TypeIii = "type_iii",
        TypeIi = "type_ii",
        TypeI = "type_i",
        /// The inputs leave outcomes with different statuses possible.
        Undetermined = "undetermined",
        NoData = "no_data",
    }
}

impl MapStatus {
    /// A key complex area of some type.
    pub const fn is_key(self) -> bool {
        matches!(self, MapStatus::TypeI | MapStatus::TypeIi | MapStatus::TypeIii)
    }
}

/// `[key_type]` of status.toml: the status of each key type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyTypeMap {
    #[serde(rename = "I")]
    pub i: MapStatus,
    #[serde(rename = "II")]
    pub ii: MapStatus,
    #[serde(rename = "III")]
    pub iii: MapStatus,
}

/// `[not_key]` of status.toml: the status of a commune that is no key area, by the drug-free
/// check (Art. 6) and, where that is not known, by recorded activity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotKeyMap {
    pub meets_drug_free_criteria: MapStatus,
    pub fails_drug_free_criteria: MapStatus,
    pub with_activity: MapStatus,
    pub without_activity: MapStatus,
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
    pub not_key: NotKeyMap,
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
    /// Status of one outcome (`I`, `II`, `III`, `none`) given the drug-free check (`None`: the rule
    /// set has no drug-free criteria) and recorded activity.
    pub fn of_outcome(&self, outcome: KeyType, drug_free: Option<Tri>, activity: Option<bool>) -> MapStatus {
        let (k, n) = (&self.key_type, &self.not_key);
        match outcome {
            KeyType::I => k.i,
            KeyType::II => k.ii,
            KeyType::III => k.iii,
            KeyType::Undetermined => MapStatus::Undetermined,
            KeyType::None => match (drug_free, activity) {
                (Some(Tri::True), _) => n.meets_drug_free_criteria,
                (Some(Tri::False), _) => n.fails_drug_free_criteria,
                (_, Some(true)) => n.with_activity,
                (_, Some(false)) => n.without_activity,
                // Unknown activity: both readings of "none" must agree, or it is undetermined.
                (_, None) if n.with_activity == n.without_activity => n.with_activity,
                (_, None) => MapStatus::Undetermined,
            },
        }
    }

    /// Decide the status: an approved recognition first, then an official key type, then the
    /// computation — the status all still-possible outcomes share, or undetermined.
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
            // A reported "no key area" is not an approval: the drug-free check still tells
            // candidate from not.
            let drug_free = if outcome == KeyType::None { eval.and_then(|e| e.drug_free_check) } else { None };
            return plain(self.of_outcome(outcome, drug_free, activity), Basis::Official);
        }
        let Some(e) = eval else { return plain(MapStatus::NoData, Basis::NoData) };
        let statuses: Vec<MapStatus> = e.possible.iter().map(|o| self.of_outcome(*o, e.drug_free_check, e.activity)).collect();
        match statuses.split_first() {
            Some((first, rest)) if rest.iter().all(|s| s == first) => plain(*first, Basis::Computed),
            _ => plain(MapStatus::Undetermined, Basis::Computed),
        }
    }
}
