//! A small, careful Mapbox Vector Tile 2.1 encoder (protobuf written by hand: the format needs
//! only varints and length-delimited fields). Geometry arrives in tile coordinates (the zoom's
//! [`extent`], y down); rings are quantised, cleaned (repeated points, degenerate rings dropped) and
//! wound as the spec requires: exterior rings positive area by the surveyor's formula in tile
//! coordinates (clockwise on screen), holes negative.

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

/// A property value (borrowed: a feature's strings are written into the layer, never copied
/// into the value first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PropValue<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl PropValue<'_> {
    /// The `Value` message's bytes, appended to `b`.
    fn encode(&self, b: &mut Vec<u8>) {
        match self {
            PropValue::Str(s) => bytes_field(b, 1, s.as_bytes()),
            PropValue::Double(d) => {
                key(b, 3, 1);
                b.extend_from_slice(&d.to_le_bytes());
            }
            PropValue::Int(i) => {
                key(b, 6, 0);
                varint(b, zigzag64(*i));
            }
            PropValue::Bool(v) => {
                key(b, 7, 0);
                varint(b, u64::from(*v));
            }
        }
    }
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Bytes of `v` as a varint.
fn varint_len(v: u64) -> usize {
    ((64 - (v | 1).leading_zeros() as usize) + 6) / 7
}

/// Bytes of a length-delimited field with a one-byte key and `len` bytes of data.
fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// Geometry of one feature in tile coordinates (f64, before quantising).
pub enum Geometry {
    /// Polygons: each an exterior ring followed by its holes (rings open, closing implicit).
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
    Lines(Vec<Vec<[f64; 2]>>),
    /// Points (label anchors); those that quantise onto the previous one are dropped.
    Points(Vec<[f64; 2]>),
}

/// A feature's geometry type (MVT `GeomType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    Point = 1,
    LineString = 2,
    Polygon = 3,
}

/// Builds one layer. A feature's geometry is written ring by ring ([`LayerBuilder::ring`],
/// [`LayerBuilder::line`], [`LayerBuilder::points`]) into a buffer the builder reuses, then
/// committed with its id and properties ([`LayerBuilder::commit`]); features and the value
/// table are encoded as they come, so building a tile allocates little beyond its own bytes.
pub struct LayerBuilder {
    name: String,
    extent: u32,
    keys: Vec<String>,
    /// `Value` messages, each already a field-4 entry of the layer, in index order.
    values: Vec<u8>,
    /// Where each value's message starts and ends in `values`.
    value_spans: Vec<(u32, u32)>,
    /// Value index by the hash of its message (collisions fall back to a scan).
    value_index: std::collections::HashMap<u64, u32, std::hash::BuildHasherDefault<crate::hash::FxHasher>>,
    /// Encoded `Feature` entries (field 2 of the layer).
    features: Vec<u8>,
    count: usize,
    /// The pending feature: its geometry commands (varints) and cursor.
    geom: Vec<u8>,
    cursor: [i32; 2],
    /// Scratch: a quantised ring, a feature's tags, a value's message.
    quantised: Vec<[i32; 2]>,
    tags: Vec<u8>,
    value: Vec<u8>,
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

fn round(p: [f64; 2]) -> [i32; 2] {
    [p[0].round() as i32, p[1].round() as i32]
}

/// Quantise and clean a ring into `out`: round to integers, drop repeated points and collinear
/// back-tracks.
fn quantise_ring(ring: &[[f64; 2]], out: &mut Vec<[i32; 2]>) {
    out.clear();
    for &p in ring {
        let q = round(p);
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
}

impl LayerBuilder {
    /// A layer named `name` on a grid of `extent` units ([`extent`] of the tile's zoom).
    pub fn new(name: &str, extent: u32) -> LayerBuilder {
        LayerBuilder {
            name: name.to_string(),
            extent,
            keys: Vec::new(),
            values: Vec::new(),
            value_spans: Vec::new(),
            value_index: Default::default(),
            features: Vec::new(),
            count: 0,
            geom: Vec::new(),
            cursor: [0, 0],
            quantised: Vec::new(),
            tags: Vec::new(),
            value: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn key_index(&mut self, k: &str) -> u32 {
        // A layer has a handful of keys: a scan beats hashing.
        match self.keys.iter().position(|x| x == k) {
            Some(i) => i as u32,
            None => {
                self.keys.push(k.to_string());
                self.keys.len() as u32 - 1
            }
        }
    }

    fn value_index(&mut self, v: &PropValue) -> u32 {
        self.value.clear();
        v.encode(&mut self.value);
        let h = crate::hash::Fnv::of(&self.value);
        let same = |i: u32, values: &[u8], spans: &[(u32, u32)], value: &[u8]| {
            let (a, b) = spans[i as usize];
            let entry = &values[a as usize..b as usize];
            // The entry is the value as a field-4 entry: its message is the tail.
            entry.len() == field_len(value.len()) && &entry[entry.len() - value.len()..] == value
        };
        if let Some(&i) = self.value_index.get(&h) {
            if same(i, &self.values, &self.value_spans, &self.value) {
                return i;
            }
            // A hash collision: rare enough for a scan.
            if let Some(i) = (0..self.value_spans.len() as u32).find(|&i| same(i, &self.values, &self.value_spans, &self.value)) {
                return i;
            }
        }
        let i = self.value_spans.len() as u32;
        let start = self.values.len() as u32;
        bytes_field(&mut self.values, 4, &self.value);
        self.value_spans.push((start, self.values.len() as u32));
        self.value_index.entry(h).or_insert(i);
        i
    }

    /// Append a polygon ring (open, closing implicit) to the pending feature: an exterior, or a
    /// hole of the exterior added last. Wound as the spec requires whatever its input winding;
    /// returns false (and adds nothing) when it vanishes when quantised.
    pub fn ring(&mut self, ring: &[[f64; 2]], exterior: bool) -> bool {
        let mut q = std::mem::take(&mut self.quantised);
        quantise_ring(ring, &mut q);
        let a = if q.len() < 3 { 0 } else { area2(&q) };
        let kept = a != 0;
        if kept {
            if (a < 0) == exterior {
                q.reverse();
            }
            self.move_to(q[0]);
            self.line_to(&q[1..]);
            self.geom.push(7 | (1 << 3)); // ClosePath
        }
        self.quantised = q;
        kept
    }

    /// Append a line to the pending feature; false when it quantises to a single point.
    pub fn line(&mut self, line: &[[f64; 2]]) -> bool {
        let mut q = std::mem::take(&mut self.quantised);
        q.clear();
        for &p in line {
            let v = round(p);
            if q.last() != Some(&v) {
                q.push(v);
            }
        }
        let kept = q.len() >= 2;
        if kept {
            self.move_to(q[0]);
            self.line_to(&q[1..]);
        }
        self.quantised = q;
        kept
    }

    /// Append points to the pending feature (one MoveTo with a count); those that quantise onto
    /// the previous one are dropped.
    pub fn points(&mut self, points: &[[f64; 2]]) -> bool {
        let mut q = std::mem::take(&mut self.quantised);
        q.clear();
        for &p in points {
            let v = round(p);
            if q.last() != Some(&v) {
                q.push(v);
            }
        }
        if !q.is_empty() {
            varint(&mut self.geom, u64::from(1 | ((q.len() as u32) << 3)));
            for &p in &q {
                self.delta(p);
            }
        }
        self.quantised = q;
        !self.quantised.is_empty()
    }

    fn delta(&mut self, p: [i32; 2]) {
        varint(&mut self.geom, u64::from(zigzag(p[0] - self.cursor[0])));
        varint(&mut self.geom, u64::from(zigzag(p[1] - self.cursor[1])));
        self.cursor = p;
    }

    fn move_to(&mut self, p: [i32; 2]) {
        self.geom.push(1 | (1 << 3));
        self.delta(p);
    }

    fn line_to(&mut self, pts: &[[i32; 2]]) {
        varint(&mut self.geom, u64::from(2 | ((pts.len() as u32) << 3)));
        for &p in pts {
            self.delta(p);
        }
    }

    /// Encode the pending geometry as a feature with `id` and `props`; returns false (and adds
    /// nothing) when no geometry survived. The pending geometry is cleared either way.
    pub fn commit(&mut self, id: u64, props: &[(&str, PropValue)], kind: GeomType) -> bool {
        self.cursor = [0, 0];
        if self.geom.is_empty() {
            return false;
        }
        let mut tags = std::mem::take(&mut self.tags);
        tags.clear();
        for (k, v) in props {
            let ki = self.key_index(k);
            let vi = self.value_index(v);
            varint(&mut tags, u64::from(ki));
            varint(&mut tags, u64::from(vi));
        }
        let len = 1 + varint_len(id) + if tags.is_empty() { 0 } else { field_len(tags.len()) } + 2 + field_len(self.geom.len());
        let f = &mut self.features;
        f.reserve(field_len(len));
        key(f, 2, 2);
        varint(f, len as u64);
        key(f, 1, 0);
        varint(f, id);
        if !tags.is_empty() {
            bytes_field(f, 2, &tags);
        }
        key(f, 3, 0);
        varint(f, kind as u64);
        bytes_field(f, 4, &self.geom);
        self.geom.clear();
        self.tags = tags;
        self.count += 1;
        true
    }

    /// Add a whole feature; returns false (and adds nothing) when its geometry vanishes when
    /// quantised. (A polygon's holes are dropped with an exterior that vanishes.)
    pub fn add(&mut self, id: u64, props: &[(&str, PropValue)], geom: &Geometry) -> bool {
        let kind = match geom {
            Geometry::Polygons(polys) => {
                for poly in polys {
                    let mut rings = poly.iter();
                    if rings.next().is_some_and(|ext| self.ring(ext, true)) {
                        for hole in rings {
                            self.ring(hole, false);
                        }
                    }
                }
                GeomType::Polygon
            }
            Geometry::Lines(lines) => {
                for line in lines {
                    self.line(line);
                }
                GeomType::LineString
            }
            Geometry::Points(points) => {
                self.points(points);
                GeomType::Point
            }
        };
        self.commit(id, props, kind)
    }

    /// Length of the encoded `Layer` message.
    fn message_len(&self) -> usize {
        2 + field_len(self.name.len())
            + self.features.len()
            + self.keys.iter().map(|k| field_len(k.len())).sum::<usize>()
            + self.values.len()
            + 1
            + varint_len(u64::from(self.extent))
    }

    /// Append the layer as field 3 of a tile.
    fn write_into(&self, t: &mut Vec<u8>) {
        key(t, 3, 2);
        varint(t, self.message_len() as u64);
        key(t, 15, 0);
        varint(t, 2);
        bytes_field(t, 1, self.name.as_bytes());
        t.extend_from_slice(&self.features);
        for k in &self.keys {
            bytes_field(t, 3, k.as_bytes());
        }
        t.extend_from_slice(&self.values);
        key(t, 5, 0);
        varint(t, u64::from(self.extent));
    }
}

/// A whole tile from encoded layers (empty layers are left out), in one exactly sized buffer.
pub fn tile(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let layers: Vec<LayerBuilder> = layers.into_iter().filter(|l| !l.is_empty()).collect();
    let mut t = Vec::with_capacity(layers.iter().map(|l| field_len(l.message_len())).sum());
    for l in &layers {
        l.write_into(&mut t);
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
        assert!(l.add(1, &[("code", PropValue::Str("x"))], &Geometry::Polygons(vec![vec![sq]])));
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
