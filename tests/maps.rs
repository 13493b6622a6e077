//! Static maps: every view as SVG, PNG and PDF opens and looks right — A4 landscape, 300 dpi,
//! every legend class that has communes shows its colour in the image, counts equal the API's —
//! and the images are saved for review (target/screenshots/maps/).

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(120))).build().into()
}

fn get(url: &str) -> (u16, String, Vec<u8>) {
    let mut r = agent().get(url).call().unwrap();
    let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (r.status().as_u16(), ctype, r.body_mut().with_config().limit(256 << 20).read_to_vec().unwrap())
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

fn save(name: &str, bytes: &[u8]) {
    let dir = std::env::var("ATLAS_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"))
        .join("maps");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Parse a PDF, check it has exactly one page, and give that page's size in points.
fn one_page(pdf: &[u8]) -> (f64, f64) {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 1);
    let page = doc.get_dictionary(*pages.values().next().unwrap()).unwrap();
    let mb: Vec<f64> = page
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_float().map(f64::from).or_else(|_| v.as_i64().map(|i| i as f64)).unwrap())
        .collect();
    (mb[2] - mb[0], mb[3] - mb[1])
}

#[test]
fn every_view_renders_as_svg_png_and_pdf_with_the_web_maps_classes() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = &server.base;
    for (view, query, choropleth) in [
        ("status", "year=2025", "metric=status&year=2025"),
        ("conversion", "year=2025&from=2024&lang=en", "metric=conversion&year=2025&from=2024"),
        ("key_type", "year=2023&province=99", "metric=key_type&year=2023"),
        ("indicator", "year=2024&metric=addict_user_rate_pct&method=jenks&classes=5", "metric=addict_user_rate_pct&year=2024&method=jenks&classes=5"),
    ] {
        let (_, _, ch) = get(&format!("{base}/api/choropleth?{choropleth}"));
        let ch: Value = serde_json::from_slice(&ch).unwrap();
        let province = query.contains("province=99");
        // SVG: the legend's labels and counts, one path per commune.
        let (s, ctype, svg) = get(&format!("{base}/api/maps/{view}.svg?{query}"));
        assert_eq!(s, 200, "{view}.svg: {}", String::from_utf8_lossy(&svg[..svg.len().min(300)]));
        assert_eq!(ctype, "image/svg+xml");
        let svg = String::from_utf8(svg).unwrap();
        save(&format!("{view}.svg"), svg.as_bytes());
        let english = query.contains("lang=en");
        let paths = svg.matches("data-unit=").count();
        let legend = ch["legend"].as_array().unwrap();
        if !province {
            let total: u64 = legend.iter().map(|c| c["count"].as_u64().unwrap()).sum();
            assert_eq!(paths as u64, total, "{view}: one path per commune of the API's legend");
            for c in legend {
                let label = c[if english { "label_en" } else { "label_vi" }].as_str().unwrap().replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
                assert!(svg.contains(&format!(">{label}</text>")), "{view}: legend label {label}");
                assert!(svg.contains(&format!(">{}</text>", c["count"])), "{view}: count {}", c["count"]);
            }
        } else {
            assert!(paths > 0 && (paths as u64) < legend.iter().map(|c| c["count"].as_u64().unwrap()).sum::<u64>(), "{view}: one province only");
        }
        assert!(svg.contains("SYNTHETIC DEMO DATA"), "{view}: the demo notice");
        assert!(svg.contains("id=\"scale\"") && svg.contains("id=\"north\""));

        // PNG: A4 at 300 dpi; every class with communes shows its colour.
        let (s, ctype, png) = get(&format!("{base}/api/maps/{view}.png?{query}"));
        assert_eq!((s, ctype.as_str()), (200, "image/png"));
        save(&format!("{view}.png"), &png);
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (3508, 2480), "{view}: A4 landscape at 300 dpi");
        let step = info.color_type.samples();
        let seen: HashSet<[u8; 3]> = buf[..info.buffer_size()].chunks(step).map(|p| [p[0], p[1], p[2]]).collect();
        if !province {
            for c in legend.iter().filter(|c| c["count"].as_u64().unwrap() > 0) {
                let color = c["color"].as_str().unwrap();
                assert!(seen.contains(&rgb(color)), "{view}: class {} ({color}) does not appear in the PNG", c["key"]);
            }
        }

        // PDF: parses, one A4 landscape page.
        let (s, ctype, pdf) = get(&format!("{base}/api/maps/{view}.pdf?{query}"));
        assert_eq!((s, ctype.as_str()), (200, "application/pdf"));
        save(&format!("{view}.pdf"), &pdf);
        let (w, h) = one_page(&pdf);
        assert!((w - 841.9).abs() < 1.0 && (h - 595.3).abs() < 1.0, "{view}: A4 landscape, got {w} × {h}");
    }
    // Bad requests are JSON errors.
    let (s, ctype, _) = get(&format!("{base}/api/maps/status.gif"));
    assert_eq!((s, ctype.as_str()), (400, "application/json"));
    let (s, _, _) = get(&format!("{base}/api/maps/nothing.png"));
    assert_eq!(s, 404);
}

#[test]
fn the_province_report_is_one_a4_pdf_with_map_tables_chart_and_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = &server.base;
    let (s, ctype, svg) = get(&format!("{base}/api/reports/98.svg?year=2025"));
    assert_eq!((s, ctype.as_str()), (200, "image/svg+xml"), "{}", String::from_utf8_lossy(&svg[..svg.len().min(300)]));
    let svg = String::from_utf8(svg).unwrap();
    save("report-98.svg", svg.as_bytes());
    for section in ["Số xã theo trạng thái", "Chuyển hóa 2024→2025", "Tỷ lệ xã không ma túy và lộ trình đến 2030 (%)", "Chỉ tiêu và kế hoạch", "Xã đề xuất chuyển hóa năm 2026", "SYNTHETIC DEMO DATA"] {
        assert!(svg.contains(section), "the report has '{section}'");
    }
    assert!(svg.contains("id=\"target-path\"") && svg.contains("id=\"share\""), "the progress chart has both lines");
    // The map is the province's communes, as the progress view counts them.
    let (_, _, p) = get(&format!("{base}/api/progress?province=98"));
    let p: Value = serde_json::from_slice(&p).unwrap();
    let communes = p["rows"].as_array().unwrap().iter().find(|r| r["year"] == 2025).unwrap()["communes"].as_u64().unwrap();
    assert_eq!(svg.matches("data-unit=").count() as u64, communes);
    // The PDF: one A4 portrait page.
    let (s, ctype, pdf) = get(&format!("{base}/api/reports/98.pdf?year=2025&lang=en"));
    assert_eq!((s, ctype.as_str()), (200, "application/pdf"));
    save("report-98-en.pdf", &pdf);
    let (w, h) = one_page(&pdf);
    assert!((w - 595.3).abs() < 1.0 && (h - 841.9).abs() < 1.0, "A4 portrait, got {w} × {h}");
    let (s, _, _) = get(&format!("{base}/api/reports/12.pdf"));
    assert_eq!(s, 404, "an unknown province");
}
