//! Evaluating a rule set on one commune-year (and on one province-year), in three-valued logic.
//!
//! Each criterion is true, false or unknown (an input is missing, an unconfirmed threshold could
//! go either way, or a route scope is not known to count). Per key type, `met_min` counts the
//! true criteria and `met_max` the true and unknown ones (unbounded when the type's criteria are
//! not known at all). A type is *possible* if `met_max` reaches its minimum and *certain* if
//! `met_min` does. Walking from the highest type down, the result is the first certain type when
//! every higher one is impossible, `none` when all are impossible, and otherwise `undetermined`
//! with the outcomes still possible (domain.md §5.3).
//!
//! Beside the key type: the drug-free check (Art. 6, all of its criteria), and the readings in
//! force ([`Readings`]). [`decisive_readings`] says which readings decided a result: those whose
//! opposite setting would give another outcome.

use std::collections::{BTreeMap, BTreeSet};

use std::fmt;

use serde::Serialize;

use super::{Aspect, BandMode, Check, Condition, Criterion, Op, Reading, RuleSet, Threshold};
use crate::vocab::RouteScope;

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
}

/// Why a criterion is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Because {
    /// An input value is missing.
    Input,
    /// The value falls inside the plausible range of an unconfirmed threshold.
    Threshold,
    /// The route scope is not known, or not known to count.
    Route,
    /// The criterion depends on criteria that are unknown.
    Dependent,
}

impl fmt::Display for Because {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Because::Input => "input",
            Because::Threshold => "threshold",
            Because::Route => "route",
            Because::Dependent => "dependent",
        })
    }
}

/// Numeric inputs by field name: a small sorted vector (tens of thousands of commune-years are
/// held in memory, so this is kept compact).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values(Vec<(&'static str, f64)>);

impl Values {
    pub fn get(&self, k: &str) -> Option<&f64> {
        self.0.binary_search_by(|(x, _)| (*x).cmp(k)).ok().map(|i| &self.0[i].1)
    }
    pub fn insert(&mut self, k: &'static str, v: f64) {
        match self.0.binary_search_by(|(x, _)| (*x).cmp(k)) {
            Ok(i) => self.0[i].1 = v,
            Err(i) => self.0.insert(i, (k, v)),
        }
    }
    /// Add `v` to `k` (missing counts as 0).
    pub fn add(&mut self, k: &'static str, v: f64) {
        let cur = self.get(k).copied().unwrap_or(0.0);
        self.insert(k, cur + v);
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.0.iter().copied()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl std::ops::Index<&str> for Values {
    type Output = f64;
    fn index(&self, k: &str) -> &f64 {
        self.get(k).unwrap_or_else(|| panic!("no input named {k}"))
    }
}

impl Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The rates [`Inputs::derive_rates`] adds, and the indicator columns each is computed from.
pub const RATE_INPUTS: &[(&str, &[&str])] = &[
    ("addict_user_rate_pct", &["resident_population", "addicts_with_records", "illegal_users_with_records"]),
    ("arrest_rate_pct", &["resident_population", "drug_offenders_arrested"]),
];

/// The values a rule set reads: indicator columns and derived rates, plus the route scope.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub values: Values,
    pub key_route_scope: Option<RouteScope>,
}

impl Inputs {
    /// Set a numeric input (None leaves it missing).
    pub fn set(&mut self, field: &'static str, v: Option<f64>) -> &mut Self {
        if let Some(v) = v {
            self.values.insert(field, v);
        }
        self
    }

    /// Add the rates Decision 28/2025 uses (domain.md §5.3), when their inputs are present
    /// ([`RATE_INPUTS`] lists them).
    pub fn derive_rates(&mut self) -> &mut Self {
        let g = |k: &str| self.values.get(k).copied();
        let (pop, a, u, arr) =
            (g("resident_population"), g("addicts_with_records"), g("illegal_users_with_records"), g("drug_offenders_arrested"));
        if let (Some(pop), Some(a), Some(u)) = (pop, a, u)
            && pop > 0.0
        {
            self.values.insert("addict_user_rate_pct", 100.0 * (a + u) / pop);
        }
        if let (Some(pop), Some(arr)) = (pop, arr)
            && pop > 0.0
        {
            self.values.insert("arrest_rate_pct", 100.0 * arr / pop);
        }
        self.values.shrink_to_fit();
        self
    }
}

/// One criterion's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionResult {
    pub id: String,
    pub key_type: KeyType,
    pub value: Tri,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<Because>,
    /// The comparison made, e.g. `addict_user_rate_pct 0.55 >= 0.5`.
    pub detail: String,
}

/// The outcome of a drug-free or province criterion.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub value: Tri,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<Because>,
    pub detail: String,
}

/// One key type's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct TypeResult {
    pub key: KeyType,
    pub min_criteria: u32,
    pub met_min: u32,
    /// `None`: unbounded (the type's criteria are not known).
    pub met_max: Option<u32>,
    pub possible: bool,
    pub certain: bool,
}

crate::vocabulary! {
    /// The computed key type: a key complex area of type I, II or III, not a key area, or — while
    /// an input leaves more than one outcome possible — undetermined.
    pub enum KeyType ("key type") { I = "I", II = "II", III = "III", None = "none", Undetermined = "undetermined" }
}

/// The readings an evaluation runs under: the rule set's settings, or any others (to see which
/// reading decided a result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readings(u8);

impl Readings {
    /// The settings of `set`'s `[interpretations]`.
    pub fn of(set: &RuleSet) -> Readings {
        Reading::ALL.iter().filter(|r| set.reading(**r)).fold(Readings(0), |acc, r| acc.with(*r, true))
    }
    fn bit(r: Reading) -> u8 {
        1 << Reading::ALL.iter().position(|x| *x == r).unwrap_or(0)
    }
    pub fn on(self, r: Reading) -> bool {
        self.0 & Self::bit(r) != 0
    }
    pub fn with(self, r: Reading, on: bool) -> Readings {
        if on { Readings(self.0 | Self::bit(r)) } else { Readings(self.0 & !Self::bit(r)) }
    }
}

impl Serialize for Readings {
    /// As `{reading: enabled}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(Reading::ALL.iter().map(|r| (r.as_str(), self.on(*r))))
    }
}

/// The full evaluation of one commune-year under one rule set.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub ruleset_id: String,
    pub criteria: Vec<CriterionResult>,
    pub types: Vec<TypeResult>,
    pub key_type: KeyType,
    /// Outcomes still possible, highest first (`I`, `II`, `III`, `none`); one entry when decided.
    pub possible: Vec<KeyType>,
    /// Whether any drug activity is recorded (None: an activity input is missing).
    pub activity: Option<bool>,
    /// True when the activity assumption ruled every key type out.
    pub ruled_out_by_activity: bool,
    /// The drug-free criteria (Art. 6), each with its outcome; empty when the rule set has none.
    pub drug_free: Vec<CheckResult>,
    /// Art. 6 on the data: all its criteria hold (`None`: the rule set has no drug-free criteria).
    pub drug_free_check: Option<Tri>,
    /// The readings in force.
    pub readings: Readings,
}

impl Evaluation {
    /// Ids of the criteria that are true.
    pub fn fired(&self) -> Vec<&str> {
        self.criteria.iter().filter(|c| c.value == Tri::True).map(|c| c.id.as_str()).collect()
    }

    /// What decided the result: the true criteria of the decided key type (reading higher types
    /// as meeting lower ones when that reading is in force), or the drug-free criteria when the
    /// commune meets Art. 6 and is no key area.
    pub fn reasons(&self) -> Vec<&str> {
        match self.key_type {
            KeyType::I | KeyType::II | KeyType::III => {
                self.criteria.iter().filter(|c| c.key_type == self.key_type && c.value == Tri::True).map(|c| c.id.as_str()).collect()
            }
            KeyType::None if self.drug_free_check == Some(Tri::True) => self.drug_free.iter().map(|c| c.id.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// Ids of unknown criteria with the reason, e.g. `II.a unknown(threshold)`.
    pub fn unknowns(&self) -> Vec<String> {
        let one = |id: &str, b: Option<Because>| format!("{id} unknown({})", b.map_or("?".to_string(), |b| b.to_string()));
        self.criteria
            .iter()
            .filter(|c| c.value == Tri::Unknown)
            .map(|c| one(&c.id, c.because))
            .chain(self.drug_free.iter().filter(|c| c.value == Tri::Unknown).map(|c| one(&c.id, c.because)))
            .collect()
    }

    /// Reason codes as one line: `II.a,II.b,II.c true; I.dd unknown(route)`.
    pub fn reason_codes(&self) -> String {
        let mut reasons = self.reasons();
        if reasons.is_empty() {
            reasons = self.fired();
        }
        let mut parts = Vec::new();
        if !reasons.is_empty() {
            parts.push(format!("{} true", reasons.join(",")));
        }
        let unknown = self.unknowns();
        if !unknown.is_empty() {
            parts.push(unknown.join(","));
        }
        if self.ruled_out_by_activity {
            parts.push("no drug activity recorded (activity_required)".into());
        }
        parts.join("; ")
    }

    /// `I|II` style list of the possible outcomes.
    pub fn between(&self) -> String {
        self.possible.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("|")
    }

    /// What a status is made of: the possible outcomes and the drug-free check.
    fn outcome(&self) -> (&[KeyType], Option<Tri>) {
        (&self.possible, self.drug_free_check)
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v:.4}").trim_end_matches('0').to_string() }
}

fn fmt_threshold(t: &Threshold) -> String {
    match t {
        Threshold::Exact(v) => fmt_num(*v),
        Threshold::Range([a, b]) => format!("[{}…{}]", fmt_num(*a), fmt_num(*b)),
    }
}

/// A value known to lie in `[lo, hi]` (equal ends: known exactly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn exact(v: f64) -> Interval {
        Interval { lo: v, hi: v }
    }
    fn text(&self) -> String {
        if self.lo == self.hi { fmt_num(self.lo) } else if self.hi.is_infinite() { format!("≥ {}", fmt_num(self.lo)) } else { format!("{}…{}", fmt_num(self.lo), fmt_num(self.hi)) }
    }
}

/// Compare a value in `[a, b]` with a threshold that may be a range; unknown when the answer is
/// not the same for every value and threshold.
fn compare(v: Interval, op: Op, t: &Threshold) -> Tri {
    let (lo, hi) = t.bounds();
    let (a, b) = (v.lo, v.hi);
    let decide = |all_true: bool, all_false: bool| {
        if all_true {
            Tri::True
        } else if all_false {
            Tri::False
        } else {
            Tri::Unknown
        }
    };
    match op {
        Op::Ge => decide(a >= hi, b < lo),
        Op::Gt => decide(a > hi, b <= lo),
        Op::Le => decide(b <= lo, a > hi),
        Op::Lt => decide(b < lo, a >= hi),
        Op::Eq => decide(lo == hi && a == lo && b == lo, b < lo || a > hi),
        // A band is two comparisons (see eval_condition).
        Op::Band => Tri::Unknown,
    }
}

/// How an evaluation reads its inputs: a field's value as an interval (`None`: missing), and the
/// route designation.
pub trait Source {
    fn value(&self, field: &str) -> Option<Interval>;
    fn route(&self) -> Option<RouteScope>;
}

impl Source for Inputs {
    fn value(&self, field: &str) -> Option<Interval> {
        self.values.get(field).map(|v| Interval::exact(*v))
    }
    fn route(&self) -> Option<RouteScope> {
        self.key_route_scope
    }
}

fn eval_condition(c: &Condition, src: &dyn Source, band_mode: BandMode, readings: Readings) -> (Tri, Option<Because>, String) {
    let Some(v) = src.value(&c.field) else {
        return (Tri::Unknown, Some(Because::Input), format!("{} missing", c.field));
    };
    // "Some, but below": under the reading, the value must also be above zero.
    let positive = c.positive_under.is_some_and(|r| readings.on(r));
    let above_zero = if positive { compare(v, Op::Gt, &Threshold::Exact(0.0)) } else { Tri::True };
    let zero_note = if positive { "0 < " } else { "" };
    if c.op == Op::Band {
        let mut r = above_zero;
        let mut parts = Vec::new();
        if let Some(low) = &c.low {
            r = r.and(compare(v, Op::Ge, low));
            parts.push(format!("{} ≤", fmt_threshold(low)));
        }
        parts.push(format!("{} {}", c.field, v.text()));
        if band_mode == BandMode::Strict
            && let Some(high) = &c.high
        {
            r = r.and(compare(v, Op::Lt, high));
            parts.push(format!("< {}", fmt_threshold(high)));
        }
        let because = (r == Tri::Unknown).then_some(Because::Threshold);
        return (r, because, format!("{zero_note}{}", parts.join(" ")));
    }
    let Some(t) = &c.value else {
        return (Tri::Unknown, Some(Because::Threshold), format!("{}: no threshold", c.field));
    };
    let r = above_zero.and(compare(v, c.op, t));
    let because = (r == Tri::Unknown).then_some(Because::Threshold);
    (r, because, format!("{zero_note}{} {} {} {}", c.field, v.text(), c.op, fmt_threshold(t)))
}

/// Conditions combined: any of them (`all = false`) or all of them.
fn eval_conditions(conds: &[&Condition], all: bool, src: &dyn Source, band_mode: BandMode, readings: Readings) -> (Tri, Option<Because>, String) {
    let mut value = if all { Tri::True } else { Tri::False };
    let mut because = None;
    let mut details = Vec::new();
    for cond in conds {
        let (r, b, d) = eval_condition(cond, src, band_mode, readings);
        value = if all { value.and(r) } else { value.or(r) };
        if r == Tri::Unknown && because.is_none() {
            because = b;
        }
        details.push(d);
    }
    if value != Tri::Unknown {
        because = None;
    }
    (value, because, details.join(if all { " and " } else { " or " }))
}

/// Route scopes that count for a rule listing `on_route`, under the readings.
fn counting_scopes(on_route: &[RouteScope], readings: Readings) -> Vec<RouteScope> {
    let mut scopes = on_route.to_vec();
    if readings.on(Reading::TransnationalCountsAsInterProvincial)
        && scopes.contains(&RouteScope::InterProvincial)
        && !scopes.contains(&RouteScope::Transnational)
    {
        scopes.push(RouteScope::Transnational);
    }
    scopes
}

/// Whether the designation is one of `scopes`: unknown when not designated (or not known to
/// count), false when designated otherwise.
fn on_route(scope: Option<RouteScope>, scopes: &[RouteScope], uncertain: &[RouteScope]) -> Tri {
    let scope = scope.unwrap_or(RouteScope::Unknown);
    if scopes.contains(&scope) {
        Tri::True
    } else if scope == RouteScope::Unknown || uncertain.contains(&scope) {
        Tri::Unknown
    } else {
        Tri::False
    }
}

/// Evaluate a drug-free or province criterion.
pub fn eval_check(c: &Check, src: &dyn Source, band_mode: BandMode, readings: Readings) -> CheckResult {
    let mut parts: Vec<(Tri, Option<Because>, String)> = Vec::new();
    if let Some(cond) = &c.condition {
        parts.push(eval_condition(cond, src, band_mode, readings));
    }
    if !c.any_of.is_empty() {
        parts.push(eval_conditions(&c.any_of.iter().collect::<Vec<_>>(), false, src, band_mode, readings));
    }
    if !c.all_of.is_empty() {
        parts.push(eval_conditions(&c.all_of.iter().collect::<Vec<_>>(), true, src, band_mode, readings));
    }
    if !c.route_in.is_empty() {
        let scopes = counting_scopes(&c.route_in, readings);
        let v = on_route(src.route(), &scopes, &[]);
        let scope = src.route().unwrap_or(RouteScope::Unknown);
        parts.push((v, (v == Tri::Unknown).then_some(Because::Route), format!("route {scope} in {}", scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("|"))));
    }
    let value = parts.iter().fold(Tri::True, |acc, p| acc.and(p.0));
    let because = if value == Tri::Unknown { parts.iter().find_map(|p| p.1) } else { None };
    CheckResult { id: c.id.clone(), value, because, detail: parts.into_iter().map(|p| p.2).collect::<Vec<_>>().join(" and ") }
}

/// Evaluate `set` on `inputs` under the set's own readings.
pub fn evaluate(set: &RuleSet, inputs: &Inputs) -> Evaluation {
    evaluate_with(set, inputs, Readings::of(set))
}

/// The index of a key type in the rule set (0 = the highest).
fn rank_in(set: &RuleSet, k: KeyType) -> usize {
    set.types.iter().position(|t| t.key == k).unwrap_or(usize::MAX)
}

/// Evaluate `set` on `inputs` under `readings`.
pub fn evaluate_with(set: &RuleSet, inputs: &Inputs, readings: Readings) -> Evaluation {
    let mut results: Vec<CriterionResult> = Vec::new();
    // Plain criteria first; route criteria count them.
    for c in set.criteria.iter().filter(|c| c.route.is_none()) {
        results.push(eval_plain(c, inputs, set.band_mode, readings));
    }
    let plain: Vec<(&Criterion, Tri)> =
        set.criteria.iter().filter(|c| c.route.is_none()).zip(&results).map(|(c, r)| (c, r.value)).collect();
    for c in set.criteria.iter().filter(|c| c.route.is_some()) {
        results.push(eval_route(c, set, &plain, inputs, readings));
    }
    // Keep the file's order for display.
    results.sort_by_key(|r| set.criteria.iter().position(|c| c.id == r.id));

    let activity = set.activity_required.as_ref().and_then(|a| {
        let vals: Vec<Option<f64>> = a.fields.iter().map(|f| inputs.values.get(f).copied()).collect();
        if vals.iter().any(|v| v.is_some_and(|x| x > 0.0)) {
            Some(true)
        } else if vals.iter().all(Option::is_some) {
            Some(false)
        } else {
            None
        }
    });
    let ruled_out = set.activity_required.as_ref().is_some_and(|a| a.enabled) && activity == Some(false);

    let types = type_results(set, &results, ruled_out, readings);
    let mut possible = Vec::new();
    let mut decided = false;
    for t in &types {
        if t.certain {
            possible.push(t.key);
            decided = true;
            break;
        }
        if t.possible {
            possible.push(t.key);
        }
    }
    if !decided {
        possible.push(KeyType::None);
    }

    let drug_free: Vec<CheckResult> =
        set.drug_free.iter().flat_map(|d| &d.criteria).map(|c| eval_check(c, inputs, set.band_mode, readings)).collect();
    let drug_free_check = set.drug_free.as_ref().map(|_| drug_free.iter().fold(Tri::True, |acc, c| acc.and(c.value)));
    // A commune meeting Art. 6 is a drug-free candidate, not type III; while Art. 6 is unknown it
    // may be either.
    if readings.on(Reading::DrugFreeBeforeTypeIii)
        && let Some(df) = drug_free_check
        && let Some(i) = possible.iter().position(|k| *k == KeyType::III)
    {
        match df {
            Tri::True => {
                possible.remove(i);
                if !possible.contains(&KeyType::None) {
                    possible.push(KeyType::None);
                }
            }
            Tri::Unknown if !possible.contains(&KeyType::None) => possible.push(KeyType::None),
            _ => {}
        }
    }
    let key_type = if let [only] = possible[..] { only } else { KeyType::Undetermined };
    Evaluation {
        ruleset_id: set.id.clone(),
        criteria: results,
        types,
        key_type,
        possible,
        activity,
        ruled_out_by_activity: ruled_out,
        drug_free,
        drug_free_check,
        readings,
    }
}

/// Per key type, from the highest: criteria met (at least, at most), possible, certain. With
/// [`Reading::HigherTypeCounts`], a criterion met at a higher type on the same aspect counts too
/// (two locations meet type I (b), hence type II (b) although 2 is not "exactly 1").
fn type_results(set: &RuleSet, results: &[CriterionResult], ruled_out: bool, readings: Readings) -> Vec<TypeResult> {
    let aspect_of = |id: &str| set.criteria.iter().find(|c| c.id == id).map(|c| c.aspect);
    let mut types = Vec::new();
    for (k, t) in set.types.iter().enumerate() {
        let higher: Vec<KeyType> = set.types[..k].iter().map(|h| h.key).collect();
        let values: Vec<Tri> = results
            .iter()
            .filter(|r| r.key_type == t.key)
            .map(|r| {
                if !readings.on(Reading::HigherTypeCounts) {
                    return r.value;
                }
                results
                    .iter()
                    .filter(|h| higher.contains(&h.key_type) && aspect_of(&h.id) == aspect_of(&r.id))
                    .fold(r.value, |acc, h| acc.or(h.value))
            })
            .collect();
        let met_min = values.iter().filter(|v| **v == Tri::True).count() as u32;
        let unknown = values.iter().filter(|v| **v == Tri::Unknown).count() as u32;
        let met_max = t.criteria_known.then_some(met_min + unknown);
        let possible = !ruled_out && met_max.is_none_or(|m| m >= t.min_criteria);
        let certain = !ruled_out && t.criteria_known && met_min >= t.min_criteria;
        types.push(TypeResult { key: t.key, min_criteria: t.min_criteria, met_min, met_max, possible, certain });
    }
    types
}

fn eval_plain(c: &Criterion, inputs: &Inputs, band_mode: BandMode, readings: Readings) -> CriterionResult {
    let conditions: Vec<&Condition> = c.condition.iter().chain(&c.any_of).collect();
    let (value, because, detail) = eval_conditions(&conditions, false, inputs, band_mode, readings);
    CriterionResult { id: c.id.clone(), key_type: c.key_type, value, because, detail }
}

/// "Meets at least N criteria of type T or higher and lies on a counting key route": criteria are
/// counted by aspect, each aspect once, met when any criterion of that aspect at type T or above is.
fn eval_route(c: &Criterion, set: &RuleSet, plain: &[(&Criterion, Tri)], inputs: &Inputs, readings: Readings) -> CriterionResult {
    let Some(route) = &c.route else {
        return CriterionResult { id: c.id.clone(), key_type: c.key_type, value: Tri::Unknown, because: None, detail: String::new() };
    };
    let ceiling = rank_in(set, route.of_type);
    let mut aspects: BTreeMap<Aspect, Tri> = BTreeMap::new();
    for (crit, v) in plain.iter().filter(|(crit, _)| rank_in(set, crit.key_type) <= ceiling) {
        let e = aspects.entry(crit.aspect).or_insert(Tri::False);
        *e = e.or(*v);
    }
    let met_min = aspects.values().filter(|v| **v == Tri::True).count() as u32;
    let unbounded = set.types.iter().filter(|t| rank_in(set, t.key) <= ceiling).any(|t| !t.criteria_known);
    let met_max = met_min + aspects.values().filter(|v| **v == Tri::Unknown).count() as u32;
    let count = if met_min >= route.min_criteria {
        Tri::True
    } else if !unbounded && met_max < route.min_criteria {
        Tri::False
    } else {
        Tri::Unknown
    };
    let scopes = counting_scopes(&route.on_route, readings);
    let on = on_route(inputs.key_route_scope, &scopes, &route.uncertain);
    let value = count.and(on);
    let because = match value {
        Tri::Unknown if on == Tri::Unknown => Some(Because::Route),
        Tri::Unknown => Some(Because::Dependent),
        _ => None,
    };
    let fired: BTreeSet<&str> = aspects.iter().filter(|(_, v)| **v == Tri::True).map(|(k, _)| k.as_str()).collect();
    let scope = inputs.key_route_scope.unwrap_or(RouteScope::Unknown);
    CriterionResult {
        id: c.id.clone(),
        key_type: c.key_type,
        value,
        because,
        detail: format!(
            "criteria of type {} or higher met: {} (≥ {} needed: {}), key_route_scope {scope}",
            route.of_type,
            met_min,
            route.min_criteria,
            fired.into_iter().collect::<Vec<_>>().join(",")
        ),
    }
}

/// The readings that decided `set`'s result on `inputs`: each one whose opposite setting (the
/// others as in the set) gives other possible outcomes or another drug-free check.
pub fn decisive_readings(set: &RuleSet, inputs: &Inputs) -> Vec<Reading> {
    explain(set, inputs).1
}

/// The evaluation under the set's readings, and the readings that decided it. A reading is
/// re-evaluated only when it can bear on these inputs (see [`may_matter`]), so most
/// commune-years are evaluated once.
pub fn explain(set: &RuleSet, inputs: &Inputs) -> (Evaluation, Vec<Reading>) {
    let base = Readings::of(set);
    let now = evaluate_with(set, inputs, base);
    let decisive = set
        .interpretations
        .keys()
        .copied()
        .filter(|r| may_matter(set, inputs, &now, *r) && evaluate_with(set, inputs, base.with(*r, !base.on(*r))).outcome() != now.outcome())
        .collect();
    (now, decisive)
}

/// Whether flipping `reading` can change anything on these inputs, judged on the evaluation
/// `now` (a necessary condition; `tests/rules.rs` checks it against flipping every reading):
/// - a higher type's criterion counts for the lower ones only when one of them is not false
///   (criteria values do not depend on the reading, only the types' counts do);
/// - "below, but above zero" differs only where such a value is known and zero;
/// - a transnational route counts differently only on a transnational route;
/// - a drug-free candidate is preferred to type III only when Art. 6 is not false.
fn may_matter(set: &RuleSet, inputs: &Inputs, now: &Evaluation, reading: Reading) -> bool {
    match reading {
        Reading::HigherTypeCounts => {
            let lowest = set.types.last().map(|t| t.key);
            now.criteria.iter().any(|c| Some(c.key_type) != lowest && c.value != Tri::False)
        }
        Reading::TypeIiiRequiresActivity => set
            .commune_conditions()
            .filter(|c| c.positive_under == Some(reading))
            .any(|c| inputs.values.get(c.field.as_str()).is_some_and(|v| *v <= 0.0)),
        Reading::TransnationalCountsAsInterProvincial => inputs.key_route_scope == Some(RouteScope::Transnational),
        Reading::DrugFreeBeforeTypeIii => now.drug_free_check.is_some_and(|d| d != Tri::False),
    }
}

/// Sums over a province's communes for one year, and its route designation: what Art. 5 reads.
/// A sum over communes some of which have no figures is known only as a lower bound.
#[derive(Debug, Clone, Default)]
pub struct ProvinceInputs {
    /// Field → interval (sums, rates, the share of type I and II communes).
    pub values: BTreeMap<&'static str, Interval>,
    pub route_scope: Option<RouteScope>,
}

impl Source for ProvinceInputs {
    fn value(&self, field: &str) -> Option<Interval> {
        self.values.get(field).copied()
    }
    fn route(&self) -> Option<RouteScope> {
        self.route_scope
    }
}

/// A province-year under Art. 5: each criterion, how many are met (at least, at most), and
/// whether the province is a key complex area (true when at least `min_criteria` are certainly
/// met, false when they cannot be, unknown between).
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceEvaluation {
    pub ruleset_id: String,
    pub criteria: Vec<CheckResult>,
    pub min_criteria: u32,
    pub met_min: u32,
    pub met_max: u32,
    pub key: Tri,
}

/// Evaluate the province criteria of `set` (None when it has none).
pub fn evaluate_province(set: &RuleSet, inputs: &ProvinceInputs) -> Option<ProvinceEvaluation> {
    let p = set.province.as_ref()?;
    let readings = Readings::of(set);
    let criteria: Vec<CheckResult> = p.criteria.iter().map(|c| eval_check(c, inputs, set.band_mode, readings)).collect();
    let met_min = criteria.iter().filter(|c| c.value == Tri::True).count() as u32;
    let met_max = met_min + criteria.iter().filter(|c| c.value == Tri::Unknown).count() as u32;
    let key = if met_min >= p.min_criteria {
        Tri::True
    } else if met_max < p.min_criteria {
        Tri::False
    } else {
        Tri::Unknown
    };
    Some(ProvinceEvaluation { ruleset_id: set.id.clone(), criteria, min_criteria: p.min_criteria, met_min, met_max, key })
}
