//! Shared arcs on real boundaries (`../shared/realdata`, never copied into the repository).
//! Real files overlap by a fraction of a percent because each polygon was simplified on its own.
//! This test imports them with the default flags — the snap tolerance chosen from the data —
//! and measures overlap and gap area before snapping (the source), after snapping (full
//! resolution) and at the bands of z5–z8: the tiles never overlap more than the source did, and
//! their interior gaps shrink.

mod common;

use chrono::NaiveDate;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input};
use commune_atlas::store::Store;
use commune_atlas::tiles::mercator::to_lonlat;
use commune_atlas::tiles::{Kind, TileService};
use geo::{Area, MapCoords, MultiPolygon};

/// (overlap, gap) in km² of a set of lon/lat polygons: Σ areas − area(union), and the holes of
/// the union (places no unit covers, inside the outline).
fn overlap_and_gap(units: &[MultiPolygon<f64>], lat: f64) -> (f64, f64) {
    let km2 = 111.32 * 111.32 * lat.to_radians().cos();
    let sum: f64 = units.iter().map(|u| u.unsigned_area()).sum();
    let union = geo::unary_union(units.iter());
    let holes: f64 = union.0.iter().flat_map(|p| p.interiors()).map(|h| geo::Polygon::new(h.clone(), vec![]).unsigned_area()).sum();
    ((sum - union.unsigned_area()).max(0.0) * km2, holes * km2)
}

fn check(file: &str, repair: bool) {
    let Some(path) = common::realdata(file) else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("r.duckdb")).unwrap();
    let b = BoundaryOptions {
        version: "real".into(),
        valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: None,
        source: None,
        repair,
        snap_tolerance: None,
        props: Default::default(),
    };
    import::import_boundaries(&store, &Input::from_path(&path).unwrap(), &b, &ImportOptions::default()).unwrap();
    let conn = store.connect().unwrap();
    let mut stmt = conn.prepare("SELECT geometry FROM admin_unit WHERE level = 'commune' ORDER BY unit_id").unwrap();
    let source: Vec<MultiPolygon<f64>> =
        stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|g| commune_atlas::geo::from_geojson(&g.unwrap()).unwrap()).collect();
    let lat = commune_atlas::geo::bbox(&MultiPolygon(source.iter().flat_map(|m| m.0.clone()).collect())).map_or(20.0, |b| (b.min_lat + b.max_lat) / 2.0);
    let before = overlap_and_gap(&source, lat);
    let total: f64 = source.iter().map(|u| u.unsigned_area()).sum::<f64>() * 111.32 * 111.32 * lat.to_radians().cos();

    let chosen: f64 = conn.query_row("SELECT snap_tolerance FROM boundary_version", [], |r| r.get(0)).unwrap();
    assert!(chosen > 0.0 && chosen < 2e-3, "{file}: a tolerance is chosen from the data ({chosen})");
    // SNAP_TOLS=a,b,… measures other tolerances instead (no assertions then).
    let tols: Vec<Option<f64>> = std::env::var("SNAP_TOLS").map(|s| s.split(',').map(|x| Some(x.parse().unwrap())).collect()).unwrap_or(vec![None]);
    for tol in tols {
        let t = TileService::load(&store, tol).unwrap();
        let layer = t.layer("communes.real").unwrap();
        let Kind::Polygons(p) = &layer.kind else { unreachable!() };
        let to_ll = |m: MultiPolygon<f64>| m.map_coords(|c| {
            let q = to_lonlat([c.x, c.y]);
            geo::Coord { x: q[0], y: q[1] }
        });
        let full: Vec<MultiPolygon<f64>> = (0..p.units.len()).map(|u| to_ll(p.unit_geometry(u, None))).collect();
        let after = overlap_and_gap(&full, lat);
        eprintln!(
            "{file} (total {total:.1} km²), snap {:e}°: moved {} vertices, inserted {}, units changed {}; \
             overlap {:.4} → {:.4} km², gap {:.4} → {:.4} km² (source → snapped, full resolution)",
            layer.snap_tolerance, layer.snapped.0, layer.snapped.1, layer.snapped.2, before.0, after.0, before.1, after.1
        );
        for z in 5..=8u8 {
            // The bands of z5 to z8.
            let band = commune_atlas::tiles::simplify::band_of(z);
            let simplified: Vec<MultiPolygon<f64>> = (0..p.units.len()).map(|u| to_ll(p.unit_geometry(u, Some(band)))).collect();
            let s = overlap_and_gap(&simplified, lat);
            eprintln!("    z{z}: overlap {:.4} km², gap {:.4} km²", s.0, s.1);
            if std::env::var("SNAP_TOLS").is_ok() { continue; }
            assert!(s.0 <= before.0 * 1.001 + 1e-6, "{file} z{z}: overlap {} exceeds the source's {}", s.0, before.0);
            assert!(s.1 <= before.1 * 1.001 + 0.01 * total, "{file} z{z}: gap {} exceeds the source's {}", s.1, before.1);
        }
        if std::env::var("SNAP_TOLS").is_ok() {
            continue;
        }
        assert!(after.0 <= before.0 * 1.001 + 1e-6, "snapping must not add overlap");
        assert!(after.1 < before.1, "{file}: the interior gaps shrink ({} → {} km²)", before.1, after.1);

        // Every tile to z11 decodes with an independent decoder, and every unit shows at its
        // label point at every zoom from 5 to 14.
        let (a, c) = (commune_atlas::tiles::mercator::to_world(layer.bounds[0], layer.bounds[3]), commune_atlas::tiles::mercator::to_world(layer.bounds[2], layer.bounds[1]));
        let mut decoded = 0;
        for z in 0..=11u8 {
            let (x0, y0, x1, y1) = commune_atlas::tiles::mercator::tile_range(z, [a[0], a[1], c[0], c[1]]);
            for x in x0..=x1 {
                for y in y0..=y1 {
                    if let Some(tile) = t.tile(&layer.id, u32::from(z), x, y).unwrap() {
                        let r = mvt_reader::Reader::new(tile.raw.to_vec()).expect("decodes");
                        assert!(!r.get_features(0).expect("features").is_empty());
                        decoded += 1;
                    }
                }
            }
        }
        assert!(decoded > 50);
        for z in 5..=14u8 {
            let n = f64::from(1u32 << z);
            for u in &p.units {
                let (x, y) = ((u.label[0] * n) as u32, (u.label[1] * n) as u32);
                let tile = t.tile(&layer.id, u32::from(z), x, y).unwrap().expect("a tile at the label point");
                let r = mvt_reader::Reader::new(tile.raw.to_vec()).unwrap();
                assert!(r.get_features(0).unwrap().iter().any(|f| f.id == Some(u.id as u64)), "{file}: unit {} vanished at z{z}", u.code);
            }
        }
    }
}

#[test]
fn quang_ninh_2025_tiles_have_no_more_overlap_or_gap_than_the_source() {
    check("vn2025_commune_p22_quang_ninh.geojson", true);
}

#[test]
fn dong_thap_2025_tiles_have_no_more_overlap_or_gap_than_the_source() {
    check("vn2025_commune_p82_dong_thap.geojson", false);
}
