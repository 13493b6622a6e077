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

/// Parse a PDF and give each page's size in points, in page order.
fn page_sizes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    doc.get_pages()
        .values()
        .map(|id| {
            let page = doc.get_dictionary(*id).unwrap();
            let mb: Vec<f64> = page
                .get(b"MediaBox")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_float().map(f64::from).or_else(|_| v.as_i64().map(|i| i as f64)).unwrap())
                .collect();
            (mb[2] - mb[0], mb[3] - mb[1])
        })
        .collect()
}

/// Parse a PDF, check it has exactly one page, and give that page's size in points.
fn one_page(pdf: &[u8]) -> (f64, f64) {
    let sizes = page_sizes(pdf);
    assert_eq!(sizes.len(), 1);
    sizes[0]
}

fn a4_portrait((w, h): (f64, f64)) -> bool {
    (w - 595.3).abs() < 1.0 && (h - 841.9).abs() < 1.0
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
    let size = one_page(&pdf);
    assert!(a4_portrait(size), "A4 portrait, got {size:?}");
    let (s, _, _) = get(&format!("{base}/api/reports/12.pdf"));
    assert_eq!(s, 404, "an unknown province");
}

fn post(url: &str, body: Value) -> Value {
    let mut r = agent().post(url).send_json(body).unwrap();
    assert_eq!(r.status().as_u16(), 200, "POST {url}");
    r.body_mut().read_json().unwrap()
}

#[test]
fn a_long_plan_prints_as_numbered_a4_pages_with_its_map_every_commune_once_and_signature_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = &server.base;
    // A leader picks the 40 best candidates of province 99 against a quota of 3, with notes.
    let plan = post(&format!("{base}/api/plans"), serde_json::json!({ "name": "Đợt 1 <2026> & \"thử\"", "province_code": "99", "target_year": 2027, "quota": 3 }));
    let id = plan["plan_id"].as_i64().unwrap();
    let (_, _, c) = get(&format!("{base}/api/candidates?province=99&limit=40"));
    let c: Value = serde_json::from_slice(&c).unwrap();
    let chosen: Vec<i64> = c["candidates"].as_array().unwrap().iter().map(|c| c["unit_id"].as_i64().unwrap()).take(40).collect();
    assert_eq!(chosen.len(), 40);
    let mut version = plan["version"].as_i64().unwrap();
    for (i, unit) in chosen.iter().enumerate() {
        let note = if i % 3 == 0 { "Họp dân <tổ 3> & rà soát người sử dụng trái phép chất ma túy, phối hợp công an xã và đoàn thanh niên trong quý 2".to_string() } else { String::new() };
        version = post(&format!("{base}/api/plans/{id}/communes"), serde_json::json!({ "version": version, "unit_id": unit, "note": note }))["version"].as_i64().unwrap();
    }

    // The PDF: several A4 portrait pages.
    let (s, ctype, pdf) = get(&format!("{base}/api/plans/{id}/plan.pdf"));
    assert_eq!((s, ctype.as_str()), (200, "application/pdf"), "{}", String::from_utf8_lossy(&pdf[..pdf.len().min(300)]));
    save("plan-sheet.pdf", &pdf);
    let sizes = page_sizes(&pdf);
    assert!(sizes.len() >= 2, "40 communes need more than one page, got {}", sizes.len());
    assert!(sizes.iter().all(|s| a4_portrait(*s)), "every page A4 portrait: {sizes:?}");

    // The same pages as SVG, one by one: the rows are the plan's communes in order, each once.
    let n = sizes.len();
    let mut rows: Vec<(usize, i64)> = Vec::new();
    let mut svgs = Vec::new();
    for page in 1..=n {
        let (s, _, svg) = get(&format!("{base}/api/plans/{id}/plan.svg?page={page}"));
        assert_eq!(s, 200, "page {page}");
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains(&format!(">Trang {page}/{n}</text>")), "page {page} is numbered");
        assert!(svg.contains("SYNTHETIC DEMO DATA"), "page {page} carries the demo notice");
        for part in svg.split("<g data-row=\"").skip(1) {
            let (row, rest) = part.split_once('"').unwrap();
            let unit = rest.split_once("data-unit=\"").unwrap().1.split_once('"').unwrap().0;
            rows.push((row.parse().unwrap(), unit.parse().unwrap()));
        }
        svgs.push(svg);
    }
    let (_, _, stored) = get(&format!("{base}/api/plans/{id}"));
    let stored: Value = serde_json::from_slice(&stored).unwrap();
    let expected: Vec<(usize, i64)> = stored["communes"].as_array().unwrap().iter().enumerate().map(|(i, c)| (i + 1, c["unit_id"].as_i64().unwrap())).collect();
    assert_eq!(expected.len(), 40);
    assert_eq!(rows, expected, "every commune once, numbered in the plan's order (by commune code), across the pages");
    let (first, last) = (&svgs[0], &svgs[n - 1]);
    // Page one: the particulars, the quota against the choice, the map with each commune outlined and numbered.
    assert!(first.contains("Kế hoạch chuyển hóa địa bàn — Đợt 1 &lt;2026&gt; &amp; &quot;thử&quot;"), "the title, escaped");
    assert!(first.contains("Chỉ tiêu: 3 xã · trong kế hoạch: 40 xã (vượt chỉ tiêu 37)"), "the quota against the choice");
    assert!(first.contains("năm mục tiêu 2027 · tình trạng: dự thảo"));
    assert!(first.contains("Họp dân &lt;tổ 3&gt; &amp; rà soát"), "notes are printed, escaped");
    assert!(first.contains("chờ số liệu năm 2027"), "no outcome before the target year has data");
    for unit in &chosen {
        assert!(first.contains(&format!("data-plan-unit=\"{unit}\"")), "commune {unit} is outlined on the map");
    }
    assert_eq!(first.matches("<circle ").count(), 40, "one numbered marker per commune");
    assert!(first.contains(">40</text>"));
    // The last page: who prepared it and who approves it sign there.
    assert!(last.contains(">NGƯỜI LẬP</text>") && last.contains(">PHÊ DUYỆT</text>"));
    assert!(!svgs[..n - 1].iter().any(|s| s.contains(">PHÊ DUYỆT</text>")), "signatures only at the end");
    assert!(last.contains("<g data-row=\"40\""), "the signatures share their page with the plan's last row");
    let today = chrono::Utc::now().date_naive();
    assert!(last.contains(&format!("Tỉnh Đại Quang, ngày {}</text>", today.format("%d tháng %m năm %Y"))), "place and date above the signatures");
    // Past the last page is a JSON 404 that says how many there are.
    let (s, ctype, body) = get(&format!("{base}/api/plans/{id}/plan.svg?page={}", n + 1));
    assert_eq!((s, ctype.as_str()), (404, "application/json"));
    assert!(String::from_utf8_lossy(&body).contains(&format!("has {n} page(s)")));

    // In English; and an empty plan is one page that says so.
    let (_, _, en) = get(&format!("{base}/api/plans/{id}/plan.svg?page={n}&lang=en"));
    let en = String::from_utf8(en).unwrap();
    assert!(en.contains(">PREPARED BY</text>") && en.contains(&format!(">Page {n}/{n}</text>")));
    let empty = post(&format!("{base}/api/plans"), serde_json::json!({ "name": "Trống", "province_code": "98", "target_year": 2026 }));
    let (s, _, pdf) = get(&format!("{base}/api/plans/{}/plan.pdf?lang=en", empty["plan_id"]));
    assert_eq!(s, 200);
    assert_eq!(page_sizes(&pdf).len(), 1);
    let (_, _, svg) = get(&format!("{base}/api/plans/{}/plan.svg?lang=en", empty["plan_id"]));
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains("No communes in the plan yet.") && svg.contains("no quota set") && svg.contains(">APPROVED BY</text>"));
    let (s, _, _) = get(&format!("{base}/api/plans/999999/plan.pdf"));
    assert_eq!(s, 404);
}

#[test]
fn a_leader_prints_a_plan_sheet_from_the_command_line_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let id = {
        let store = commune_atlas::store::Store::open(&db).unwrap();
        let p = commune_atlas::plans::create(&store, "Kế hoạch CLI", "98", 2026, Some(2), "an.nguyen").unwrap();
        let unit = common::current_communes(&db, "98")[0];
        commune_atlas::plans::add_commune(&store, p.plan_id, p.version, unit, Some("ưu tiên"), "an.nguyen").unwrap().plan_id
    };
    let db_s = db.to_str().unwrap();
    let pdf = dir.path().join("ke-hoach.pdf");
    let (code, out, err) = common::run(&["--db", db_s, "report", "--plan", &id.to_string(), pdf.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ke-hoach.pdf"), "{out}");
    assert!(a4_portrait(one_page(&std::fs::read(&pdf).unwrap())));
    let svg = dir.path().join("plan.svg");
    let (code, _, err) = common::run(&["--db", db_s, "report", "--plan", &id.to_string(), "--lang", "en", svg.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("Conversion plan — Kế hoạch CLI") && text.contains(">an.nguyen</text>") && text.contains("ưu tiên"));
    // Mistakes say what to do.
    let (code, _, err) = common::run(&["--db", db_s, "report", "--plan", "999", pdf.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("999"), "{err}");
    let (code, _, err) = common::run(&["--db", db_s, "report", pdf.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("--province") && err.contains("--plan"), "{err}");
}

#[test]
fn a_gis_officer_takes_the_web_maps_classes_home_as_qgis_and_sld_styles() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = &server.base;
    for (view, attr, choropleth) in [("status", "status", "metric=status&year=2025"), ("conversion", "conversion", "metric=conversion&year=2025"), ("key_type", "key_type", "metric=key_type&year=2025")] {
        let (_, _, ch) = get(&format!("{base}/api/choropleth?{choropleth}"));
        let ch: Value = serde_json::from_slice(&ch).unwrap();
        // The web legend: key → (colour, Vietnamese label).
        let legend: Vec<(String, String, String)> = ch["legend"].as_array().unwrap().iter().map(|c| (c["key"].as_str().unwrap().into(), c["color"].as_str().unwrap().into(), c["label_vi"].as_str().unwrap().into())).collect();

        let (st, ctype, qml) = get(&format!("{base}/api/styles/{view}.qml"));
        assert_eq!(st, 200, "{view}.qml");
        assert!(ctype.contains("xml"), "{ctype}");
        let qml = String::from_utf8(qml).unwrap();
        let doc = roxmltree::Document::parse_with_options(&qml, roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() }).expect("the QML is XML");
        let renderer = doc.descendants().find(|n| n.has_tag_name("renderer-v2")).unwrap();
        assert_eq!((renderer.attribute("type"), renderer.attribute("attr")), (Some("categorizedSymbol"), Some(attr)));
        let symbols: std::collections::HashMap<&str, String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("symbol"))
            .map(|s| {
                let colour = s.descendants().find(|o| o.has_tag_name("Option") && o.attribute("name") == Some("color")).and_then(|o| o.attribute("value")).unwrap();
                (s.attribute("name").unwrap(), colour.to_string())
            })
            .collect();
        let cats: Vec<(String, String, String)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("category"))
            .map(|c| {
                let [r, g, b] = symbols[c.attribute("symbol").unwrap()].split(',').take(3).map(|v| v.parse::<u8>().unwrap()).collect::<Vec<_>>()[..] else { panic!() };
                (c.attribute("value").unwrap().to_string(), format!("#{r:02x}{g:02x}{b:02x}"), c.attribute("label").unwrap().to_string())
            })
            .collect();
        assert_eq!(cats, legend, "{view}.qml: the legend's classes, colours and labels, in order");

        let (st, _, sld) = get(&format!("{base}/api/styles/{view}.sld"));
        assert_eq!(st, 200);
        let sld = String::from_utf8(sld).unwrap();
        let doc = roxmltree::Document::parse(&sld).expect("the SLD is XML");
        let rules: Vec<(String, String, String)> = doc
            .descendants()
            .filter(|n| n.has_tag_name(("http://www.opengis.net/se", "Rule")))
            .map(|r| {
                let text = |tag: (&str, &str)| r.descendants().find(|n| n.has_tag_name(tag)).and_then(|n| n.text()).unwrap().to_string();
                assert_eq!(text(("http://www.opengis.net/ogc", "PropertyName")), attr);
                let fill = r.descendants().find(|n| n.has_tag_name(("http://www.opengis.net/se", "SvgParameter")) && n.attribute("name") == Some("fill")).and_then(|n| n.text()).unwrap().to_string();
                (text(("http://www.opengis.net/ogc", "Literal")), fill, text(("http://www.opengis.net/se", "Title")))
            })
            .collect();
        assert_eq!(rules, legend, "{view}.sld: a rule per class of the legend");
    }
    let (st, _, en) = get(&format!("{base}/api/styles/status.qml?lang=en"));
    assert_eq!(st, 200);
    assert!(String::from_utf8(en).unwrap().contains("Key area type I"), "English labels on request");
    for bad in ["status.svg", "addict_user_rate_pct.qml", "status"] {
        let (st, ctype, body) = get(&format!("{base}/api/styles/{bad}"));
        assert!(st == 400 || st == 404, "{bad}: {st}");
        assert!(ctype.starts_with("application/json") && !body.is_empty(), "{bad}: a JSON error");
    }
}
