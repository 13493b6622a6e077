//! Evaluating a rule set on one commune-year, in three-valued logic.
//!
//! Each criterion is true, false or unknown (an input is missing, an unconfirmed threshold could
//! go either way, or a route scope is not known to count). Per key type, `met_min` counts the
//! true criteria and `met_max` the true and unknown ones (unbounded when the type's criteria are
//! not known at all). A type is *possible* if `met_max` reaches its minimum and *certain* if
//! `met_min` does. Walking from the highest type down, the result is the first certain type when
//! every higher one is impossible, `none` when all are impossible, and otherwise `undetermined`
//! with the outcomes still possible (domain.md §5.3).

use std::collections::{BTreeMap, BTreeSet};

use std::fmt;

use serde::Serialize;

use super::{BandMode, Condition, Criterion, Op, RuleSet, Threshold};
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

    /// Add the rates Decision 28/2025 uses (domain.md §5.3), when their inputs are present.
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
    /// an input or reading leaves more than one outcome possible — undetermined.
    pub enum KeyType ("key type") {
        I = "I",
        II = "II",
        III = "III",
        None = "none",
        Undetermined = "undetermined",
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
}

impl Evaluation {
    /// Ids of the criteria that are true.
    pub fn fired(&self) -> Vec<&str> {
        self.criteria.iter().filter(|c| c.value == Tri::True).map(|c| c.id.as_str()).collect()
    }

    /// Ids of unknown criteria with the reason, e.g. `II.a unknown(threshold)`.
    pub fn unknowns(&self) -> Vec<String> {
        self.criteria
            .iter()
            .filter(|c| c.value == Tri::Unknown)
            .map(|c| format!("{} unknown({})", c.id, c.because.map_or("?".to_string(), |b| b.to_string())))
            .collect()
    }

    /// Reason codes as one line: `II.b,II.c true; II.a unknown(threshold)`.
    pub fn reason_codes(&self) -> String {
        let fired = self.fired();
        let mut parts = Vec::new();
        if !fired.is_empty() {
            parts.push(format!("{} true", fired.join(",")));
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

/// Compare `v` with a threshold that may be a range; unknown when the range straddles the answer.
fn compare(v: f64, op: Op, t: &Threshold) -> Tri {
    let (lo, hi) = t.bounds();
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
        Op::Ge => decide(v >= hi, v < lo),
        Op::Gt => decide(v > hi, v <= lo),
        Op::Le => decide(v <= lo, v > hi),
        Op::Lt => decide(v < lo, v >= hi),
        Op::Eq => decide(lo == hi && v == lo, v < lo || v > hi),
        // A band is two comparisons (see eval_condition).
        Op::Band => Tri::Unknown,
    }
}

fn eval_condition(c: &Condition, inputs: &Inputs, band_mode: BandMode) -> (Tri, Option<Because>, String) {
    let Some(&v) = inputs.values.get(&c.field) else {
        return (Tri::Unknown, Some(Because::Input), format!("{} missing", c.field));
    };
    if c.op == Op::Band {
        let mut r = Tri::True;
        let mut parts = Vec::new();
        if let Some(low) = &c.low {
            r = r.and(compare(v, Op::Ge, low));
            parts.push(format!("{} ≤", fmt_threshold(low)));
        }
        parts.push(format!("{} {}", c.field, fmt_num(v)));
        if band_mode == BandMode::Strict
            && let Some(high) = &c.high
        {
            r = r.and(compare(v, Op::Lt, high));
            parts.push(format!("< {}", fmt_threshold(high)));
        }
        let because = (r == Tri::Unknown).then_some(Because::Threshold);
        return (r, because, parts.join(" "));
    }
    let Some(t) = &c.value else {
        return (Tri::Unknown, Some(Because::Threshold), format!("{}: no threshold", c.field));
    };
    let r = compare(v, c.op, t);
    let because = (r == Tri::Unknown).then_some(Because::Threshold);
    (r, because, format!("{} {} {} {}", c.field, fmt_num(v), c.op, fmt_threshold(t)))
}

fn letter(id: &str) -> &str {
    id.rsplit('.').next().unwrap_or(id)
}

/// Evaluate `set` on `inputs`.
pub fn evaluate(set: &RuleSet, inputs: &Inputs) -> Evaluation {
    let mut results: Vec<CriterionResult> = Vec::new();
    // Plain criteria first; route criteria count them.
    for c in set.criteria.iter().filter(|c| c.route.is_none()) {
        results.push(eval_plain(c, inputs, set.band_mode));
    }
    for c in set.criteria.iter().filter(|c| c.route.is_some()) {
        results.push(eval_route(c, set, &results, inputs));
    }
    // Keep the file's order for display.
    results.sort_by_key(|r| set.criteria.iter().position(|c| c.id == r.id));

    let activity = set.activity_required.as_ref().map(|a| {
        let vals: Vec<Option<f64>> = a.fields.iter().map(|f| inputs.values.get(f).copied()).collect();
        if vals.iter().any(|v| v.is_some_and(|x| x > 0.0)) {
            Some(true)
        } else if vals.iter().all(Option::is_some) {
            Some(false)
        } else {
            None
        }
    });
    let ruled_out =
        set.activity_required.as_ref().is_some_and(|a| a.enabled) && activity.flatten() == Some(false);

    let mut types = Vec::new();
    for (k, t) in set.types.iter().enumerate() {
        // Each of this type's criteria, by letter; with `higher_type_counts`, meeting the same
        // letter at a higher type counts too (2 locations meet type I (b), hence type II (b)).
        let higher: Vec<KeyType> = set.types[..k].iter().map(|h| h.key).collect();
        let values: Vec<Tri> = results
            .iter()
            .filter(|r| r.key_type == t.key)
            .map(|r| {
                if !set.higher_type_counts {
                    return r.value;
                }
                results
                    .iter()
                    .filter(|h| higher.contains(&h.key_type) && letter(&h.id) == letter(&r.id))
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
    let key_type = if let [only] = possible[..] { only } else { KeyType::Undetermined };
    Evaluation {
        ruleset_id: set.id.clone(),
        criteria: results,
        types,
        key_type,
        possible,
        activity: activity.flatten(),
        ruled_out_by_activity: ruled_out,
    }
}

fn eval_plain(c: &Criterion, inputs: &Inputs, band_mode: BandMode) -> CriterionResult {
    let conditions: Vec<&Condition> = c.condition.iter().chain(&c.any_of).collect();
    let mut value = Tri::False;
    let mut because = None;
    let mut details = Vec::new();
    for cond in conditions {
        let (r, b, d) = eval_condition(cond, inputs, band_mode);
        value = value.or(r);
        if r == Tri::Unknown && because.is_none() {
            because = b;
        }
        details.push(d);
    }
    if value != Tri::Unknown {
        because = None;
    }
    CriterionResult { id: c.id.clone(), key_type: c.key_type, value, because, detail: details.join(" or ") }
}

fn eval_route(c: &Criterion, set: &RuleSet, plain: &[CriterionResult], inputs: &Inputs) -> CriterionResult {
    let Some(route) = &c.route else {
        return CriterionResult { id: c.id.clone(), key_type: c.key_type, value: Tri::Unknown, because: None, detail: String::new() };
    };
    // Criteria of type III or higher, counted by letter: (a) is met if any type's (a) is.
    let mut letters: BTreeMap<&str, Tri> = BTreeMap::new();
    for r in plain {
        let e = letters.entry(letter(&r.id)).or_insert(Tri::False);
        *e = e.or(r.value);
    }
    let met_min = letters.values().filter(|v| **v == Tri::True).count() as u32;
    let unbounded = set.types.iter().any(|t| !t.criteria_known);
    let met_max = met_min + letters.values().filter(|v| **v == Tri::Unknown).count() as u32;
    let count = if met_min >= route.min_criteria {
        Tri::True
    } else if !unbounded && met_max < route.min_criteria {
        Tri::False
    } else {
        Tri::Unknown
    };
    let scope = inputs.key_route_scope.unwrap_or(RouteScope::Unknown);
    let on = if route.on_route.contains(&scope) {
        Tri::True
    } else if scope == RouteScope::Unknown || route.uncertain.contains(&scope) {
        Tri::Unknown
    } else {
        Tri::False
    };
    let value = count.and(on);
    let because = match value {
        Tri::Unknown if on == Tri::Unknown => Some(Because::Route),
        Tri::Unknown => Some(Because::Dependent),
        _ => None,
    };
    let fired: BTreeSet<&str> = letters.iter().filter(|(_, v)| **v == Tri::True).map(|(k, _)| *k).collect();
    CriterionResult {
        id: c.id.clone(),
        key_type: c.key_type,
        value,
        because,
        detail: format!(
            "criteria met {} (≥ {} needed: {}), key_route_scope {scope}",
            met_min,
            route.min_criteria,
            fired.into_iter().collect::<Vec<_>>().join(",")
        ),
    }
}
