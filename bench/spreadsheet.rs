//! Tabular import throughput from a workbook (criterion, rows/s): a 100,000-row XLSX of
//! indicators — Vietnamese two-row header, communes by code — against the same rows as CSV in
//! the same run, into a store of 2,800 grid communes × 36 years (replacing the rows each
//! iteration).
//!
//! `cargo bench --bench spreadsheet`

use std::fmt::Write as _;
use std::time::Duration;

use chrono::NaiveDate;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input};
use commune_atlas::store::Store;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_xlsxwriter::Workbook;

const SIDE: usize = 50;
const UNITS: usize = 2_800;
const ROWS: usize = 100_000;

fn grid() -> String {
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    for k in 0..UNITS {
        let (x, y) = (102.0 + (k % SIDE) as f64 * 0.02, 8.5 + (k / SIDE) as f64 * 0.02);
        let _ = write!(
            s,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{:06}\",\"name\":\"Xã {k}\",\"province_code\":\"{:02}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}",
            if k == 0 { "" } else { "," },
            k + 1,
            1 + k / 100,
            x1 = x + 0.02,
            y1 = y + 0.02
        );
    }
    s.push_str("]}");
    s
}

/// Row `k`'s figures: population, addicts, users, locations, arrested, route scope.
fn figures(k: usize) -> (f64, f64, f64, f64, f64, &'static str) {
    (3000.0 + (k % 9000) as f64, (k % 40) as f64, (k % 13) as f64, (k % 3) as f64, (k % 7) as f64, if k % 5 == 0 { "Liên tỉnh" } else { "Không" })
}

fn workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Biểu 01").expect("name");
    let top = ["Mã xã", "Năm", "Dân số", "Người nghiện ma túy có hồ sơ quản lý", "Người sử dụng trái phép chất ma túy có hồ sơ quản lý", "Điểm tổ chức, chứa chấp sử dụng trái phép chất ma túy", "Người phạm tội về ma túy bị bắt", "Số cây có chứa chất ma túy bị phát hiện, triệt phá", "Diện tích trồng cây có chứa chất ma túy (m²)", "Tuyến trọng điểm"];
    sheet.write_string(0, 0, "BÁO CÁO SỐ LIỆU").expect("title");
    for (c, t) in top.iter().enumerate() {
        sheet.write_string(1, c as u16, *t).expect("header");
    }
    for k in 0..ROWS {
        let r = 2 + k as u32;
        let (pop, a, u, l, arr, route) = figures(k);
        sheet.write_string(r, 0, format!("{:06}", k % UNITS + 1)).expect("cell");
        for (c, v) in [(1, (2000 + k / UNITS) as f64), (2, pop), (3, a), (4, u), (5, l), (6, arr), (7, 0.0), (8, 0.0)] {
            sheet.write_number(r, c, v).expect("cell");
        }
        sheet.write_string(r, 9, route).expect("cell");
    }
    book.save_to_buffer().expect("xlsx")
}

fn csv() -> String {
    let mut s = String::from("unit_code,year,resident_population,addicts_with_records,illegal_users_with_records,drug_use_locations,drug_offenders_arrested,plants_destroyed_count,plants_destroyed_area_m2,key_route_scope\n");
    for k in 0..ROWS {
        let (pop, a, u, l, arr, route) = figures(k);
        let route = if route == "Không" { "none" } else { "inter_provincial" };
        let _ = writeln!(s, "{:06},{},{pop},{a},{u},{l},{arr},0,0,{route}", k % UNITS + 1, 2000 + k / UNITS);
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("grid.duckdb")).expect("store");
    let b = BoundaryOptions {
        version: "grid".into(),
        valid_from: NaiveDate::from_ymd_opt(2000, 1, 1).expect("date"),
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: Some("synthetic".into()),
        source: None,
        repair: false,
        snap_tolerance: Some(0.0),
        props: Default::default(),
    };
    import::import_boundaries(&store, &Input::from_bytes("grid.geojson", grid().as_bytes()), &b, &ImportOptions::default()).expect("grid");
    let (xlsx, csv) = (workbook(), csv());
    eprintln!("100,000 rows: XLSX {} bytes, CSV {} bytes", xlsx.len(), csv.len());
    let replace = ImportOptions { replace: true, ..Default::default() };
    let mut g = c.benchmark_group("import indicators 100k rows");
    g.sample_size(10).measurement_time(Duration::from_secs(60)).throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("xlsx (Vietnamese header)", |bch| {
        bch.iter(|| import::import_indicators(&store, &Input::from_bytes("bao_cao.xlsx", &xlsx), &replace).expect("xlsx import"))
    });
    g.bench_function("csv (same rows)", |bch| {
        bch.iter(|| import::import_indicators(&store, &Input::from_bytes("same.csv", csv.as_bytes()), &replace).expect("csv import"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
