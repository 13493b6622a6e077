//! The annex to a provincial People's Committee's decision on the review's lists (Decision
//! 28/2025 Art. 7.2): A4 portrait, the Vietnamese administrative layout — the issuing body and
//! the national motto at the top, "PHỤ LỤC", the title and "(Kèm theo Quyết định số … ngày …)" —
//! then the numbered lists (key areas of type I, II, III; drug-free areas: commune, former unit
//! where relevant, list, main criteria met or the approver's reason), the communes put on and
//! taken off each list against the previous period, the signature block and page numbers on every
//! page. English on request. Every page is one SVG; `output::pdf_pages` binds them.

use std::fmt::Write;

use super::map::{esc, wrap};
use super::output::FONT_FAMILY;
use super::plan::long_date;
use super::{DEMO_NOTICE, tr};
use crate::error::{Error, Result};
use crate::review::approval::{Change, DecisionKind, Entry, List, Lists};

const PAGE: (f64, f64) = (793.7, 1122.52);
const LEFT: f64 = 48.0;
const RIGHT: f64 = 750.0;
const BOTTOM: f64 = PAGE.1 - 64.0;
const LINE: f64 = 12.5;
const PAD: f64 = 5.0;
/// Where the first page's lists start (under the heading) and the later pages'.
const FIRST_TOP: f64 = 232.0;
const NEXT_TOP: f64 = 64.0;
const SIGNATURE: f64 = 120.0;

/// Columns: number, commune, former unit, list, criteria — left edge, wrap width in characters.
const COLUMNS: [(f64, usize, bool); 5] = [(66.0, 4, true), (74.0, 30, false), (262.0, 28, false), (436.0, 18, false), (556.0, 34, false)];

/// What goes down the page: a section heading, a table header, a row, or a note.
enum Block {
    Heading(String),
    Header,
    Row { unit_id: i64, number: usize, cells: Vec<Vec<String>> },
    Note(String),
}

impl Block {
    fn height(&self) -> f64 {
        match self {
            Block::Heading(_) => 2.4 * LINE,
            Block::Header => LINE + PAD,
            Block::Row { cells, .. } => cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f64 * LINE + PAD,
            Block::Note(_) => LINE + PAD,
        }
    }
}

fn lines(text: &str, chars: usize) -> Vec<String> {
    let l = wrap(text, chars);
    if l.is_empty() { vec![String::new()] } else { l }
}

fn roman(i: usize) -> &'static str {
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"].get(i).copied().unwrap_or("")
}

/// "1234/QĐ-UBND" as typed, or the number with the form of a provincial decision added.
fn decision_ref(no: &str) -> String {
    if no.contains('/') { no.to_string() } else { format!("{no}/QĐ-UBND") }
}

struct Annex<'a> {
    lists: &'a Lists,
    en: bool,
    demo: bool,
}

impl Annex<'_> {
    fn row(&self, number: usize, e: &Entry) -> Block {
        let en = self.en;
        let basis = match &e.override_reason {
            Some(r) => format!("{}: {r}", tr(en, "Điều chỉnh so với số liệu", "Departs from the figures")),
            None if e.criteria.is_empty() => "—".to_string(),
            None => format!("{} {}", tr(en, "Tiêu chí", "Criteria"), e.criteria.join(", ")),
        };
        let cells = vec![
            vec![number.to_string()],
            lines(&format!("{} ({})", e.name, e.code), COLUMNS[1].1),
            lines(e.former.as_deref().unwrap_or(""), COLUMNS[2].1),
            lines(List::short(e.list, en), COLUMNS[3].1),
            lines(&basis, COLUMNS[4].1),
        ];
        Block::Row { unit_id: e.unit_id, number, cells }
    }

    fn change_row(&self, number: usize, c: &Change, put_on: bool) -> Block {
        let en = self.en;
        let what = if put_on {
            format!("{} {}", tr(en, "trước đây:", "before:"), List::short(c.from, en))
        } else if c.to.is_none() && self.lists.not_assessed.iter().any(|n| n.unit_id == c.unit_id) {
            tr(en, "chưa được đánh giá kỳ này", "not assessed this period").to_string()
        } else {
            format!("{} {}", tr(en, "nay:", "now:"), List::short(c.to, en))
        };
        let cells = vec![vec![number.to_string()], lines(&c.name, COLUMNS[1].1), vec![String::new()], lines(List::short(if put_on { c.to } else { c.from }, en), COLUMNS[3].1), lines(&what, COLUMNS[4].1)];
        Block::Row { unit_id: c.unit_id, number, cells }
    }

    /// Everything below the heading, in order.
    fn blocks(&self, entries: &[Entry], kind: DecisionKind) -> Vec<Block> {
        let en = self.en;
        let mut out = Vec::new();
        let mut section = 0;
        for l in List::ANNEXED {
            let on: Vec<&Entry> = entries.iter().filter(|e| e.list == Some(l)).collect();
            if kind == DecisionKind::Amendment && on.is_empty() {
                continue;
            }
            out.push(Block::Heading(format!("{}. {} ({} {})", roman(section), l.label(en).to_uppercase(), on.len(), tr(en, "xã", "communes"))));
            section += 1;
            if on.is_empty() {
                out.push(Block::Note(tr(en, "(không có)", "(none)").into()));
                continue;
            }
            out.push(Block::Header);
            for (i, e) in on.iter().enumerate() {
                out.push(self.row(i + 1, e));
            }
        }
        if kind == DecisionKind::Amendment {
            let off: Vec<&Entry> = entries.iter().filter(|e| e.list == Some(List::None)).collect();
            if !off.is_empty() {
                out.push(Block::Heading(format!("{}. {}", roman(section), tr(en, "KHÔNG THUỘC DANH SÁCH NÀO", "ON NO LIST"))));
                out.push(Block::Header);
                for (i, e) in off.iter().enumerate() {
                    out.push(self.row(i + 1, e));
                }
            }
            return out;
        }
        // The changes against the previous period, list by list.
        let (put_on, taken_off) = crate::review::approval::changes(entries, &self.lists.not_assessed);
        for (title, by, on) in [(tr(en, "ĐƯA VÀO DANH SÁCH", "PUT ON THE LISTS"), &put_on, true), (tr(en, "ĐƯA RA KHỎI DANH SÁCH", "TAKEN OFF THE LISTS"), &taken_off, false)] {
            let n: usize = by.values().map(Vec::len).sum();
            out.push(Block::Heading(format!("{}. {title} ({n} {})", roman(section), tr(en, "lượt", "changes"))));
            section += 1;
            if n == 0 {
                out.push(Block::Note(tr(en, "(không có)", "(none)").into()));
                continue;
            }
            out.push(Block::Header);
            let mut k = 0;
            for l in List::ANNEXED {
                for c in by.get(&l).into_iter().flatten() {
                    k += 1;
                    out.push(self.change_row(k, c, on));
                }
            }
        }
        out
    }

    fn draw_cells(&self, svg: &mut String, y: f64, cells: &[Vec<String>], size: f64, weight: &str, color: &str) {
        for ((x, _, right), ls) in COLUMNS.iter().zip(cells) {
            for (i, line) in ls.iter().enumerate() {
                let anchor = if *right { "end" } else { "start" };
                let _ = write!(svg, r##"<text x="{x}" y="{:.1}" font-size="{size}" font-weight="{weight}" fill="{color}" text-anchor="{anchor}">{}</text>"##, y + i as f64 * LINE, esc(line));
            }
        }
    }

    fn header_cells(&self) -> Vec<Vec<String>> {
        let en = self.en;
        vec![
            vec![tr(en, "STT", "No.").into()],
            vec![tr(en, "Xã, phường, đặc khu", "Commune").into()],
            vec![tr(en, "Đơn vị cũ (trước 01/7/2025)", "Former units (before 1/7/2025)").into()],
            vec![tr(en, "Phân loại", "List").into()],
            vec![tr(en, "Tiêu chí chính / căn cứ", "Main criteria / basis").into()],
        ]
    }

    fn draw(&self, svg: &mut String, b: &Block, y: f64) {
        match b {
            Block::Heading(t) => {
                let _ = write!(svg, r##"<text class="section" x="{LEFT}" y="{:.1}" font-size="11" font-weight="bold" fill="#1a1a1a">{}</text>"##, y + LINE * 1.3, esc(t));
            }
            Block::Header => {
                self.draw_cells(svg, y, &self.header_cells(), 8.5, "bold", "#444444");
                let _ = write!(svg, r##"<line x1="{LEFT}" y1="{:.1}" x2="{RIGHT}" y2="{:.1}" stroke="#999999" stroke-width="0.6"/>"##, y + 4.0, y + 4.0);
            }
            Block::Row { unit_id, number, cells } => {
                let _ = write!(svg, r#"<g data-unit="{unit_id}" data-row="{number}">"#);
                self.draw_cells(svg, y + LINE - 2.0, cells, 9.5, "normal", "#1a1a1a");
                svg.push_str("</g>");
            }
            Block::Note(t) => {
                let _ = write!(svg, r##"<text x="{}" y="{:.1}" font-size="9.5" font-style="italic" fill="#555555">{}</text>"##, COLUMNS[1].0, y + LINE - 2.0, esc(t));
            }
        }
    }

    /// Page one's top: the issuing body, the motto, the title and the decision it is annexed to.
    fn heading(&self, svg: &mut String, kind: DecisionKind, no: &str, date: &str) {
        let (en, l) = (self.en, self.lists);
        let body = format!("{} {}", tr(en, "ỦY BAN NHÂN DÂN", "PEOPLE'S COMMITTEE OF"), l.province_name.to_uppercase());
        let mid_left = 200.0;
        let mid_right = 560.0;
        let _ = write!(svg, r##"<text x="{mid_left}" y="56" font-size="11" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{}</text>"##, esc(&body));
        let _ = write!(svg, r##"<text x="{mid_right}" y="56" font-size="11" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{}</text>"##, tr(en, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"));
        let _ = write!(svg, r##"<text x="{mid_right}" y="72" font-size="11" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{}</text>"##, tr(en, "Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"));
        let _ = write!(svg, r##"<line x1="{}" y1="78" x2="{}" y2="78" stroke="#1a1a1a" stroke-width="0.7"/>"##, mid_right - 70.0, mid_right + 70.0);
        let _ = write!(svg, r##"<line x1="{}" y1="64" x2="{}" y2="64" stroke="#1a1a1a" stroke-width="0.7"/>"##, mid_left - 40.0, mid_left + 40.0);
        let title = match kind {
            DecisionKind::Approval => format!("{} {}", tr(en, "DANH SÁCH ĐỊA BÀN TRỌNG ĐIỂM, PHỨC TẠP VỀ MA TÚY VÀ ĐỊA BÀN KHÔNG MA TÚY NĂM", "KEY COMPLEX DRUG AREAS AND DRUG-FREE AREAS,"), l.period.year),
            DecisionKind::Amendment => format!("{} {}", tr(en, "SỬA ĐỔI DANH SÁCH ĐỊA BÀN TRỌNG ĐIỂM, PHỨC TẠP VỀ MA TÚY VÀ ĐỊA BÀN KHÔNG MA TÚY NĂM", "AMENDMENT OF THE LISTS OF KEY COMPLEX DRUG AREAS AND DRUG-FREE AREAS,"), l.period.year),
        };
        let _ = write!(svg, r##"<text x="{}" y="118" font-size="13" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{}</text>"##, PAGE.0 / 2.0, tr(en, "PHỤ LỤC", "ANNEX"));
        let mut y = 140.0;
        for line in wrap(&title, 84) {
            let _ = write!(svg, r##"<text class="title" x="{}" y="{y}" font-size="12" font-weight="bold" text-anchor="middle" fill="#1a1a1a">{}</text>"##, PAGE.0 / 2.0, esc(&line));
            y += 16.0;
        }
        let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_or_else(|_| date.to_string(), |d| long_date(d, en));
        let attached = if en {
            format!("(Attached to Decision No. {} of {date} of the People's Committee of {})", decision_ref(no), l.province_name)
        } else {
            format!("(Kèm theo Quyết định số {} {date} của Ủy ban nhân dân {})", decision_ref(no), l.province_name)
        };
        let _ = write!(svg, r##"<text id="attached" x="{}" y="{}" font-size="10.5" font-style="italic" text-anchor="middle" fill="#1a1a1a">{}</text>"##, PAGE.0 / 2.0, y + 4.0, esc(&attached));
        let period = format!(
            "{} {} – {} · {}",
            tr(en, "Kỳ đánh giá", "Assessment period"),
            l.period.period_start,
            l.period.period_end,
            tr(en, "căn cứ Quyết định 28/2025/QĐ-TTg, Điều 4, 6, 7", "under Decision 28/2025/QĐ-TTg, Art. 4, 6, 7")
        );
        let _ = write!(svg, r##"<text x="{}" y="{}" font-size="9" text-anchor="middle" fill="#555555">{}</text>"##, PAGE.0 / 2.0, y + 22.0, esc(&period));
    }

    fn signature(&self, svg: &mut String, top: f64, signer: &str) {
        let x = RIGHT - 130.0;
        let en = self.en;
        for (dy, size, weight, text) in [
            (0.0, 11.0, "bold", tr(en, "TM. ỦY BAN NHÂN DÂN", "FOR THE PEOPLE'S COMMITTEE").to_string()),
            (16.0, 11.0, "bold", tr(en, "CHỦ TỊCH", "CHAIR").to_string()),
            (92.0, 11.0, "bold", signer.to_string()),
        ] {
            let _ = write!(svg, r##"<text class="signature" x="{x}" y="{:.1}" font-size="{size}" font-weight="{weight}" text-anchor="middle" fill="#1a1a1a">{}</text>"##, top + dy, esc(&text));
        }
    }

    fn footer(&self, svg: &mut String, page: usize, total: usize) {
        let en = self.en;
        let source = tr(en, "Lập từ commune-atlas: danh sách theo quyết định; cột tiêu chí theo số liệu đã được chấp nhận", "Made with commune-atlas: lists as decided; the criteria from the accepted figures");
        let _ = write!(svg, r##"<text x="{LEFT}" y="{}" font-size="8" fill="#555555">{}</text>"##, PAGE.1 - 34.0, esc(source));
        let _ = write!(svg, r##"<text class="page-number" x="{RIGHT}" y="{}" font-size="8.5" text-anchor="end" fill="#555555">{} {}/{total}</text>"##, PAGE.1 - 34.0, tr(en, "Trang", "Page"), page + 1);
        if self.demo {
            let _ = write!(svg, r##"<text x="{LEFT}" y="{}" font-size="10" font-weight="bold" fill="#b2182b">{DEMO_NOTICE}</text>"##, PAGE.1 - 18.0);
        }
    }
}

/// The pages of the annex to `decision` (default the approval) as SVG documents.
pub fn pages(lists: &Lists, decision: Option<i32>, en: bool, demo: bool) -> Result<Vec<String>> {
    let d = match decision {
        Some(id) => lists.decisions.iter().find(|d| d.id == id).ok_or_else(|| Error::NotFound(format!("no decision {id} on these lists")))?,
        None => lists.decisions.first().ok_or_else(|| Error::Refused(format!("the {} lists of {} are not approved yet: there is no annex until they are", lists.period.year, lists.province_name)))?,
    };
    let annex = Annex { lists, en, demo };
    // Former units as the lists have them (decisions do not store them).
    let entries: Vec<Entry> = d.entries.iter().map(|e| Entry { former: lists.entries.iter().find(|x| x.unit_id == e.unit_id).and_then(|x| x.former.clone()), ..e.clone() }).collect();
    let blocks = annex.blocks(&entries, d.kind);
    // Blocks on pages; a heading never ends a page, and the table header repeats after a break.
    let mut pages: Vec<Vec<usize>> = vec![Vec::new()];
    let mut y = FIRST_TOP;
    for (i, b) in blocks.iter().enumerate() {
        let need = b.height() + if matches!(b, Block::Heading(_)) { 3.0 * LINE } else { 0.0 };
        if y + need > BOTTOM && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            y = NEXT_TOP;
        }
        if let Some(p) = pages.last_mut() {
            p.push(i);
        }
        y += b.height();
    }
    let alone = y + SIGNATURE > BOTTOM;
    let total = pages.len() + usize::from(alone);
    let (pw, ph) = PAGE;
    let mut out = Vec::with_capacity(total);
    for page in 0..total {
        let mut svg = String::with_capacity(64 << 10);
        let _ = write!(svg, r#"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 {pw} {ph}" font-family="{FONT_FAMILY}">"#);
        let _ = write!(svg, r##"<rect width="{pw}" height="{ph}" fill="#ffffff"/>"##);
        let mut y = if page == 0 {
            annex.heading(&mut svg, d.kind, &d.decision_no, &d.decision_date);
            FIRST_TOP
        } else {
            NEXT_TOP
        };
        let which = pages.get(page).cloned().unwrap_or_default();
        // A page that starts inside a table repeats its header.
        if page > 0 && which.first().is_some_and(|&i| matches!(blocks[i], Block::Row { .. })) {
            annex.draw(&mut svg, &Block::Header, y);
            y += Block::Header.height();
        }
        for i in which {
            annex.draw(&mut svg, &blocks[i], y);
            y += blocks[i].height();
        }
        if page == total - 1 {
            annex.signature(&mut svg, y + 28.0, &d.signer);
        }
        annex.footer(&mut svg, page, total);
        svg.push_str("</svg>");
        out.push(svg);
    }
    Ok(out)
}
