//! A strict reader of Mapbox Vector Tiles, independent of the encoder, and the check that decoded
//! polygon tiles tile the plane (no overlap, no gap between neighbours).

use std::collections::{HashMap, HashSet};

use commune_atlas::tiles::mercator::{tile_range, to_world};
use commune_atlas::tiles::simplify::band_of;
use commune_atlas::tiles::{Kind, LayerEntry, TileService};

// --- a strict reader of the protobuf, independent of the encoder ---------------------------

pub fn varint(b: &[u8], i: &mut usize) -> u64 {
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
pub fn fields(b: &[u8]) -> Vec<(u64, u64, Vec<u8>, u64)> {
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

pub fn packed(b: &[u8]) -> Vec<u32> {
    let mut i = 0;
    let mut v = Vec::new();
    while i < b.len() {
        v.push(varint(b, &mut i) as u32);
    }
    v
}

/// A zigzag-encoded parameter integer.
pub fn unzig(v: u32) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Check a polygon geometry command stream strictly; returns the rings in tile coordinates.
pub fn polygon_rings(cmds: &[u32]) -> Vec<Vec<[i64; 2]>> {
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

pub fn area2(r: &[[i64; 2]]) -> i64 {
    (0..r.len()).map(|k| {
        let (p, q) = (r[k], r[(k + 1) % r.len()]);
        p[0] * q[1] - q[0] * p[1]
    }).sum()
}

/// A tile's polygon features `(id, rings)` and the ids of its label points.
pub type Decoded = (Vec<(u64, Vec<Vec<[i64; 2]>>)>, Vec<u64>);

/// Decode a tile of `layer_name`, checking every layer strictly: the polygons and, from the label
/// zoom, `<layer_name>_label` with one point each.
pub fn decode_strict(raw: &[u8], layer_name: &str) -> Decoded {
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
        let extent = layer.iter().find(|f| f.0 == 5).map(|f| f.3).expect("an extent");
        assert!([512, 1024, 2048, 4096].contains(&extent), "an extent of commune_atlas::tiles::mvt::extent: {extent}");
        let extent = extent as i64;
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
                assert!((0..extent).contains(&x) && (0..extent).contains(&y), "a label point lies inside its tile ({x},{y})");
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

/// Decoded tiles of `zooms` of a polygon layer (tile layer name `name`) tile the plane: no edge
/// is used in one direction by two features (an overlap) and every interior edge is matched by
/// its neighbour's reverse edge unless it lies on the layer's outline (else a gap).
pub fn assert_tiles_tile_the_plane(t: &TileService, l: &LayerEntry, name: &str, zooms: std::ops::RangeInclusive<u8>) {
    let Kind::Polygons(p) = &l.kind else { panic!("{} is not a polygon layer", l.id) };
    let b = l.bounds;
    let (a, c) = (to_world(b[0], b[3]), to_world(b[2], b[1]));
    for z in zooms {
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
                let (feats, _) = decode_strict(&tile.raw, name);
                let n = f64::from(1u32 << z);
                let grid = f64::from(commune_atlas::tiles::mvt::extent(z));
                let q = |w: [f64; 2]| [((w[0] * n - f64::from(x)) * grid).round() as i64, ((w[1] * n - f64::from(y)) * grid).round() as i64];
                let outline: HashSet<[i64; 2]> = outline_pts.iter().map(|w| q(*w)).collect();
                let mut edges: HashMap<([i64; 2], [i64; 2]), u64> = HashMap::new();
                for (id, rings) in &feats {
                    // A feature's edge walked both ways (a part of the unit thinner than the
                    // grid, collapsed to zero width between its neighbours) covers no area:
                    // the two cancel, as they do in the winding number a renderer fills by.
                    let mut walked: HashMap<([i64; 2], [i64; 2]), i64> = HashMap::new();
                    for r in rings {
                        for k in 0..r.len() {
                            *walked.entry((r[k], r[(k + 1) % r.len()])).or_default() += 1;
                        }
                    }
                    for (&e, &n) in &walked {
                        if n <= walked.get(&(e.1, e.0)).copied().unwrap_or(0) {
                            continue;
                        }
                        // Neighbours may not share an edge in one direction; one unit's own
                        // islands may meet once quantised at low zoom.
                        if let Some(other) = edges.insert(e, *id)
                            && other != *id
                        {
                            panic!("{} z{z} {x}/{y}: features {other} and {id} both use edge {e:?} in one direction (overlap)", l.id);
                        }
                    }
                }
                let edge = grid as i64 - 1;
                let inside = |p: [i64; 2]| (1..edge).contains(&p[0]) && (1..edge).contains(&p[1]);
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
