//! Rule sets as data: the TOML files under `data/rules/` (one per legal instrument), which rule
//! set applies to which year, and how key types map to map statuses. Pure: no I/O beyond reading
//! the rule files, no store.
//!
//! A rule set holds the commune criteria by key type (each with the article and point it comes
//! from), the drug-free criteria (Decision 28/2025 Art. 6), the province-level criteria (Art. 5),
//! the assessment period (Art. 7.1) and the **readings** ([`Reading`]) the text leaves open — named
//! switches, each with its reason, whose values every evaluation records and whose effect on a
//! result is shown ([`eval::decisive_readings`]). A threshold the sources do not confirm is a range
//! of plausible values, and a criterion is decided only when its answer is the same for every
//! value in the range ([`eval`]); a missing input is unknown, never false.

pub mod eval;
pub mod status;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::vocab::RouteScope;

pub use eval::{Evaluation, Inputs, KeyType, ProvinceEvaluation, Readings, Tri, Values, evaluate, evaluate_province};

/// `data/rules/` as built into the binary.
pub static RULES_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/data/rules");

/// How sure the sources are of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confirmed {
    True,
    Partial,
    False,
}

/// A threshold: a number, or the range of values an unconfirmed threshold may take.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    Exact(f64),
    Range([f64; 2]),
}

impl Threshold {
    /// Lowest and highest plausible value.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Threshold::Exact(v) => (v, v),
            Threshold::Range([a, b]) => (a.min(b), a.max(b)),
        }
    }
}

crate::vocabulary! {
    /// How a condition compares its field with its threshold.
    pub enum Op ("operator") {
        Ge = ">=",
        Gt = ">",
        Le = "<=",
        Lt = "<",
        Eq = "==",
        /// `low` ≤ value < `high` (with [`BandMode::Strict`]; `low` ≤ value with `AtLeast`).
        Band = "band",
    }
}

crate::vocabulary! {
    /// How a band "from X to under Y" is read.
    pub enum BandMode ("band mode") {
        /// Only inside [X, Y) counts.
        Strict = "strict",
        /// X or more counts.
        AtLeast = "at_least",
    }
}

crate::vocabulary! {
    /// What a criterion measures. Criteria of different key types on the same aspect are one
    /// criterion at different levels: with [`Reading::HigherTypeCounts`] meeting it at a higher
    /// type meets it for the lower ones, and the route criteria count aspects, not criteria.
    pub enum Aspect ("criterion aspect") {
        Rate = "rate", Locations = "locations", Arrests = "arrests", Plants = "plants",
        Addicts = "addicts", Hotspots = "hotspots", Route = "route",
    }
}

crate::vocabulary! {
    /// A reading the decision's text leaves open (domain.md §1.3, §1.5, §5.4): a named switch of the
    /// rule set, recorded with every evaluation.
    pub enum Reading ("interpretation") {
        /// A criterion met at a higher type also counts for the lower types.
        HigherTypeCounts = "higher_type_counts",
        /// Type III's "below" criteria count only when the value is above zero.
        TypeIiiRequiresActivity = "type_iii_requires_activity",
        /// A transnational key route counts as an inter-provincial one.
        TransnationalCountsAsInterProvincial = "transnational_counts_as_inter_provincial",
        /// A commune meeting Art. 6 is a drug-free candidate, not type III.
        DrugFreeBeforeTypeIii = "drug_free_before_type_iii",
    }
}

/// A reading's setting in a rule set, with why it is read so.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interpretation {
    pub enabled: bool,
    /// Why this reading, in one line (shown in the commune panel and the API).
    pub reason: String,
    /// The reading as the panel names it: "loại III theo cách hiểu: chỉ tính khi có phát sinh".
    pub label_vi: String,
    pub label_en: String,
}

/// A month and day, written `MM-DD` in the rule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    fn parse(s: &str) -> Option<MonthDay> {
        let (m, d) = s.split_once('-')?;
        let md = MonthDay { month: m.parse().ok()?, day: d.parse().ok()? };
        NaiveDate::from_ymd_opt(2024, md.month, md.day).map(|_| md)
    }
}

impl Serialize for MonthDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:02}-{:02}", self.month, self.day))
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<MonthDay, D::Error> {
        let s = String::deserialize(d)?;
        MonthDay::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("expected a month and day MM-DD, got '{s}'")))
    }
}

/// The assessment period of a year: from `start` (in the year before, when it falls after `end`)
/// to `end` of the year (Decision 28/2025 Art. 7.1: 15 December – 14 December).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Period {
    pub start: MonthDay,
    pub end: MonthDay,
    #[serde(default)]
    pub citation: Option<String>,
}

impl Period {
    /// The calendar year, for rule sets that name no period.
    pub const CALENDAR: Period = Period { start: MonthDay { month: 1, day: 1 }, end: MonthDay { month: 12, day: 31 }, citation: None };

    /// Is `date` inside `year`'s period?
    pub fn contains(&self, year: i32, date: NaiveDate) -> bool {
        let (a, b) = self.of(year);
        (a..=b).contains(&date)
    }

    /// The first and last day of `year`'s period.
    pub fn of(&self, year: i32) -> (NaiveDate, NaiveDate) {
        let start_year = if self.start > self.end { year - 1 } else { year };
        let day = |y: i32, md: MonthDay| NaiveDate::from_ymd_opt(y, md.month, md.day).unwrap_or_else(|| NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or_default());
        (day(start_year, self.start), day(year, self.end))
    }

    /// The period as people write it: `Kỳ 15/12/2025–14/12/2026` / `Period 15/12/2025–14/12/2026`.
    pub fn label(&self, year: i32, english: bool) -> String {
        let (a, b) = self.of(year);
        format!("{} {}–{}", if english { "Period" } else { "Kỳ" }, a.format("%d/%m/%Y"), b.format("%d/%m/%Y"))
    }
}

/// A comparison on one input field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: Option<Threshold>,
    #[serde(default)]
    pub low: Option<Threshold>,
    #[serde(default)]
    pub high: Option<Threshold>,
    /// The figure a relay printed for an unconfirmed threshold, for display only.
    #[serde(default)]
    pub shown: Option<f64>,
    #[serde(default)]
    pub confirmed: Option<Confirmed>,
    /// Under this reading (when enabled) the value must also be above zero: "below 0.1 %" then
    /// means "some, but below 0.1 %".
    #[serde(default)]
    pub positive_under: Option<Reading>,
}

/// "Meets at least `min_criteria` criteria of type `of_type` or higher and lies on a key route".
/// Criteria are counted by [`Aspect`]; with [`Reading::TransnationalCountsAsInterProvincial`] a
/// transnational route counts wherever an inter-provincial one does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteRule {
    pub min_criteria: u32,
    /// Criteria of this type or a higher one count (`II` for type I's (đ), `III` for type II's).
    pub of_type: KeyType,
    /// Route scopes that count.
    #[serde(default)]
    pub on_route: Vec<RouteScope>,
    /// Route scopes for which the sources do not say whether they count.
    #[serde(default)]
    pub uncertain: Vec<RouteScope>,
}

/// One criterion of a key type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Criterion {
    pub id: String,
    #[serde(rename = "type")]
    pub key_type: KeyType,
    pub label_vi: String,
    pub label_en: String,
    pub confirmed: Confirmed,
    #[serde(default)]
    pub citation: String,
    pub aspect: Aspect,
    /// A single comparison (flattened: field, op, value …).
    #[serde(flatten)]
    pub condition: Option<Condition>,
    /// True when any of these holds.
    #[serde(default)]
    pub any_of: Vec<Condition>,
    #[serde(default)]
    pub route: Option<RouteRule>,
}

/// A criterion that is not one of a key type's: the drug-free conditions (Art. 6) and the
/// province criteria (Art. 5). One comparison, or any/all of several, or the route designation
/// being one of `route_in`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    pub label_vi: String,
    pub label_en: String,
    pub confirmed: Confirmed,
    #[serde(default)]
    pub citation: String,
    #[serde(flatten)]
    pub condition: Option<Condition>,
    #[serde(default)]
    pub any_of: Vec<Condition>,
    #[serde(default)]
    pub all_of: Vec<Condition>,
    /// True when the route designation is one of these.
    #[serde(default)]
    pub route_in: Vec<RouteScope>,
}

/// The drug-free criteria: all must hold (Art. 6).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrugFreeRules {
    #[serde(default)]
    pub citation: String,
    pub criteria: Vec<Check>,
}

/// Province-level key complex areas: at least `min_criteria` of the criteria (Art. 5), computed on
/// sums over the province's communes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProvinceRules {
    pub min_criteria: u32,
    #[serde(default)]
    pub citation: String,
    pub criteria: Vec<Check>,
}

/// A key type and how many of its criteria make it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeRule {
    pub key: KeyType,
    pub min_criteria: u32,
    pub confirmed: Confirmed,
    /// False when the list of this type's criteria is not known.
    #[serde(default = "yes")]
    pub criteria_known: bool,
    #[serde(default)]
    pub citation: String,
}

fn yes() -> bool {
    true
}

/// Which inputs record drug activity, and whether a commune with none cannot be a key area (an
/// assumption for rule sets whose lower types are unknown; `enabled = false` records activity only,
/// for the map status).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActivityRequired {
    pub enabled: bool,
    pub confirmed: Confirmed,
    pub fields: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// A legal instrument's commune classification rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleSet {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub legal_basis: String,
    #[serde(deserialize_with = "crate::dates::required")]
    pub valid_from: NaiveDate,
    #[serde(default)]
    pub source_url: String,
    pub band_mode: BandMode,
    /// The assessment period (absent: the calendar year).
    #[serde(default)]
    pub period: Option<Period>,
    /// The readings the text leaves open, by name.
    #[serde(default)]
    pub interpretations: BTreeMap<Reading, Interpretation>,
    pub types: Vec<TypeRule>,
    #[serde(default)]
    pub activity_required: Option<ActivityRequired>,
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub drug_free: Option<DrugFreeRules>,
    #[serde(default)]
    pub province: Option<ProvinceRules>,
}

/// One row of `applicability.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Apply {
    pub ruleset: String,
    pub from_year: i32,
    #[serde(default)]
    pub to_year: Option<i32>,
    #[serde(default)]
    pub province: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Applicability {
    apply: Vec<Apply>,
}

/// Target path points (year → percent drug-free), by province or default.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetPath {
    pub points: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct TargetsFile {
    default: TargetPath,
    #[serde(default)]
    province: BTreeMap<String, TargetPath>,
}

/// `data/rules/candidates.toml`: weights of the conversion-candidate ranking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CandidateConfig {
    pub weights: BTreeMap<String, f64>,
    pub trend: TrendConfig,
    pub population: PopulationConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrendConfig {
    /// A change of this many percentage points a year scores 0 or 1.
    pub full_scale_pp: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PopulationConfig {
    /// Population at which the component reaches 0.
    pub large: f64,
}

/// Every rule file, loaded and checked.
#[derive(Debug, Clone)]
pub struct Rules {
    pub sets: Vec<RuleSet>,
    pub apply: Vec<Apply>,
    pub status: status::StatusMapping,
    pub target_default: TargetPath,
    pub target_province: BTreeMap<String, TargetPath>,
    pub candidates: CandidateConfig,
    /// A digest of the rule files, to know when stored results are stale.
    pub digest: String,
}

impl Rules {
    /// The rules built into the binary.
    pub fn embedded() -> Result<Rules> {
        let files: Vec<(String, String)> = RULES_DIR
            .files()
            .map(|f| (f.path().display().to_string(), f.contents_utf8().unwrap_or_default().to_string()))
            .collect();
        Rules::from_files(files)
    }

    /// Rules from a directory (to try edited rules without rebuilding).
    pub fn from_dir(dir: &std::path::Path) -> Result<Rules> {
        let mut files = Vec::new();
        for e in std::fs::read_dir(dir).map_err(Error::io(dir))? {
            let p = e.map_err(Error::io(dir))?.path();
            if p.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&p).map_err(Error::io(&p))?;
                files.push((p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), text));
            }
        }
        Rules::from_files(files)
    }

    fn from_files(mut files: Vec<(String, String)>) -> Result<Rules> {
        files.sort();
        let bad = |name: &str, e: toml::de::Error| Error::InvalidArgument(format!("data/rules/{name}: {e}"));
        let mut sets = Vec::new();
        let mut apply = None;
        let mut status = None;
        let mut targets = None;
        let mut candidates = None;
        let mut hasher = crate::hash::Fnv::default();
        for (name, text) in &files {
            hasher.write(name.as_bytes());
            hasher.write(text.as_bytes());
            match name.as_str() {
                "applicability.toml" => {
                    apply = Some(toml::from_str::<Applicability>(text).map_err(|e| bad(name, e))?.apply)
                }
                "status.toml" => status = Some(toml::from_str(text).map_err(|e| bad(name, e))?),
                "targets.toml" => targets = Some(toml::from_str::<TargetsFile>(text).map_err(|e| bad(name, e))?),
                "candidates.toml" => candidates = Some(toml::from_str::<CandidateConfig>(text).map_err(|e| bad(name, e))?),
                // The annual review's deadlines: read by `crate::review`, not a rule set.
                "review.toml" => {}
                _ => {
                    let set: RuleSet = toml::from_str(text).map_err(|e| bad(name, e))?;
                    set.check().map_err(|m| Error::InvalidArgument(format!("data/rules/{name}: {m}")))?;
                    sets.push(set);
                }
            }
        }
        let missing = |f: &str| Error::InvalidArgument(format!("data/rules/{f} is missing"));
        let apply = apply.ok_or_else(|| missing("applicability.toml"))?;
        for a in &apply {
            if !sets.iter().any(|s| s.id == a.ruleset) {
                return Err(Error::InvalidArgument(format!(
                    "data/rules/applicability.toml names rule set '{}', which no file defines",
                    a.ruleset
                )));
            }
        }
        let targets = targets.ok_or_else(|| missing("targets.toml"))?;
        Ok(Rules {
            sets,
            apply,
            status: status.ok_or_else(|| missing("status.toml"))?,
            target_default: targets.default,
            target_province: targets.province,
            candidates: candidates.ok_or_else(|| missing("candidates.toml"))?,
            digest: format!("{:016x}", hasher.finish()),
        })
    }

    /// The rule set for a province's reporting year (later rows of applicability.toml win;
    /// province-specific rows beat general ones).
    pub fn for_year(&self, province: Option<&str>, year: i32) -> Option<&RuleSet> {
        let hits = |a: &&Apply| a.from_year <= year && a.to_year.is_none_or(|t| year <= t);
        let specific = self.apply.iter().filter(hits).filter(|a| a.province.is_some() && a.province.as_deref() == province).last();
        let general = self.apply.iter().filter(hits).filter(|a| a.province.is_none()).last();
        let id = &specific.or(general)?.ruleset;
        self.sets.iter().find(|s| &s.id == id)
    }

    /// A rule set by id.
    pub fn set(&self, id: &str) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.id == id)
    }

    /// Target share of drug-free communes (percent) for a province and year: linear between the
    /// path's points, flat before the first and after the last.
    pub fn target_pct(&self, province: &str, year: i32) -> Option<f64> {
        let path = self.target_province.get(province).unwrap_or(&self.target_default);
        let pts: Vec<(i32, f64)> = path.points.iter().filter_map(|(y, v)| y.parse().ok().map(|y: i32| (y, *v))).collect();
        let first = pts.first()?;
        if year < first.0 {
            return None;
        }
        for w in pts.windows(2) {
            let ((y0, v0), (y1, v1)) = (w[0], w[1]);
            if (y0..=y1).contains(&year) {
                return Some(v0 + (v1 - v0) * f64::from(year - y0) / f64::from((y1 - y0).max(1)));
            }
        }
        pts.last().map(|p| p.1)
    }
}

impl RuleSet {
    /// Structural checks a reader of the TOML would otherwise trip over at evaluation time.
    fn check(&self) -> std::result::Result<(), String> {
        for c in &self.criteria {
            if !self.types.iter().any(|t| t.key == c.key_type) {
                return Err(format!("criterion {} has type {}, which [[types]] does not define", c.id, c.key_type));
            }
            if let Some(r) = &c.route
                && !self.types.iter().any(|t| t.key == r.of_type)
            {
                return Err(format!("criterion {}: route.of_type {} is not a type of the rule set", c.id, r.of_type));
            }
            let conditions: Vec<&Condition> = c.condition.iter().chain(&c.any_of).collect();
            if conditions.is_empty() && c.route.is_none() {
                return Err(format!("criterion {} has no condition (field/op, any_of or route)", c.id));
            }
            check_conditions(&c.id, c.confirmed, &conditions)?;
        }
        let checks = self.drug_free.iter().flat_map(|d| &d.criteria).chain(self.province.iter().flat_map(|p| &p.criteria));
        for c in checks {
            let conditions: Vec<&Condition> = c.condition.iter().chain(&c.any_of).chain(&c.all_of).collect();
            if conditions.is_empty() && c.route_in.is_empty() {
                return Err(format!("criterion {} has no condition (field/op, any_of, all_of or route_in)", c.id));
            }
            check_conditions(&c.id, c.confirmed, &conditions)?;
        }
        for cond in self.commune_conditions() {
            if let Some(r) = cond.positive_under
                && !self.interpretations.contains_key(&r)
            {
                return Err(format!("a condition on {} names the reading {r}, which [interpretations] does not set", cond.field));
            }
        }
        Ok(())
    }

    /// Is a reading enabled in this rule set? (A reading the set does not name is off.)
    pub fn reading(&self, r: Reading) -> bool {
        self.interpretations.get(&r).is_some_and(|i| i.enabled)
    }

    /// The assessment period of the rule set (the calendar year when it names none).
    pub fn period(&self) -> Period {
        self.period.clone().unwrap_or(Period::CALENDAR)
    }
}

impl RuleSet {
    /// Every comparison a commune-year is evaluated on: the key types' criteria and the drug-free
    /// criteria (not the province's).
    pub fn commune_conditions(&self) -> impl Iterator<Item = &Condition> {
        let criteria = self.criteria.iter().flat_map(|c| c.condition.iter().chain(&c.any_of));
        let drug_free = self.drug_free.iter().flat_map(|d| &d.criteria).flat_map(|c| c.condition.iter().chain(&c.any_of).chain(&c.all_of));
        criteria.chain(drug_free)
    }
}

fn check_conditions(id: &str, confirmed: Confirmed, conditions: &[&Condition]) -> std::result::Result<(), String> {
    for cond in conditions {
        let confirmed = cond.confirmed.unwrap_or(confirmed);
        let thresholds = [cond.value, cond.low, cond.high];
        if confirmed == Confirmed::False && thresholds.iter().flatten().any(|t| matches!(t, Threshold::Exact(_))) && cond.op != Op::Band {
            return Err(format!("criterion {id}: an unconfirmed threshold must be a range [lowest, highest], not a number"));
        }
        match cond.op {
            Op::Band if cond.low.is_some() || cond.high.is_some() => {}
            Op::Band => return Err(format!("criterion {id}: operator band needs low and/or high")),
            Op::Ge | Op::Gt | Op::Le | Op::Lt | Op::Eq if cond.value.is_some() => {}
            other => return Err(format!("criterion {id}: operator '{other}' needs a value")),
        }
    }
    Ok(())
}
