//! Vector tiles of the demo: every tile decodes with an independent decoder (mvt-reader) and a
//! strict command check, neighbours share identical simplified edges (no slivers, no gaps, no
//! overlaps), and no unit vanishes at any zoom from 5 up.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use commune_atlas::import::ImportOptions;
use commune_atlas::store::Store;
use commune_atlas::tiles::mercator::{tile_range, to_world};
use commune_atlas::tiles::simplify::{BANDS, band_of};
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

// --- a strict reader of the protobuf, independent of the encoder ---------------------------

fn varint(b: &[u8], i: &mut usize) -> u64 {
    let (mut v, mut s) = (0u64, 0);
    loop {
        let x = b[*i];
        *i += 1;
        v |= u64::from(x & 0x7f) << s;
        if x < 0x80 {
            return v;
        }
        s += 7;
    }
}

/// (field, wire type, payload) of each top-level field.
fn fields(b: &[u8]) -> Vec<(u64, u64, Vec<u8>, u64)> {
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let k = varint(b, &mut i);
        let (f, w) = (k >> 3, k & 7);
        match w {
            0 => {
                let v = varint(b, &mut i);
                out.push((f, w, Vec::new(), v));
            }
            1 => {
                out.push((f, w, b[i..i + 8].to_vec(), 0));
                i += 8;
            }
            2 => {
                let n = varint(b, &mut i) as usize;
                out.push((f, w, b[i..i + n].to_vec(), 0));
                i += n;
            }
            _ => panic!("unexpected wire type {w}"),
        }
    }
    out
}

fn packed(b: &[u8]) -> Vec<u32> {
    let mut i = 0;
    let mut v = Vec::new();
    while i < b.len() {
        v.push(varint(b, &mut i) as u32);
    }
    v
}

/// A zigzag-encoded parameter integer.
fn unzig(v: u32) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Check a polygon geometry command stream strictly; returns the rings in tile coordinates.
fn polygon_rings(cmds: &[u32]) -> Vec<Vec<[i64; 2]>> {
    let (mut i, mut cur) = (0, [0i64, 0i64]);
    let mut rings = Vec::new();
    let zz = unzig;
    while i < cmds.len() {
        let (id, n) = (cmds[i] & 7, cmds[i] >> 3);
        assert_eq!((id, n), (1, 1), "a ring starts with MoveTo(1)");
        cur = [cur[0] + zz(cmds[i + 1]), cur[1] + zz(cmds[i + 2])];
        let mut ring = vec![cur];
        i += 3;
        let (id, n) = (cmds[i] & 7, cmds[i] >> 3);
        assert_eq!(id, 2, "then LineTo");
        assert!(n >= 2, "a ring has at least 3 points");
        i += 1;
        for _ in 0..n {
            cur = [cur[0] + zz(cmds[i]), cur[1] + zz(cmds[i + 1])];
            ring.push(cur);
            i += 2;
        }
        assert_eq!(cmds[i], 7 | (1 << 3), "then ClosePath(1)");
        i += 1;
        rings.push(ring);
    }
    rings
}

fn area2(r: &[[i64; 2]]) -> i64 {
    (0..r.len()).map(|k| {
        let (p, q) = (r[k], r[(k + 1) % r.len()]);
        p[0] * q[1] - q[0] * p[1]
    }).sum()
}

/// A tile's polygon features `(id, rings)` and the ids of its label points.
type Decoded = (Vec<(u64, Vec<Vec<[i64; 2]>>)>, Vec<u64>);

/// Decode a tile of `layer_name`, checking every layer strictly: the polygons and, from the label
/// zoom, `<layer_name>_label` with one point each.
fn decode_strict(raw: &[u8], layer_name: &str) -> Decoded {
    let tile = fields(raw);
    assert!(!tile.is_empty() && tile.len() <= 2, "the layer and perhaps its labels");
    let (mut out, mut label_ids) = (Vec::new(), Vec::new());
    for t in &tile {
        assert_eq!(t.0, 3, "Tile.layers is field 3");
        let layer = fields(&t.2);
        let version = layer.iter().find(|f| f.0 == 15).map(|f| f.3);
        assert_eq!(version, Some(2), "layer version 2");
        let name = layer.iter().find(|f| f.0 == 1).map(|f| String::from_utf8(f.2.clone()).unwrap()).expect("a layer name");
        let labels = name != layer_name;
        if labels {
            assert_eq!(name, format!("{layer_name}_label"));
        }
        assert_eq!(layer.iter().find(|f| f.0 == 5).map(|f| f.3), Some(4096), "extent 4096");
        let n_keys = layer.iter().filter(|f| f.0 == 3).count() as u32;
        let n_values = layer.iter().filter(|f| f.0 == 4).count() as u32;
        let mut ids = HashSet::new();
        for f in layer.iter().filter(|f| f.0 == 2) {
            let feat = fields(&f.2);
            let id = feat.iter().find(|x| x.0 == 1).map(|x| x.3).expect("feature id");
            assert!(ids.insert(id), "feature ids are unique in a layer ({id})");
            let tags = feat.iter().find(|x| x.0 == 2).map(|x| packed(&x.2)).unwrap_or_default();
            assert!(tags.len() % 2 == 0 && tags.chunks(2).all(|t| t[0] < n_keys && t[1] < n_values), "tags index the tables");
            let ty = feat.iter().find(|x| x.0 == 3).map(|x| x.3);
            let geom = packed(&feat.iter().find(|x| x.0 == 4).expect("geometry").2);
            if labels {
                assert_eq!(ty, Some(1), "label features are points");
                assert_eq!(geom[0], 1 | (1 << 3), "one MoveTo of one point");
                let (x, y) = (unzig(geom[1]), unzig(geom[2]));
                assert!((0..4096).contains(&x) && (0..4096).contains(&y), "a label point lies inside its tile ({x},{y})");
                label_ids.push(id);
            } else {
                assert_eq!(ty, Some(3), "polygons");
                let rings = polygon_rings(&geom);
                assert!(area2(&rings[0]) > 0, "the first ring of a polygon feature is an exterior (positive area)");
                for r in &rings {
                    assert_ne!(area2(r), 0, "no zero-area rings");
                }
                out.push((id, rings));
            }
        }
    }
    (out, label_ids)
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
                    let reader = mvt_reader::Reader::new(tile.raw.clone()).expect("mvt-reader parses the tile");
                    let names = reader.get_layer_names().unwrap();
                    assert_eq!(names[0], l.name);
                    let features = reader.get_features(0).expect("mvt-reader decodes the features");
                    assert!(!features.is_empty());
                    if matches!(l.kind, Kind::Polygons(_)) {
                        let (strict, labels) = decode_strict(&tile.raw, &l.name);
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
        let Kind::Polygons(p) = &l.kind else { continue };
        let b = l.bounds;
        let (a, c) = (to_world(b[0], b[3]), to_world(b[2], b[1]));
        for z in 5..=8u8 {
            let band = band_of(z);
            // Outline points of this band (arcs used by one ring), per tile after quantising.
            let mut uses: HashMap<u32, usize> = HashMap::new();
            for u in &p.topo.units {
                for r in u {
                    for x in &r.arcs {
                        *uses.entry(x.0).or_default() += 1;
                    }
                }
            }
            let outline_pts: Vec<[f64; 2]> = uses
                .iter()
                .filter(|(_, n)| **n == 1)
                .flat_map(|(a, _)| p.bands.arcs[band][*a as usize].iter().map(|&i| p.topo.points[i as usize]))
                .collect();
            let (x0, y0, x1, y1) = tile_range(z, [a[0], a[1], c[0], c[1]]);
            for x in x0..=x1 {
                for y in y0..=y1 {
                    let Some(tile) = t.tile(&l.id, u32::from(z), x, y).unwrap() else { continue };
                    let (feats, _) = decode_strict(&tile.raw, "communes");
                    let n = f64::from(1u32 << z);
                    let q = |w: [f64; 2]| [((w[0] * n - f64::from(x)) * 4096.0).round() as i64, ((w[1] * n - f64::from(y)) * 4096.0).round() as i64];
                    let outline: HashSet<[i64; 2]> = outline_pts.iter().map(|w| q(*w)).collect();
                    let mut edges: HashMap<([i64; 2], [i64; 2]), u64> = HashMap::new();
                    for (id, rings) in &feats {
                        for r in rings {
                            for k in 0..r.len() {
                                let e = (r[k], r[(k + 1) % r.len()]);
                                if let Some(other) = edges.insert(e, *id) {
                                    panic!("{} z{z} {x}/{y}: features {other} and {id} both use edge {e:?} in one direction (overlap)", l.id);
                                }
                            }
                        }
                    }
                    let inside = |p: [i64; 2]| (1..4095).contains(&p[0]) && (1..4095).contains(&p[1]);
                    for (&(p0, p1), id) in &edges {
                        if !inside(p0) || !inside(p1) || edges.contains_key(&(p1, p0)) {
                            continue;
                        }
                        assert!(
                            outline.contains(&p0) && outline.contains(&p1),
                            "{} z{z} {x}/{y}: feature {id} has an unmatched interior edge {p0:?}→{p1:?} (a gap)",
                            l.id
                        );
                    }
                }
            }
        }
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
                let present: HashSet<u64> = decode_strict(&tile.raw, &l.name).0.into_iter().map(|f| f.0).collect();
                for id in ids {
                    assert!(present.contains(&(id as u64)), "{} z{z}: unit {id} vanished", l.id);
                }
            }
        }
    }
    assert_eq!(BANDS.len(), 6);
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
