//! A small, careful Mapbox Vector Tile 2.1 encoder (protobuf written by hand: the format needs
//! only varints and length-delimited fields). Geometry arrives in tile coordinates (the zoom's
//! [`extent`], y down); rings are quantised, cleaned (repeated points, degenerate rings dropped) and
//! wound as the spec requires: exterior rings positive area by the surveyor's formula in tile
//! coordinates (clockwise on screen), holes negative.

use std::collections::HashMap;

/// Tile extent of the deepest zoom (over-zoomed by clients, so it keeps the finest grid).
pub const EXTENT: u32 = 4096;

/// Zooms below this draw units a few pixels across (a commune is 4 px at z5, 15 px at z7):
/// their tiles are made for the tile's own 512 px, not for over-zooming.
pub const COARSE_BELOW: u8 = 8;
/// Zooms up to this one show the whole country in a few hundred pixels (the national overview):
/// boundaries there are drawn to the pixel.
pub const OVERVIEW_MAX: u8 = 5;

/// The size, in pixels, a tile of zoom `z` is made accurate for (half a pixel of it, see
/// `simplify::tolerance`): up to [`OVERVIEW_MAX`] half its 512 px (so to one pixel of its own);
/// below [`COARSE_BELOW`] its own 512 px; above, up to twice that (a tile is drawn up to twice
/// its size before the next zoom's replace it); the deepest zoom is over-zoomed (to z16 and
/// beyond) and counts as 4096.
pub fn display_px(z: u8) -> f64 {
    if z >= super::MAX_ZOOM {
        4096.0
    } else if z >= COARSE_BELOW {
        1024.0
    } else if z > OVERVIEW_MAX {
        512.0
    } else {
        256.0
    }
}

/// The tile extent (coordinate grid) of zoom `z`: two grid units per pixel of [`display_px`],
/// so quantising moves a point at most a quarter of such a pixel; the deepest zoom keeps
/// [`EXTENT`].
pub fn extent(z: u8) -> u32 {
    if z >= super::MAX_ZOOM { EXTENT } else { 2 * display_px(z) as u32 }
}

pub(super) fn varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

pub(super) fn key(buf: &mut Vec<u8>, field: u32, wire: u32) {
    varint(buf, u64::from((field << 3) | wire));
}

pub(super) fn bytes_field(buf: &mut Vec<u8>, field: u32, data: &[u8]) {
    key(buf, field, 2);
    varint(buf, data.len() as u64);
    buf.extend_from_slice(data);
}

pub(super) fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// A property value.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl PropValue {
    fn key_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        match self {
            PropValue::Str(s) => bytes_field(&mut b, 1, s.as_bytes()),
            PropValue::Double(d) => {
                key(&mut b, 3, 1);
                b.extend_from_slice(&d.to_le_bytes());
            }
            PropValue::Int(i) => {
                key(&mut b, 6, 0);
                varint(&mut b, u64::from(zigzag64(*i)));
            }
            PropValue::Bool(v) => {
                key(&mut b, 7, 0);
                varint(&mut b, u64::from(*v));
            }
        }
        b
    }
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Geometry of one feature in tile coordinates (f64, before quantising).
pub enum Geometry {
    /// Polygons: each an exterior ring followed by its holes (rings open, closing implicit).
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
    Lines(Vec<Vec<[f64; 2]>>),
    /// Points (label anchors); those that quantise onto the previous one are dropped.
    Points(Vec<[f64; 2]>),
}

/// Builds one layer.
pub struct LayerBuilder {
    name: String,
    extent: u32,
    keys: Vec<String>,
    key_index: HashMap<String, u32>,
    values: Vec<Vec<u8>>,
    value_index: HashMap<Vec<u8>, u32>,
    features: Vec<u8>,
    count: usize,
}

/// Signed area ×2 of an integer ring in tile coordinates (positive = clockwise on screen).
fn area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    let mut a: i64 = 0;
    for i in 0..n {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        a += i64::from(p[0]) * i64::from(q[1]) - i64::from(q[0]) * i64::from(p[1]);
    }
    a
}

/// Quantise and clean a ring: round to integers, drop repeated points and collinear back-tracks.
fn quantise_ring(ring: &[[f64; 2]]) -> Vec<[i32; 2]> {
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(ring.len());
    for p in ring {
        let q = [p[0].round() as i32, p[1].round() as i32];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    // Remove spikes a-b-a that quantising can create.
    let mut changed = true;
    while changed && out.len() >= 3 {
        changed = false;
        let n = out.len();
        for i in 0..n {
            if out[(i + n - 1) % n] == out[(i + 1) % n] {
                out.remove(i);
                if !out.is_empty() {
                    let j = i % out.len();
                    out.remove(j);
                }
                changed = true;
                break;
            }
        }
    }
    out
}

impl LayerBuilder {
    /// A layer named `name` on a grid of `extent` units ([`extent`] of the tile's zoom).
    pub fn new(name: &str, extent: u32) -> LayerBuilder {
        LayerBuilder {
            name: name.to_string(),
            extent,
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            value_index: HashMap::new(),
            features: Vec::new(),
            count: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn tag(&mut self, k: &str, v: &PropValue) -> (u32, u32) {
        let ki = match self.key_index.get(k) {
            Some(&i) => i,
            None => {
                let i = self.keys.len() as u32;
                self.keys.push(k.to_string());
                self.key_index.insert(k.to_string(), i);
                i
            }
        };
        let vb = v.key_bytes();
        let vi = match self.value_index.get(&vb) {
            Some(&i) => i,
            None => {
                let i = self.values.len() as u32;
                self.values.push(vb.clone());
                self.value_index.insert(vb, i);
                i
            }
        };
        (ki, vi)
    }

    /// Add a feature; returns false (and adds nothing) when its geometry vanishes when quantised.
    pub fn add(&mut self, id: u64, props: &[(&str, PropValue)], geom: &Geometry) -> bool {
        let mut cmds: Vec<u32> = Vec::new();
        let mut cursor = [0i32, 0i32];
        let geom_type;
        match geom {
            Geometry::Polygons(polys) => {
                geom_type = 3;
                for poly in polys {
                    let mut rings = poly.iter();
                    let Some(ext) = rings.next() else { continue };
                    let mut ext = quantise_ring(ext);
                    if ext.len() < 3 || area2(&ext) == 0 {
                        continue; // the exterior vanished: so do its holes
                    }
                    if area2(&ext) < 0 {
                        ext.reverse();
                    }
                    encode_ring(&mut cmds, &mut cursor, &ext);
                    for hole in rings {
                        let mut h = quantise_ring(hole);
                        if h.len() < 3 || area2(&h) == 0 {
                            continue;
                        }
                        if area2(&h) > 0 {
                            h.reverse();
                        }
                        encode_ring(&mut cmds, &mut cursor, &h);
                    }
                }
            }
            Geometry::Lines(lines) => {
                geom_type = 2;
                for line in lines {
                    let mut q: Vec<[i32; 2]> = Vec::with_capacity(line.len());
                    for p in line {
                        let v = [p[0].round() as i32, p[1].round() as i32];
                        if q.last() != Some(&v) {
                            q.push(v);
                        }
                    }
                    if q.len() < 2 {
                        continue;
                    }
                    cmds.push(1 | (1 << 3));
                    cmds.push(zigzag(q[0][0] - cursor[0]));
                    cmds.push(zigzag(q[0][1] - cursor[1]));
                    cursor = q[0];
                    cmds.push(2 | ((q.len() as u32 - 1) << 3));
                    for p in &q[1..] {
                        cmds.push(zigzag(p[0] - cursor[0]));
                        cmds.push(zigzag(p[1] - cursor[1]));
                        cursor = *p;
                    }
                }
            }
            Geometry::Points(points) => {
                geom_type = 1;
                let mut q: Vec<[i32; 2]> = Vec::with_capacity(points.len());
                for p in points {
                    let v = [p[0].round() as i32, p[1].round() as i32];
                    if q.last() != Some(&v) {
                        q.push(v);
                    }
                }
                if !q.is_empty() {
                    cmds.push(1 | ((q.len() as u32) << 3));
                    for p in &q {
                        cmds.push(zigzag(p[0] - cursor[0]));
                        cmds.push(zigzag(p[1] - cursor[1]));
                        cursor = *p;
                    }
                }
            }
        }
        if cmds.is_empty() {
            return false;
        }
        let mut f = Vec::with_capacity(cmds.len() * 2 + 32);
        key(&mut f, 1, 0);
        varint(&mut f, id);
        let mut tags = Vec::new();
        for (k, v) in props {
            let (ki, vi) = self.tag(k, v);
            varint(&mut tags, u64::from(ki));
            varint(&mut tags, u64::from(vi));
        }
        if !tags.is_empty() {
            bytes_field(&mut f, 2, &tags);
        }
        key(&mut f, 3, 0);
        varint(&mut f, geom_type);
        let mut g = Vec::with_capacity(cmds.len() * 2);
        for c in cmds {
            varint(&mut g, u64::from(c));
        }
        bytes_field(&mut f, 4, &g);
        bytes_field(&mut self.features, 2, &f);
        self.count += 1;
        true
    }

    /// The encoded `Layer` message.
    pub fn finish(self) -> Vec<u8> {
        let mut l = Vec::with_capacity(self.features.len() + 256);
        key(&mut l, 15, 0);
        varint(&mut l, 2);
        bytes_field(&mut l, 1, self.name.as_bytes());
        l.extend_from_slice(&self.features);
        for k in &self.keys {
            bytes_field(&mut l, 3, k.as_bytes());
        }
        for v in &self.values {
            bytes_field(&mut l, 4, v);
        }
        key(&mut l, 5, 0);
        varint(&mut l, u64::from(self.extent));
        l
    }
}

fn encode_ring(cmds: &mut Vec<u32>, cursor: &mut [i32; 2], ring: &[[i32; 2]]) {
    cmds.push(1 | (1 << 3));
    cmds.push(zigzag(ring[0][0] - cursor[0]));
    cmds.push(zigzag(ring[0][1] - cursor[1]));
    *cursor = ring[0];
    cmds.push(2 | ((ring.len() as u32 - 1) << 3));
    for p in &ring[1..] {
        cmds.push(zigzag(p[0] - cursor[0]));
        cmds.push(zigzag(p[1] - cursor[1]));
        *cursor = *p;
    }
    cmds.push(7 | (1 << 3));
}

/// A whole tile from encoded layers (empty layers are left out).
pub fn tile(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let mut t = Vec::new();
    for l in layers {
        if !l.is_empty() {
            let bytes = l.finish();
            bytes_field(&mut t, 3, &bytes);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_matches_the_spec() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
    }

    #[test]
    fn a_square_encodes_as_the_spec_example() {
        // Spec example: a polygon (3,6) (8,12) (20,34) — here a simple square.
        let mut l = LayerBuilder::new("t", EXTENT);
        let sq = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        assert!(l.add(1, &[("code", PropValue::Str("x".into()))], &Geometry::Polygons(vec![vec![sq]])));
        // A ring that quantises to a point is dropped.
        assert!(!l.add(2, &[], &Geometry::Polygons(vec![vec![vec![[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]]]])));
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn points_encode_as_one_move_to_with_a_count() {
        // Spec 4.3.5.1: MoveTo with a count of 2, then (5,7) and (3,2) as deltas from (5,7).
        let mut l = LayerBuilder::new("t", EXTENT);
        assert!(l.add(1, &[], &Geometry::Points(vec![[5.0, 7.0], [3.2, 2.4]])));
        assert!(!l.add(2, &[], &Geometry::Points(vec![])));
        let f = &l.features;
        let g = [17u8, 10, 14, 3, 9];
        assert!(f.windows(g.len()).any(|w| w == g), "geometry MoveTo(2) +5,+7 -2,-5 in {f:?}");
    }
}
