//! The quick start: `serve` on a fresh machine builds the demo store and answers over HTTP.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// A server on a new demo store in a temporary directory (bind as `let (_dir, server)`, so the
/// server stops before its directory goes).
fn demo_server() -> (tempfile::TempDir, common::Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    (dir, server)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// A request that must fail: its status, and a JSON error whose message mentions `says`.
fn assert_json_error(url: &str, status: u16, says: &str) {
    let (got, ctype, body) = get(url);
    assert_eq!(got, status, "{url}: {body}");
    assert!(ctype.starts_with("application/json"), "{url}: {ctype}");
    assert!(body["error"]["message"].as_str().unwrap().contains(says), "{url}: {body}");
}

fn get(url: &str) -> (u16, String, Value) {
    let mut resp = agent().get(url).call().expect("HTTP request");
    let status = resp.status().as_u16();
    let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = resp.body_mut().read_to_string().expect("body");
    (status, ctype, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[test]
fn serve_on_a_fresh_machine_builds_the_demo_store_and_answers_health_and_units() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlas.duckdb");
    assert!(!db.exists());
    let server = common::serve(&db);

    let (status, ctype, health) = get(&format!("{}/api/health", server.base));
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["demo"], true, "the demo store is labelled as such");
    let manifest = commune_atlas::demo::manifest().unwrap();
    let demo_versions: Vec<&str> =
        manifest.steps.iter().filter(|s| s.kind == commune_atlas::import::Kind::Boundaries).filter_map(|s| s.version.as_deref()).collect();
    let versions: Vec<&str> = health["boundary_versions"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    for v in &demo_versions {
        assert!(versions.contains(v), "health lists demo version {v}: {versions:?}");
    }
    assert!(health["units"].as_i64().unwrap() > 0);
    assert!(!health["years"].as_array().unwrap().is_empty());

    // The newest version's communes, all provinces, as GeoJSON.
    let newest = health["boundary_versions"].as_array().unwrap().last().unwrap().clone();
    let (status, ctype, fc) = get(&format!("{}/api/units", server.base));
    assert_eq!(status, 200);
    assert_eq!(ctype, "application/geo+json");
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len() as i64, newest["units"]["commune"].as_i64().unwrap());
    let f = &features[0];
    assert!(f["id"].is_i64());
    assert!(matches!(f["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon")));

    // Filtered by one province: only that province's communes.
    let province = f["properties"]["province_code"].as_str().unwrap().to_string();
    let (_, _, one) = get(&format!("{}/api/units?province={province}&version={}", server.base, newest["name"].as_str().unwrap()));
    let feats = one["features"].as_array().unwrap();
    assert!(!feats.is_empty());
    assert!(feats.iter().all(|f| f["properties"]["province_code"] == province.as_str()));
}

#[test]
fn errors_are_json_with_a_message() {
    let (_dir, server) = demo_server();
    assert_json_error(&format!("{}/api/no-such-thing", server.base), 404, "/api/no-such-thing");
    assert_json_error(&format!("{}/api/units?version=nope", server.base), 404, "no boundary version named 'nope'");
    assert_json_error(&format!("{}/api/units?level=village", server.base), 400, "unknown level 'village': use province, district or commune");
    // Refusals made before a handler runs are JSON too: a missing query parameter, a path that
    // does not parse, a method the endpoint does not have, a body that is not JSON.
    assert_json_error(&format!("{}/api/candidates", server.base), 400, "missing field `province`");
    assert_json_error(&format!("{}/api/plans/not-a-number", server.base), 400, "not-a-number");
    let resp = agent().delete(&format!("{}/api/health", server.base)).call().unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert!(resp.headers().get("content-type").unwrap().to_str().unwrap().starts_with("application/json"));
    let mut resp = agent().post(&format!("{}/api/sql", server.base)).header("content-type", "application/json").send("{not json").unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "bad_request", "{body}");
}

/// A commune officer or a leader reads the page in Vietnamese: an error the server's catalogue
/// knows comes in both languages, with the same values; one it does not know stays English.
#[test]
fn an_error_answer_says_its_message_in_vietnamese_too_when_the_catalogue_has_it() {
    let (_dir, server) = demo_server();
    let (status, _, body) = get(&format!("{}/api/plans/987654", server.base));
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["message"], "no plan with id 987654", "{body}");
    assert_eq!(body["error"]["messages"]["vi"], "Không có kế hoạch nào mã 987654.", "{body}");
    let (status, _, body) = get(&format!("{}/api/no-such-thing", server.base));
    assert_eq!(status, 404);
    assert_eq!(body["error"]["messages"]["vi"], "Không có địa chỉ này: /api/no-such-thing.", "{body}");
    // Not in the catalogue: English only, and no empty translation.
    let (status, _, body) = get(&format!("{}/api/units?level=village", server.base));
    assert_eq!(status, 400);
    assert!(body["error"].get("messages").is_none(), "{body}");
}

/// An admin imports figures with invalid rows left out: each skipped row's reason comes in
/// Vietnamese too, as the import page shows it.
#[test]
fn a_skipped_rows_reason_comes_in_vietnamese_too() {
    let (_dir, server) = demo_server();
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/indicators.csv")).unwrap();
    let head = demo.lines().next().unwrap();
    let cols: Vec<&str> = head.split(',').collect();
    let at = |name: &str| cols.iter().position(|c| *c == name).unwrap();
    let row = demo.lines().find(|l| l.starts_with("90001,2026,")).unwrap();
    let mut cells: Vec<String> = row.split(',').map(String::from).collect();
    // Plants destroyed without a plant case: the importer's own cross-field check.
    cells[at("plants_destroyed_count")] = "12".into();
    cells[at("plant_cases")] = "0".into();
    let csv = format!("{head}\n{}\n", cells.join(","));
    let mut r = agent().post(&format!("{}/api/import/indicators?file=fix.csv&replace=true&skip_invalid=true&dry_run=true", server.base)).send(csv.as_bytes()).unwrap();
    let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(r.status().as_u16(), 200, "{body}");
    let item = &body["import"]["skipped"]["items"][0];
    assert_eq!(item["reason"], "plants_destroyed_count is above 0 but plant_cases is 0", "{body}");
    assert_eq!(item["reason_vi"], "Số cây có chất ma túy bị phá lớn hơn 0 nhưng số vụ trồng cây có chứa chất ma túy là 0.", "{body}");
}

#[test]
fn an_internal_failure_answers_a_reference_and_keeps_its_detail_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    {
        // Damage the store the way a hand edit would: the audit timeline's view is gone.
        let store = commune_atlas::store::Store::open(&db).unwrap();
        store.connect().unwrap().execute_batch("DROP VIEW audit_log").unwrap();
    }
    let server = common::serve(&db);
    let (status, ctype, body) = get(&format!("{}/api/admin/audit", server.base));
    assert_eq!(status, 500, "{body}");
    assert!(ctype.starts_with("application/json"));
    assert_eq!(body["error"]["code"], "internal");
    let message = body["error"]["message"].as_str().unwrap();
    let reference = message.strip_prefix("internal error, reference ").unwrap_or_else(|| panic!("{message}"));
    assert_eq!(reference.len(), 12, "{message}");
    let text = body.to_string();
    for secret in ["audit_log", "Catalog", "does not exist", "DuckDB", "store:", db.to_str().unwrap(), dir.path().to_str().unwrap(), "/tmp"] {
        assert!(!text.contains(secret), "the answer reveals {secret:?}: {text}");
    }
    // The log has the reference and the detail, for the administrator.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let log = server.log.lock().unwrap().clone();
        if let Some(line) = log.lines().find(|l| l.contains(reference)) {
            assert!(line.contains("audit_log"), "the log line says what failed: {line}");
            break;
        }
        assert!(Instant::now() < deadline, "no log line with reference {reference}:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_answer_forbids_inline_scripts_framing_and_sniffing() {
    let (_dir, server) = demo_server();
    for path in ["/", "/web/js/app.js", "/api/health", "/api/no-such-thing", "/api/maps/status.svg?year=2025"] {
        let (status, hs, _) = get_raw(&format!("{}{path}", server.base), &[]);
        assert!(status == 200 || status == 404, "{path}: {status}");
        let csp = header(&hs, "content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{path}: {csp}");
        assert_eq!(header(&hs, "x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(header(&hs, "x-frame-options"), Some("DENY"), "{path}");
    }
}

/// Browsers ask for `/favicon.ico` unasked (for `/api/docs`, a JSON answer opened in a tab):
/// it is the client's icon, not a 404 in every console.
#[test]
fn a_browser_asking_for_favicon_ico_gets_the_clients_icon() {
    let (_dir, server) = demo_server();
    let (status, hs, body) = get_raw(&format!("{}/favicon.ico", server.base), &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&hs, "content-type"), Some("image/svg+xml"));
    let (_, _, svg) = get_raw(&format!("{}/web/favicon.svg", server.base), &[]);
    assert_eq!(body, svg, "the same icon the page names");
    assert!(String::from_utf8_lossy(&body).contains("<svg"));
    let etag = header(&hs, "etag").expect("an ETag").to_string();
    let (again, _, _) = get_raw(&format!("{}/favicon.ico", server.base), &[("If-None-Match", &etag)]);
    assert_eq!(again, 304, "revalidated, not downloaded again");
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let (_dir, mut server) = demo_server();
    let (status, _, _) = get(&format!("{}/api/health", server.base));
    assert_eq!(status, 200);
    let pid = server.child.id().to_string();
    let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = server.child.try_wait().unwrap() {
            assert!(st.success(), "serve exits 0 on SIGTERM: {st}");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A raw HTTP/1.1 GET (no client-side decompression): status, headers, body bytes.
fn get_raw(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    request_raw("GET", url, headers)
}

fn request_raw(method: &str, url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    let mut body = all[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let hs: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string())))
        .collect();
    if header(&hs, "transfer-encoding") == Some("chunked") {
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            let end = i + body[i..].windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&body[i..end]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&body[end + 2..end + 2 + n]);
            i = end + 2 + n + 2;
        }
        body = out;
    }
    (status, hs, body)
}

/// The tile at zoom `z` under the centre a TileJSON gives.
fn centre_tile(tilejson: &Value, z: u32) -> (u32, u32) {
    let c = &tilejson["center"];
    let w = commune_atlas::tiles::mercator::to_world(c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
    let n = f64::from(1u32 << z);
    ((w[0] * n) as u32, (w[1] * n) as u32)
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    hs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// A tile's `GET` is answered by the outer layer itself, its `HEAD` by the router's route: the
/// two ways reach the same handler and carry the same status and headers.
#[test]
fn a_tiles_get_taken_by_the_outer_layer_and_its_head_taken_by_the_router_answer_alike() {
    let (_dir, server) = demo_server();
    let (_, _, tj) = get(&format!("{}/tiles/communes.json", server.base));
    let (x, y) = centre_tile(&tj, 8);
    for (path, accept) in [(format!("/tiles/communes.demo-2025/8/{x}/{y}.mvt"), "gzip"), (format!("/tiles/communes.demo-2025/8/{x}/{y}.mvt"), "identity"), ("/tiles/communes/6/0/0.mvt".to_string(), "gzip"), ("/tiles/nowhere/8/1/1.mvt".to_string(), "gzip")] {
        let url = format!("{}{path}", server.base);
        let (gs, gh, body) = request_raw("GET", &url, &[("Accept-Encoding", accept)]);
        let (hs, hh, none) = request_raw("HEAD", &url, &[("Accept-Encoding", accept)]);
        assert_eq!(gs, hs, "{path} ({accept}): GET {gs}, HEAD {hs}");
        assert!(none.is_empty(), "a HEAD has no body");
        for name in ["content-type", "content-encoding", "etag", "cache-control", "vary", "x-content-type-options"] {
            assert_eq!(header(&gh, name), header(&hh, name), "{path} ({accept}): {name}");
        }
        if gs == 200 {
            assert_eq!(header(&gh, "content-length"), Some(body.len().to_string().as_str()), "{path}: GET's length");
            assert_eq!(header(&hh, "content-length"), header(&gh, "content-length"), "{path}: HEAD gives the GET's length");
        }
    }
}

#[test]
fn tiles_over_http_gzip_etag_204_and_json_errors() {
    let (_dir, server) = demo_server();
    let (status, _, tj) = get(&format!("{}/tiles/communes.json", server.base));
    assert_eq!(status, 200);
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["vector_layers"][0]["id"], "communes");
    assert!(tj["tiles"][0].as_str().unwrap().contains("/tiles/communes.demo-2025/{z}/{x}/{y}.mvt?v="));
    // The tile under the layer's centre at z8.
    let (x, y) = centre_tile(&tj, 8);
    let url = format!("{}/tiles/communes.demo-2025/8/{x}/{y}.mvt", server.base);
    let (status, hs, gz) = get_raw(&url, &[("Accept-Encoding", "gzip")]);
    assert_eq!(status, 200);
    assert_eq!(header(&hs, "content-encoding"), Some("gzip"));
    assert_eq!(header(&hs, "content-type"), Some("application/vnd.mapbox-vector-tile"));
    // Tiles are never rendered as a document: no page policy on the busiest answers, but no sniffing either.
    assert_eq!((header(&hs, "x-content-type-options"), header(&hs, "content-security-policy")), (Some("nosniff"), None));
    let etag = header(&hs, "etag").unwrap().to_string();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    let (status, _, raw) = get_raw(&url, &[]);
    assert_eq!(status, 200);
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, raw, "gzip and plain bodies hold the same tile");
    let (status, _, _) = get_raw(&url, &[("If-None-Match", &etag), ("Accept-Encoding", "gzip")]);
    assert_eq!(status, 304);
    // Empty tile, unknown layer, out of range.
    let (status, _, body) = get_raw(&format!("{}/tiles/communes/6/0/0.mvt", server.base), &[]);
    assert_eq!((status, body.len()), (204, 0));
    let (status, ctype, body) = get(&format!("{}/tiles/nope/1/0/0.mvt", server.base));
    assert_eq!(status, 404);
    assert!(ctype.starts_with("application/json") && body["error"]["message"].as_str().unwrap().contains("nope"));
    let (status, _, body) = get(&format!("{}/tiles/communes/3/9/0.mvt", server.base));
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("outside the pyramid"));
    // The choropleth colours every commune of the version, with a legend whose counts add up.
    let (status, _, ch) = get(&format!("{}/api/choropleth?metric=addict_user_rate_pct&method=jenks&classes=5", server.base));
    assert_eq!(status, 200);
    let units = ch["units"].as_object().unwrap().len() as i64;
    let total: i64 = ch["legend"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 210);
    assert!(units > 200);
    // TileJSON announces the label points beside the polygons, from their zoom.
    assert_eq!(tj["vector_layers"][1]["id"], "communes_label");
    assert_eq!(tj["vector_layers"][1]["minzoom"], 8);
}

#[test]
fn a_tile_is_negotiated_as_rfc_9110_says_one_strong_etag_per_encoding_and_304s_keep_their_caching_headers() {
    let (_dir, server) = demo_server();
    let url = format!("{}/tiles/communes.demo-2025/5/25/14.mvt", server.base);
    let (_, plain_h, plain) = get_raw(&url, &[]);
    let (_, gz_h, gz) = get_raw(&url, &[("Accept-Encoding", "gzip, deflate, br")]);
    assert_eq!(header(&gz_h, "content-encoding"), Some("gzip"));
    assert_eq!(header(&plain_h, "content-encoding"), None);
    // `gzip;q=0` refuses gzip; `*` accepts it unless gzip itself is refused; weights are read.
    for (accept, gzip) in [("gzip;q=0", false), ("gzip; q=0.0, identity", false), ("*;q=0.5", true), ("br, *", true), ("gzip;q=0, *", false), ("identity", false), ("GZIP;Q=0.8", true)] {
        let (status, hs, body) = get_raw(&url, &[("Accept-Encoding", accept)]);
        assert_eq!(status, 200, "{accept}");
        assert_eq!(header(&hs, "content-encoding") == Some("gzip"), gzip, "Accept-Encoding: {accept}");
        assert_eq!(body, if gzip { gz.clone() } else { plain.clone() }, "{accept}: the body of its encoding");
    }
    // Two representations, two strong ETags; each If-None-Match matches only its own.
    let (e_plain, e_gz) = (header(&plain_h, "etag").unwrap().to_string(), header(&gz_h, "etag").unwrap().to_string());
    assert_ne!(e_plain, e_gz);
    assert!(e_plain.starts_with('"') && e_gz.starts_with('"'), "strong: {e_plain} {e_gz}");
    assert_eq!(get_raw(&url, &[("If-None-Match", &e_plain)]).0, 304);
    assert_eq!(get_raw(&url, &[("If-None-Match", &e_gz)]).0, 200, "the gzip ETag does not match the identity body");
    assert_eq!(get_raw(&url, &[("If-None-Match", &e_plain), ("Accept-Encoding", "gzip")]).0, 200, "nor the other way round");
    assert_eq!(get_raw(&url, &[("If-None-Match", &format!("\"x\", {e_gz}")), ("Accept-Encoding", "gzip")]).0, 304, "a list");
    assert_eq!(get_raw(&url, &[("If-None-Match", &format!("W/{e_gz}")), ("Accept-Encoding", "gzip")]).0, 304, "weak comparison");
    // A 304 carries what a cache needs to keep using its copy.
    let (status, hs, body) = get_raw(&format!("{url}?v=ignored"), &[("If-None-Match", &e_gz), ("Accept-Encoding", "gzip")]);
    assert_eq!((status, body.len()), (304, 0));
    assert_eq!(header(&hs, "etag"), Some(e_gz.as_str()));
    assert_eq!(header(&hs, "cache-control"), header(&gz_h, "cache-control"));
    assert!(header(&hs, "cache-control").is_some() && header(&hs, "vary").is_some_and(|v| v.contains("accept-encoding")), "{hs:?}");
    // With the layer's hash the tile is immutable, and so is its 304.
    let (_, _, tj) = get(&format!("{}/tiles/communes.demo-2025.json", server.base));
    let hashed = tj["tiles"][0].as_str().unwrap().replace("{z}/{x}/{y}", "5/25/14");
    let (status, hs, _) = get_raw(&hashed, &[("If-None-Match", &e_gz), ("Accept-Encoding", "gzip")]);
    assert_eq!(status, 304);
    assert!(header(&hs, "cache-control").unwrap().contains("immutable"));
}

#[test]
fn the_map_gets_its_label_glyphs_from_the_server_vietnamese_letters_included() {
    let (_dir, server) = demo_server();
    // MapLibre's request for Latin Extended Additional (ạ … ỹ), with a fallback font in the
    // stack, at the URL the catalogue gives: the letters names use, kept by the browser for good.
    let (_, _, catalog) = get(&format!("{}/tiles", server.base));
    let template = catalog["glyphs"].as_str().unwrap();
    assert!(template.starts_with("/fonts/{fontstack}/{range}.pbf?v="), "{template}");
    let url = format!("{}{}", server.base, template.replace("{fontstack}", "DejaVu%20Sans,Noto%20Sans").replace("{range}", "7680-7935"));
    let (status, hs, pbf) = get_raw(&url, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&hs, "content-type"), Some("application/x-protobuf"));
    assert!(header(&hs, "cache-control").unwrap().contains("immutable"), "{hs:?}");
    assert!(pbf.len() > 2_000, "a range of drawn glyphs ({} bytes)", pbf.len());
    assert!(pbf.windows(9).any(|w| w == b"7680-7935"), "the fontstack names its range");
    // Gzipped once, with its own ETag; without the set's tag the range is revalidated.
    let (_, gz_h, gz) = get_raw(&url, &[("Accept-Encoding", "gzip")]);
    assert_eq!(header(&gz_h, "content-encoding"), Some("gzip"));
    assert!(gz.len() < pbf.len() && header(&gz_h, "etag") != header(&hs, "etag"));
    // Without the labels' tag (another style's URL) the range is the font's whole range, revalidated.
    let plain = format!("{}/fonts/DejaVu%20Sans/7680-7935.pbf", server.base);
    let (status, plain_h, whole) = get_raw(&plain, &[]);
    assert_eq!((status, header(&plain_h, "cache-control")), (200, Some("no-cache")));
    assert!(whole.len() > pbf.len(), "the labels' letters ({} bytes) are fewer than the whole range ({} bytes)", pbf.len(), whole.len());
    // The bold of province labels carries the province names' letters: fewer than the communes'.
    let bold = get_raw(&url.replace("DejaVu%20Sans,Noto%20Sans", "DejaVu%20Sans%20Bold").replace("7680-7935", "0-255"), &[]).2;
    let regular = get_raw(&url.replace("7680-7935", "0-255"), &[]).2;
    assert!(!bold.is_empty() && bold.len() < regular.len(), "bold {} bytes, regular {} bytes", bold.len(), regular.len());
    let provinces = catalog["layers"].as_array().unwrap().iter().find(|l| l["layer"] == "provinces").unwrap();
    assert_eq!(provinces["label_font"], "DejaVu Sans Bold", "the catalogue names each level's label font");
    let etag = header(&plain_h, "etag").unwrap().to_string();
    assert_eq!(get_raw(&plain, &[("If-None-Match", &etag)]).0, 304);
    // An unknown font says which fonts exist.
    assert_json_error(&format!("{}/fonts/Comic%20Sans/0-255.pbf", server.base), 404, "DejaVu Sans");
    assert_json_error(&format!("{}/fonts/DejaVu%20Sans/3-258.pbf", server.base), 400, "multiple of 256");
}

#[test]
fn the_converting_province_is_visible_through_the_api() {
    let (_dir, server) = demo_server();
    let (status, _, body) = get(&format!("{}/api/progress?province=99", server.base));
    assert_eq!(status, 200);
    let rows = body["rows"].as_array().unwrap();
    let shares: Vec<f64> = rows.iter().map(|r| r["drug_free_pct"].as_f64().unwrap()).collect();
    assert_eq!(shares.len(), 8, "2019–2026");
    assert!(shares.windows(2).all(|w| w[1] > w[0]), "steadily converting: {shares:?}");
    assert!((shares[6] - 20.0).abs() < 1.0 && (shares[7] - 30.0).abs() < 1.0, "≈20 % in 2025, ≈30 % in 2026: {shares:?}");
    // One commune's evaluation explains itself: a drug-free candidate names the criteria of Art. 6
    // it meets and the reading that made it a candidate rather than type III.
    let (_, _, status_map) = get(&format!("{}/api/status?year=2025", server.base));
    assert_eq!(status_map["counts"]["undetermined"], 0, "every Decision-28 criterion is confirmed and the demo carries the Art. 6 inputs");
    let id = status_map["units"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v.as_str() == Some("drug_free_candidate"))
        .map(|(k, _)| k.clone())
        .expect("a commune meeting the drug-free criteria, awaiting approval");
    let (status, _, ev) = get(&format!("{}/api/units/{id}/evaluation?year=2025", server.base));
    assert_eq!(status, 200);
    assert_eq!(ev["ruleset"]["id"], "QD28_2025");
    assert_eq!(ev["drug_free_check"], "true");
    assert_eq!(ev["reasons"], serde_json::json!(["6.1", "6.2", "6.3"]));
    assert_eq!(ev["period"]["label_vi"], "Kỳ 15/12/2024–14/12/2025");
    let decided: Vec<&str> = ev["readings"].as_array().unwrap().iter().filter(|r| r["decisive"] == true).map(|r| r["name"].as_str().unwrap()).collect();
    assert!(decided.contains(&"drug_free_before_type_iii"), "{decided:?}");
    assert!(ev["history"].as_array().unwrap().len() >= 7, "history continues across the reform");
}

#[test]
fn the_choropleth_is_computed_once_answered_304_while_unchanged_and_anew_right_after_an_import() {
    let (_dir, server) = demo_server();
    let base = &server.base;
    let url = format!("{base}/api/choropleth?year=2026&metric=addict_user_rate_pct&values=true");
    let (_, _, item) = get(&format!("{base}/ogc/collections/communes-status-2026/items/90001"));
    let unit = item["properties"]["unit_id"].to_string();
    let (status, hs, body) = get_raw(&url, &[]);
    assert_eq!(status, 200);
    let before: Value = serde_json::from_slice(&body).unwrap();
    let etag = header(&hs, "etag").unwrap().to_string();
    assert_eq!(header(&hs, "cache-control"), Some("private, no-cache"));
    // Unchanged data: the same bytes, and a conditional request costs no body.
    let (_, hs2, body2) = get_raw(&url, &[]);
    assert_eq!((header(&hs2, "etag"), &body2), (Some(etag.as_str()), &body));
    let (status, hs3, body3) = get_raw(&url, &[("If-None-Match", &etag)]);
    assert_eq!((status, body3.len()), (304, 0));
    assert!(header(&hs3, "vary").is_some());

    // An import changes commune 90001's 2026 figures: the very next answer has them.
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/indicators.csv")).unwrap();
    let head = demo.lines().next().unwrap();
    let row = demo.lines().find(|l| l.starts_with("90001,2026,")).unwrap();
    let mut cells: Vec<String> = row.split(',').map(String::from).collect();
    let col = head.split(',').position(|c| c == "addicts_with_records").unwrap();
    cells[col] = (cells[col].parse::<i64>().unwrap() * 10 + 7).to_string();
    let csv = format!("{head}\n{}\n", cells.join(","));
    let mut r = agent().post(&format!("{base}/api/import/indicators?file=fix.csv&replace=true")).send(csv.as_bytes()).unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.body_mut().read_to_string().unwrap());
    let (status, hs4, body4) = get_raw(&url, &[("If-None-Match", &etag)]);
    assert_eq!(status, 200, "the old ETag no longer matches");
    assert_ne!(header(&hs4, "etag"), Some(etag.as_str()));
    let after: Value = serde_json::from_slice(&body4).unwrap();
    let (b, a) = (before["values"][&unit].as_f64().unwrap(), after["values"][&unit].as_f64().unwrap());
    assert!(a > b, "commune 90001's rate went up with its figures: {b} → {a}");
    // The status view of the same year is fresh too.
    let (_, _, st) = get(&format!("{base}/api/status?year=2026"));
    assert!(st["units"][&unit].is_string());
}

#[test]
fn after_start_every_tile_with_data_down_to_zoom_10_is_rendered_ahead_and_health_says_how_far() {
    let (_dir, server) = demo_server();
    let base = &server.base;
    let deadline = Instant::now() + Duration::from_secs(120);
    let health = loop {
        let (_, _, h) = get(&format!("{base}/api/health"));
        if h["tiles"]["prerender"]["finished"] == true {
            break h;
        }
        assert!(Instant::now() < deadline, "prerender did not finish: {h}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let p = &health["tiles"]["prerender"];
    assert_eq!(p["target_zoom"], 10);
    let (done, total) = (p["tiles_done"].as_u64().unwrap(), p["tiles_total"].as_u64().unwrap());
    assert!(total > 50 && done == total, "every planned tile: {p}");
    assert!(health["tiles"]["cache"]["tiles"].as_u64().unwrap() >= total, "{health}");
    assert!(health["tiles"]["cache"]["budget"].as_u64().unwrap() > 0 && health["answers"]["budget"].as_u64().unwrap() > 0);
    // A visitor's tiles down to zoom 10 are served without rendering anything.
    let renders = health["tiles"]["renders"].as_u64().unwrap();
    let (_, _, tj) = get(&format!("{base}/tiles/communes.json"));
    for z in [0u32, 4, 7, 10] {
        let (x, y) = centre_tile(&tj, z);
        let (status, _, _) = get_raw(&format!("{base}/tiles/communes/{z}/{x}/{y}.mvt"), &[]);
        assert_eq!(status, 200);
    }
    let (_, _, after) = get(&format!("{base}/api/health"));
    assert_eq!(after["tiles"]["renders"].as_u64().unwrap(), renders, "all four were ready");
}
