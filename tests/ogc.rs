//! OGC API – Features as a GIS client meets it: the landing page leads to the collections, the
//! items page through `next` links with every commune exactly once, `bbox` returns exactly the
//! communes whose geometry meets the box, filters by province and status, one item by code — and a
//! scoped token sees only its province.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use geo::Intersects;
use serde_json::Value;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(120))).build().into()
}

fn get(url: &str, token: Option<&str>) -> (u16, String, Value) {
    let mut r = agent().get(url);
    if let Some(t) = token {
        r = r.header("Authorization", &format!("Bearer {t}"));
    }
    let mut r = r.call().unwrap();
    let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (r.status().as_u16(), ctype, r.body_mut().read_json().unwrap_or(Value::Null))
}

/// Every feature of a collection, page by page through the `next` links.
fn all_pages(first: &str, token: Option<&str>) -> (Vec<Value>, usize) {
    let (mut url, mut out, mut pages) = (first.to_string(), Vec::new(), 0);
    loop {
        let (st, ctype, page) = get(&url, token);
        assert_eq!(st, 200, "{url}: {page}");
        assert!(ctype.starts_with("application/geo+json"), "{ctype}");
        assert_eq!(page["numberReturned"].as_u64().unwrap() as usize, page["features"].as_array().unwrap().len());
        out.extend(page["features"].as_array().unwrap().iter().cloned());
        pages += 1;
        match page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next") {
            Some(next) => url = next["href"].as_str().unwrap().to_string(),
            None => {
                assert_eq!(page["numberMatched"].as_u64().unwrap() as usize, out.len(), "numberMatched");
                return (out, pages);
            }
        }
    }
}

#[test]
fn a_gis_client_pages_through_the_status_collection_filters_by_box_province_and_status_and_a_scoped_token_sees_its_province() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let viewer = common::add_user(&db, "viewer-98", "viewer", "98");
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = &server.base;
    let admin = Some(admin.as_str());

    let (st, _, landing) = get(&format!("{base}/ogc"), admin);
    assert_eq!(st, 200);
    let rels: BTreeSet<&str> = landing["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
    assert!(rels.contains("conformance") && rels.contains("data"), "{landing}");
    let (_, _, conf) = get(&format!("{base}/ogc/conformance"), admin);
    assert!(conf["conformsTo"].to_string().contains("ogcapi-features-1/1.0/conf/core") && conf["conformsTo"].to_string().contains("conf/geojson"));
    let (_, _, cols) = get(&format!("{base}/ogc/collections"), admin);
    let ids: Vec<&str> = cols["collections"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"communes-status-2025") && ids.contains(&"communes-status-2019"), "{ids:?}");
    let (st, _, _) = get(&format!("{base}/ogc/collections/nothing"), admin);
    assert_eq!(st, 404);

    // Every commune of 2025 exactly once across pages, with the web map's status.
    let (features, pages) = all_pages(&format!("{base}/ogc/collections/communes-status-2025/items?limit=37"), admin);
    assert!(pages > 3, "{pages} pages");
    let (_, _, ch) = get(&format!("{base}/api/choropleth?year=2025&metric=status"), admin);
    let want: BTreeMap<String, String> = ch["units"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
    let got: BTreeMap<String, String> = features.iter().map(|f| (f["properties"]["unit_id"].to_string(), f["properties"]["status"].as_str().unwrap().to_string())).collect();
    assert_eq!(got.len(), features.len(), "no feature twice");
    assert_eq!(got, want, "every commune once, with the map's status");

    // bbox: exactly the communes whose geometry meets the box (computed here from the geometries).
    // A box over a corner of the collection's extent.
    let col = cols["collections"].as_array().unwrap().iter().find(|c| c["id"] == "communes-status-2025").unwrap();
    let e: Vec<f64> = col["extent"]["spatial"]["bbox"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let b = [e[0], e[1], e[0] + (e[2] - e[0]) * 0.3, e[1] + (e[3] - e[1]) * 0.3];
    let rect = geo::Rect::new(geo::coord! { x: b[0], y: b[1] }, geo::coord! { x: b[2], y: b[3] });
    let expected: BTreeSet<String> = features
        .iter()
        .filter(|f| commune_atlas::geo::from_geojson(&f["geometry"].to_string()).unwrap().intersects(&rect))
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let (boxed, _) = all_pages(&format!("{base}/ogc/collections/communes-status-2025/items?bbox={},{},{},{}&limit=10", b[0], b[1], b[2], b[3]), admin);
    let boxed: BTreeSet<String> = boxed.iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
    assert!(!expected.is_empty() && expected.len() < features.len(), "the box holds some communes, not all ({})", expected.len());
    assert_eq!(boxed, expected);
    let (st, _, err) = get(&format!("{base}/ogc/collections/communes-status-2025/items?bbox=1,2,3"), admin);
    assert_eq!(st, 400, "{err}");

    // Filters by province and status.
    let status = features.iter().find(|f| f["properties"]["province_code"] == "98").map(|f| f["properties"]["status"].as_str().unwrap().to_string()).unwrap();
    let direct = features.iter().filter(|f| f["properties"]["province_code"] == "98" && f["properties"]["status"] == status.as_str()).count();
    let (filtered, _) = all_pages(&format!("{base}/ogc/collections/communes-status-2025/items?province_code=98&status={status}"), admin);
    assert_eq!(filtered.len(), direct);
    assert!(filtered.iter().all(|f| f["properties"]["province_code"] == "98" && f["properties"]["status"] == status.as_str()));

    // One item by code.
    let one = &features[5];
    let code = one["id"].as_str().unwrap();
    let (st, _, item) = get(&format!("{base}/ogc/collections/communes-status-2025/items/{code}"), admin);
    assert_eq!(st, 200);
    assert_eq!((&item["properties"], &item["geometry"]), (&one["properties"], &one["geometry"]));

    // A scoped token: only its province's communes (97 merged into 98 in 2025).
    let (scoped, _) = all_pages(&format!("{base}/ogc/collections/communes-status-2025/items?limit=500"), Some(&viewer));
    assert!(!scoped.is_empty() && scoped.iter().all(|f| f["properties"]["province_code"] == "98"), "only province 98");
    assert_eq!(scoped.len(), features.iter().filter(|f| f["properties"]["province_code"] == "98").count());
    let out = features.iter().find(|f| f["properties"]["province_code"] == "99").unwrap()["id"].as_str().unwrap().to_string();
    let (st, _, _) = get(&format!("{base}/ogc/collections/communes-status-2025/items/{out}"), Some(&viewer));
    assert_eq!(st, 404, "another province's commune is not there for a scoped user");
    let (st, _, _) = get(&format!("{base}/ogc"), None);
    assert_eq!(st, 401, "a GIS client signs in with its bearer token");
}

/// Make sure GDAL's command-line tools exist, installing Debian's `gdal-bin` if needed.
fn ensure_gdal() {
    if std::path::Path::new("/usr/bin/ogr2ogr").exists() {
        return;
    }
    eprintln!("installing gdal-bin (Debian) for the OGC API test …");
    let apt = |args: &[&str]| {
        let st = std::process::Command::new("apt-get").args(["-o", "DPkg::Lock::Timeout=600"]).args(args).env("DEBIAN_FRONTEND", "noninteractive").status();
        assert!(st.is_ok_and(|s| s.success()), "apt-get {args:?} failed: this test needs gdal-bin");
    };
    apt(&["update", "-q"]);
    apt(&["install", "-y", "-q", "gdal-bin"]);
}

/// Run a GDAL tool with the bearer token in every request's header.
fn gdal(tool: &str, args: &[&str], token: &str) -> String {
    let out = std::process::Command::new(tool).args(args).env("GDAL_HTTP_HEADERS", format!("Authorization: Bearer {token}")).output().expect("run a GDAL tool");
    assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn gdal_reads_the_collections_through_its_oapif_driver_and_a_scoped_token_downloads_only_its_province() {
    ensure_gdal();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let viewer = common::add_user(&db, "viewer-98", "viewer", "98");
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let p98 = common::current_communes(&db, "98");
    let server = common::serve_with(&db, &["--require-login"]);
    let source = format!("OAPIF:{}/ogc", server.base);

    let layers = gdal("ogrinfo", &["-ro", "-q", &source], &admin);
    assert!(layers.contains("communes-status-2025") && layers.contains("communes-status-2019"), "{layers}");
    let (_, _, ch) = get(&format!("{}/api/choropleth?year=2025&metric=status", server.base), Some(&admin));
    let want: BTreeMap<String, String> = ch["units"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();

    // ogr2ogr to a GeoPackage: the right features with the right values.
    let read_back = |token: &str, name: &str| -> BTreeMap<String, String> {
        let gpkg = dir.path().join(name);
        gdal("ogr2ogr", &["-f", "GPKG", gpkg.to_str().unwrap(), &source, "communes-status-2025"], token);
        let rows = gdal("ogrinfo", &["-ro", "-q", gpkg.to_str().unwrap(), "-sql", "SELECT unit_id, status FROM \"communes-status-2025\""], token);
        let mut out = BTreeMap::new();
        let mut unit = None;
        for line in rows.lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("unit_id (Integer64) = ").or_else(|| line.strip_prefix("unit_id (Integer) = ")) {
                unit = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("status (String) = ") {
                out.insert(unit.take().expect("unit_id before status"), v.to_string());
            }
        }
        out
    };
    assert_eq!(read_back(&admin, "all.gpkg"), want, "every commune, with the map's status");
    let scoped = read_back(&viewer, "scoped.gpkg");
    assert!(!scoped.is_empty());
    assert_eq!(scoped.keys().map(|k| k.parse::<i64>().unwrap()).collect::<BTreeSet<_>>(), p98.into_iter().collect(), "only province 98's communes");
}
