//! Static maps for reports and slides: the web map's classes, colours and legend drawn as one SVG
//! (the single source), rasterised to PNG by resvg/tiny-skia or converted to PDF by svg2pdf, with
//! the embedded DejaVu Sans font (`data/fonts/`, no system fonts) so Vietnamese text is the same
//! everywhere. A4 landscape: 297 × 210 mm; PNG at 300 dpi. The province report (`report`) and
//! the plan sheet (`plan`) are A4 portrait pages built the same way.

pub mod annex;
pub mod map;
pub mod output;
pub mod plan;
pub mod report;
pub mod review_report;
pub mod styles;

pub use map::{MapText, svg};
pub use output::{Format, pdf, pdf_pages, png};

use crate::analytics::Snapshot;

/// The notice every page made from the synthetic demo data carries.
pub(crate) const DEMO_NOTICE: &str = "DỮ LIỆU MINH HỌA TỔNG HỢP — không phải số liệu thật · SYNTHETIC DEMO DATA";

/// Vietnamese, or English when `en`.
pub(crate) fn tr<'a>(en: bool, vi: &'a str, english: &'a str) -> &'a str {
    if en { english } else { vi }
}
use crate::analytics::choropleth::{self, Metric, Spec};
use crate::error::{Error, Result};
use crate::tiles::{Kind, TileService};

crate::vocabulary! {
    /// What a static map shows.
    pub enum View ("map view") {
        Status = "status",
        Conversion = "conversion",
        KeyType = "key_type",
        /// A numeric indicator or rate (`spec.metric`, default the addict + user rate).
        Indicator = "indicator",
    }
}

/// One static map to make.
#[derive(Debug, Clone)]
pub struct MapRequest {
    pub view: View,
    pub spec: Spec,
    /// Only this province (code), else every unit in scope.
    pub province: Option<String>,
    pub english: bool,
    pub format: Format,
}

fn metric_label(metric: &str, english: bool) -> String {
    let known = [
        ("addict_user_rate_pct", "Tỷ lệ người nghiện + sử dụng có hồ sơ / dân số (%)", "Addicts + users with records per population (%)"),
        ("arrest_rate_pct", "Tỷ lệ người phạm tội bị bắt / dân số (%)", "Drug offenders arrested per population (%)"),
        ("drug_use_locations", "Điểm tổ chức, chứa chấp sử dụng ma túy", "Drug-use locations"),
    ];
    known.iter().find(|k| k.0 == metric).map_or(metric.to_string(), |k| if english { k.2.to_string() } else { k.1.to_string() })
}

/// Make the map: the same classes and colours as `/api/choropleth`, for the units `keep` accepts
/// (the user's scope) and, when asked, one province. `province_name` names a province code.
pub fn render(
    s: &Snapshot,
    tiles: &TileService,
    req: &MapRequest,
    keep: &dyn Fn(i64) -> bool,
    province_name: &dyn Fn(&str) -> Option<String>,
    demo: bool,
) -> Result<Vec<u8>> {
    let mut spec = req.spec.clone();
    spec.metric = Some(match req.view {
        View::Status | View::Conversion | View::KeyType => req.view.as_str().to_string(),
        View::Indicator => spec.metric.clone().unwrap_or_else(|| "addict_user_rate_pct".into()),
    });
    let in_province = |id: i64| match &req.province {
        None => true,
        Some(p) => s.facts.units.get(&id).and_then(|u| u.province_code.as_deref()) == Some(p.as_str()),
    };
    let ch = choropleth::compute(s, &spec, &|id| keep(id) && in_province(id))?;
    let layer = tiles
        .layer(&format!("communes.{}", ch.boundary_version))
        .ok_or_else(|| Error::NotFound(format!("no commune layer for boundary version {}", ch.boundary_version)))?;
    let Kind::Polygons(polygons) = &layer.kind else {
        return Err(Error::NotFound("the commune layer has no polygons".into()));
    };
    let en = req.english;
    let place = match &req.province {
        Some(code) => province_name(code).unwrap_or_else(|| code.clone()),
        None if en => "all provinces in scope".into(),
        None => "các tỉnh trong phạm vi".into(),
    };
    let title = match (&ch.metric, en) {
        (Metric::Status, false) => format!("Tình hình ma túy cấp xã năm {} — {place}", ch.year),
        (Metric::Status, true) => format!("Commune drug situation {} — {place}", ch.year),
        (Metric::Conversion, false) => format!("Chuyển hóa địa bàn {}→{} — {place}", ch.from.unwrap_or(ch.year - 1), ch.year),
        (Metric::Conversion, true) => format!("Conversion {}→{} — {place}", ch.from.unwrap_or(ch.year - 1), ch.year),
        (Metric::KeyType, false) => format!("Phân loại địa bàn trọng điểm năm {} — {place}", ch.year),
        (Metric::KeyType, true) => format!("Key-area types {} — {place}", ch.year),
        (Metric::Indicator(m), _) => format!("{} — {} — {place}", metric_label(m, en), ch.year),
    };
    let today = chrono::Utc::now().date_naive();
    let text = MapText {
        subtitle: if en {
            format!("Boundaries {} · classes: {} · made {today}", ch.boundary_version, ch.method)
        } else {
            format!("Ranh giới {} · phân lớp: {} · lập ngày {today}", ch.boundary_version, ch.method)
        },
        legend_title: match &ch.metric {
            Metric::Indicator(m) => metric_label(m, en),
            Metric::Status | Metric::Conversion | Metric::KeyType => tr(en, "Chú giải", "Legend").to_string(),
        },
        source: if en {
            format!("Source: commune-atlas, rule sets data/rules ({}) · a missing figure leaves a criterion undetermined, never unmet", &s.rules.digest[..12.min(s.rules.digest.len())])
        } else {
            format!("Nguồn: commune-atlas, bộ quy tắc data/rules ({}) · thiếu số liệu thì tiêu chí chưa xác định, không coi là không đạt", &s.rules.digest[..12.min(s.rules.digest.len())])
        },
        total_label: if en { "Communes".into() } else { "Tổng số xã".into() },
        english: en,
        demo,
        title,
    };
    let svg = svg(polygons, &|id| ch.units.contains_key(&id), &ch, &text)?;
    match req.format {
        Format::Svg => Ok(svg.into_bytes()),
        Format::Png => png(&svg, 300.0),
        Format::Pdf => pdf(&svg),
    }
}
