//! Choropleth classes and legends, computed over the whole distribution server-side so every
//! client (web map, static maps) colours the same unit the same way.
//!
//! Categorical metrics (map status, key type, conversion) have fixed classes, colours and
//! bilingual labels. Numeric metrics are classed by quantiles, equal intervals, Jenks natural
//! breaks or custom breaks, coloured with a ColorBrewer sequential ramp (YlOrRd, Apache-2.0).
//! Categorical palettes are diverging blue–red (ColorBrewer RdBu), readable with red–green
//! colour blindness: drug-free is blue, hotspots are red.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Snapshot, conversion};
use crate::error::{Error, Result};
use crate::rules::KeyType;
use crate::rules::status::MapStatus;

crate::vocabulary! {
    /// How a numeric metric's values are cut into classes (categorical metrics have their own).
    pub enum Method ("classification method") {
        /// Equal numbers of units per class.
        Quantile = "quantile",
        /// Classes of equal width.
        Equal = "equal",
        /// Jenks natural breaks.
        Jenks = "jenks",
        /// The breaks given (`breaks=a,b,c`).
        Custom = "custom",
        /// Fixed classes of a categorical metric (status, key type, conversion).
        Categorical = "categorical",
    }
}

/// What a choropleth maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metric {
    /// The map status.
    Status,
    /// The computed key type.
    KeyType,
    /// Conversion from an earlier year.
    Conversion,
    /// A numeric indicator or rate (`addict_user_rate_pct`, `drug_use_locations` …).
    Indicator(String),
}

impl Metric {
    pub fn as_str(&self) -> &str {
        match self {
            Metric::Status => "status",
            Metric::KeyType => "key_type",
            Metric::Conversion => "conversion",
            Metric::Indicator(name) => name,
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Metric> {
        Ok(match s {
            "status" => Metric::Status,
            "key_type" => Metric::KeyType,
            "conversion" => Metric::Conversion,
            other => {
                let numeric = super::facts::numeric_columns();
                if !numeric.contains(&other) && !other.ends_with("_pct") {
                    return Err(Error::InvalidArgument(format!(
                        "unknown metric '{other}': use status, key_type, conversion, addict_user_rate_pct, arrest_rate_pct or a numeric indicator ({})",
                        numeric.join(", ")
                    )));
                }
                Metric::Indicator(other.to_string())
            }
        })
    }
}

impl Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What to map: the query of `/api/choropleth` and of static maps.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Spec {
    pub year: Option<i32>,
    pub metric: Option<String>,
    pub method: Option<Method>,
    pub classes: Option<usize>,
    /// Custom breaks, comma-separated.
    pub breaks: Option<String>,
    /// Conversion: the earlier year (default `year` − 1).
    pub from: Option<i32>,
    pub version: Option<String>,
    /// Also return each unit's value (numeric metrics).
    #[serde(default)]
    pub values: bool,
    /// Conversion: compare the approved statuses (default) or the computed ones.
    pub statuses: Option<conversion::Statuses>,
}

/// A computed choropleth: every unit's class and the legend with counts.
#[derive(Debug, Clone, Serialize)]
pub struct Choropleth {
    pub metric: Metric,
    pub method: Method,
    pub year: i32,
    pub from: Option<i32>,
    pub boundary_version: String,
    #[serde(skip)]
    pub version_id: i32,
    pub legend: Vec<Class>,
    /// Unit id → class key.
    pub units: BTreeMap<i64, String>,
    /// Unit id → value (numeric metrics, when asked for).
    pub values: BTreeMap<i64, f64>,
    /// Conversion: which statuses were compared (approved or computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statuses: Option<conversion::Statuses>,
}

impl Choropleth {
    /// The colour of a unit's class.
    pub fn color_of(&self, unit: i64) -> Option<&str> {
        let key = self.units.get(&unit)?;
        self.legend.iter().find(|c| &c.key == key).map(|c| c.color.as_str())
    }
}

/// Class every unit of the year's boundary version that `keep` accepts.
pub fn compute(s: &Snapshot, q: &Spec, keep: &dyn Fn(i64) -> bool) -> Result<Choropleth> {
    let years = s.years();
    let year = match q.year {
        Some(y) => y,
        None => *years.last().ok_or_else(|| Error::NotFound("the store holds no indicators yet".into()))?,
    };
    let version = match &q.version {
        Some(name) => s.versions.iter().find(|v| &v.name == name).ok_or_else(|| Error::NotFound(format!("no boundary version named '{name}'")))?,
        None => s.version_for_year(year).ok_or_else(|| Error::NotFound(format!("no boundary version is valid in {year}")))?,
    };
    let mut ids: Vec<i64> = s.facts.units.iter().filter(|(id, u)| u.version_id == version.id && keep(**id)).map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let metric: Metric = q.metric.as_deref().unwrap_or("status").parse()?;
    let mut units = BTreeMap::new();
    let mut values = BTreeMap::new();
    let legend: Vec<Class>;
    let mut method = Method::Categorical;
    let mut from_year = None;
    if let Some(cats) = categories(&metric) {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let conv: BTreeMap<i64, conversion::Class> = if metric == Metric::Conversion {
            let from = q.from.unwrap_or(year - 1);
            from_year = Some(from);
            let by_key = s.by_key();
            conversion::between(&s.rules, &s.facts, &by_key, from, year, false, q.statuses.unwrap_or_default()).into_iter().map(|c| (c.unit_id, c.conversion)).collect()
        } else {
            BTreeMap::new()
        };
        for id in &ids {
            let c = s.classified.get(&(*id, year));
            let key: &str = match metric {
                Metric::Status => c.map_or(NO_DATA, |c| c.status.status.as_str()),
                Metric::KeyType => c.and_then(|c| c.evaluation.as_ref()).map_or(NO_DATA, |e| e.key_type.as_str()),
                _ => conv.get(id).copied().unwrap_or(conversion::Class::NotComparable).as_str(),
            };
            let k = cats.iter().find(|c| c.key == key).map_or(NO_DATA, |c| c.key);
            *counts.entry(k).or_default() += 1;
            units.insert(*id, k.to_string());
        }
        legend = cats
            .iter()
            .map(|c| Class {
                key: c.key.to_string(),
                label_vi: c.label_vi.to_string(),
                label_en: c.label_en.to_string(),
                color: c.color.to_string(),
                count: counts.get(c.key).copied().unwrap_or(0),
                min: None,
                max: None,
            })
            .collect();
    } else {
        let field = metric.as_str();
        method = q.method.unwrap_or(Method::Quantile);
        let custom: Vec<f64> =
            q.breaks.as_deref().map(|b| b.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_default();
        let vals: Vec<(i64, f64)> = ids
            .iter()
            .filter_map(|id| s.facts.indicators.get(&(*id, year)).and_then(|r| r.inputs.values.get(field)).map(|v| (*id, *v)))
            .collect();
        let only: Vec<f64> = vals.iter().map(|v| v.1).collect();
        let br = breaks(&only, method, q.classes.unwrap_or(5), &custom).map_err(Error::InvalidArgument)?;
        let mut classes = numeric_legend(&only, &br, if field.ends_with("_pct") { " %" } else { "" });
        for (id, v) in &vals {
            units.insert(*id, class_of(*v, &br).to_string());
            if q.values {
                values.insert(*id, *v);
            }
        }
        let missing = ids.len() - vals.len();
        for id in &ids {
            units.entry(*id).or_insert_with(|| NO_DATA.into());
        }
        classes.push(Class {
            key: NO_DATA.into(),
            label_vi: "Không có số liệu".into(),
            label_en: "No data".into(),
            color: "#d9d9d9".into(),
            count: missing,
            min: None,
            max: None,
        });
        legend = classes;
    }
    let statuses = (metric == Metric::Conversion).then(|| q.statuses.unwrap_or_default());
    Ok(Choropleth { metric, method, year, from: from_year, boundary_version: version.name.clone(), version_id: version.id, legend, units, values, statuses })
}

/// One legend entry.
#[derive(Debug, Clone, Serialize)]
pub struct Class {
    /// Category key (categorical) or class index as text (numeric).
    pub key: String,
    pub label_vi: String,
    pub label_en: String,
    pub color: String,
    pub count: usize,
    /// Numeric classes: [min, max) (the last class includes max).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// The class of units without data, in every legend.
pub const NO_DATA: &str = "no_data";

/// One class of a categorical metric: key, labels and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Category {
    pub key: &'static str,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub color: &'static str,
}

const fn cat(key: &'static str, label_vi: &'static str, label_en: &'static str, color: &'static str) -> Category {
    Category { key, label_vi, label_en, color }
}

/// Labels and colour of a map status: the one place the web legend, static maps, reports and
/// exports take them from.
pub const fn status_category(s: MapStatus) -> Category {
    // ColorBrewer RdBu (9 classes), blue for drug-free to red for type I; purple and grey aside.
    match s {
        MapStatus::DrugFree => cat(s.as_str(), "Không ma túy (đã công nhận)", "Drug-free (approved)", "#2166ac"),
        MapStatus::DrugFreeCandidate => {
            cat(s.as_str(), "Đạt tiêu chí không ma túy — chờ công nhận", "Meets the drug-free criteria — awaiting approval", "#67a9cf")
        }
        MapStatus::NoActivity => cat(s.as_str(), "Không ghi nhận hoạt động ma túy", "No recorded drug activity", "#d1e5f0"),
        MapStatus::NonKey => cat(s.as_str(), "Có ma túy, không phải địa bàn trọng điểm", "Has drugs, not a key area", "#fddbc7"),
        MapStatus::TypeIii => cat(s.as_str(), "Trọng điểm loại III", "Key area type III", "#f4a582"),
        MapStatus::TypeIi => cat(s.as_str(), "Trọng điểm loại II", "Key area type II", "#d6604d"),
        MapStatus::TypeI => cat(s.as_str(), "Trọng điểm loại I", "Key area type I", "#b2182b"),
        MapStatus::Undetermined => cat(s.as_str(), "Chưa xác định (thiếu số liệu)", "Undetermined (inputs missing)", "#8073ac"),
        MapStatus::NoData => cat(s.as_str(), "Không có số liệu", "No data", "#d9d9d9"),
    }
}

/// Labels and colour of a computed key type.
pub const fn key_type_category(k: KeyType) -> Category {
    match k {
        KeyType::I => cat(k.as_str(), "Trọng điểm loại I", "Key area type I", "#a50026"),
        KeyType::II => cat(k.as_str(), "Trọng điểm loại II", "Key area type II", "#f46d43"),
        KeyType::III => cat(k.as_str(), "Trọng điểm loại III", "Key area type III", "#fee08b"),
        KeyType::None => cat(k.as_str(), "Không phải địa bàn trọng điểm", "Not a key area", "#d9ef8b"),
        KeyType::Undetermined => cat(k.as_str(), "Chưa xác định", "Undetermined", "#9e9ac8"),
    }
}

/// Labels and colour of a conversion class.
pub const fn conversion_category(c: conversion::Class) -> Category {
    use conversion::Class as C;
    match c {
        C::ConvertedToDrugFree => cat(c.as_str(), "Chuyển hóa thành không ma túy", "Converted to drug-free", "#2166ac"),
        C::Converted => cat(c.as_str(), "Chuyển hóa (giảm mức độ)", "Converted (lower severity)", "#92c5de"),
        C::Maintained => cat(c.as_str(), "Giữ vững không ma túy", "Maintained drug-free", "#053061"),
        C::Unchanged => cat(c.as_str(), "Không thay đổi", "Unchanged", "#f7f7f7"),
        C::Worsened => cat(c.as_str(), "Phức tạp hơn", "Worsened", "#f4a582"),
        C::Relapsed => cat(c.as_str(), "Tái phức tạp", "Relapsed", "#b2182b"),
        C::NotComparable => cat(c.as_str(), "Không so sánh được", "Not comparable", "#bdbdbd"),
    }
}

/// The classes of a categorical metric, in legend order (`None` for numeric metrics).
pub fn categories(metric: &Metric) -> Option<Vec<Category>> {
    use conversion::Class as C;
    let no_data = status_category(MapStatus::NoData);
    match metric {
        Metric::Status => Some(MapStatus::ALL.iter().map(|s| status_category(*s)).collect()),
        Metric::KeyType => Some(KeyType::ALL.iter().map(|k| key_type_category(*k)).chain([no_data]).collect()),
        // Legend order: improvements first, then stability, then the worse.
        Metric::Conversion => Some(
            [C::ConvertedToDrugFree, C::Converted, C::Maintained, C::Unchanged, C::Worsened, C::Relapsed, C::NotComparable]
                .into_iter()
                .map(conversion_category)
                .collect(),
        ),
        Metric::Indicator(_) => None,
    }
}

/// ColorBrewer YlOrRd, 3 to 9 classes.
pub fn ramp(n: usize) -> Vec<&'static str> {
    const YLORRD: [&[&str]; 7] = [
        &["#ffeda0", "#feb24c", "#f03b20"],
        &["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
        &["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
        &["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
        &["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
        &["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
        &["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
    ];
    match n {
        0 => Vec::new(),
        1 => vec!["#fd8d3c"],
        2 => vec!["#ffeda0", "#f03b20"],
        n => YLORRD[(n.min(9)) - 3].to_vec(),
    }
}

/// Upper breaks of `classes` classes (the last is the maximum), by method.
pub fn breaks(values: &[f64], method: Method, classes: usize, custom: &[f64]) -> Result<Vec<f64>, String> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let (lo, hi) = (v[0], v[v.len() - 1]);
    let k = classes.clamp(2, 9);
    let mut b = match method {
        Method::Quantile => (1..=k).map(|i| v[((i * v.len()) / k).saturating_sub(1).min(v.len() - 1)]).collect(),
        Method::Equal => {
            let span = hi - lo;
            // Weighted ends when the span itself overflows (values near ±f64::MAX).
            let at = |t: f64| if span.is_finite() { lo + span * t } else { lo * (1.0 - t) + hi * t };
            (1..=k).map(|i| at(i as f64 / k as f64)).collect()
        }
        Method::Jenks => jenks(&v, k),
        Method::Custom => {
            if custom.is_empty() {
                return Err("method=custom needs breaks=a,b,c (ascending upper bounds)".into());
            }
            let mut c = custom.to_vec();
            if c.windows(2).any(|w| w[0] >= w[1]) {
                return Err("custom breaks must be strictly ascending".into());
            }
            if *c.last().unwrap_or(&hi) < hi {
                c.push(hi);
            }
            c
        }
        Method::Categorical => return Err("method categorical is for status, key_type and conversion; use quantile, equal, jenks or custom".into()),
    };
    b.dedup();
    Ok(b)
}

/// Class index of `x` for upper `breaks` (values above the last break go to the last class).
pub fn class_of(x: f64, breaks: &[f64]) -> usize {
    breaks.iter().position(|b| x <= *b).unwrap_or(breaks.len().saturating_sub(1))
}

/// Jenks natural breaks (Fisher's exact optimisation on weighted points). Values are sorted and
/// finite; large inputs are binned to at most 1,000 weighted points first, so a request stays
/// fast. The optimisation runs on values rescaled to [-1, 1], so no magnitude — up to
/// ±f64::MAX — overflows its sums of squares; the breaks returned are the data's own values.
pub fn jenks(sorted: &[f64], k: usize) -> Vec<f64> {
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else { return Vec::new() };
    // Halves first: hi - lo itself may overflow.
    let (mid, half) = (lo / 2.0 + hi / 2.0, hi / 2.0 - lo / 2.0);
    // Weighted points: unique values, or histogram bins (their running mean) when there are many.
    let mut pts: Vec<(f64, f64)> = Vec::new();
    for &x in sorted {
        match pts.last_mut() {
            Some(p) if p.0 == x => p.1 += 1.0,
            _ => pts.push((x, 1.0)),
        }
    }
    if pts.len() > 1000 {
        let bins = 1000;
        let mut h = vec![(0.0, 0.0); bins];
        for &x in sorted {
            let i = (((x / 2.0 - lo / 2.0) / half) * (bins as f64 - 1.0)).round() as usize;
            let b = &mut h[i.min(bins - 1)];
            b.1 += 1.0;
            b.0 += (x - b.0) / b.1;
        }
        pts = h.into_iter().filter(|b| b.1 > 0.0).collect();
    }
    let n = pts.len();
    if n <= k {
        return pts.iter().map(|p| p.0).collect();
    }
    // Prefix sums for weighted sum of squared deviations of any run [i, j], on rescaled values.
    let mut w = vec![0.0; n + 1];
    let mut s = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for (i, &(x, c)) in pts.iter().enumerate() {
        let z = (x - mid) / half;
        w[i + 1] = w[i] + c;
        s[i + 1] = s[i] + z * c;
        s2[i + 1] = s2[i] + z * z * c;
    }
    let ssd = |i: usize, j: usize| {
        let (ww, ss, qq) = (w[j + 1] - w[i], s[j + 1] - s[i], s2[j + 1] - s2[i]);
        if ww == 0.0 { 0.0 } else { qq - ss * ss / ww }
    };
    // cost[c][j]: best cost of splitting points 0..=j into c+1 classes.
    let mut cost = vec![vec![f64::INFINITY; n]; k];
    let mut from = vec![vec![0usize; n]; k];
    for j in 0..n {
        cost[0][j] = ssd(0, j);
    }
    for c in 1..k {
        for j in c..n {
            for i in c..=j {
                let v = cost[c - 1][i - 1] + ssd(i, j);
                if v < cost[c][j] {
                    cost[c][j] = v;
                    from[c][j] = i;
                }
            }
        }
    }
    let mut uppers = vec![pts[n - 1].0];
    let mut j = n - 1;
    for c in (1..k).rev() {
        // Every class start is ≥ 1 once a cost was found; stop rather than underflow otherwise.
        let Some(i) = from[c][j].checked_sub(1) else { break };
        uppers.push(pts[i].0);
        j = i;
    }
    uppers.reverse();
    uppers
}

fn fmt(x: f64) -> String {
    if x.abs() >= 100.0 || x.fract() == 0.0 { format!("{x:.0}") } else if x.abs() >= 1.0 { format!("{x:.2}") } else { format!("{x:.3}") }
}

/// Legend classes for numeric `values` with upper `breaks`.
pub fn numeric_legend(values: &[f64], breaks: &[f64], unit: &str) -> Vec<Class> {
    let colors = ramp(breaks.len());
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut counts = vec![0usize; breaks.len()];
    for &x in values {
        if !breaks.is_empty() {
            counts[class_of(x, breaks)] += 1;
        }
    }
    breaks
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let min = if i == 0 { lo } else { breaks[i - 1] };
            let text = if i == 0 { format!("{} – {}{unit}", fmt(min), fmt(b)) } else { format!("> {} – {}{unit}", fmt(min), fmt(b)) };
            Class {
                key: i.to_string(),
                label_vi: text.replace('.', ","),
                label_en: text,
                color: colors.get(i).copied().unwrap_or("#888888").to_string(),
                count: counts[i],
                min: Some(min),
                max: Some(b),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jenks_finds_obvious_clusters() {
        let mut v = vec![1.0, 1.1, 1.2, 5.0, 5.1, 5.2, 9.0, 9.1, 9.3];
        v.sort_by(f64::total_cmp);
        assert_eq!(jenks(&v, 3), vec![1.2, 5.2, 9.3]);
    }

    #[test]
    fn extreme_values_give_finite_ascending_breaks_and_never_panic() {
        // Found by the tile_params fuzz target: sums of squares of values near f64::MAX overflowed,
        // Jenks found no split and its backtracking underflowed.
        let sets: [&[f64]; 4] = [
            &[0.0, 5.0, 1e308, -0.0],
            &[-f64::MAX, -1.0, 0.0, 1.0, f64::MAX],
            &[1e308, 1.5e308, 1.7e308, f64::MAX, 3.0],
            &[f64::MIN_POSITIVE, 5e-324, 1e-300, 0.0, 1e-310],
        ];
        let many: Vec<f64> = (0..5000).map(|i| if i % 2 == 0 { f64::MAX / f64::from(i + 1) } else { -1e307 * f64::from(i % 7) }).collect();
        for values in sets.iter().copied().chain([many.as_slice()]) {
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            let max = sorted[sorted.len() - 1];
            for method in [Method::Quantile, Method::Equal, Method::Jenks] {
                for k in 2..=9 {
                    let b = breaks(values, method, k, &[]).unwrap();
                    assert!(!b.is_empty() && b.iter().all(|x| x.is_finite()), "{method} k={k}: {b:?}");
                    assert!(b.windows(2).all(|w| w[0] < w[1]), "{method} k={k} ascending: {b:?}");
                    if method != Method::Equal {
                        assert_eq!(b[b.len() - 1], max, "{method} k={k}: the last break is the largest value");
                    }
                }
            }
        }
    }

    #[test]
    fn quantile_and_equal_breaks() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(breaks(&v, Method::Quantile, 4, &[]).unwrap(), vec![25.0, 50.0, 75.0, 100.0]);
        assert_eq!(breaks(&v, Method::Equal, 3, &[]).unwrap(), vec![34.0, 67.0, 100.0]);
        assert_eq!(class_of(50.0, &[25.0, 50.0, 75.0, 100.0]), 1);
        assert!(breaks(&v, Method::Custom, 3, &[10.0, 5.0]).is_err());
    }
}
