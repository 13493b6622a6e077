//! Data as it arrives: workbooks made by people — title rows, a merged two-row Vietnamese header,
//! numbers written the Vietnamese way, a totals row, communes by name — import exactly like the
//! equivalent CSV; bad names and headers are refused at their cells with the candidates; the
//! template a province downloads imports back without any mapping. Every workbook is written
//! here by a spreadsheet writer (rust_xlsxwriter), none is committed.

mod common;

use calamine::{Data, Reader};
use chrono::NaiveDate;
use commune_atlas::Error;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input, TableOptions};
use commune_atlas::store::Store;
use common::*;
use rust_xlsxwriter::{Format, Workbook};

/// The names the test province's nine communes carry (codes 98001…98009): two "Xã Tân Thành"
/// and a "Phường Tân Thành", so a bare "Tân Thành" is ambiguous.
const NAMES: [&str; 9] = [
    "Xã Tân Thành",
    "Phường Hồng Hà",
    "Thị trấn Cao Lộc",
    "Đặc khu Vân Đồn",
    "Xã Tân Thành",
    "Phường Tân Thành",
    "Xã Thử Nghiệm 7",
    "Xã Thử Nghiệm 8",
    "Xã Thử Nghiệm 9",
];

fn store_with_named_communes() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("atlas.duckdb")).unwrap();
    let mut geo = grid_geojson("98", 3, 3, 105.0, 21.0, 0.1);
    for (k, name) in NAMES.iter().enumerate() {
        // No type property: the type follows from the name's prefix.
        geo = geo.replace(&format!("\"name\":\"Xã Thử Nghiệm {}\",\"type\":\"Xã\"", k + 1), &format!("\"name\":\"{name}\""));
    }
    let opts = BoundaryOptions {
        version: "test2025".into(),
        valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: Some("synthetic".into()),
        source: Some("test fixture".into()),
        repair: false,
        snap_tolerance: Some(0.0),
        props: Default::default(),
    };
    import::import_boundaries(&store, &Input::from_bytes("grid.geojson", geo.as_bytes()), &opts, &ImportOptions::default()).expect("boundaries");
    (dir, store)
}

/// The stored indicator rows, as text, for comparing two stores.
fn indicator_rows(store: &Store) -> Vec<String> {
    let conn = store.connect().unwrap();
    let mut stmt = conn.prepare("SELECT * FROM indicator ORDER BY unit_id, year").unwrap();
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            let mut s = Vec::with_capacity(n);
            for i in 0..n {
                s.push(format!("{:?}", r.get::<_, duckdb::types::Value>(i)?));
            }
            Ok(s.join("|"))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// One commune's figures as the report writes them.
struct Figures {
    name: &'static str,
    code: &'static str,
    population: &'static str,
    addicts: u32,
    in_community: u32,
    compulsory: u32,
    users: u32,
    locations: u32,
    arrested: u32,
    plants: u32,
    area: &'static str,
    plant_cases: u32,
    route: &'static str,
}

const ROWS: [Figures; 6] = [
    Figures { name: "P. Tân Thành", code: "98006", population: "12.345", addicts: 30, in_community: 20, compulsory: 5, users: 4, locations: 1, arrested: 6, plants: 0, area: "0", plant_cases: 0, route: "Liên tỉnh" },
    Figures { name: "Hồng Hà", code: "98002", population: "8.001", addicts: 2, in_community: 2, compulsory: 0, users: 0, locations: 0, arrested: 0, plants: 0, area: "0", plant_cases: 0, route: "Không" },
    Figures { name: "TT Cao Lộc", code: "98003", population: "5200", addicts: 11, in_community: 7, compulsory: 3, users: 1, locations: 0, arrested: 2, plants: 120, area: "12,5", plant_cases: 1, route: "Nội tỉnh" },
    Figures { name: "ĐẶC KHU VÂN ĐỒN", code: "98004", population: "1.204.000", addicts: 400, in_community: 300, compulsory: 60, users: 50, locations: 3, arrested: 40, plants: 0, area: "0", plant_cases: 0, route: "Xuyên quốc gia" },
    Figures { name: "xã thử nghiệm 7", code: "98007", population: "3000", addicts: 0, in_community: 0, compulsory: 0, users: 0, locations: 0, arrested: 0, plants: 0, area: "0", plant_cases: 0, route: "Không" },
    Figures { name: "X. Thử nghiệm 8", code: "98008", population: "4.321", addicts: 5, in_community: 5, compulsory: 0, users: 2, locations: 0, arrested: 1, plants: 3500, area: "1.250,75", plant_cases: 2, route: "Không" },
];

fn plain_number(vn: &str) -> String {
    vn.replace('.', "").replace(',', ".")
}

/// The CSV a careful engineer would have made from the same report (codes, English keys, plain
/// numbers, the defaults the workbook leaves to the atlas written out).
fn equivalent_csv() -> String {
    let mut s = String::from(
        "unit_code,year,reference_date,resident_population,addicts_with_records,addicts_in_community,addicts_in_compulsory_rehab,\
illegal_users_with_records,drug_use_locations,drug_offenders_arrested,plants_destroyed_count,plants_destroyed_area_m2,plant_cases,key_route_scope,source_ref\n",
    );
    for f in &ROWS {
        let route = match f.route {
            "Liên tỉnh" => "inter_provincial",
            "Nội tỉnh" => "intra_provincial",
            "Xuyên quốc gia" => "transnational",
            _ => "none",
        };
        s.push_str(&format!(
            "{},2025,2025-12-14,{},{},{},{},{},{},{},{},{},{},{route},bao_cao_2025.xlsx\n",
            f.code,
            plain_number(f.population),
            f.addicts,
            f.in_community,
            f.compulsory,
            f.users,
            f.locations,
            f.arrested,
            f.plants,
            plain_number(f.area),
            f.plant_cases
        ));
    }
    s
}

/// A report as a province office makes it: two title rows, a header over rows 3–4 with merged
/// group cells, a row of column numbers, communes by name (with the prefixes people write),
/// numbers as typed text the Vietnamese way for some cells and as numbers for others, a totals
/// row at the end.
fn province_workbook(rows: &[(String, Option<&Figures>)], header_override: Option<(u16, &str)>) -> Vec<u8> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Biểu 01").unwrap();
    sheet.merge_range(0, 0, 0, 12, "UBND TỈNH THỬ NGHIỆM — BAN CHỈ ĐẠO PHÒNG, CHỐNG MA TÚY", &bold).unwrap();
    sheet.merge_range(1, 0, 1, 12, "BÁO CÁO KẾT QUẢ CÔNG TÁC PHÒNG, CHỐNG MA TÚY NĂM 2025", &bold).unwrap();
    let vertical = [(0, "STT"), (1, "Tên xã"), (2, "Dân số"), (6, "Người sử dụng trái phép chất ma túy có hồ sơ quản lý"), (7, "Điểm tổ chức, chứa chấp sử dụng trái phép chất ma túy"), (8, "Người phạm tội về ma túy bị bắt"), (12, "Tuyến trọng điểm")];
    for (c, text) in vertical {
        let text = header_override.filter(|(o, _)| *o == c).map_or(text, |(_, t)| t);
        sheet.merge_range(2, c, 3, c, text, &bold).unwrap();
    }
    sheet.merge_range(2, 3, 2, 5, "Người nghiện ma túy có hồ sơ quản lý", &bold).unwrap();
    for (c, text) in [(3, "Tổng số"), (4, "Ngoài xã hội"), (5, "Cai nghiện bắt buộc")] {
        let text = header_override.filter(|(o, _)| *o == c).map_or(text, |(_, t)| t);
        sheet.write_string_with_format(3, c, text, &bold).unwrap();
    }
    sheet.merge_range(2, 9, 2, 11, "Cây có chứa chất ma túy", &bold).unwrap();
    for (c, text) in [(9, "Số cây"), (10, "Diện tích (m²)"), (11, "Số vụ")] {
        sheet.write_string_with_format(3, c, text, &bold).unwrap();
    }
    for c in 0..13u16 {
        sheet.write_string(4, c, format!("({})", c + 1)).unwrap();
    }
    let mut r = 5;
    for (i, (name, f)) in rows.iter().enumerate() {
        sheet.write_number(r, 0, (i + 1) as f64).unwrap();
        sheet.write_string(r, 1, name).unwrap();
        if let Some(f) = f {
            // Some figures typed as text ("12.345", "12,5"), the others as numbers.
            if f.population.contains('.') {
                sheet.write_string(r, 2, f.population).unwrap();
            } else {
                sheet.write_number(r, 2, f.population.parse::<f64>().unwrap()).unwrap();
            }
            for (c, v) in [(3, f.addicts), (4, f.in_community), (5, f.compulsory), (6, f.users), (7, f.locations), (8, f.arrested), (9, f.plants), (11, f.plant_cases)] {
                sheet.write_number(r, c, f64::from(v)).unwrap();
            }
            sheet.write_string(r, 10, f.area).unwrap();
            sheet.write_string(r, 12, f.route).unwrap();
        }
        r += 1;
    }
    sheet.write_string(r, 1, "Tổng cộng").unwrap();
    sheet.write_formula(r, 3, "=SUM(D6:D11)").unwrap();
    book.save_to_buffer().unwrap()
}

fn named_rows() -> Vec<(String, Option<&'static Figures>)> {
    ROWS.iter().map(|f| (f.name.to_string(), Some(f))).collect()
}

fn province_98_2025() -> ImportOptions {
    ImportOptions { table: TableOptions { year: Some(2025), province: Some("98".into()), ..Default::default() }, ..Default::default() }
}

#[test]
fn a_provinces_workbook_with_vietnamese_headers_and_names_imports_exactly_like_the_equivalent_csv() {
    let (_a, from_sheet) = store_with_named_communes();
    let (_b, from_csv) = store_with_named_communes();
    let xlsx = province_workbook(&named_rows(), None);
    let report = import::import_indicators(&from_sheet, &Input::from_bytes("bao_cao_2025.xlsx", &xlsx), &province_98_2025()).expect("the workbook imports");
    assert_eq!(report.rows, 6);
    let notes = report.notes.join("\n");
    assert!(notes.contains("sheet 'Biểu 01': header on rows 3–4, data from row 5"), "{notes}");
    assert!(notes.contains("skipped the column-numbering row 5"), "{notes}");
    assert!(notes.contains("skipped 1 totals row (12)"), "{notes}");
    assert!(notes.contains("communes found by name: 6 of 6"), "{notes}");
    assert!(notes.contains("year = 2025"), "the flag's value is said: {notes}");

    let csv = equivalent_csv();
    import::import_indicators(&from_csv, &Input::from_bytes("bao_cao_2025.csv", csv.as_bytes()), &ImportOptions::default()).expect("the CSV imports");
    let (a, b) = (indicator_rows(&from_sheet), indicator_rows(&from_csv));
    assert_eq!(a.len(), 6);
    assert_eq!(a, b, "the workbook's rows equal the CSV's, value for value");
    // Spot checks of what the reading had to get right.
    let conn = from_sheet.connect().unwrap();
    let (pop, area, scope): (i64, f64, String) = conn
        .query_row("SELECT resident_population, plants_destroyed_area_m2, key_route_scope FROM indicator JOIN admin_unit USING (unit_id) WHERE code = '98008'", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!((pop, area, scope.as_str()), (4321, 1250.75, "none"));
    let pop: i64 = conn.query_row("SELECT resident_population FROM indicator JOIN admin_unit USING (unit_id) WHERE code = '98004'", [], |r| r.get(0)).unwrap();
    assert_eq!(pop, 1_204_000, "\"1.204.000\" is a million, not 1.204");
}

#[test]
fn an_ambiguous_and_an_unknown_name_fail_naming_both_cells_and_the_candidates() {
    let (_d, store) = store_with_named_communes();
    let before = snapshot(&store);
    let mut rows = named_rows();
    rows.insert(1, ("Tân Thành".into(), Some(&ROWS[1])));
    rows.insert(3, ("Xã Không Có Thật".into(), Some(&ROWS[1])));
    let xlsx = province_workbook(&rows, None);
    let err = import::import_indicators(&store, &Input::from_bytes("bao_cao.xlsx", &xlsx), &province_98_2025()).expect_err("refused");
    let Error::Rejected(p) = err else { panic!("expected a rejection, got {err}") };
    assert_eq!(snapshot(&store), before, "nothing was imported");
    let text = p.to_string();
    let ambiguous = p.items.iter().find(|i| i.cell.as_deref() == Some("B7")).unwrap_or_else(|| panic!("B7 named: {text}"));
    assert!(ambiguous.reason.contains("'Tân Thành' matches 3 communes"), "{}", ambiguous.reason);
    for code in ["98001", "98005", "98006"] {
        assert!(ambiguous.reason.contains(code), "candidate {code} listed: {}", ambiguous.reason);
    }
    let unknown = p.items.iter().find(|i| i.cell.as_deref() == Some("B9")).unwrap_or_else(|| panic!("B9 named: {text}"));
    assert!(unknown.reason.contains("no commune named 'Xã Không Có Thật' in province 98"), "{}", unknown.reason);
    assert!(text.contains("bao_cao.xlsx:Biểu 01!B7: 'Tân Thành' matches 3 communes"), "{text}");
    assert_eq!(p.total, 2, "only the two bad names: {text}");
}

#[test]
fn a_misspelled_header_is_reported_at_its_cell_with_its_closest_alias_and_map_fixes_it() {
    let (_d, store) = store_with_named_communes();
    let xlsx = province_workbook(&named_rows(), Some((6, "Người sử dụng trái phép chất ma tuý có hồ sơ quản li")));
    let err = import::import_indicators(&store, &Input::from_bytes("bao_cao.xlsx", &xlsx), &province_98_2025()).expect_err("refused");
    let Error::Rejected(p) = err else { panic!("expected a rejection, got {err}") };
    assert_eq!(p.items.len(), 1, "{p}");
    assert_eq!(p.items[0].cell.as_deref(), Some("G3"));
    assert!(p.items[0].reason.contains("did you mean"), "{}", p.items[0].reason);
    assert!(p.items[0].reason.contains("illegal_users_with_records"), "{}", p.items[0].reason);
    assert!(p.items[0].reason.contains("--map"), "{}", p.items[0].reason);

    let mut opts = province_98_2025();
    opts.table.map.push(("Người sử dụng trái phép chất ma tuý có hồ sơ quản li".into(), "illegal_users_with_records".into()));
    let r = import::import_indicators(&store, &Input::from_bytes("bao_cao.xlsx", &xlsx), &opts).expect("imports with --map");
    assert_eq!(r.rows, 6);
}

#[test]
fn a_workbook_without_a_year_says_which_flag_to_give() {
    let (_d, store) = store_with_named_communes();
    let xlsx = province_workbook(&named_rows(), None);
    let opts = ImportOptions { table: TableOptions { province: Some("98".into()), ..Default::default() }, ..Default::default() };
    let err = import::import_indicators(&store, &Input::from_bytes("bao_cao.xlsx", &xlsx), &opts).expect_err("refused");
    assert!(err.to_string().contains("missing required column 'year'") && err.to_string().contains("--year"), "{err}");
}

/// Read a template back as a user's spreadsheet program would, check its layout, and fill every
/// commune by program: the filled workbook and the CSV of the same figures.
fn fill_template(bytes: &[u8], year: i32, file: &str) -> (Vec<u8>, String) {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    assert_eq!(book.sheet_names(), ["Số liệu", "Hướng dẫn"]);
    let range = book.worksheet_range("Số liệu").unwrap();
    let grid: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    let keys: Vec<String> = grid[2].iter().map(|d| d.to_string()).collect();
    assert_eq!(&keys[..4], ["unit_code", "unit_name", "year", "reference_date"]);
    let vietnamese: Vec<String> = grid[1].iter().map(|d| d.to_string()).collect();
    assert_eq!(vietnamese[4], "Dân số");
    let help = book.worksheet_range("Hướng dẫn").unwrap();
    let help_text: String = help.rows().flat_map(|r| r.iter().map(|d| d.to_string())).collect::<Vec<_>>().join("\n");
    assert!(help_text.contains("Điều 4 khoản 1 điểm a") && help_text.contains("Điều 6 khoản 1"), "the instructions cite the criteria");

    let mut filled = Workbook::new();
    let sheet = filled.add_worksheet();
    sheet.set_name("Số liệu").unwrap();
    for (r, row) in grid.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Data::String(s) => drop(sheet.write_string(r, c, s)),
                Data::Float(f) => drop(sheet.write_number(r, c, *f)),
                Data::Int(i) => drop(sheet.write_number(r, c, *i as f64)),
                Data::DateTime(d) => drop(sheet.write_number_with_format(r, c, d.as_f64(), &Format::new().set_num_format("dd/mm/yyyy"))),
                _ => {}
            }
        }
    }
    let mut csv = String::from("unit_code,year,reference_date,");
    csv.push_str(&keys[4..].join(","));
    csv.push_str(",source_ref\n");
    for (i, row) in grid.iter().enumerate().skip(3) {
        let code = row[0].to_string();
        let mut line = vec![code.clone(), year.to_string(), format!("{year}-12-14")];
        for (c, key) in keys.iter().enumerate().skip(4) {
            let value = match key.as_str() {
                "resident_population" => format!("{}", 4000 + i * 13),
                "key_route_scope" => if i % 2 == 0 { "Liên tỉnh".into() } else { "Không".into() },
                "addicts_with_records" => "20".into(),
                "illegal_users_with_records" => "5".into(),
                "plants_destroyed_area_m2" | "plants_destroyed_count" | "plant_cases" => "0".into(),
                _ => format!("{}", (i + c) % 3),
            };
            match value.parse::<f64>() {
                Ok(v) => drop(sheet.write_number(i as u32, c as u16, v)),
                Err(_) => drop(sheet.write_string(i as u32, c as u16, &value)),
            }
            line.push(match value.as_str() {
                "Liên tỉnh" => "inter_provincial".into(),
                "Không" => "none".into(),
                _ => value,
            });
        }
        line.push(file.into());
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    (filled.save_to_buffer().unwrap(), csv)
}

#[test]
fn the_template_round_trips_download_fill_import_rows_equal() {
    let (_d, store) = store_with_named_communes();
    let t = import::indicators_template(&store, "98", 2025).expect("template");
    assert_eq!((t.province_code.as_str(), t.communes), ("98", 9));

    let (filled, csv) = fill_template(&t.bytes, 2025, "chi_so_98_2025.xlsx");
    let r = import::import_indicators(&store, &Input::from_bytes("chi_so_98_2025.xlsx", &filled), &ImportOptions::default()).expect("a filled template imports with zero mapping");
    assert_eq!(r.rows, 9);
    let (_e, other) = store_with_named_communes();
    import::import_indicators(&other, &Input::from_bytes("same.csv", csv.as_bytes()), &ImportOptions::default()).expect("csv");
    assert_eq!(indicator_rows(&store), indicator_rows(&other), "the template's rows equal what was typed");
}

#[test]
fn over_http_a_province_downloads_its_template_and_uploads_it_filled() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent.get(format!("{}/api/templates/indicators.xlsx?province=98&year=2026", server.base)).call().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers().get("content-type").unwrap().to_str().unwrap(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let bytes = resp.body_mut().read_to_vec().unwrap();
    let (filled, _) = fill_template(&bytes, 2026, "chi_so_98_2026.xlsx");
    let mut resp = agent
        .post(format!("{}/api/import/indicators?file=chi_so_98_2026.xlsx&replace=true", server.base))
        .send(&filled[..])
        .unwrap();
    let status = resp.status().as_u16();
    let body: serde_json::Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["import"]["rows"], 50, "every commune of province 98: {body}");
    assert!(body["import"]["replaced"].as_u64().unwrap() > 0, "the demo's 2026 rows were replaced: {body}");

    let mut resp = agent.get(format!("{}/api/templates/indicators.xlsx?province=Atlantis&year=2026", server.base)).call().unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("unknown province 'Atlantis'"), "{body}");
}
