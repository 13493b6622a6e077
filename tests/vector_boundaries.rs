//! Boundaries as survey offices deliver them: a Shapefile in VN-2000 / TM-3 (the province's
//! central meridian from the table) and a GeoPackage in VN-2000 / UTM 48N, both written here from
//! a real commune file of `../shared/realdata` (never copied into the repository), import and land
//! within 0.01 m of the GeoJSON original, vertex by vertex. A Shapefile without a .prj is refused
//! with the flag to add; one whose X is the northing (the Vietnamese convention) is detected and
//! said, and imports with --swap-xy.

mod common;

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use commune_atlas::geo::crs::Crs;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input, VectorOptions};
use commune_atlas::store::Store;
use serde_json::Value;

type Ring = Vec<[f64; 2]>;

/// The features of a GeoJSON file: string properties and polygons.
fn features(path: &Path) -> Vec<(Vec<(String, String)>, Vec<Vec<Ring>>)> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let ring = |r: &Value| r.as_array().unwrap().iter().map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]).collect::<Ring>();
    let poly = |p: &Value| p.as_array().unwrap().iter().map(ring).collect::<Vec<Ring>>();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let props = ["code", "name", "type", "province_code", "province_name"].iter().map(|k| (k.to_string(), f["properties"][k].as_str().unwrap_or("").to_string())).collect();
            let g = &f["geometry"];
            let polys = match g["type"].as_str() {
                Some("Polygon") => vec![poly(&g["coordinates"])],
                _ => g["coordinates"].as_array().unwrap().iter().map(poly).collect(),
            };
            (props, polys)
        })
        .collect()
}

fn signed_area(r: &Ring) -> f64 {
    r.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum::<f64>() / 2.0
}

/// Write a Shapefile (.shp, .shx, .dbf, optional .prj, .cpg) of `feats` projected by `crs`.
fn write_shapefile(dir: &Path, stem: &str, feats: &[(Vec<(String, String)>, Vec<Vec<Ring>>)], crs: &Crs, prj: Option<&str>, swap: bool) -> std::path::PathBuf {
    let project = |p: &[f64; 2]| {
        let (x, y) = crs.from_wgs84(p[0], p[1]);
        if swap { [y, x] } else { [x, y] }
    };
    let mut records: Vec<Vec<u8>> = Vec::new();
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (_, polys) in feats {
        let mut rings: Vec<Ring> = Vec::new();
        for poly in polys {
            for (i, r) in poly.iter().enumerate() {
                let mut pr: Ring = r.iter().map(project).collect();
                // Shapefile: outer rings clockwise, holes counter-clockwise (in the file's axes).
                let clockwise = signed_area(&pr) < 0.0;
                if (i == 0) != clockwise {
                    pr.reverse();
                }
                rings.push(pr);
            }
        }
        let pts: Vec<&[f64; 2]> = rings.iter().flatten().collect();
        let bx = pts.iter().fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, p| [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]);
        (minx, miny, maxx, maxy) = (minx.min(bx[0]), miny.min(bx[1]), maxx.max(bx[2]), maxy.max(bx[3]));
        let mut c = Vec::new();
        c.extend(5i32.to_le_bytes());
        for v in bx {
            c.extend(v.to_le_bytes());
        }
        c.extend((rings.len() as i32).to_le_bytes());
        c.extend((pts.len() as i32).to_le_bytes());
        let mut start = 0i32;
        for r in &rings {
            c.extend(start.to_le_bytes());
            start += r.len() as i32;
        }
        for p in pts {
            c.extend(p[0].to_le_bytes());
            c.extend(p[1].to_le_bytes());
        }
        records.push(c);
    }
    let header = |len_words: i32| {
        let mut h = Vec::with_capacity(100);
        h.extend(9994i32.to_be_bytes());
        h.extend([0u8; 20]);
        h.extend(len_words.to_be_bytes());
        h.extend(1000i32.to_le_bytes());
        h.extend(5i32.to_le_bytes());
        for v in [minx, miny, maxx, maxy, 0.0, 0.0, 0.0, 0.0] {
            h.extend(v.to_le_bytes());
        }
        h
    };
    let shp_len: usize = 100 + records.iter().map(|r| 8 + r.len()).sum::<usize>();
    let mut shp = header((shp_len / 2) as i32);
    let mut shx = header(((100 + 8 * records.len()) / 2) as i32);
    for (i, r) in records.iter().enumerate() {
        shx.extend(((shp.len() / 2) as i32).to_be_bytes());
        shx.extend(((r.len() / 2) as i32).to_be_bytes());
        shp.extend((i as i32 + 1).to_be_bytes());
        shp.extend(((r.len() / 2) as i32).to_be_bytes());
        shp.extend(r);
    }
    // DBF: one character field per property, UTF-8 (said by the .cpg).
    let names: Vec<&str> = feats[0].0.iter().map(|(k, _)| k.as_str()).collect();
    let widths: Vec<usize> = (0..names.len()).map(|i| feats.iter().map(|f| f.0[i].1.len()).max().unwrap_or(1).clamp(1, 254)).collect();
    let record_len = 1 + widths.iter().sum::<usize>();
    let header_len = 32 + 32 * names.len() + 1;
    let mut dbf = vec![3u8, 126, 12, 1];
    dbf.extend((feats.len() as u32).to_le_bytes());
    dbf.extend((header_len as u16).to_le_bytes());
    dbf.extend((record_len as u16).to_le_bytes());
    dbf.extend([0u8; 20]);
    for (n, w) in names.iter().zip(&widths) {
        let mut d = [0u8; 32];
        d[..n.len()].copy_from_slice(n.as_bytes());
        d[11] = b'C';
        d[16] = *w as u8;
        dbf.extend(d);
    }
    dbf.push(0x0D);
    for (props, _) in feats {
        dbf.push(b' ');
        for ((_, v), w) in props.iter().zip(&widths) {
            let mut cell = v.as_bytes().to_vec();
            cell.resize(*w, b' ');
            dbf.extend(cell);
        }
    }
    dbf.push(0x1A);
    std::fs::write(dir.join(format!("{stem}.shp")), shp).unwrap();
    std::fs::write(dir.join(format!("{stem}.shx")), shx).unwrap();
    std::fs::write(dir.join(format!("{stem}.dbf")), dbf).unwrap();
    std::fs::write(dir.join(format!("{stem}.cpg")), "UTF-8").unwrap();
    if let Some(p) = prj {
        std::fs::write(dir.join(format!("{stem}.prj")), p).unwrap();
    }
    dir.join(format!("{stem}.shp"))
}

/// Write a GeoPackage of `feats` in `crs` (EPSG `code`), its geometries as GeoPackage binary
/// (big-endian WKB, to exercise the byte-order flag).
fn write_gpkg(path: &Path, feats: &[(Vec<(String, String)>, Vec<Vec<Ring>>)], crs: &Crs, code: i64) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "PRAGMA application_id = 1196444487;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
         CREATE TABLE communes (fid INTEGER PRIMARY KEY, geom BLOB, code TEXT, name TEXT, type TEXT, province_code TEXT, province_name TEXT);",
    )
    .unwrap();
    db.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('VN-2000 / UTM zone 48N', ?1, 'EPSG', ?1, 'undefined', NULL)", [code]).unwrap();
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('communes', 'features', 'communes', ?1)", [code]).unwrap();
    db.execute("INSERT INTO gpkg_geometry_columns VALUES ('communes', 'geom', 'MULTIPOLYGON', ?1, 0, 0)", [code]).unwrap();
    for (props, polys) in feats {
        let mut b = b"GP".to_vec();
        b.push(0);
        b.push(0); // flags: big-endian header, no envelope
        b.extend((code as i32).to_be_bytes());
        b.push(0); // WKB big-endian
        b.extend(6u32.to_be_bytes());
        b.extend((polys.len() as u32).to_be_bytes());
        for poly in polys {
            b.push(0);
            b.extend(3u32.to_be_bytes());
            b.extend((poly.len() as u32).to_be_bytes());
            for r in poly {
                b.extend((r.len() as u32).to_be_bytes());
                for p in r {
                    let (x, y) = crs.from_wgs84(p[0], p[1]);
                    b.extend(x.to_be_bytes());
                    b.extend(y.to_be_bytes());
                }
            }
        }
        let v: Vec<&str> = props.iter().map(|(_, v)| v.as_str()).collect();
        db.execute("INSERT INTO communes (geom, code, name, type, province_code, province_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", rusqlite::params![b, v[0], v[1], v[2], v[3], v[4]]).unwrap();
    }
}

fn opts() -> BoundaryOptions {
    BoundaryOptions {
        version: "vn2025".into(),
        valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: None,
        source: Some("vector test".into()),
        repair: false,
        snap_tolerance: None,
        props: Default::default(),
    }
}

/// Every stored commune's rings, by code.
fn stored(store: &Store) -> Vec<(String, Vec<Vec<Ring>>)> {
    let conn = store.connect().unwrap();
    let mut st = conn.prepare("SELECT code, geometry FROM admin_unit WHERE level = 'commune' ORDER BY code").unwrap();
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap();
    rows.map(|r| {
        let (code, g) = r.unwrap();
        let v: Value = serde_json::from_str(&g).unwrap();
        let ring = |r: &Value| r.as_array().unwrap().iter().map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]).collect::<Ring>();
        let poly = |p: &Value| p.as_array().unwrap().iter().map(ring).collect::<Vec<Ring>>();
        let polys = if v["type"] == "Polygon" { vec![poly(&v["coordinates"])] } else { v["coordinates"].as_array().unwrap().iter().map(poly).collect() };
        (code, polys)
    })
    .collect()
}

/// The largest distance (m) between corresponding vertices of two stores' communes.
fn max_vertex_distance(a: &[(String, Vec<Vec<Ring>>)], b: &[(String, Vec<Vec<Ring>>)]) -> f64 {
    assert_eq!(a.len(), b.len(), "same communes");
    let mut worst = 0.0_f64;
    for ((ca, pa), (cb, pb)) in a.iter().zip(b) {
        assert_eq!(ca, cb);
        assert_eq!(pa.len(), pb.len(), "{ca}: same parts");
        for (ra, rb) in pa.iter().flatten().zip(pb.iter().flatten()) {
            assert_eq!(ra.len(), rb.len(), "{ca}: same vertex count");
            for (p, q) in ra.iter().zip(rb) {
                let d = ((p[0] - q[0]) * 111_320.0 * p[1].to_radians().cos()).hypot((p[1] - q[1]) * 110_574.0);
                worst = worst.max(d);
            }
        }
    }
    worst
}

#[test]
fn a_shapefile_in_tm3_and_a_geopackage_in_utm48_land_within_a_centimetre_of_the_geojson() {
    let Some(path) = common::realdata("vn2025_commune_p82_dong_thap.geojson") else { return };
    let dir = tempfile::tempdir().unwrap();
    let feats = features(&path);

    let original = Store::open(dir.path().join("a.duckdb")).unwrap();
    import::import_boundaries(&original, &Input::from_path(&path).unwrap(), &opts(), &ImportOptions::default()).expect("the GeoJSON imports");
    let want = stored(&original);
    assert_eq!(want.len(), feats.len());

    // Đồng Tháp's TM-3 meridian from the table, in the .prj as ESRI writes it.
    let tm3 = Crs::parse("vn2000-tm3:Đồng Tháp").unwrap();
    let prj = r#"PROJCS["VN_2000_TM_3_105",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    let shp = write_shapefile(dir.path(), "xa_82", &feats, &tm3, Some(prj), false);
    let from_shp = Store::open(dir.path().join("b.duckdb")).unwrap();
    let r = import::import_boundary_file(&from_shp, &Input::from_path(&shp).unwrap(), &opts(), &VectorOptions::default(), &ImportOptions::default()).expect("the Shapefile imports");
    assert!(r.notes[0].contains("TM-3 central meridian 105° (k0 0.9999)") && r.notes[0].contains("from the file"), "{:?}", r.notes);
    let d_shp = max_vertex_distance(&want, &stored(&from_shp));
    eprintln!("Shapefile VN-2000 TM-3 105°: {} communes, worst vertex {d_shp:.2e} m", want.len());
    assert!(d_shp < 0.01, "{d_shp} m");

    // The same Shapefile zipped, as it is usually sent.
    let zip_path = dir.path().join("xa_82.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        zip.start_file(format!("xa_82.{ext}"), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&std::fs::read(dir.path().join(format!("xa_82.{ext}"))).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let from_zip = Store::open(dir.path().join("z.duckdb")).unwrap();
    let bytes = std::fs::read(&zip_path).unwrap();
    import::import_boundary_file(&from_zip, &Input::from_bytes("xa_82.zip", &bytes), &opts(), &VectorOptions::default(), &ImportOptions::default()).expect("the zip imports");
    assert!(max_vertex_distance(&want, &stored(&from_zip)) < 0.01);

    // A GeoPackage in VN-2000 / UTM zone 48N (EPSG:3405), uploaded as bytes.
    let utm = Crs::from_epsg(3405).unwrap();
    let gpkg = dir.path().join("xa_82.gpkg");
    write_gpkg(&gpkg, &feats, &utm, 3405);
    let from_gpkg = Store::open(dir.path().join("c.duckdb")).unwrap();
    let bytes = std::fs::read(&gpkg).unwrap();
    let r = import::import_boundary_file(&from_gpkg, &Input::from_bytes("xa_82.gpkg", &bytes), &opts(), &VectorOptions::default(), &ImportOptions::default()).expect("the GeoPackage imports");
    assert!(r.notes[0].contains("UTM zone 48N") && r.notes[0].contains("EPSG:3405"), "{:?}", r.notes);
    let d_gpkg = max_vertex_distance(&want, &stored(&from_gpkg));
    eprintln!("GeoPackage VN-2000 UTM 48N: worst vertex {d_gpkg:.2e} m");
    assert!(d_gpkg < 0.01, "{d_gpkg} m");
}

#[test]
fn a_shapefile_without_a_crs_is_refused_with_the_flag_and_swapped_xy_is_said() {
    let Some(path) = common::realdata("vn2025_commune_p82_dong_thap.geojson") else { return };
    let dir = tempfile::tempdir().unwrap();
    let feats: Vec<_> = features(&path).into_iter().take(5).collect();
    let tm3 = Crs::vn2000_tm3(105.0);
    let store = Store::open(dir.path().join("s.duckdb")).unwrap();

    let bare = write_shapefile(dir.path(), "no_prj", &feats, &tm3, None, false);
    let err = import::import_boundary_file(&store, &Input::from_path(&bare).unwrap(), &opts(), &VectorOptions::default(), &ImportOptions::default()).expect_err("refused");
    assert!(err.to_string().contains("--crs") && err.to_string().contains("does not say its coordinate system"), "{err}");
    let v = VectorOptions { crs: Some(Crs::parse("vn2000-tm3:105").unwrap()), swap_xy: false };
    let r = import::import_boundary_file(&store, &Input::from_path(&bare).unwrap(), &opts(), &v, &ImportOptions::default()).expect("imports with --crs");
    assert_eq!(r.rows, 5);

    let swapped = write_shapefile(dir.path(), "swapped", &feats, &tm3, None, true);
    let other = Store::open(dir.path().join("t.duckdb")).unwrap();
    let v = VectorOptions { crs: Some(tm3.clone()), swap_xy: false };
    let err = import::import_boundary_file(&other, &Input::from_path(&swapped).unwrap(), &opts(), &v, &ImportOptions::default()).expect_err("refused");
    assert!(err.to_string().contains("looks like a northing") && err.to_string().contains("--swap-xy"), "{err}");
    let v = VectorOptions { crs: Some(tm3), swap_xy: true };
    import::import_boundary_file(&other, &Input::from_path(&swapped).unwrap(), &opts(), &v, &ImportOptions::default()).expect("imports with --swap-xy");
    assert!(max_vertex_distance(&stored(&store), &stored(&other)) < 0.01);
}

#[test]
fn boundaries_uploaded_to_a_running_server_are_served_as_tiles_and_found_by_search_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let geo = common::grid_geojson("96", 3, 3, 106.0, 20.0, 0.05).replace("Tỉnh Thử Nghiệm", "Tỉnh Tải Lên").replace("\"province_code\":\"98\"", "\"province_code\":\"96\"");
    let url = |q: &str| format!("{}/api/import/boundaries?file=grid.geojson&version=uploaded&valid_from=2030-01-01{q}", server.base);

    // A dry run checks everything and serves nothing new.
    let mut r = agent.post(url("&dry_run=true")).send(geo.as_bytes()).unwrap();
    let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(r.status().as_u16(), 200, "{body}");
    assert_eq!(body["import"]["dry_run"], true);
    let catalog: Value = agent.get(format!("{}/tiles", server.base)).call().unwrap().body_mut().read_json().unwrap();
    assert!(!catalog.to_string().contains("communes.uploaded"), "a dry run adds no layer");

    let mut r = agent.post(url("")).send(geo.as_bytes()).unwrap();
    let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(r.status().as_u16(), 200, "{body}");
    assert_eq!(body["import"]["rows"], 9);
    let catalog: Value = agent.get(format!("{}/tiles", server.base)).call().unwrap().body_mut().read_json().unwrap();
    assert!(catalog.to_string().contains("communes.uploaded") && catalog.to_string().contains("provinces.uploaded"), "new layers, derived province included: {catalog}");
    // The tile over the grid (z8 at 106.05°E, 20.05°N) holds its communes.
    let (x, y) = (((106.07 + 180.0) / 360.0 * 256.0) as u32, {
        let lat = 20.07_f64.to_radians();
        ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * 256.0) as u32
    });
    let mut t = agent.get(format!("{}/tiles/communes.uploaded/8/{x}/{y}", server.base)).call().unwrap();
    assert_eq!(t.status().as_u16(), 200);
    let bytes = t.body_mut().read_to_vec().unwrap();
    let tile = mvt_reader::Reader::new(bytes).unwrap();
    let features = tile.get_features(0).unwrap();
    assert!(features.len() >= 4, "communes in the tile: {}", features.len());
    let found: Value = agent.get(format!("{}/api/search?q=Tai%20Len", server.base)).call().unwrap().body_mut().read_json().unwrap();
    assert!(found["results"].as_array().unwrap().iter().any(|r| r["level"] == "province"), "search finds the new province: {found}");
}
