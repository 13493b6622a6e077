//! The province's report to the Ministry of Public Security on the review (Decision 28/2025
//! Art. 7.2, before 20 December): counts by list against the previous period, conversions and
//! relapses, the province's own Art. 5 criteria with their values, progress against the target
//! path and the quota — one set of [`Tables`], drawn as the PDF's first page (the province report,
//! with the map by the approved statuses, follows it) and written as an XLSX workbook (one sheet
//! per table) for the Ministry to consolidate.

use std::fmt::Write;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::map::esc;
use super::output::FONT_FAMILY;
use super::{DEMO_NOTICE, tr};
use crate::analytics::{Snapshot, progress};
use crate::error::{Error, Result};
use crate::review::approval::{Change, List, Lists};

const PAGE: (f64, f64) = (793.7, 1122.52);
const LEFT: f64 = 48.0;
const RIGHT: f64 = 750.0;

/// How serious a list is: drug-free 0, none 1, III 2, II 3, I 4.
fn rank(l: Option<List>) -> u8 {
    match l {
        Some(List::DrugFree) => 0,
        Some(List::None) | None => 1,
        Some(List::III) => 2,
        Some(List::II) => 3,
        Some(List::I) => 4,
    }
}

/// A table: its title, header and rows of text (numbers as text, as printed).
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: &'static str,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell: a number (kept a number in the workbook) or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Number(f64),
    Text(String),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Number(n) => format!("{n:.1}"),
            Cell::Text(t) => t.clone(),
        }
    }
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn n(v: impl Into<f64>) -> Cell {
    Cell::Number(v.into())
}

/// The report's tables, built once from the lists, the snapshot and the progress.
pub struct Tables {
    pub title: String,
    pub subtitle: String,
    pub tables: Vec<Table>,
}

/// Moves against the previous period: to a less serious list (conversions) or a more serious one
/// (relapses), among the communes assessed both times.
pub fn moves(lists: &Lists) -> (Vec<Change>, Vec<Change>) {
    let mut conversions = Vec::new();
    let mut relapses = Vec::new();
    // A commune on no list last period (or not assessed then) is neither: "put on" says it.
    for e in lists.entries.iter().filter(|e| e.previous.is_some()) {
        let (from, to) = (e.previous, e.list);
        let c = Change { unit_id: e.unit_id, name: e.name.clone(), from, to };
        match rank(to).cmp(&rank(from)) {
            std::cmp::Ordering::Less => conversions.push(c),
            std::cmp::Ordering::Greater => relapses.push(c),
            std::cmp::Ordering::Equal => {}
        }
    }
    (conversions, relapses)
}

/// Communes per list now and in the previous period (the not assessed keep their previous list).
pub fn counts(lists: &Lists) -> Vec<(List, usize, usize)> {
    [List::I, List::II, List::III, List::DrugFree]
        .iter()
        .map(|&l| {
            let now = lists.entries.iter().filter(|e| e.list == Some(l)).count();
            let before = lists.entries.iter().filter(|e| e.previous == Some(l)).count() + lists.not_assessed.iter().filter(|x| x.previous == Some(l)).count();
            (l, before, now)
        })
        .collect()
}

pub fn tables(lists: &Lists, s: &Snapshot, progress: &[progress::Year], en: bool) -> Tables {
    let year = lists.period.year;
    let mut out = Vec::new();
    let counts = counts(lists);
    let mut rows: Vec<Vec<Cell>> = counts.iter().map(|(l, b, now)| vec![t(List::short(Some(*l), en)), n(*b as f64), n(*now as f64), n(*now as f64 - *b as f64)]).collect();
    rows.push(vec![t(tr(en, "Chưa đánh giá", "Not assessed")), t(""), n(lists.not_assessed.len() as f64), t("")]);
    out.push(Table {
        sheet: "Tổng hợp",
        title: tr(en, "1. Số xã theo danh sách so với kỳ trước", "1. Communes by list against the previous period").into(),
        header: vec![tr(en, "Danh sách", "List").into(), format!("{}", year - 1), format!("{year}"), tr(en, "Tăng/giảm", "Change").into()],
        rows,
    });
    let (conversions, relapses) = moves(lists);
    let mv = |cs: &[Change], kind: &str| cs.iter().map(|c| vec![t(c.name.clone()), t(List::short(c.from, en)), t(List::short(c.to, en)), t(kind.to_string())]).collect::<Vec<_>>();
    let mut rows = mv(&conversions, tr(en, "chuyển hóa", "converted"));
    rows.extend(mv(&relapses, tr(en, "phức tạp trở lại", "relapsed")));
    out.push(Table {
        sheet: "Chuyển hóa",
        title: format!("2. {} ({} / {})", tr(en, "Chuyển hóa và phức tạp trở lại", "Conversions and relapses"), conversions.len(), relapses.len()),
        header: vec![tr(en, "Xã", "Commune").into(), format!("{}", year - 1), format!("{year}"), tr(en, "Diễn biến", "Move").into()],
        rows,
    });
    let art5 = s.provinces_in(year).find(|r| r.province_code == lists.province_code);
    let labels = art5.and_then(|r| s.rules.set(&r.evaluation.ruleset_id)).and_then(|set| set.province.as_ref());
    let word = |v: crate::rules::Tri| match v {
        crate::rules::Tri::True => tr(en, "đạt", "met"),
        crate::rules::Tri::False => tr(en, "không đạt", "not met"),
        crate::rules::Tri::Unknown => tr(en, "chưa rõ", "unknown"),
    };
    let rows = art5
        .map(|r| {
            r.evaluation
                .criteria
                .iter()
                .map(|c| {
                    let label = labels.and_then(|l| l.criteria.iter().find(|x| x.id == c.id)).map_or(c.id.clone(), |x| if en { x.label_en.clone() } else { x.label_vi.clone() });
                    vec![t(c.id.clone()), t(label), t(c.detail.clone()), t(word(c.value))]
                })
                .collect()
        })
        .unwrap_or_default();
    let result = art5.map_or(tr(en, "chưa có số liệu", "no data"), |r| match r.evaluation.key {
        crate::rules::Tri::True => tr(en, "là địa bàn trọng điểm", "a key area"),
        crate::rules::Tri::False => tr(en, "không phải địa bàn trọng điểm", "not a key area"),
        crate::rules::Tri::Unknown => tr(en, "chưa xác định", "undetermined"),
    });
    out.push(Table {
        sheet: "Điều 5",
        title: format!("3. {}: {result}", tr(en, "Tự đánh giá cấp tỉnh (Điều 5)", "The province under Art. 5")),
        header: vec![tr(en, "Mã", "Id").into(), tr(en, "Tiêu chí", "Criterion").into(), tr(en, "Giá trị", "Value").into(), tr(en, "Kết quả", "Result").into()],
        rows,
    });
    let rows = progress
        .iter()
        .filter(|p| p.province_code == lists.province_code && p.year <= year)
        .map(|p| {
            vec![
                n(p.year),
                n(p.communes as f64),
                n(p.drug_free as f64),
                p.drug_free_pct.map_or(t(""), n),
                p.target_pct.map_or(t(""), n),
                p.quota_count.map_or(t(""), n),
                p.quota_recognised.map_or(t(""), |v| n(v as f64)),
            ]
        })
        .collect();
    out.push(Table {
        sheet: "Tiến độ",
        title: tr(en, "4. Tiến độ so với lộ trình mục tiêu (≥ 50 % năm 2030) và chỉ tiêu", "4. Progress against the target path (≥ 50 % by 2030) and the quota").into(),
        header: vec![
            tr(en, "Năm", "Year").into(),
            tr(en, "Số xã", "Communes").into(),
            tr(en, "Không ma túy", "Drug-free").into(),
            "%".into(),
            tr(en, "Mục tiêu %", "Target %").into(),
            tr(en, "Chỉ tiêu", "Quota").into(),
            tr(en, "Đã công nhận", "Recognised").into(),
        ],
        rows,
    });
    let rows = lists
        .entries
        .iter()
        .map(|e| vec![t(e.code.clone()), t(e.name.clone()), t(List::short(e.list, en)), t(List::short(e.previous, en)), t(e.criteria.join(", ")), t(e.override_reason.clone().unwrap_or_default())])
        .collect();
    out.push(Table {
        sheet: "Danh sách",
        title: tr(en, "5. Danh sách đã phê duyệt", "5. The approved lists").into(),
        header: vec![tr(en, "Mã", "Code").into(), tr(en, "Xã", "Commune").into(), format!("{year}"), format!("{}", year - 1), tr(en, "Tiêu chí", "Criteria").into(), tr(en, "Lý do điều chỉnh", "Reason for departing").into()],
        rows,
    });
    let decision = lists.decisions.first().map_or_else(
        || tr(en, "DỰ THẢO — danh sách chưa được phê duyệt", "DRAFT — the lists are not approved yet").to_string(),
        |d| format!("{} {} {} {}", tr(en, "Theo Quyết định số", "Under Decision No."), d.decision_no, tr(en, "ngày", "of"), d.decision_date),
    );
    Tables {
        title: format!("{} {year} — {}", tr(en, "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ, PHÂN LOẠI ĐỊA BÀN VỀ MA TÚY NĂM", "REPORT ON THE DRUG AREA CLASSIFICATION,"), lists.province_name),
        subtitle: format!("{} · {} {}", decision, tr(en, "Kính gửi: Bộ Công an (Điều 7.2 Quyết định 28/2025/QĐ-TTg), trước ngày", "To: the Ministry of Public Security (Art. 7.2, Decision 28/2025/QĐ-TTg), before"), lists.period.province_deadline),
        tables: out,
    }
}

/// The report's first page: the tables (the lists themselves are in the annex and the workbook).
pub fn cover(tables: &Tables, demo: bool) -> String {
    let (pw, ph) = PAGE;
    let mut svg = String::with_capacity(64 << 10);
    let _ = write!(svg, r#"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 {pw} {ph}" font-family="{FONT_FAMILY}">"#);
    let _ = write!(svg, r##"<rect width="{pw}" height="{ph}" fill="#ffffff"/>"##);
    let mut y = 56.0;
    for line in super::map::wrap(&tables.title, 80) {
        let _ = write!(svg, r##"<text class="title" x="{}" y="{y}" font-size="13" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{}</text>"##, pw / 2.0, esc(&line));
        y += 18.0;
    }
    let _ = write!(svg, r##"<text x="{}" y="{y}" font-size="9.5" font-style="italic" text-anchor="middle" fill="#1a1a1a">{}</text>"##, pw / 2.0, esc(&tables.subtitle));
    y += 30.0;
    for table in tables.tables.iter().filter(|t| t.sheet != "Danh sách") {
        if y > ph - 120.0 {
            break;
        }
        let _ = write!(svg, r##"<text x="{LEFT}" y="{y}" font-size="11.5" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(&table.title));
        y += 17.0;
        let cols = table.header.len();
        // The first column (or the first two, for Art. 5) takes the room; the others are right
        // aligned, as wide as what they hold (numbers, or list names for the moves).
        let art5 = table.sheet == "Điều 5";
        let wide = if art5 { 2 } else { 1 };
        let width = match table.sheet {
            "Chuyển hóa" => 130.0,
            "Tiến độ" => 80.0,
            _ => 64.0,
        };
        let xs: Vec<f64> = (0..cols).map(|i| if i < wide { LEFT + i as f64 * 40.0 } else if art5 { RIGHT } else { RIGHT - width * (cols - 1 - i) as f64 }).collect();
        let anchor = |i: usize| if i < wide { "start" } else { "end" };
        for (i, h) in table.header.iter().enumerate() {
            // Art. 5: the value goes under the criterion; only the result has a column.
            if art5 && i == 2 {
                continue;
            }
            let _ = write!(svg, r##"<text x="{}" y="{y}" font-size="8.5" font-weight="bold" fill="#555555" text-anchor="{}">{}</text>"##, xs[i], anchor(i), esc(h));
        }
        let _ = write!(svg, r##"<line x1="{LEFT}" y1="{}" x2="{RIGHT}" y2="{}" stroke="#999999" stroke-width="0.5"/>"##, y + 4.0, y + 4.0);
        let room = ((xs.get(wide).copied().unwrap_or(RIGHT) - width - xs[wide - 1]) / 5.4).max(10.0) as usize;
        if table.rows.is_empty() {
            y += 15.0;
            let _ = write!(svg, r##"<text x="{LEFT}" y="{y}" font-size="9.5" font-style="italic" fill="#555555">{}</text>"##, "—");
        }
        for row in table.rows.iter().take(24) {
            y += if art5 { 25.0 } else { 14.0 };
            for (i, c) in row.iter().enumerate() {
                if art5 && i == 2 {
                    y += 11.0;
                    let _ = write!(svg, r##"<text x="{}" y="{y}" font-size="8" fill="#555555">{}</text>"##, xs[1], esc(&c.text()));
                    y -= 11.0;
                    continue;
                }
                let mut text = c.text();
                if i == wide - 1 && text.chars().count() > room {
                    text = format!("{}…", text.chars().take(room - 1).collect::<String>());
                }
                let _ = write!(svg, r##"<text x="{}" y="{y}" font-size="9.5" fill="#1a1a1a" text-anchor="{}">{}</text>"##, xs[i], anchor(i), esc(&text));
            }
        }
        if table.rows.len() > 24 {
            y += 14.0;
            let _ = write!(svg, r##"<text x="{LEFT}" y="{y}" font-size="9" font-style="italic" fill="#555555">… {} (XLSX)</text>"##, table.rows.len() - 24);
        }
        y += 26.0;
    }
    let _ = write!(svg, r##"<text class="page-number" x="{RIGHT}" y="{}" font-size="8.5" text-anchor="end" fill="#555555">1</text>"##, ph - 34.0);
    if demo {
        let _ = write!(svg, r##"<text x="{LEFT}" y="{}" font-size="10" font-weight="bold" fill="#b2182b">{DEMO_NOTICE}</text>"##, ph - 18.0);
    }
    svg.push_str("</svg>");
    svg
}

/// The tables as a workbook, one sheet per table: header in row 1, numbers kept numbers.
pub fn workbook(tables: &Tables) -> Result<Vec<u8>> {
    let fail = |e: XlsxError| Error::Internal(format!("writing the report workbook: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for table in &tables.tables {
        let ws = wb.add_worksheet();
        ws.set_name(table.sheet).map_err(fail)?;
        for (c, h) in table.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match cell {
                    Cell::Number(v) => ws.write_number(r, c, *v).map_err(fail)?,
                    Cell::Text(s) => ws.write_string(r, c, s).map_err(fail)?,
                };
            }
        }
        ws.set_column_width(0, 14).map_err(fail)?;
        ws.set_column_width(1, 36).map_err(fail)?;
    }
    wb.save_to_buffer().map_err(fail)
}
