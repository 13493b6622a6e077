//! The province report: one A4 portrait PDF page a steering committee can file — the status map,
//! communes by status against last year, conversion since last year, the drug-free share against
//! the path to the 2030 target, quota and plan outcomes and the top candidates for conversion.
//! Built as one SVG like every static map.

use std::collections::HashMap;
use std::fmt::Write;

use super::map::{draw_units, esc};
use super::output::FONT_FAMILY;
use super::{DEMO_NOTICE, tr};
use crate::analytics::Snapshot;
use crate::analytics::{candidates, progress};
use crate::analytics::choropleth::{self, Choropleth, Spec};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::tiles::{Kind, TileService};

/// Page size in CSS pixels (A4 portrait at 96 dpi).
const PAGE: (f64, f64) = (793.7, 1122.52);
/// Where the tables under the map begin.
const TABLES_TOP: f64 = 432.0;

/// What the report covers.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub province: String,
    pub province_name: String,
    pub year: i32,
    pub english: bool,
    pub demo: bool,
    /// Plans and candidates (leaders and above).
    pub plans: bool,
}

fn table(s: &mut String, x: f64, y: f64, w: f64, title: &str, header: &[&str], rows: &[(Option<&str>, Vec<String>)]) -> f64 {
    let _ = write!(s, r##"<text x="{x}" y="{y}" font-size="12" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(title));
    let cols = header.len();
    // First column takes what is left after the number columns (60 px each).
    let xs: Vec<f64> = (0..cols).map(|i| if i == 0 { x } else { x + w - 60.0 * (cols - i) as f64 + 56.0 }).collect();
    let mut y = y + 18.0;
    for (i, h) in header.iter().enumerate() {
        let anchor = if i == 0 { "start" } else { "end" };
        let _ = write!(s, r##"<text x="{}" y="{y}" font-size="9.5" fill="#555555" text-anchor="{anchor}">{}</text>"##, xs[i], esc(h));
    }
    let _ = write!(s, r##"<line x1="{x}" y1="{}" x2="{}" y2="{}" stroke="#999999" stroke-width="0.5"/>"##, y + 4.0, x + w, y + 4.0);
    // The first column is cut to the room before the first number column (DejaVu Sans at 10 px
    // averages about 5.6 px a character; numbers take up to 56 px right-aligned).
    let room = |swatch: bool| {
        let end = xs.get(1).copied().unwrap_or(x + w) - if cols > 1 { 56.0 } else { 0.0 };
        ((end - xs[0] - if swatch { 16.0 } else { 0.0 }) / 5.6).max(8.0) as usize
    };
    for (color, cells) in rows {
        y += 15.0;
        for (i, c) in cells.iter().enumerate() {
            let (cx, anchor) = if i == 0 { (xs[0] + if color.is_some() { 16.0 } else { 0.0 }, "start") } else { (xs[i], "end") };
            let max = room(color.is_some());
            let c = if i == 0 && c.chars().count() > max { format!("{}…", c.chars().take(max - 1).collect::<String>()) } else { c.clone() };
            let _ = write!(s, r##"<text x="{cx}" y="{y}" font-size="10" fill="#1a1a1a" text-anchor="{anchor}">{}</text>"##, esc(&c));
        }
        if let Some(c) = color {
            let _ = write!(s, r##"<rect x="{x}" y="{}" width="11" height="9" fill="{c}" stroke="#999999" stroke-width="0.4"/>"##, y - 8.5);
        }
    }
    y
}

fn label(c: &choropleth::Class, en: bool) -> &str {
    if en { &c.label_en } else { &c.label_vi }
}

/// What the report's parts are drawn from, computed once.
struct Parts<'a> {
    req: &'a ReportRequest,
    en: bool,
    year: i32,
    prev: i32,
    /// Status this year and last year, conversion between them (the province's communes).
    now: Choropleth,
    before: Option<Choropleth>,
    conversion: Option<Choropleth>,
    polygons: &'a crate::tiles::layer::PolygonLayer,
    /// "classified under Decision 28/2025/QĐ-TTg, Kỳ 15/12/2025–14/12/2026".
    ruleset_line: String,
}

/// The report as SVG (`super::pdf` makes the PDF): title, map, status and conversion tables,
/// the drug-free share against the target path, quota and plans, candidates, footer — one
/// function per part, top to bottom.
pub fn svg(store: &Store, s: &Snapshot, tiles: &TileService, req: &ReportRequest) -> Result<String> {
    let (year, prev) = (req.year, req.year - 1);
    let in_province = |id: i64| s.facts.units.get(&id).and_then(|u| u.province_code.as_deref()) == Some(req.province.as_str());
    let status = |y: i32| choropleth::compute(s, &Spec { year: Some(y), metric: Some("status".into()), ..Spec::default() }, &in_province);
    let now: Choropleth = status(year)?;
    if now.units.is_empty() {
        return Err(Error::NotFound(format!("province {} has no communes in {year}", req.province)));
    }
    let before = status(prev).ok();
    let conversion = choropleth::compute(s, &Spec { year: Some(year), from: Some(prev), metric: Some("conversion".into()), ..Spec::default() }, &in_province).ok();
    let layer = tiles.layer(&format!("communes.{}", now.boundary_version)).ok_or_else(|| Error::NotFound("no commune layer".into()))?;
    let Kind::Polygons(polygons) = &layer.kind else { return Err(Error::NotFound("no commune polygons".into())) };
    let ruleset_line = match s.rules.for_year(Some(&req.province), year) {
        Some(set) => format!(
            "{} {} · {}",
            tr(req.english, "phân loại theo", "classified under"),
            set.legal_basis.split(',').next().unwrap_or(&set.id),
            set.period().label(year, req.english)
        ),
        None => String::new(),
    };
    let parts = Parts { req, en: req.english, year, prev, now, before, conversion, polygons, ruleset_line };

    let (pw, ph) = PAGE;
    let mut out = String::with_capacity(1 << 20);
    let _ = write!(out, r#"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 {pw} {ph}" font-family="{FONT_FAMILY}">"#);
    let _ = write!(out, r##"<rect width="{pw}" height="{ph}" fill="#ffffff"/>"##);
    head(&mut out, &parts);
    draw_units(&mut out, polygons, &in_province, &|_| false, &parts.now, (24.0, 66.0, 746.0, TABLES_TOP - 92.0))?;
    let tables_end = status_table(&mut out, &parts).max(conversion_table(&mut out, &parts));
    let (progress, targets) = crate::analytics::progress::read(&store.connect()?, Some(&req.province))?;
    let chart_top = tables_end + 34.0;
    let chart_end = progress_chart(&mut out, &parts, &progress, &targets, chart_top);
    let right_end = quota_and_plans(&mut out, store, &parts, &progress, chart_top)?;
    let right_end = province_table(&mut out, s, &parts, right_end + 22.0);
    if req.plans {
        candidates_table(&mut out, s, &parts, chart_end.max(right_end) + 30.0);
    }
    footer(&mut out, &parts);
    out.push_str("</svg>");
    Ok(out)
}

/// Title and the line under it.
fn head(out: &mut String, p: &Parts) {
    let (en, year) = (p.en, p.year);
    let title = if en {
        format!("Commune drug situation — {} — {year}", p.req.province_name)
    } else {
        format!("Báo cáo tình hình ma túy cấp xã — {} — năm {year}", p.req.province_name)
    };
    let _ = write!(out, r##"<text x="24" y="38" font-size="17" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(&title));
    let sub = format!(
        "{} {} · {} {} · {}",
        tr(en, "Ranh giới", "Boundaries"),
        p.now.boundary_version,
        tr(en, "lập ngày", "made"),
        chrono::Utc::now().date_naive(),
        p.ruleset_line
    );
    let _ = write!(out, r##"<text x="24" y="56" font-size="9" fill="#555555">{}</text>"##, esc(&sub));
}

/// Communes by status, this year against last year; returns where the table ends.
fn status_table(out: &mut String, p: &Parts) -> f64 {
    let en = p.en;
    let rows: Vec<(Option<&str>, Vec<String>)> = p
        .now
        .legend
        .iter()
        .map(|c| {
            let b = p.before.as_ref().and_then(|b| b.legend.iter().find(|x| x.key == c.key)).map(|x| x.count);
            let change = b.map_or("–".to_string(), |b| format!("{:+}", c.count as i64 - b as i64));
            (Some(c.color.as_str()), vec![label(c, en).to_string(), b.map_or("–".into(), |b| b.to_string()), c.count.to_string(), change])
        })
        .collect();
    let status_title = if en { "Communes by status".to_string() } else { "Số xã theo trạng thái".to_string() };
    let (py, yy) = (p.prev.to_string(), p.year.to_string());
    table(out, 24.0, TABLES_TOP, 360.0, &status_title, &[tr(en, "Trạng thái", "Status"), &py, &yy, "±"], &rows)
}

/// Conversion since last year; returns where the table ends.
fn conversion_table(out: &mut String, p: &Parts) -> f64 {
    let Some(c) = &p.conversion else { return TABLES_TOP };
    let en = p.en;
    let rows: Vec<(Option<&str>, Vec<String>)> =
        c.legend.iter().map(|k| (Some(k.color.as_str()), vec![label(k, en).to_string(), k.count.to_string()])).collect();
    let t = format!("{} {}→{}", tr(en, "Chuyển hóa", "Conversion"), p.prev, p.year);
    table(out, 410.0, TABLES_TOP, 360.0, &t, &[tr(en, "Kết quả", "Outcome"), tr(en, "Số xã", "Communes")], &rows)
}

/// The drug-free share against the target path to 2030, from `cy` down; returns where it ends.
fn progress_chart(out: &mut String, p: &Parts, progress: &[progress::Year], targets: &[progress::TargetPoint], cy: f64) -> f64 {
    let (en, year) = (p.en, p.year);
    let targets: Vec<(i32, f64)> = targets.iter().map(|t| (t.year, t.target_pct)).collect();
    let (cx, cw, ch) = (24.0, 360.0, 170.0);
    let _ = write!(out, r##"<text x="{cx}" y="{cy}" font-size="12" font-weight="bold" fill="#1a1a1a">{}</text>"##, tr(en, "Tỷ lệ xã không ma túy và lộ trình đến 2030 (%)", "Drug-free share and the path to 2030 (%)"));
    let first = progress.first().map_or(year, |p| p.year).min(targets.first().map_or(year, |t| t.0));
    let last = 2030.max(year);
    let (gx, gy, gw, gh) = (cx + 28.0, cy + 12.0, cw - 36.0, ch - 34.0);
    let px = |y: i32| gx + gw * f64::from(y - first) / f64::from((last - first).max(1));
    let py_ = |v: f64| gy + gh * (1.0 - v / 100.0);
    let _ = write!(out, r##"<rect x="{gx}" y="{gy}" width="{gw}" height="{gh}" fill="none" stroke="#c8d2da" stroke-width="0.6"/>"##);
    for v in [0.0, 50.0, 100.0] {
        let _ = write!(out, r##"<text x="{}" y="{}" font-size="8.5" fill="#555555" text-anchor="end">{v}</text><line x1="{gx}" y1="{}" x2="{}" y2="{}" stroke="#e3e8ec" stroke-width="0.5"/>"##, gx - 4.0, py_(v) + 3.0, py_(v), gx + gw, py_(v));
    }
    for y in [first, (first + last) / 2, last] {
        let _ = write!(out, r##"<text x="{}" y="{}" font-size="8.5" fill="#555555" text-anchor="middle">{y}</text>"##, px(y), gy + gh + 12.0);
    }
    let line = |pts: &[(i32, f64)]| pts.iter().enumerate().map(|(i, (y, v))| format!("{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, px(*y), py_(*v))).collect::<String>();
    let targets: Vec<(i32, f64)> = targets.into_iter().filter(|t| (first..=last).contains(&t.0)).collect();
    if !targets.is_empty() {
        let _ = write!(out, r##"<path id="target-path" d="{}" fill="none" stroke="#b2182b" stroke-width="1.2" stroke-dasharray="4 3"/>"##, line(&targets));
    }
    let shares: Vec<(i32, f64)> = progress.iter().filter_map(|p| p.drug_free_pct.map(|v| (p.year, v))).collect();
    if !shares.is_empty() {
        let _ = write!(out, r##"<path id="share" d="{}" fill="none" stroke="#2166ac" stroke-width="1.8"/>"##, line(&shares));
        for (y, v) in &shares {
            let _ = write!(out, r##"<circle cx="{:.1}" cy="{:.1}" r="2" fill="#2166ac"/>"##, px(*y), py_(*v));
        }
    }
    let _ = write!(
        out,
        r##"<text x="{gx}" y="{}" font-size="8.5" fill="#2166ac">— {}</text><text x="{}" y="{}" font-size="8.5" fill="#b2182b">- - {}</text>"##,
        gy + gh + 24.0,
        tr(en, "thực tế", "actual"),
        gx + 90.0,
        gy + gh + 24.0,
        tr(en, "lộ trình mục tiêu", "target path")
    );
    cy + ch
}

/// Quota and plan outcomes, beside the chart; returns where they end.
fn quota_and_plans(out: &mut String, store: &Store, p: &Parts, progress: &[progress::Year], cy: f64) -> Result<f64> {
    let (en, year, req) = (p.en, p.year, p.req);
    let (qx, mut qy) = (410.0, cy);
    let _ = write!(out, r##"<text x="{qx}" y="{qy}" font-size="12" font-weight="bold" fill="#1a1a1a">{}</text>"##, tr(en, "Chỉ tiêu và kế hoạch", "Quota and plans"));
    let row = progress.iter().find(|p| p.year == year);
    let mut lines = vec![format!(
        "{} {year}: {} · {}: {} · {}: {}",
        tr(en, "Chỉ tiêu đăng ký", "Registered quota"),
        row.and_then(|r| r.quota_count).map_or("–".into(), |v| v.to_string()),
        tr(en, "xã được giao", "communes assigned"),
        row.and_then(|r| r.quota_assigned).map_or("–".into(), |v| v.to_string()),
        tr(en, "đã công nhận", "recognised"),
        row.and_then(|r| r.quota_recognised).map_or("–".into(), |v| v.to_string()),
    )];
    if req.plans {
        let plans = crate::plans::list(store, Some(&req.province))?;
        let relevant: Vec<_> = plans.iter().filter(|p| p.target_year == year || p.target_year == year + 1).collect();
        if relevant.is_empty() {
            lines.push(tr(en, "Chưa có kế hoạch chuyển hóa cho năm này.", "No conversion plan for this year yet.").to_string());
        }
        for p in relevant.iter().take(5) {
            let converted = p.communes.iter().filter(|c| c.converted).count();
            lines.push(format!("{} ({}, {}): {} {}, {} {}", p.name, p.target_year, p.status, p.communes.len(), tr(en, "xã", "communes"), converted, tr(en, "đã chuyển hóa", "converted")));
        }
    }
    for l in &lines {
        qy += 15.0;
        let _ = write!(out, r##"<text x="{qx}" y="{qy}" font-size="9.5" fill="#1a1a1a">{}</text>"##, esc(l));
    }
    Ok(qy)
}

/// The province under Decision 28/2025 Art. 5 (when the year's rule set has it): each criterion
/// met, not met or unknown, and the result; returns where the table ends.
fn province_table(out: &mut String, s: &Snapshot, p: &Parts, y: f64) -> f64 {
    let en = p.en;
    let Some(r) = s.provinces_in(p.year).find(|r| r.province_code == p.req.province) else { return y };
    let labels = s.rules.set(&r.evaluation.ruleset_id).and_then(|set| set.province.as_ref());
    let word = |t: crate::rules::Tri| match t {
        crate::rules::Tri::True => tr(en, "đạt", "met"),
        crate::rules::Tri::False => tr(en, "không đạt", "not met"),
        crate::rules::Tri::Unknown => tr(en, "chưa rõ", "unknown"),
    };
    let rows: Vec<(Option<&str>, Vec<String>)> = r
        .evaluation
        .criteria
        .iter()
        .map(|c| {
            let label = labels.and_then(|l| l.criteria.iter().find(|x| x.id == c.id)).map_or(c.id.clone(), |x| if en { x.label_en.clone() } else { x.label_vi.clone() });
            (None, vec![label, word(c.value).to_string()])
        })
        .collect();
    let result = match r.evaluation.key {
        crate::rules::Tri::True => tr(en, "là địa bàn trọng điểm", "a key area"),
        crate::rules::Tri::False => tr(en, "không phải địa bàn trọng điểm", "not a key area"),
        crate::rules::Tri::Unknown => tr(en, "chưa xác định", "undetermined"),
    };
    let (met, of) = (r.evaluation.met_min, r.evaluation.criteria.len());
    let title = if en { format!("Art. 5 (province): {met}/{of} met — {result}") } else { format!("Điều 5 (cấp tỉnh): đạt {met}/{of} — {result}") };
    table(out, 410.0, y, 360.0, &title, &[tr(en, "Tiêu chí", "Criterion"), tr(en, "Kết quả", "Result")], &rows)
}

/// The top candidates for conversion next year (leaders and above), from `ty` down.
fn candidates_table(out: &mut String, s: &Snapshot, p: &Parts, ty: f64) {
    let (en, year, req, now, polygons) = (p.en, p.year, p.req, &p.now, p.polygons);
    let adjacency = polygons.neighbours();
    let names: HashMap<i64, String> = polygons.units.iter().map(|u| (u.id, u.name.clone())).collect();
    let ranked = candidates::rank(s, &s.rules.candidates, &adjacency, &names, &req.province, year + 1, crate::analytics::conversion::Statuses::Approved);
    let rows: Vec<(Option<&str>, Vec<String>)> = ranked
        .iter()
        .take(10)
        .map(|c| {
            let status = now.legend.iter().find(|k| k.key == c.status.as_str()).map_or(c.status.to_string(), |k| label(k, en).to_string());
            (None, vec![format!("{}. {} ({})", c.rank, c.name, c.code), status, format!("{:.2}", c.score)])
        })
        .collect();
    let t = format!("{} {}", tr(en, "Xã đề xuất chuyển hóa năm", "Candidates for conversion in"), year + 1);
    table(out, 24.0, ty, 746.0, &t, &[tr(en, "Xã", "Commune"), tr(en, "Trạng thái", "Status"), tr(en, "Điểm", "Score")], &rows);
}

/// Source line and, for the demo, the synthetic-data notice.
fn footer(out: &mut String, p: &Parts) {
    let (en, ph) = (p.en, PAGE.1);
    let _ = write!(
        out,
        r##"<text x="24" y="{}" font-size="8.5" fill="#555555">{}</text>"##,
        ph - 24.0,
        tr(en, "Nguồn: commune-atlas · phân tích chuyển hóa là định nghĩa phân tích, không phải phân loại pháp lý", "Source: commune-atlas · conversion categories are analytical definitions, not legal categories")
    );
    if p.req.demo {
        let _ = write!(out, r##"<text x="24" y="{}" font-size="10" font-weight="bold" fill="#b2182b">{DEMO_NOTICE}</text>"##, ph - 10.0);
    }
}
