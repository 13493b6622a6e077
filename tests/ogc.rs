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

fn vertices(geometry: &Value) -> usize {
    match geometry {
        Value::Array(a) if a.first().is_some_and(Value::is_number) => 1,
        Value::Array(a) => a.iter().map(vertices).sum(),
        Value::Object(o) => o.get("coordinates").map_or(0, vertices),
        _ => 0,
    }
}

/// Every boundary edge (pair of consecutive vertices, unordered) of a set of features.
fn edges(features: &[Value]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for f in features {
        for poly in f["geometry"]["coordinates"].as_array().unwrap() {
            for ring in poly.as_array().unwrap() {
                let pts: Vec<String> = ring.as_array().unwrap().iter().map(|p| p.to_string()).collect();
                for w in pts.windows(2) {
                    let key = if w[0] < w[1] { (w[0].clone(), w[1].clone()) } else { (w[1].clone(), w[0].clone()) };
                    *out.entry(key).or_default() += 1;
                }
            }
        }
    }
    out
}

#[test]
fn the_boundary_layers_and_routes_are_collections_too_and_zoom_simplifies_with_shared_edges_and_a_page_for_people() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let viewer = common::add_user(&db, "viewer-98", "viewer", "98");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = &server.base;
    let admin = Some(admin.as_str());

    let (_, _, cols) = get(&format!("{base}/ogc/collections"), admin);
    let ids: BTreeSet<&str> = cols["collections"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    let (_, _, layers) = get(&format!("{base}/tiles"), admin);
    for l in layers["layers"].as_array().unwrap() {
        assert!(ids.contains(l["id"].as_str().unwrap()), "tile layer {} is a collection: {ids:?}", l["id"]);
    }

    // A boundary collection: every stored unit of the version and level once.
    let (provinces, _) = all_pages(&format!("{base}/ogc/collections/provinces.demo-2025/items?limit=1"), admin);
    let (_, _, direct) = get(&format!("{base}/api/units?level=province&version=demo-2025"), admin);
    let want: BTreeSet<String> = direct["features"].as_array().unwrap().iter().map(|f| f["properties"]["code"].as_str().unwrap().to_string()).collect();
    assert_eq!(provinces.iter().map(|f| f["id"].as_str().unwrap().to_string()).collect::<BTreeSet<_>>(), want);
    let (st, _, err) = get(&format!("{base}/ogc/collections/provinces.demo-2025/items?status=hotspot"), admin);
    assert_eq!(st, 400, "status filters only the status collections: {err}");

    // ?zoom=: far fewer vertices for the whole 2025 communes, every commune still there, and the
    // shared-arc guarantee: an inner edge belongs to exactly two communes, no gap and no overlap.
    let url = |zoom: &str| format!("{base}/ogc/collections/communes.demo-2025/items?limit=10000{zoom}");
    let (full, _) = all_pages(&url(""), admin);
    let (z6, _) = all_pages(&url("&zoom=6"), admin);
    assert_eq!(full.len(), z6.len(), "every commune at zoom 6");
    let (vf, v6) = (full.iter().map(|f| vertices(&f["geometry"])).sum::<usize>(), z6.iter().map(|f| vertices(&f["geometry"])).sum::<usize>());
    assert!(v6 * 2 < vf, "zoom 6 keeps fewer than half the vertices: {v6} of {vf}");
    let e6 = edges(&z6);
    assert!(e6.values().all(|&n| n <= 2), "no edge is used by more than two communes");
    let shared = e6.values().filter(|&&n| n == 2).count();
    assert!(shared * 3 > e6.len(), "most edges are shared by two neighbours at zoom 6 ({shared} of {})", e6.len());
    let (st, _, _) = get(&format!("{base}/ogc/collections/communes.demo-2025/items?zoom=30"), admin);
    assert_eq!(st, 400);

    // Routes: whole for a national user, only the stretches in 98's communes for a scoped one.
    let (routes, _) = all_pages(&format!("{base}/ogc/collections/routes/items"), admin);
    let (scoped, _) = all_pages(&format!("{base}/ogc/collections/routes/items"), Some(&viewer));
    assert!(!routes.is_empty());
    let length = |fs: &[Value]| -> f64 {
        fs.iter()
            .flat_map(|f| f["geometry"]["coordinates"].as_array().unwrap().clone())
            .map(|line| {
                let pts: Vec<(f64, f64)> = line.as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect();
                pts.windows(2).map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt()).sum::<f64>()
            })
            .sum()
    };
    assert!(!scoped.is_empty() && scoped.len() <= routes.len());
    assert!(length(&scoped) < length(&routes) * 0.99, "a scoped user gets only part of the routes: {} of {}", length(&scoped), length(&routes));
    // …and the part lies in their province's communes (within their extent).
    let (_, _, c98) = get(&format!("{base}/ogc/collections/communes-status-2025"), Some(&viewer));
    let e: Vec<f64> = c98["extent"]["spatial"]["bbox"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for f in &scoped {
        for line in f["geometry"]["coordinates"].as_array().unwrap() {
            for p in line.as_array().unwrap() {
                let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
                assert!(x >= e[0] - 1e-6 && x <= e[2] + 1e-6 && y >= e[1] - 1e-6 && y <= e[3] + 1e-6, "route point {x},{y} within 98's extent {e:?}");
            }
        }
    }

    // f=html: the same features as a page a person can read (no script).
    let mut r = agent().get(&format!("{base}/ogc/collections/communes-status-2025/items?limit=7&f=html")).header("Authorization", &format!("Bearer {}", admin.unwrap())).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let page = r.body_mut().read_to_string().unwrap();
    assert_eq!(page.matches("<tr><td><a href=").count(), 7, "one row per feature");
    assert!(page.contains("rel=") || page.contains("next page"), "the next page is linked");
    assert!(!page.contains("<script"), "no script");
}

#[test]
fn gis_clients_get_vector_tiles_through_ogc_api_tiles_and_a_maplibre_style_with_the_legend_colours() {
    ensure_gdal();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let admin_token = common::add_user(&db, "admin1", "admin", "*");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = &server.base;
    let admin = Some(admin_token.as_str());

    let (_, _, conf) = get(&format!("{base}/ogc/conformance"), admin);
    assert!(conf["conformsTo"].to_string().contains("ogcapi-tiles-1/1.0/conf/mvt"));
    let (_, _, tms) = get(&format!("{base}/ogc/tileMatrixSets/WebMercatorQuad"), admin);
    let m = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(m.len(), 15, "zooms 0–14");
    assert!((m[0]["cellSize"].as_f64().unwrap() - 156_543.033_928).abs() < 1e-3 && m[14]["matrixWidth"] == 16384);

    // Collection → tilesets → tileset → URL template → a tile: the very tile /tiles serves.
    let (_, _, sets) = get(&format!("{base}/ogc/collections/communes-status-2025/tiles"), admin);
    let set_url = sets["tilesets"][0]["links"].as_array().unwrap().iter().find(|l| l["rel"] == "self").unwrap()["href"].as_str().unwrap().to_string();
    let (_, _, set) = get(&set_url, admin);
    assert_eq!(set["dataType"], "vector");
    let template = set["links"].as_array().unwrap().iter().find(|l| l["rel"] == "item").unwrap()["href"].as_str().unwrap().to_string();
    let lim = set["tileMatrixSetLimits"].as_array().unwrap().iter().find(|l| l["tileMatrix"] == "7").unwrap().clone();
    let (row, col) = (lim["minTileRow"].as_u64().unwrap() + (lim["maxTileRow"].as_u64().unwrap() - lim["minTileRow"].as_u64().unwrap()) / 2, lim["minTileCol"].as_u64().unwrap() + (lim["maxTileCol"].as_u64().unwrap() - lim["minTileCol"].as_u64().unwrap()) / 2);
    let tile_url = template.replace("{tileMatrix}", "7").replace("{tileRow}", &row.to_string()).replace("{tileCol}", &col.to_string());
    let bytes = |url: &str| {
        let mut r = agent().get(url).header("Authorization", &format!("Bearer {admin_token}")).header("Accept-Encoding", "identity").call().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{url}");
        r.body_mut().read_to_vec().unwrap()
    };
    let ogc_tile = bytes(&tile_url);
    let plain = bytes(&format!("{base}/tiles/communes.demo-2025/7/{col}/{row}.mvt"));
    assert_eq!(ogc_tile, plain, "one renderer, one cache: the OGC tile is the /tiles tile (row = y, col = x)");
    let decoded = mvt_reader::Reader::new(ogc_tile.clone()).unwrap();
    let layer_names: Vec<String> = decoded.get_layer_names().unwrap();
    let communes = layer_names.iter().position(|n| n == "communes").unwrap();
    let in_tile = decoded.get_features(communes).unwrap().len();
    assert!(in_tile > 0);

    // GDAL's MVT driver reads the tile through the template's URL, georeferenced from z/x/y.
    let info = gdal("ogrinfo", &["-ro", "-so", "-oo", &format!("Z=7"), "-oo", &format!("X={col}"), "-oo", &format!("Y={row}"), &format!("MVT:/vsicurl/{tile_url}.mvt"), "communes"], &admin_token);
    assert!(info.contains(&format!("Feature Count: {in_tile}")), "{info}");
    let extent: Vec<f64> = info.lines().find(|l| l.starts_with("Extent:")).unwrap().replace(['(', ')', ',', '-'], " ").split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let half = 20_037_508.342_789_244;
    let size = 2.0 * half / 128.0;
    let (x0, y1) = (-half + col as f64 * size, half - row as f64 * size);
    // Only the eastern hemisphere: the minus signs stripped above are not needed there.
    assert!(extent[0] >= x0 - size * 0.1 && extent[2] <= x0 + size * 1.1, "x extent {extent:?} within the tile [{x0}, {}]", x0 + size);
    assert!(extent[3] <= y1 + size * 0.1 && extent[1] >= y1 - size * 1.1, "y extent {extent:?} within the tile");

    // The style: MapLibre JSON whose fill colours every commune as the choropleth does.
    let (st, ctype, style) = get(&format!("{base}/ogc/styles/status-2025"), admin);
    assert_eq!(st, 200);
    assert!(ctype.starts_with("application/vnd.mapbox.style+json"));
    assert_eq!(style["version"], 8);
    let source = &style["sources"]["communes"]["tiles"][0];
    assert!(source.as_str().unwrap().contains("/ogc/collections/communes-status-2025/tiles/WebMercatorQuad/{z}/{y}/{x}"), "{source}");
    let fill = style["layers"].as_array().unwrap().iter().find(|l| l["type"] == "fill").unwrap()["paint"]["fill-color"].as_array().unwrap().clone();
    assert_eq!(fill[0], "match");
    let mut colour_of: BTreeMap<i64, String> = BTreeMap::new();
    for pair in fill[2..fill.len() - 1].chunks(2) {
        for id in pair[0].as_array().unwrap() {
            colour_of.insert(id.as_i64().unwrap(), pair[1].as_str().unwrap().to_string());
        }
    }
    let (_, _, ch) = get(&format!("{base}/api/choropleth?year=2025&metric=status"), admin);
    let legend: BTreeMap<&str, &str> = ch["legend"].as_array().unwrap().iter().map(|c| (c["key"].as_str().unwrap(), c["color"].as_str().unwrap())).collect();
    let want: BTreeMap<i64, String> = ch["units"].as_object().unwrap().iter().map(|(k, v)| (k.parse().unwrap(), legend[v.as_str().unwrap()].to_string())).collect();
    assert_eq!(colour_of, want, "every commune in its legend colour");
    let (_, _, list) = get(&format!("{base}/ogc/styles"), admin);
    assert!(list["styles"].as_array().unwrap().iter().any(|s| s["id"] == "conversion-2025"));
    let (st, _, _) = get(&format!("{base}/ogc/styles/population-2025"), admin);
    assert_eq!(st, 404);
}
