//! Where the review stands: per province of a period, how many communes have not started, have a
//! draft, submitted, were returned or accepted, how many are overdue (the commune deadline passed
//! and nothing submitted), and the days left to each deadline; and, for one person, what waits for
//! them (a reviewer: submissions to review; an officer: submissions returned to them).

use chrono::NaiveDate;
use serde::Serialize;

use super::{Period, Submission, SubmissionState};

/// One province's tally for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProvinceProgress {
    pub province_code: String,
    pub province_name: String,
    pub communes: usize,
    pub not_started: usize,
    pub draft: usize,
    pub submitted: usize,
    pub returned: usize,
    pub accepted: usize,
    /// Past the commune deadline and neither submitted nor accepted.
    pub overdue: usize,
}

/// A period's progress, deadlines counted from `today`.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodProgress {
    pub period: Period,
    /// Days from today to the commune deadline (negative once it has passed).
    pub days_to_commune_deadline: i64,
    pub days_to_province_deadline: i64,
    pub days_to_ministry_deadline: i64,
    pub provinces: Vec<ProvinceProgress>,
}

/// A commune the tally counts: its unit, province code and name.
pub struct Commune<'a> {
    pub unit_id: i64,
    pub province_code: &'a str,
    pub province_name: &'a str,
}

fn days(from: NaiveDate, to: &str) -> i64 {
    NaiveDate::parse_from_str(to, "%Y-%m-%d").map_or(0, |d| (d - from).num_days())
}

/// Tally `communes` (those the period covers and the reader may see) by the state of their
/// submission in `subs`.
pub fn tally(period: &Period, communes: &[Commune], subs: &[Submission], today: NaiveDate) -> PeriodProgress {
    let state_of: std::collections::HashMap<i64, SubmissionState> = subs.iter().filter(|s| s.period_id == period.id).map(|s| (s.unit_id, s.state)).collect();
    let late = days(today, &period.commune_deadline) < 0;
    let mut by: std::collections::BTreeMap<&str, ProvinceProgress> = std::collections::BTreeMap::new();
    for c in communes {
        let p = by.entry(c.province_code).or_insert_with(|| ProvinceProgress { province_code: c.province_code.into(), province_name: c.province_name.into(), ..Default::default() });
        p.communes += 1;
        let state = state_of.get(&c.unit_id).copied();
        match state {
            None => p.not_started += 1,
            Some(SubmissionState::Draft) => p.draft += 1,
            Some(SubmissionState::Submitted) => p.submitted += 1,
            Some(SubmissionState::Returned) => p.returned += 1,
            Some(SubmissionState::Accepted) => p.accepted += 1,
        }
        if late && !matches!(state, Some(SubmissionState::Submitted | SubmissionState::Accepted)) {
            p.overdue += 1;
        }
    }
    PeriodProgress {
        days_to_commune_deadline: days(today, &period.commune_deadline),
        days_to_province_deadline: days(today, &period.province_deadline),
        days_to_ministry_deadline: days(today, &period.ministry_deadline),
        period: period.clone(),
        provinces: by.into_values().collect(),
    }
}
