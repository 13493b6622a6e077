//! Vector tiles of the demo: every tile decodes with an independent decoder (mvt-reader) and a
//! strict command check, neighbours share identical simplified edges (no slivers, no gaps, no
//! overlaps), and no unit vanishes at any zoom from 5 up.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use commune_atlas::import::ImportOptions;
use commune_atlas::store::Store;
use commune_atlas::tiles::mercator::{tile_range, to_world};
use commune_atlas::tiles::simplify::BANDS;
use commune_atlas::tiles::layer::label_min_zoom;
use commune_atlas::tiles::{Kind, LayerEntry, TileService};

/// The demo store and its tile service, built once for all tests of this file.
fn service() -> &'static (tempfile::TempDir, TileService) {
    static S: OnceLock<(tempfile::TempDir, TileService)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("demo.duckdb")).unwrap();
        commune_atlas::demo::load(&store, &ImportOptions::default()).expect("demo loads");
        let t = TileService::load(&store, None).expect("tiles build");
        (dir, t)
    })
}

fn polygon_layers(t: &TileService) -> Vec<std::sync::Arc<LayerEntry>> {
    t.layers().into_iter().filter(|l| matches!(l.kind, Kind::Polygons(_))).collect()
}

#[test]
fn every_demo_tile_to_z12_decodes_and_passes_the_mvt_checks() {
    let (_d, t) = service();
    let mut tiles = 0;
    let mut labelled: HashMap<(String, u8), Vec<u64>> = HashMap::new();
    for l in t.layers() {
        let w = [l.bounds[0], l.bounds[1], l.bounds[2], l.bounds[3]];
        let (a, b) = (to_world(w[0], w[3]), to_world(w[2], w[1]));
        for z in 0..=12u8 {
            let (x0, y0, x1, y1) = tile_range(z, [a[0], a[1], b[0], b[1]]);
            for x in x0..=x1 {
                for y in y0..=y1 {
                    let Some(tile) = t.tile(&l.id, u32::from(z), x, y).unwrap() else { continue };
                    tiles += 1;
                    // Independent decoder.
                    let reader = mvt_reader::Reader::new(tile.raw.to_vec()).expect("mvt-reader parses the tile");
                    let names = reader.get_layer_names().unwrap();
                    assert_eq!(names[0], l.name);
                    let features = reader.get_features(0).expect("mvt-reader decodes the features");
                    assert!(!features.is_empty());
                    if matches!(l.kind, Kind::Polygons(_)) {
                        let (strict, labels) = common::mvt::decode_strict(&tile.raw, &l.name);
                        assert_eq!(strict.len(), features.len());
                        if z >= label_min_zoom(&l.name) {
                            labelled.entry((l.id.clone(), z)).or_default().extend(labels);
                        } else {
                            assert_eq!(names.len(), 1, "{} z{z}: no labels below z{}", l.id, label_min_zoom(&l.name));
                        }
                    } else {
                        assert_eq!(names.len(), 1);
                    }
                    // The gzip form holds the same bytes.
                    let mut d = flate2::read::GzDecoder::new(&tile.gzip[..]);
                    let mut back = Vec::new();
                    std::io::Read::read_to_end(&mut d, &mut back).unwrap();
                    assert_eq!(back, tile.raw);
                }
            }
        }
    }
    assert!(tiles > 1_000, "checked {tiles} tiles");
    // From its label zoom on, every unit is labelled in exactly one tile per zoom.
    for l in polygon_layers(t) {
        let Kind::Polygons(p) = &l.kind else { continue };
        let mut units: Vec<u64> = p.units.iter().map(|u| u.id as u64).collect();
        units.sort_unstable();
        for z in label_min_zoom(&l.name)..=12 {
            let mut got = labelled.remove(&(l.id.clone(), z)).unwrap_or_default();
            got.sort_unstable();
            assert_eq!(got, units, "{} z{z}: each unit labelled once", l.id);
        }
    }
}

#[test]
fn neighbours_share_identical_simplified_edges_at_every_band() {
    let (_d, t) = service();
    for l in polygon_layers(t) {
        let Kind::Polygons(p) = &l.kind else { continue };
        // How many rings use each arc.
        let mut uses: HashMap<u32, usize> = HashMap::new();
        for u in &p.topo.units {
            for r in u {
                for a in &r.arcs {
                    *uses.entry(a.0).or_default() += 1;
                }
            }
        }
        for (b, arcs) in p.bands.arcs.iter().enumerate() {
            let mut dir: HashMap<(u32, u32), usize> = HashMap::new();
            let mut outline: HashSet<(u32, u32)> = HashSet::new();
            for (ui, u) in p.topo.units.iter().enumerate() {
                for r in u {
                    let ids = p.topo.ring_ids(r, arcs);
                    for k in 0..ids.len() {
                        let e = (ids[k], ids[(k + 1) % ids.len()]);
                        assert!(dir.insert(e, ui).is_none(), "{} band {b}: an edge is used twice in one direction (overlap)", l.id);
                    }
                    for a in &r.arcs {
                        if uses[&a.0] == 1 {
                            let pts = &arcs[a.0 as usize];
                            for w in pts.windows(2) {
                                outline.insert((w[0], w[1]));
                                outline.insert((w[1], w[0]));
                            }
                        }
                    }
                }
            }
            for (&(a, b2), &ui) in &dir {
                match dir.get(&(b2, a)) {
                    Some(&uj) => assert_ne!(ui, uj, "{} band {b}: a ring runs back over itself", l.id),
                    None => assert!(outline.contains(&(a, b2)), "{} band {b}: an interior edge has no neighbour (gap)", l.id),
                }
            }
        }
    }
}

#[test]
fn decoded_tiles_of_z5_to_z8_have_no_overlap_and_no_internal_gap() {
    let (_d, t) = service();
    for l in polygon_layers(t).into_iter().filter(|l| l.name == "communes") {
        common::mvt::assert_tiles_tile_the_plane(t, &l, "communes", 5..=8);
    }
}

#[test]
fn no_unit_vanishes_at_any_zoom_from_5_to_14() {
    let (_d, t) = service();
    for l in polygon_layers(t) {
        let Kind::Polygons(p) = &l.kind else { continue };
        for z in 5..=14u8 {
            // The tile holding each unit's label point must contain the unit.
            let mut by_tile: BTreeMap<(u32, u32), Vec<i64>> = BTreeMap::new();
            for u in &p.units {
                let n = f64::from(1u32 << z);
                by_tile.entry(((u.label[0] * n) as u32, (u.label[1] * n) as u32)).or_default().push(u.id);
            }
            for ((x, y), ids) in by_tile {
                let tile = t.tile(&l.id, u32::from(z), x, y).unwrap().unwrap_or_else(|| panic!("{} z{z}: empty tile at a unit's label", l.id));
                let present: HashSet<u64> = common::mvt::decode_strict(&tile.raw, &l.name).0.into_iter().map(|f| f.0).collect();
                for id in ids {
                    assert!(present.contains(&(id as u64)), "{} z{z}: unit {id} vanished", l.id);
                }
            }
        }
    }
    assert_eq!(BANDS.len(), 15, "one band per zoom");
}

#[test]
fn unknown_layers_and_out_of_range_tiles_are_errors() {
    let (_d, t) = service();
    assert!(matches!(t.tile("nope", 1, 0, 0), Err(commune_atlas::tiles::TileError::UnknownLayer(_))));
    assert!(matches!(t.tile("communes", 15, 0, 0), Err(commune_atlas::tiles::TileError::OutOfRange { .. })));
    assert!(matches!(t.tile("communes", 2, 4, 0), Err(commune_atlas::tiles::TileError::OutOfRange { .. })));
    // An empty tile far away is None (the API answers 204).
    assert!(t.tile("communes", 6, 0, 0).unwrap().is_none());
    // Aliases point to the newest version.
    assert_eq!(t.layer("communes").unwrap().id, "communes.demo-2025");
    assert!(t.layer("routes").is_some());
}

#[test]
fn concurrent_misses_of_one_tile_render_it_once() {
    // A service of its own: the other tests of this file render on the shared one meanwhile.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("demo.duckdb")).unwrap();
    commune_atlas::demo::load(&store, &ImportOptions::default()).expect("demo loads");
    let t = &TileService::load(&store, None).expect("tiles build");
    let layer = polygon_layers(t).into_iter().find(|l| l.name == "communes").unwrap();
    // A tile nobody asked for yet (z9, under the layer's centre).
    let c = [(layer.bounds[0] + layer.bounds[2]) / 2.0, (layer.bounds[1] + layer.bounds[3]) / 2.0];
    let w = to_world(c[0], c[1]);
    let (x, y) = ((w[0] * 512.0) as u32, (w[1] * 512.0) as u32);
    let before = t.renders();
    let barrier = std::sync::Barrier::new(8);
    let tiles: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    t.tile_of(&layer, 9, x, y, &commune_atlas::tiles::Everything).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(t.renders() - before, 1, "eight simultaneous misses, one render");
    let first = tiles[0].as_ref().expect("the centre tile has communes");
    assert!(tiles.iter().all(|x| x.as_ref().is_some_and(|x| std::sync::Arc::ptr_eq(x, first))), "all eight got that one tile");
    // And it is cached now: asking again renders nothing.
    t.tile_of(&layer, 9, x, y, &commune_atlas::tiles::Everything).unwrap();
    assert_eq!(t.renders() - before, 1);
}
