//! The plan sheet: a conversion plan printed for the steering committee's file — A4 portrait,
//! as many pages as its communes need. Page one has the plan's particulars (province, target
//! year, lifecycle status, version, who made it), the quota against the communes chosen, and a map
//! of the province coloured by status in the base year with the plan's communes outlined and
//! numbered; then the numbered table (commune, status, candidate rank, the leader's note, outcome
//! once the target year is in), its header repeated on every page, and signature blocks for the
//! one who prepared it and the one who approves it. Every page is one SVG; `output::pdf_pages`
//! binds them.

use std::collections::HashMap;
use std::fmt::Write;

use super::map::{draw_units, esc, unit_path, wrap};
use super::output::FONT_FAMILY;
use super::{DEMO_NOTICE, tr};
use crate::analytics::Snapshot;
use crate::analytics::candidates;
use crate::analytics::choropleth::{self, Choropleth, Spec};
use crate::error::{Error, Result};
use crate::plans::Plan;
use crate::tiles::layer::PolygonLayer;
use crate::tiles::{Kind, TileService};

/// Page size in CSS pixels (A4 portrait at 96 dpi).
const PAGE: (f64, f64) = (793.7, 1122.52);
const LEFT: f64 = 24.0;
const RIGHT: f64 = 770.0;
/// Lowest baseline a table row may reach (the footer lives below).
const BOTTOM: f64 = PAGE.1 - 56.0;
/// Height of one text line in the table, and the padding of a row.
const LINE: f64 = 12.5;
const PAD: f64 = 5.0;
/// Room the signature blocks need (place and date line, titles, room to sign, names).
const SIGNATURES: f64 = 128.0;
/// Page one: the map's top edge and the legend's first baseline under it.
const MAP_TOP: f64 = 108.0;
const LEGEND_TOP: f64 = 500.0;
/// Where the table starts on the pages after the first.
const NEXT_TOP: f64 = 84.0;

/// What to print.
#[derive(Debug, Clone)]
pub struct PlanSheetRequest {
    pub plan: Plan,
    pub province_name: String,
    pub english: bool,
    /// Print the synthetic-data notice.
    pub demo: bool,
}

fn lifecycle(status: &str, en: bool) -> &str {
    match status {
        "draft" => tr(en, "dự thảo", "draft"),
        "submitted" => tr(en, "đã trình", "submitted"),
        "approved" => tr(en, "đã duyệt", "approved"),
        "closed" => tr(en, "đã đóng", "closed"),
        other => other,
    }
}

/// A table column: left edge, width in characters for wrapping, right-aligned or not.
struct Column {
    x: f64,
    chars: usize,
    right: bool,
}

const COLUMNS: [Column; 6] = [
    Column { x: 42.0, chars: 4, right: true },    // №
    Column { x: 50.0, chars: 28, right: false },  // commune
    Column { x: 214.0, chars: 18, right: false }, // status in the base year
    Column { x: 368.0, chars: 9, right: true },   // candidate rank
    Column { x: 380.0, chars: 46, right: false }, // note
    Column { x: 628.0, chars: 25, right: false }, // outcome
];

/// One table row, already wrapped into lines per column.
struct Row {
    unit_id: i64,
    cells: Vec<Vec<String>>,
}

impl Row {
    fn height(&self) -> f64 {
        self.cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f64 * LINE + PAD
    }
}

/// A font size no larger than `size` at which `text` fits the page width, taking `em` as the
/// mean advance of a character in ems (bold DejaVu Sans: about 0.62).
fn fitting_size(text: &str, size: f64, em: f64) -> f64 {
    let width = text.chars().count() as f64 * em;
    if width <= 0.0 { size } else { size.min((RIGHT - LEFT) / width) }
}

fn wrapped(text: &str, chars: usize) -> Vec<String> {
    let lines = wrap(text, chars);
    if lines.is_empty() { vec![String::new()] } else { lines }
}

fn draw_row(s: &mut String, y: f64, cells: &[Vec<String>], size: f64, color: &str, weight: &str) {
    for (col, lines) in COLUMNS.iter().zip(cells) {
        for (i, line) in lines.iter().enumerate() {
            let (x, anchor) = if col.right { (col.x, "end") } else { (col.x, "start") };
            let _ = write!(
                s,
                r##"<text x="{x}" y="{:.1}" font-size="{size}" font-weight="{weight}" fill="{color}" text-anchor="{anchor}">{}</text>"##,
                y + i as f64 * LINE,
                esc(line)
            );
        }
    }
}

/// What a sheet is drawn from: the plan and the facts of its base year.
struct Sheet<'a> {
    req: &'a PlanSheetRequest,
    en: bool,
    /// The year the plan starts from: the last year before the target that has data.
    base: i32,
    /// The target year has data (outcomes are known).
    target_in: bool,
    status: Choropleth,
    polygons: &'a PolygonLayer,
    in_province: &'a dyn Fn(i64) -> bool,
}

impl Sheet<'_> {
    fn status_label(&self, key: &str) -> String {
        let c = self.status.legend.iter().find(|c| c.key == key);
        c.map_or_else(|| key.to_string(), |c| if self.en { c.label_en.clone() } else { c.label_vi.clone() })
    }

    /// One row per commune of the plan, in the plan's order.
    fn rows(&self, s: &Snapshot) -> Vec<Row> {
        let (plan, en) = (&self.req.plan, self.en);
        // Where each commune stands among the candidates for the year after the base year.
        let names: HashMap<i64, String> = self.polygons.units.iter().map(|u| (u.id, u.name.clone())).collect();
        let ranked = candidates::rank(s, &s.rules.candidates, &self.polygons.neighbours(), &names, &plan.province_code, self.base + 1, crate::analytics::conversion::Statuses::Approved);
        let rank: HashMap<i64, usize> = ranked.iter().map(|c| (c.unit_id, c.rank)).collect();
        let no_data = || tr(en, "không có số liệu", "no data").to_string();
        plan.communes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let now = self.status.units.get(&c.unit_id).map_or_else(no_data, |k| self.status_label(k));
                let rank = rank.get(&c.unit_id).map_or_else(|| "–".to_string(), |r| format!("{r}/{}", ranked.len()));
                let outcome = match (&c.status_in_target_year, c.converted) {
                    (_, true) => tr(en, "đã được công nhận không ma túy", "recognised drug-free").to_string(),
                    (Some(k), false) => self.status_label(k.as_str()),
                    (None, _) if self.target_in => no_data(),
                    (None, _) => format!("{} {}", tr(en, "chờ số liệu năm", "awaiting the data of"), plan.target_year),
                };
                let cells = vec![
                    vec![format!("{}", i + 1)],
                    wrapped(&format!("{} ({})", c.name, c.code), COLUMNS[1].chars),
                    wrapped(&now, COLUMNS[2].chars),
                    vec![rank],
                    wrapped(c.note.as_deref().unwrap_or(""), COLUMNS[4].chars),
                    wrapped(&outcome, COLUMNS[5].chars),
                ];
                Row { unit_id: c.unit_id, cells }
            })
            .collect()
    }

    fn header(&self) -> Vec<Vec<String>> {
        let en = self.en;
        vec![
            vec!["№".to_string()],
            vec![tr(en, "Xã / phường", "Commune").to_string()],
            vec![format!("{} {}", tr(en, "Trạng thái", "Status"), self.base)],
            vec![tr(en, "Hạng đề xuất", "Candidate rank").to_string()],
            vec![tr(en, "Ghi chú", "Note").to_string()],
            vec![format!("{} {}", tr(en, "Kết quả", "Outcome"), self.req.plan.target_year)],
        ]
    }

    /// The legend under the map — status classes with their counts in the province, then the
    /// plan's symbol — placed in as many lines as the page width needs: (swatch style, text, x,
    /// baseline).
    fn legend(&self) -> Vec<(String, String, f64, f64)> {
        let en = self.en;
        let mut items: Vec<(String, String)> = self
            .status
            .legend
            .iter()
            .map(|c| (format!(r##"fill="{}" stroke="#999999" stroke-width="0.4""##, c.color), format!("{} ({})", if en { &c.label_en } else { &c.label_vi }, c.count)))
            .collect();
        let plan_symbol = tr(en, "xã trong kế hoạch (số thứ tự như bảng)", "commune in the plan (numbered as in the table)");
        items.push((r##"fill="none" stroke="#1a1a1a" stroke-width="1.4""##.into(), plan_symbol.into()));
        let (mut x, mut y) = (LEFT, LEGEND_TOP);
        let mut out = Vec::with_capacity(items.len());
        for (style, text) in items {
            let w = 16.0 + text.chars().count() as f64 * 5.3 + 14.0;
            if x > LEFT && x + w > RIGHT {
                (x, y) = (LEFT, y + 16.0);
            }
            out.push((style, text, x, y));
            x += w;
        }
        out
    }

    /// Page one's top: title, particulars, who made it, the quota against the choice.
    fn head(&self, svg: &mut String) {
        let (plan, en) = (&self.req.plan, self.en);
        let title = format!("{} — {}", tr(en, "Kế hoạch chuyển hóa địa bàn", "Conversion plan"), plan.name);
        let size = fitting_size(&title, 17.0, 0.62);
        let _ = write!(svg, r##"<text id="title" x="{LEFT}" y="38" font-size="{size:.1}" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(&title));
        let particulars = format!(
            "{} · {} {} · {}: {} · {} {}",
            self.req.province_name,
            tr(en, "năm mục tiêu", "target year"),
            plan.target_year,
            tr(en, "tình trạng", "status"),
            lifecycle(plan.status.as_str(), en),
            tr(en, "phiên bản", "version"),
            plan.version
        );
        let _ = write!(svg, r##"<text x="{LEFT}" y="58" font-size="11" fill="#1a1a1a">{}</text>"##, esc(&particulars));
        let made = format!(
            "{} {} · {} {} · {} {} · {} {} ({})",
            tr(en, "lập bởi", "made by"),
            plan.created_by,
            tr(en, "sửa lần cuối bởi", "last changed by"),
            plan.updated_by,
            tr(en, "in ngày", "printed"),
            short_date(chrono::Utc::now().date_naive(), en),
            tr(en, "trạng thái và hạng đề xuất theo số liệu năm", "status and candidate rank from the data of"),
            self.base,
            self.status.boundary_version
        );
        let _ = write!(svg, r##"<text x="{LEFT}" y="74" font-size="9" fill="#555555">{}</text>"##, esc(&made));
        let n = plan.communes.len();
        let communes = tr(en, "xã", "communes");
        let mut quota = match plan.quota {
            Some(q) => format!("{}: {q} {communes} · {}: {n} {communes}", tr(en, "Chỉ tiêu", "Quota"), tr(en, "trong kế hoạch", "in the plan")),
            None => format!("{}: {n} {communes} · {}", tr(en, "Trong kế hoạch", "In the plan"), tr(en, "chưa đặt chỉ tiêu", "no quota set")),
        };
        if let Some(q) = plan.quota.map(|q| q.max(0) as usize) {
            if n > q {
                let _ = write!(quota, " ({} {})", tr(en, "vượt chỉ tiêu", "over the quota by"), n - q);
            } else if n < q {
                let _ = write!(quota, " ({} {})", tr(en, "còn thiếu", "short of the quota by"), q - n);
            }
        }
        if self.target_in {
            let converted = plan.communes.iter().filter(|c| c.converted).count();
            let _ = write!(quota, " · {} {}: {converted}/{n}", tr(en, "được công nhận không ma túy năm", "recognised drug-free in"), plan.target_year);
        }
        let _ = write!(svg, r##"<text id="quota" x="{LEFT}" y="96" font-size="11.5" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(&quota));
    }

    /// The province by status, faded except the plan's communes, which are outlined and
    /// numbered as in the table; the legend under it.
    fn map(&self, svg: &mut String, legend: &[(String, String, f64, f64)]) -> Result<()> {
        let polygons = self.polygons;
        let number: HashMap<i64, usize> = self.req.plan.communes.iter().enumerate().map(|(i, c)| (c.unit_id, i + 1)).collect();
        let frame = (LEFT, MAP_TOP, RIGHT - LEFT, LEGEND_TOP - MAP_TOP - 22.0);
        let proj = draw_units(svg, polygons, self.in_province, &|id| !number.contains_key(&id), &self.status, frame)?;
        svg.push_str(r##"<g id="plan-outlines" fill="none" stroke="#1a1a1a" stroke-width="1.4" stroke-linejoin="round">"##);
        let mut wanted = Vec::new();
        for (ui, u) in polygons.units.iter().enumerate() {
            let Some(k) = number.get(&u.id) else { continue };
            let d = unit_path(polygons, ui, &proj);
            if !d.is_empty() {
                let _ = write!(svg, r#"<path data-plan-unit="{}" d="{d}"/>"#, u.id);
            }
            wanted.push((*k, proj.px(u.label)));
        }
        wanted.sort_by_key(|w| w.0);
        let mut markers = String::new();
        for ((k, at), placed) in wanted.iter().zip(place_markers(&wanted.iter().map(|w| (w.1, marker_radius(w.0))).collect::<Vec<_>>())) {
            let ([x, y], r) = (placed, marker_radius(*k));
            if (x - at[0]).hypot(y - at[1]) > 0.5 {
                // Moved off its commune to stay readable: a leader line points back.
                let _ = write!(markers, r##"<line x1="{:.1}" y1="{:.1}" x2="{x:.1}" y2="{y:.1}" stroke="#1a1a1a" stroke-width="0.6"/>"##, at[0], at[1]);
            }
            let _ = write!(
                markers,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="#ffffff" stroke="#1a1a1a" stroke-width="0.9"/><text x="{x:.1}" y="{:.1}" font-size="8" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{k}</text>"##,
                y + 2.9
            );
        }
        let _ = write!(svg, r#"</g><g id="plan-markers">{markers}</g>"#);
        for (style, text, x, y) in legend {
            let _ = write!(
                svg,
                r##"<rect x="{x}" y="{}" width="12" height="10" {style}/><text x="{}" y="{y}" font-size="9.5" fill="#1a1a1a">{}</text>"##,
                y - 9.0,
                x + 16.0,
                esc(text)
            );
        }
        Ok(())
    }

    /// The table's rows `which` from baseline `top`, under the header; gives the baseline after
    /// the last row.
    fn table(&self, svg: &mut String, rows: &[Row], which: &[usize], top: f64) -> f64 {
        let mut y = top;
        if rows.is_empty() {
            let none = tr(self.en, "Chưa có xã nào trong kế hoạch.", "No communes in the plan yet.");
            let _ = write!(svg, r##"<text x="{LEFT}" y="{y}" font-size="10" fill="#555555">{}</text>"##, esc(none));
            return y + 2.0 * LINE;
        }
        if which.is_empty() {
            return y;
        }
        draw_row(svg, y - LINE - 4.0, &self.header(), 9.0, "#555555", "bold");
        let _ = write!(svg, r##"<line x1="{LEFT}" y1="{:.1}" x2="{RIGHT}" y2="{:.1}" stroke="#999999" stroke-width="0.6"/>"##, y - 10.0, y - 10.0);
        svg.push_str(r#"<g id="plan-rows">"#);
        for &i in which {
            let r = &rows[i];
            let _ = write!(svg, r#"<g data-row="{}" data-unit="{}">"#, i + 1, r.unit_id);
            draw_row(svg, y, &r.cells, 9.5, "#1a1a1a", "normal");
            let rule = y + r.height() - LINE + 1.0;
            let _ = write!(svg, r##"</g><line x1="{LEFT}" y1="{rule:.1}" x2="{RIGHT}" y2="{rule:.1}" stroke="#e0e0e0" stroke-width="0.5"/>"##);
            y += r.height();
        }
        svg.push_str("</g>");
        y
    }

    /// Signature blocks from baseline `top`: the place and date line, then who prepared the plan
    /// and who approves it.
    fn signatures(&self, svg: &mut String, top: f64) {
        let en = self.en;
        let place_date = format!("{}, {}", self.req.province_name, long_date(chrono::Utc::now().date_naive(), en));
        let _ = write!(
            svg,
            r##"<text class="place-date" x="{:.1}" y="{top:.1}" font-size="10" font-style="italic" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            RIGHT - 150.0,
            esc(&place_date)
        );
        let hint = esc(tr(en, "(ký, ghi rõ họ tên)", "(signature and full name)"));
        for (x, who, name) in [
            (LEFT + 150.0, tr(en, "NGƯỜI LẬP", "PREPARED BY"), self.req.plan.created_by.as_str()),
            (RIGHT - 150.0, tr(en, "PHÊ DUYỆT", "APPROVED BY"), ""),
        ] {
            let _ = write!(
                svg,
                r##"<g class="signature"><text x="{x}" y="{:.1}" font-size="11" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{who}</text><text x="{x}" y="{:.1}" font-size="9" font-style="italic" text-anchor="middle" fill="#555555">{hint}</text><text x="{x}" y="{:.1}" font-size="9.5" text-anchor="middle" fill="#1a1a1a">{}</text></g>"##,
                top + 18.0,
                top + 32.0,
                top + 94.0,
                esc(name)
            );
        }
    }

    /// Every page's foot: source, page number and, for the demo, the synthetic-data notice.
    fn footer(&self, svg: &mut String, page: usize, total: usize) {
        let en = self.en;
        let ph = PAGE.1;
        let source = tr(
            en,
            "Nguồn: commune-atlas · trạng thái theo bộ quy tắc data/rules; thiếu số liệu thì tiêu chí chưa xác định, không coi là không đạt",
            "Source: commune-atlas · status by the rule sets in data/rules; a missing figure leaves a criterion undetermined, never unmet",
        );
        let _ = write!(svg, r##"<text x="{LEFT}" y="{}" font-size="8.5" fill="#555555">{}</text>"##, ph - 28.0, esc(source));
        let number = format!("{} {}/{total}", tr(en, "Trang", "Page"), page + 1);
        let _ = write!(svg, r##"<text class="page-number" x="{RIGHT}" y="{}" font-size="8.5" fill="#555555" text-anchor="end">{number}</text>"##, ph - 28.0);
        if self.req.demo {
            let _ = write!(svg, r##"<text x="{LEFT}" y="{}" font-size="10" font-weight="bold" fill="#b2182b">{DEMO_NOTICE}</text>"##, ph - 12.0);
        }
    }
}

/// A numbered marker's radius: wider for two digits.
fn marker_radius(k: usize) -> f64 {
    if k >= 10 { 8.0 } else { 6.5 }
}

/// Where to draw each marker (wanted centre, radius), in order: at its centre if it overlaps no
/// marker placed before it, else at the nearest free spot on rings of candidate offsets around
/// it (12 directions, growing distance), so no two markers cover each other's number.
fn place_markers(wanted: &[([f64; 2], f64)]) -> Vec<[f64; 2]> {
    let mut placed: Vec<([f64; 2], f64)> = Vec::with_capacity(wanted.len());
    for &(at, r) in wanted {
        let free = |p: [f64; 2]| placed.iter().all(|(q, rq)| (p[0] - q[0]).hypot(p[1] - q[1]) >= r + rq + 1.0);
        let candidates = std::iter::once(at).chain((1..=40).flat_map(|ring| {
            let d = f64::from(ring) * r;
            (0..12).map(move |i| {
                let a = f64::from(i) * std::f64::consts::PI / 6.0;
                [at[0] + d * a.cos(), at[1] + d * a.sin()]
            })
        }));
        let spot = candidates.into_iter().find(|p| free(*p)).unwrap_or(at);
        placed.push((spot, r));
    }
    placed.into_iter().map(|p| p.0).collect()
}

/// A date as Vietnamese administrative documents write it ("ngày 01 tháng 12 năm 2026"), or in
/// English ("1 December 2026").
pub(crate) fn long_date(d: chrono::NaiveDate, en: bool) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    if en {
        format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
    } else {
        format!("ngày {:02} tháng {:02} năm {}", d.day(), d.month(), d.year())
    }
}

/// A date in a line of small print: 01/12/2026 in Vietnamese, 2026-12-01 in English.
fn short_date(d: chrono::NaiveDate, en: bool) -> String {
    if en { d.format("%Y-%m-%d").to_string() } else { d.format("%d/%m/%Y").to_string() }
}

/// Rows on pages: page one's table starts at `first_top`, later pages at [`NEXT_TOP`]. The
/// signature blocks follow the last row; when they do not fit, the last two rows move to a new
/// page with them, so a signature never stands apart from what it signs — unless the last page
/// holds fewer than three rows, when the signatures get a page of their own. Gives the rows of
/// each page and whether that extra signatures-only page is needed.
fn paginate(heights: &[f64], first_top: f64) -> (Vec<Vec<usize>>, bool) {
    let mut pages: Vec<Vec<usize>> = vec![Vec::new()];
    let mut y = first_top;
    for (i, h) in heights.iter().enumerate() {
        if y + h > BOTTOM && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            y = NEXT_TOP;
        }
        if let Some(p) = pages.last_mut() {
            p.push(i);
        }
        y += h;
    }
    if y + SIGNATURES <= PAGE.1 - 40.0 {
        return (pages, false);
    }
    let last = pages.len() - 1;
    if pages[last].len() < 3 {
        return (pages, true);
    }
    let keep = pages[last].len() - 2;
    let moved = pages[last].split_off(keep);
    pages.push(moved);
    (pages, false)
}

/// The sheet's pages as SVG documents (`output::pdf_pages` binds them).
pub fn pages(s: &Snapshot, tiles: &TileService, req: &PlanSheetRequest) -> Result<Vec<String>> {
    let plan = &req.plan;
    let latest = *s.years().last().ok_or_else(|| Error::NotFound("the store holds no indicators yet".into()))?;
    let base = (plan.target_year - 1).min(latest);
    let in_province = |id: i64| s.facts.units.get(&id).and_then(|u| u.province_code.as_deref()) == Some(plan.province_code.as_str());
    let status = choropleth::compute(s, &Spec { year: Some(base), metric: Some("status".into()), ..Spec::default() }, &in_province)?;
    let layer = tiles
        .layer(&format!("communes.{}", status.boundary_version))
        .ok_or_else(|| Error::NotFound(format!("no commune layer for boundary version {}", status.boundary_version)))?;
    let Kind::Polygons(polygons) = &layer.kind else { return Err(Error::NotFound("the commune layer has no polygons".into())) };
    let sheet = Sheet { req, en: req.english, base, target_in: latest >= plan.target_year, status, polygons, in_province: &in_province };

    let rows = sheet.rows(s);
    let legend = sheet.legend();
    let first_top = legend.last().map_or(LEGEND_TOP, |l| l.3) + 46.0;
    let (layout, signatures_alone) = paginate(&rows.iter().map(Row::height).collect::<Vec<_>>(), first_top);
    let total = layout.len() + usize::from(signatures_alone);
    let (pw, ph) = PAGE;
    let mut out = Vec::with_capacity(total);
    for page in 0..total {
        let mut svg = String::with_capacity(if page == 0 { 1 << 20 } else { 64 << 10 });
        let _ = write!(svg, r#"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 {pw} {ph}" font-family="{FONT_FAMILY}">"#);
        let _ = write!(svg, r##"<rect width="{pw}" height="{ph}" fill="#ffffff"/>"##);
        let top = if page == 0 {
            sheet.head(&mut svg);
            sheet.map(&mut svg, &legend)?;
            first_top
        } else {
            let head = format!("{} — {} ({})", tr(sheet.en, "Kế hoạch chuyển hóa địa bàn", "Conversion plan"), plan.name, tr(sheet.en, "tiếp theo", "continued"));
            let size = fitting_size(&head, 12.0, 0.62);
            let _ = write!(svg, r##"<text x="{LEFT}" y="40" font-size="{size:.1}" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(&head));
            NEXT_TOP
        };
        let end = match layout.get(page) {
            Some(which) => sheet.table(&mut svg, &rows, which, top),
            None => top - 24.0,
        };
        if page == total - 1 {
            sheet.signatures(&mut svg, end + 24.0);
        }
        sheet.footer(&mut svg, page, total);
        svg.push_str("</svg>");
        out.push(svg);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: f64 = 560.0;

    #[test]
    fn crowded_markers_are_spread_so_none_covers_another_and_free_ones_stay_put() {
        // Twelve communes whose label points nearly coincide, and one far away.
        let mut wanted: Vec<([f64; 2], f64)> = (0..12).map(|i| ([300.0 + f64::from(i) * 0.5, 200.0], marker_radius(i as usize + 1))).collect();
        wanted.push(([600.0, 400.0], 6.5));
        let placed = place_markers(&wanted);
        assert_eq!(placed.len(), wanted.len());
        for i in 0..placed.len() {
            for j in 0..i {
                let d = (placed[i][0] - placed[j][0]).hypot(placed[i][1] - placed[j][1]);
                assert!(d >= wanted[i].1 + wanted[j].1, "markers {i} and {j} overlap ({d:.1} px apart)");
            }
        }
        assert_eq!(placed[0], wanted[0].0, "the first stays on its commune");
        assert_eq!(placed[12], wanted[12].0, "a marker with room stays on its commune");
        assert!(placed.iter().zip(&wanted).all(|(p, w)| (p[0] - w.0[0]).hypot(p[1] - w.0[1]) < 60.0), "moved markers stay near");
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(long_date(d, false), "ngày 07 tháng 03 năm 2026");
        assert_eq!(long_date(d, true), "7 March 2026");
        assert_eq!((short_date(d, false), short_date(d, true)), ("07/03/2026".to_string(), "2026-03-07".to_string()));
    }

    #[test]
    fn a_short_plan_is_one_page_with_its_signatures() {
        let (pages, alone) = paginate(&[17.5; 10], FIRST);
        assert_eq!((pages, alone), (vec![(0..10).collect::<Vec<_>>()], false));
        let (pages, alone) = paginate(&[], FIRST);
        assert_eq!((pages, alone), (vec![vec![]], false), "an empty plan still has its page and signatures");
    }

    #[test]
    fn rows_flow_onto_further_pages_in_order_and_each_appears_once() {
        let heights: Vec<f64> = (0..120).map(|i| if i % 3 == 0 { 55.0 } else { 30.0 }).collect();
        let (pages, _) = paginate(&heights, FIRST);
        assert!(pages.len() >= 4);
        assert_eq!(pages.concat(), (0..120).collect::<Vec<_>>());
        for (k, p) in pages.iter().enumerate() {
            let top = if k == 0 { FIRST } else { NEXT_TOP };
            let used: f64 = p.iter().map(|&i| heights[i]).sum();
            assert!(top + used <= BOTTOM, "page {k} overflows: {used}");
        }
    }

    #[test]
    fn signatures_that_do_not_fit_take_the_last_two_rows_with_them() {
        // Fill page one so that the rows fit but the signatures do not.
        let n = ((BOTTOM - FIRST) / 20.0).floor() as usize;
        let (pages, alone) = paginate(&vec![20.0; n], FIRST);
        assert!(!alone);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1], vec![n - 2, n - 1]);
        assert_eq!(pages.concat(), (0..n).collect::<Vec<_>>());
        // With only two rows on the last page there is nothing to take: the signatures go alone.
        let heights: Vec<f64> = vec![(BOTTOM - FIRST) / 2.0 - 1.0; 2].into_iter().chain([BOTTOM - NEXT_TOP - 60.0, 30.0]).collect();
        let (pages, alone) = paginate(&heights, FIRST);
        assert_eq!((pages.len(), pages[1].len(), alone), (2, 2, true));
    }
}
