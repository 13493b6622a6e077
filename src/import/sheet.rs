//! Reading spreadsheets (XLSX, XLS, ODS — through `calamine`) as people make them: the sheet
//! with a recognisable header (or `--sheet`), the header row found below title rows, a two-row
//! header whose group cells are merged across their sub-headers, a row of column numbers
//! ("(1) (2) (3)") under it, empty and totals rows skipped and said. Cells become the same text
//! fields a CSV gives, so every check downstream is the same; problems are located as
//! `file:sheet!F12`.

use std::io::Cursor;

use calamine::{Data, Reader};

use super::Reporter;
use super::tabular_file::{RawTable, Record};
use crate::text::{fold, key};

/// How far down a sheet the header is looked for.
const HEADER_SEARCH_ROWS: usize = 30;

/// Is this file a spreadsheet (by its name, or its bytes: a ZIP or OLE2 container)?
pub fn is_spreadsheet(name: &str, bytes: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    if [".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"].iter().any(|e| lower.ends_with(e)) {
        return true;
    }
    if lower.ends_with(".csv") || lower.ends_with(".txt") || lower.ends_with(".tsv") {
        return false;
    }
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// The A1-style name of a 1-based column (1 → A, 27 → AA).
pub fn column_letters(mut col: u64) -> String {
    let mut out = Vec::new();
    while col > 0 {
        let r = ((col - 1) % 26) as u8;
        out.push(b'A' + r);
        col = (col - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// One cell as text, and whether it holds a number (for telling header rows from data rows).
fn cell_text(d: &Data) -> (Option<String>, bool) {
    match d {
        Data::Empty => (None, false),
        Data::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return (None, false);
            }
            // Numbers typed as text the Vietnamese way: "1.234" (thousands), "12,5" (decimal).
            let t = vietnamese_number(t).unwrap_or_else(|| t.to_string());
            let numeric = super::tabular_file::looks_numeric(&t);
            (Some(t), numeric)
        }
        Data::Int(i) => (Some(i.to_string()), true),
        Data::Float(f) => (Some(number_text(*f)), true),
        Data::Bool(b) => (Some(b.to_string()), false),
        Data::DateTime(dt) => (dt.as_datetime().map(|t| t.date().format("%Y-%m-%d").to_string()), true),
        Data::DateTimeIso(s) => (Some(s.get(..10).unwrap_or(s).to_string()), true),
        Data::DurationIso(s) => (Some(s.clone()), false),
        Data::Error(e) => (Some(format!("#{e:?}")), false),
    }
}

/// A number cell as the text a person would type: whole numbers without ".0".
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

/// A number written the Vietnamese way — dots (or spaces) between thousands, a comma before the
/// decimals: "1.234" → "1234", "1.234,5" → "1234.5", "12,5" → "12.5". `None` when the text is
/// not such a number (plain "12.5" stays as it is).
pub fn vietnamese_number(t: &str) -> Option<String> {
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = match body.split_once(',') {
        Some((i, f)) if !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()) => (i, Some(f)),
        Some(_) => return None,
        None => (body, None),
    };
    let groups: Vec<&str> = int.split(['.', ' ', '\u{a0}']).collect();
    let digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let grouped = groups.len() > 1 && digits(groups[0]) && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3 && digits(g));
    if !(grouped || (groups.len() == 1 && digits(groups[0]) && frac.is_some())) {
        return None;
    }
    let whole: String = groups.concat();
    Some(match frac {
        Some(f) => format!("{sign}{whole}.{f}"),
        None => format!("{sign}{whole}"),
    })
}

/// Words that start a totals row ("Tổng cộng", "Cộng", "Toàn tỉnh", "Total").
fn is_totals(text: &str) -> bool {
    let f = fold(text);
    let f = f.trim();
    ["tong", "tong cong", "cong", "tong so", "total", "grand total", "toan tinh", "toan huyen", "tong toan tinh", "cong toan tinh"]
        .iter()
        .any(|w| f == *w || f.starts_with(&format!("{w}:")) || f.starts_with(&format!("{w} toan")) || f.starts_with(&format!("{w} (")))
        || f.starts_with("tong cong")
        || f.starts_with("toan tinh")
}

/// A row that only numbers the columns: "1, 2, 3 …" or "(1), (2), (3) …" (or A, B, C).
fn is_numbering(row: &[Option<String>]) -> bool {
    let cells: Vec<&str> = row.iter().flatten().map(String::as_str).collect();
    if cells.len() < 3 {
        return false;
    }
    let mut next = 1;
    for c in cells {
        let c = c.trim_matches(|ch| ch == '(' || ch == ')' || ch == '[' || ch == ']').trim();
        if c.len() == 1 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
            continue;
        }
        if c != next.to_string() {
            return false;
        }
        next += 1;
    }
    next > 2
}

/// A candidate header: which rows, and each column's labels to try in order.
struct Candidate {
    first_row: usize,
    rows: usize,
    labels: Vec<Vec<String>>,
    shown: Vec<String>,
    score: usize,
}

fn candidate(grid: &[Vec<Option<String>>], numeric: &[Vec<bool>], r: usize, two: bool, known: &dyn Fn(&str) -> bool) -> Option<Candidate> {
    let top = grid.get(r)?;
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    let mut labels = Vec::with_capacity(width);
    let mut shown = Vec::with_capacity(width);
    if !two {
        for c in 0..width {
            let t = top.get(c).cloned().flatten();
            shown.push(t.clone().unwrap_or_default());
            labels.push(t.into_iter().collect::<Vec<_>>());
        }
    } else {
        let bottom = grid.get(r + 1)?;
        if numeric.get(r + 1).is_some_and(|n| n.iter().any(|x| *x)) || bottom.iter().all(Option::is_none) {
            return None;
        }
        // A row with one cell is a title, not the group row of a header.
        if top.iter().flatten().count() <= 1 {
            return None;
        }
        let mut group: Option<String> = None;
        for c in 0..width {
            let t = top.get(c).cloned().flatten();
            let b = bottom.get(c).cloned().flatten();
            // A group label merged across its sub-headers sits in the first cell only.
            match (&t, &b) {
                (Some(t), _) => group = Some(t.clone()),
                (None, None) => group = None,
                (None, Some(_)) => {}
            }
            let t = t.or_else(|| b.as_ref().and(group.clone()));
            let mut l = Vec::new();
            match (&t, &b) {
                (Some(t), Some(b)) => {
                    // Not the group alone: an unknown sub-header must not take the group's column.
                    l.push(format!("{t} {b}"));
                    l.push(b.clone());
                    shown.push(format!("{t} › {b}"));
                }
                (Some(x), None) | (None, Some(x)) => {
                    l.push(x.clone());
                    shown.push(x.clone());
                }
                (None, None) => shown.push(String::new()),
            }
            labels.push(l);
        }
    }
    let score = labels.iter().filter(|l| l.iter().any(|s| known(s))).count();
    Some(Candidate { first_row: r, rows: if two { 2 } else { 1 }, labels, shown, score })
}

/// Read the chosen (or first recognisable) sheet of a workbook. `known` says whether a header
/// label names a column the import knows (or ignores). Problems with the file itself are fatal.
pub fn read(bytes: &[u8], sheet: Option<&str>, known: &dyn Fn(&str) -> bool, rep: &mut Reporter) -> RawTable {
    let empty = RawTable::empty();
    let mut book = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(b) => b,
        Err(e) => {
            rep.fatal(0, 0, format!("not a readable spreadsheet (XLSX, XLS or ODS): {e}"));
            return empty;
        }
    };
    let names = book.sheet_names();
    let chosen: Vec<String> = match sheet {
        Some(want) => {
            let by_name = names.iter().find(|n| n.as_str() == want || key(n) == key(want));
            let by_index = want.parse::<usize>().ok().and_then(|i| i.checked_sub(1)).and_then(|i| names.get(i));
            match by_name.or(by_index) {
                Some(n) => vec![n.clone()],
                None => {
                    rep.fatal(0, 0, format!("no sheet named '{want}'; the workbook has: {}", quoted(&names)));
                    return empty;
                }
            }
        }
        None => names.clone(),
    };
    let mut best: Option<(String, Vec<Vec<Option<String>>>, Candidate)> = None;
    for name in &chosen {
        let range = match book.worksheet_range(name) {
            Ok(r) => r,
            Err(e) => {
                rep.fatal(0, 0, format!("sheet '{name}' cannot be read: {e}"));
                return empty;
            }
        };
        let (r0, c0) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let mut grid: Vec<Vec<Option<String>>> = vec![Vec::new(); r0];
        let mut numeric: Vec<Vec<bool>> = vec![Vec::new(); r0];
        for row in range.rows() {
            let mut g = vec![None; c0];
            let mut n = vec![false; c0];
            for d in row {
                let (t, num) = cell_text(d);
                g.push(t);
                n.push(num);
            }
            grid.push(g);
            numeric.push(n);
        }
        let mut found: Option<Candidate> = None;
        for r in 0..grid.len().min(HEADER_SEARCH_ROWS) {
            for two in [false, true] {
                if let Some(c) = candidate(&grid, &numeric, r, two, known) {
                    // More columns recognised wins; on a tie the header that ends lower (a row
                    // of English keys under the Vietnamese one, or sub-headers under a title,
                    // holds no numbers, so it is not data).
                    let end = |c: &Candidate| c.first_row + c.rows;
                    let better = found.as_ref().is_none_or(|f| {
                        c.score > f.score || (c.score == f.score && (end(&c) > end(f) || (end(&c) == end(f) && c.rows < f.rows)))
                    });
                    if better && c.score > 0 {
                        found = Some(c);
                    }
                }
            }
        }
        if let Some(c) = found
            && c.score >= 2
            && best.as_ref().is_none_or(|(_, _, b)| sheet.is_some() && c.score > b.score)
        {
            best = Some((name.clone(), grid, c));
            if sheet.is_none() {
                break; // the first sheet with a recognisable header
            }
        }
    }
    let Some((name, grid, header)) = best else {
        rep.fatal(
            0,
            0,
            format!(
                "{} no recognisable header row (at least two known column names, e.g. 'Mã xã' or 'Tên xã', 'Dân số') in the first {HEADER_SEARCH_ROWS} rows; \
                 choose the sheet with --sheet, or rename the headers (see data/import/aliases.toml), or map them with --map \"Header=key\"",
                match sheet {
                    Some(s) => format!("sheet '{s}' has"),
                    None => format!("no sheet ({}) has", quoted(&names)),
                }
            ),
        );
        return empty;
    };
    rep.sheet = Some(name.clone());
    let width = header.labels.len();
    let header_end = header.first_row + header.rows; // first row after the header (0-based)
    let mut notes = Vec::new();
    let header_rows = if header.rows == 2 {
        format!("rows {}–{}", header.first_row + 1, header.first_row + 2)
    } else {
        format!("row {}", header.first_row + 1)
    };
    notes.push(format!("sheet '{name}': header on {header_rows}, data from row {}", header_end + 1));
    let mut records = Vec::new();
    let mut totals = Vec::new();
    let mut numbering = Vec::new();
    for (r, row) in grid.iter().enumerate().skip(header_end) {
        if row.iter().all(Option::is_none) {
            continue;
        }
        if r == header_end && is_numbering(row) {
            numbering.push(r + 1);
            continue;
        }
        if row.iter().flatten().take(4).any(|t| is_totals(t)) {
            totals.push(r + 1);
            continue;
        }
        let mut fields: Vec<Option<String>> = row.iter().take(width).cloned().collect();
        fields.resize(width, None);
        records.push(Record { line: r as u64 + 1, fields });
    }
    if !numbering.is_empty() {
        notes.push(format!("skipped the column-numbering row {}", numbering[0]));
    }
    if !totals.is_empty() {
        let rows: Vec<String> = totals.iter().map(ToString::to_string).collect();
        notes.push(format!("skipped {} totals row{} ({})", totals.len(), if totals.len() == 1 { "" } else { "s" }, rows.join(", ")));
    }
    RawTable {
        header: header.shown,
        candidates: header.labels,
        header_line: header.first_row as u64 + 1,
        records,
        notes,
    }
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(6), "F");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(703), "AAA");
    }

    #[test]
    fn vietnamese_numbers_read_as_people_write_them() {
        assert_eq!(vietnamese_number("1.234").as_deref(), Some("1234"));
        assert_eq!(vietnamese_number("12.345.678").as_deref(), Some("12345678"));
        assert_eq!(vietnamese_number("1.234,5").as_deref(), Some("1234.5"));
        assert_eq!(vietnamese_number("12,5").as_deref(), Some("12.5"));
        assert_eq!(vietnamese_number("1 234").as_deref(), Some("1234"));
        assert_eq!(vietnamese_number("-3,25").as_deref(), Some("-3.25"));
        assert_eq!(vietnamese_number("12.5"), None);
        assert_eq!(vietnamese_number("15.12.2024"), None);
        assert_eq!(vietnamese_number("123/BC-CAT"), None);
        assert_eq!(vietnamese_number("Xã A"), None);
    }

    #[test]
    fn totals_and_numbering_rows_are_recognised() {
        assert!(is_totals("Tổng cộng"));
        assert!(is_totals("TỔNG"));
        assert!(is_totals("Toàn tỉnh"));
        assert!(!is_totals("Xã Tống Trân"));
        assert!(!is_totals("Tống Trân"));
        let row = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert!(is_numbering(&row(&["(1)", "(2)", "(3)", "(4)"])));
        assert!(is_numbering(&row(&["A", "B", "1", "2", "3"])));
        assert!(!is_numbering(&row(&["1", "3", "4"])));
        assert!(!is_numbering(&row(&["Xã A", "1200", "3"])));
    }
}
