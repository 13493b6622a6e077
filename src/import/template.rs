//! The indicators workbook a province fills in: its communes pre-filled (code, name), one row
//! each, Vietnamese headers over the English keys, Excel data validation (whole numbers ≥ 0,
//! areas ≥ 0, route scope from a list), frozen panes, and an instructions sheet saying what
//! each column means and which Decision 28/2025 criteria it feeds. A filled template imports
//! with `import indicators` without any mapping (the header is matched by its English keys).

use rust_xlsxwriter::{DataValidation, DataValidationRule, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::aliases::Aliases;
use chrono::Datelike;

use super::columns::{INDICATOR_COLUMNS, Ty};
use super::names::NameIndex;
use crate::error::{Error, Result};
use crate::store::Store;

/// The columns of the template, grouped as the decision groups them (people with records and
/// where they are; Art. 6 conditions; locations; arrests; plants; route designation).
const COLUMNS: &[&str] = &[
    "unit_code",
    "unit_name",
    "year",
    "reference_date",
    "resident_population",
    "addicts_with_records",
    "addicts_in_community",
    "addicts_in_compulsory_rehab",
    "addicts_in_voluntary_facility",
    "addicts_in_community_rehab",
    "addicts_in_detention",
    "methadone_patients",
    "post_rehab_managed",
    "illegal_users_with_records",
    "users_in_community",
    "users_in_detention",
    "residents_using_not_exempt",
    "residents_violating_drug_law",
    "wanted_drug_fugitives_hiding",
    "drug_use_locations",
    "drug_offenders_arrested",
    "drug_cases_detected",
    "plants_destroyed_count",
    "plants_destroyed_area_m2",
    "plant_cases",
    "key_route_scope",
];

/// The sheet the figures go in.
pub const DATA_SHEET: &str = "Số liệu";
/// Rows above the first commune (title, Vietnamese header, English keys).
pub const HEADER_ROWS: u32 = 3;

fn xlsx(e: XlsxError) -> Error {
    Error::Internal(format!("writing the template workbook: {e}"))
}

/// The Decision 28 criteria (citations) each input column feeds, from the rule set of `year`.
fn feeds(rules: &crate::rules::Rules, year: i32) -> Vec<(String, Vec<String>)> {
    let Some(set) = rules.for_year(None, year) else { return Vec::new() };
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |field: &str, citation: &str| {
        let inputs: Vec<&str> = crate::rules::eval::RATE_INPUTS
            .iter()
            .find(|(rate, _)| *rate == field)
            .map_or_else(|| vec![field], |(_, inputs)| inputs.to_vec());
        for input in inputs {
            match out.iter_mut().find(|(f, _)| f == input) {
                Some((_, c)) if !c.iter().any(|x| x == citation) => c.push(citation.to_string()),
                Some(_) => {}
                None => out.push((input.to_string(), vec![citation.to_string()])),
            }
        }
    };
    for c in &set.criteria {
        for cond in c.condition.iter().chain(&c.any_of) {
            add(&cond.field, &c.citation);
        }
        if c.route.is_some() {
            add("key_route_scope", &c.citation);
        }
    }
    for c in set.drug_free.iter().flat_map(|d| &d.criteria) {
        for cond in c.condition.iter().chain(&c.any_of).chain(&c.all_of) {
            add(&cond.field, &c.citation);
        }
    }
    out
}

/// A filled-in template's workbook and the province it is for.
pub struct Template {
    pub bytes: Vec<u8>,
    pub province_code: String,
    pub communes: usize,
}

/// Write the indicators template for `province` (code or name) and `year`.
pub fn indicators(store: &Store, province: &str, year: i32) -> Result<Template> {
    let rules = crate::rules::Rules::embedded()?;
    let period = rules.for_year(None, year).map_or(crate::rules::Period::CALENDAR, |s| s.period());
    let (start, end) = period.of(year);
    let conn = store.connect()?;
    let index = NameIndex::load(&conn)?;
    let (version, pcode, pname, communes) = index.communes(province, end).map_err(Error::InvalidArgument)?;
    if communes.is_empty() {
        return Err(Error::InvalidArgument(format!("province {pcode} has no communes in boundary version '{version}'")));
    }
    let aliases = Aliases::embedded()?;
    let feeds = feeds(&rules, year);

    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(13);
    let head = Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin).set_background_color(0xDDEBF7);
    let keyf = Format::new().set_italic().set_font_color(0x595959).set_align(FormatAlign::Center).set_border(FormatBorder::Thin).set_background_color(0xF2F2F2);
    let locked = Format::new().set_border(FormatBorder::Thin).set_background_color(0xF2F2F2);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let date = Format::new().set_border(FormatBorder::Thin).set_num_format("dd/mm/yyyy");
    let last_row = HEADER_ROWS + communes.len() as u32 - 1;

    let sheet = book.add_worksheet();
    sheet.set_name(DATA_SHEET).map_err(xlsx)?;
    let heading = format!("Số liệu phòng, chống ma túy năm {year} — {pname} (kỳ {} – {})", start.format("%d/%m/%Y"), end.format("%d/%m/%Y"));
    sheet.write_string_with_format(0, 0, &heading, &title).map_err(xlsx)?;
    sheet.set_row_height(1, 60).map_err(xlsx)?;
    for (c, key) in COLUMNS.iter().enumerate() {
        let c = c as u16;
        let vi = aliases.vietnamese(key).unwrap_or(key);
        sheet.write_string_with_format(1, c, vi, &head).map_err(xlsx)?;
        sheet.write_string_with_format(2, c, *key, &keyf).map_err(xlsx)?;
        sheet.set_column_width(c, if *key == "unit_name" { 28 } else { 14 }).map_err(xlsx)?;
        let spec = INDICATOR_COLUMNS.iter().find(|s| s.name == *key);
        let rule = match spec.map(|s| s.ty) {
            Some(Ty::Int { min, max }) if *key != "year" => Some(
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(min.clamp(0, i32::MAX as i64) as i32, max.min(i32::MAX as i64) as i32))
                    .set_error_title("Số không hợp lệ")
                    .map_err(xlsx)?
                    .set_error_message(format!("{vi}: nhập số nguyên từ {min} trở lên. / Enter a whole number ≥ {min}."))
                    .map_err(xlsx)?,
            ),
            Some(Ty::Float { min, .. }) => Some(
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(min))
                    .set_error_title("Số không hợp lệ")
                    .map_err(xlsx)?
                    .set_error_message(format!("{vi}: nhập số từ {min} trở lên. / Enter a number ≥ {min}."))
                    .map_err(xlsx)?,
            ),
            Some(Ty::Enum(_)) if *key == "key_route_scope" => Some(
                DataValidation::new()
                    .allow_list_strings(&["Không", "Nội tỉnh", "Liên tỉnh", "Xuyên quốc gia", "Chưa rõ"])
                    .map_err(xlsx)?
                    .set_error_message("Chọn một giá trị trong danh sách. / Choose a value from the list.")
                    .map_err(xlsx)?,
            ),
            _ => None,
        };
        if let Some(rule) = rule {
            sheet.add_data_validation(HEADER_ROWS, c, last_row, c, &rule).map_err(xlsx)?;
        }
    }
    let (k_code, k_name, k_year, k_ref) = (0u16, 1u16, 2u16, 3u16);
    let end_cell = ExcelDateTime::from_ymd(end.year() as u16, end.month() as u8, end.day() as u8).map_err(xlsx)?;
    for (i, (code, name)) in communes.iter().enumerate() {
        let r = HEADER_ROWS + i as u32;
        sheet.write_string_with_format(r, k_code, code, &locked).map_err(xlsx)?;
        sheet.write_string_with_format(r, k_name, name, &locked).map_err(xlsx)?;
        sheet.write_number_with_format(r, k_year, f64::from(year), &locked).map_err(xlsx)?;
        sheet.write_datetime_with_format(r, k_ref, &end_cell, &date).map_err(xlsx)?;
        for c in 4..COLUMNS.len() as u16 {
            sheet.write_blank(r, c, &cell).map_err(xlsx)?;
        }
    }
    sheet.set_freeze_panes(HEADER_ROWS, 2).map_err(xlsx)?;

    let help = book.add_worksheet();
    help.set_name("Hướng dẫn").map_err(xlsx)?;
    help.write_string_with_format(0, 0, &format!("Hướng dẫn nhập số liệu — {pname}, năm {year} / How to fill in this workbook"), &title).map_err(xlsx)?;
    let lines = [
        format!("Mỗi dòng của trang '{DATA_SHEET}' là một xã, phường, đặc khu của {pname} (phiên bản ranh giới '{version}'). Không sửa mã xã, tên xã và dòng khóa tiếng Anh (dòng 3)."),
        format!("Số liệu của kỳ đánh giá {} – {} (Quyết định 28/2025/QĐ-TTg, Điều 7 khoản 1). Ngày chốt số liệu mặc định là ngày cuối kỳ.", start.format("%d/%m/%Y"), end.format("%d/%m/%Y")),
        "Nhập số nguyên không âm; để trống nếu không có số liệu (ô trống không phải là số 0). Tuyến trọng điểm: chọn trong danh sách.".to_string(),
        "Nhập vào hệ thống: commune-atlas import indicators <tệp>.xlsx, hoặc POST /api/import/indicators. No mapping needed: rows are matched by the commune code.".to_string(),
    ];
    for (i, l) in lines.iter().enumerate() {
        help.write_string(1 + i as u32, 0, l).map_err(xlsx)?;
    }
    let top = 2 + lines.len() as u32;
    for (c, h) in ["Cột (tiếng Việt)", "Khóa / key", "Ý nghĩa, đơn vị / meaning", "Bắt buộc / required", "Tiêu chí Quyết định 28/2025 sử dụng / criteria fed"].iter().enumerate() {
        help.write_string_with_format(top, c as u16, *h, &head).map_err(xlsx)?;
    }
    for (i, key) in COLUMNS.iter().enumerate() {
        let r = top + 1 + i as u32;
        let spec = INDICATOR_COLUMNS.iter().find(|s| s.name == *key);
        let meaning = spec.map_or("tên xã, phường, đặc khu (commune name; informative when the code is given)", |s| s.meaning);
        let required = spec.is_some_and(|s| s.required && s.default.is_none());
        let criteria = feeds.iter().find(|(f, _)| f == key).map(|(_, c)| c.join("; ")).unwrap_or_default();
        help.write_string(r, 0, aliases.vietnamese(key).unwrap_or(key)).map_err(xlsx)?;
        help.write_string(r, 1, *key).map_err(xlsx)?;
        help.write_string(r, 2, meaning).map_err(xlsx)?;
        help.write_string(r, 3, if required { "có / yes" } else { "không / no" }).map_err(xlsx)?;
        help.write_string(r, 4, &criteria).map_err(xlsx)?;
    }
    for (c, w) in [(0u16, 36.0), (1, 30.0), (2, 60.0), (3, 14.0), (4, 60.0)] {
        help.set_column_width(c, w).map_err(xlsx)?;
    }
    let bytes = book.save_to_buffer().map_err(xlsx)?;
    Ok(Template { bytes, province_code: pcode, communes: communes.len() })
}
