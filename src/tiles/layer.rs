//! One tile layer in memory: a boundary version's units of one level as shared arcs simplified
//! per zoom band, with an R-tree over their parts; or a set of lines (key routes). Rendering a
//! tile touches only the units whose parts meet it.

use std::collections::BTreeMap;

use rstar::{AABB, RTree, RTreeObject};

use super::clip::{clip_line, clip_ring_into};
use super::mercator::{tile_bounds, to_world};
use super::mvt::{GeomType, Geometry, LayerBuilder, PropValue, extent};
use super::simplify::{self, Bands, band_of};
use crate::geo::snap::{SnapReport, snap};
use crate::geo::topology::{RingIn, Topology};
use super::UnitFilter;

/// Buffer around a tile, as a fraction of its width (64 units of a 4096 grid), so strokes do
/// not show seams.
pub const BUFFER: f64 = 1.0 / 64.0;

/// Zoom from which a polygon layer's tiles also carry a `<name>_label` point layer: one point per
/// unit at its label point, in the one tile that holds it, so a unit split across tiles is
/// labelled once rather than once per piece. Below it labels would be unreadable clutter.
pub fn label_min_zoom(layer: &str) -> u8 {
    match crate::vocab::Level::from_plural(layer) {
        Some(crate::vocab::Level::Province) => 5,
        Some(crate::vocab::Level::District) => 7,
        Some(crate::vocab::Level::Commune) | None => 8,
    }
}

/// What a feature carries besides its geometry.
#[derive(Debug, Clone)]
pub struct UnitMeta {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub province: Option<String>,
    /// Label point in world coordinates.
    pub label: [f64; 2],
}

/// A unit's geometry as lon/lat polygons (exterior then holes, rings open or closed).
pub type LonLatPolygons = crate::geo::stored::Polygons;

#[derive(Debug, Clone, Copy)]
struct Entry {
    bbox: [f64; 4],
    unit: u32,
    part: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners([self.bbox[0], self.bbox[1]], [self.bbox[2], self.bbox[3]])
    }
}

/// Segments per chunk of an arc in [`BandArcs`].
const CHUNK: usize = 16;

/// One zoom band's arcs laid out for rendering: every arc's points in one contiguous array (world
/// coordinates, copied from the topology's points), so a ring walk reads memory in order instead of chasing point ids and a separate allocation per
/// arc (those cache misses were most of a deep tile's cost); and the arcs' bounding boxes in
/// chunks of [`CHUNK`] segments (chunk `c` spans points `c·CHUNK ..= (c+1)·CHUNK`, sharing end
/// points with its neighbours), so a tile walks only the stretches of a ring near it: a chunk
/// whose box misses the tile lies wholly beyond one of the tile's edges, and its end points
/// alone clip to the same shape (the path between them never enters the tile, and neither
/// does the straight line).
struct BandArcs {
    /// Where each arc's points start in `points` (one more entry than arcs).
    start: Vec<u32>,
    points: Vec<[f64; 2]>,
    /// Where each arc's chunks start in `boxes` (one more entry than arcs).
    chunk_start: Vec<u32>,
    boxes: Vec<[f64; 4]>,
}

impl BandArcs {
    fn build(arcs: &[Vec<u32>], pts: &[[f64; 2]]) -> BandArcs {
        let mut start = Vec::with_capacity(arcs.len() + 1);
        let mut points: Vec<[f64; 2]> = Vec::with_capacity(arcs.iter().map(Vec::len).sum());
        let mut chunk_start = Vec::with_capacity(arcs.len() + 1);
        let mut boxes = Vec::new();
        for arc in arcs {
            let first = points.len();
            start.push(first as u32);
            chunk_start.push(boxes.len() as u32);
            points.extend(arc.iter().map(|&i| pts[i as usize]));
            let segments = arc.len().saturating_sub(1);
            for c in 0..segments.div_ceil(CHUNK) {
                let hi = ((c + 1) * CHUNK).min(segments);
                // Boxes of the stored points: what the walk reads.
                boxes.push(bbox_of(points[first + c * CHUNK..=first + hi].iter().copied()));
            }
        }
        start.push(points.len() as u32);
        chunk_start.push(boxes.len() as u32);
        BandArcs { start, points, chunk_start, boxes }
    }
}

/// The world rectangle tile z/x/y draws: the tile and its buffer, `[min_x, min_y, max_x, max_y]`.
fn near_tile(z: u8, x: u32, y: u32) -> [f64; 4] {
    let b = tile_bounds(z, x, y);
    let pad = (b[2] - b[0]) * BUFFER;
    [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]
}

/// The same rectangle as the part index's query.
fn envelope(r: [f64; 4]) -> AABB<[f64; 2]> {
    AABB::from_corners([r[0], r[1]], [r[2], r[3]])
}

/// A polygon layer.
pub struct PolygonLayer {
    /// Layer name inside the tile (`communes`, `districts`, `provinces`).
    pub name: String,
    pub units: Vec<UnitMeta>,
    pub topo: Topology,
    pub bands: Bands,
    /// Per band, its arcs laid out for rendering.
    render_arcs: Vec<BandArcs>,
    index: RTree<Entry>,
    /// World bbox of everything.
    pub bbox: [f64; 4],
}

fn bbox_of(points: impl Iterator<Item = [f64; 2]>) -> [f64; 4] {
    points.fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, p| [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])])
}

impl PolygonLayer {
    /// Build from units and their lon/lat geometry, snapping neighbours within `snap_tol`
    /// degrees first (0 disables snapping).
    pub fn build(name: &str, units: Vec<UnitMeta>, geometry: Vec<LonLatPolygons>, snap_tol: f64) -> (PolygonLayer, SnapReport) {
        let mut rings: Vec<Vec<RingIn>> = geometry.iter().map(|polys| crate::geo::topology::rings_of(polys)).collect();
        let t0 = std::time::Instant::now();
        let report = snap(&mut rings, snap_tol);
        let t_snap = t0.elapsed();
        for unit in &mut rings {
            for r in unit.iter_mut() {
                for p in r.points.iter_mut() {
                    *p = to_world(p[0], p[1]);
                }
            }
        }
        let topo = Topology::build(&rings);
        let t_topo = t0.elapsed();
        let bands = simplify::simplify(&topo);
        tracing::debug!(layer = name, snap_s = t_snap.as_secs_f64(), topo_s = (t_topo - t_snap).as_secs_f64(), simplify_s = (t0.elapsed() - t_topo).as_secs_f64(), "layer phases");
        let mut entries = Vec::new();
        for (ui, u) in rings.iter().enumerate() {
            let mut parts: BTreeMap<u32, [f64; 4]> = BTreeMap::new();
            for r in u.iter().filter(|r| !r.hole) {
                let b = bbox_of(r.points.iter().copied());
                parts.insert(r.part, b);
            }
            for (part, bbox) in parts {
                entries.push(Entry { bbox, unit: ui as u32, part });
            }
        }
        let bbox = bbox_of(entries.iter().flat_map(|e| [[e.bbox[0], e.bbox[1]], [e.bbox[2], e.bbox[3]]]));
        let render_arcs = bands.arcs.iter().map(|arcs| BandArcs::build(arcs, &topo.points)).collect();
        (PolygonLayer { name: name.to_string(), units, topo, bands, render_arcs, index: RTree::bulk_load(entries), bbox }, report)
    }

    /// Units sharing an edge (an arc) with each unit, by unit id.
    pub fn neighbours(&self) -> std::collections::HashMap<i64, Vec<i64>> {
        let mut users: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
        for (ui, rings) in self.topo.units.iter().enumerate() {
            for r in rings {
                for a in &r.arcs {
                    let v = users.entry(a.0).or_default();
                    if !v.contains(&ui) {
                        v.push(ui);
                    }
                }
            }
        }
        let mut out: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        for us in users.values() {
            for &a in us {
                for &b in us {
                    if a != b {
                        out.entry(self.units[a].id).or_default().push(self.units[b].id);
                    }
                }
            }
        }
        for v in out.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        out
    }

    /// Units with a part whose bounding box meets `bbox` (world coordinates), by index.
    pub fn units_meeting(&self, bbox: [f64; 4]) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(AABB::from_corners([bbox[0], bbox[1]], [bbox[2], bbox[3]]))
            .map(|e| e.unit as usize)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A unit's geometry at a zoom band (world coordinates), rebuilt from the band's arcs;
    /// `None` as band gives the full-resolution arcs.
    pub fn unit_geometry(&self, unit: usize, band: Option<usize>) -> ::geo::MultiPolygon<f64> {
        use ::geo::{Coord, LineString, MultiPolygon, Polygon};
        let arcs = band.map_or(&self.topo.arcs, |b| &self.bands.arcs[b]);
        let mut parts: BTreeMap<u32, (Option<LineString<f64>>, Vec<LineString<f64>>)> = BTreeMap::new();
        for ring in &self.topo.units[unit] {
            let ids = self.topo.ring_ids(ring, arcs);
            if ids.len() < 3 {
                continue;
            }
            let mut cs: Vec<Coord<f64>> = ids.iter().map(|&i| Coord { x: self.topo.points[i as usize][0], y: self.topo.points[i as usize][1] }).collect();
            cs.push(cs[0]);
            let e = parts.entry(ring.part).or_default();
            if ring.hole { e.1.push(LineString(cs)) } else { e.0 = Some(LineString(cs)) }
        }
        MultiPolygon(parts.into_values().filter_map(|(ext, holes)| ext.map(|e| Polygon::new(e, holes))).collect())
    }

    /// Unit `ui`'s rings in world coordinates, simplified as for zoom `z`: (part, hole, points).
    pub fn unit_rings(&self, ui: usize, z: u8) -> Vec<(u32, bool, Vec<[f64; 2]>)> {
        let arcs = &self.bands.arcs[band_of(z)];
        self.topo.units[ui]
            .iter()
            .map(|ring| (ring.part, ring.hole, self.topo.ring_ids(ring, arcs).iter().map(|&i| self.topo.points[i as usize]).collect()))
            .collect()
    }

    /// The points of `ring` at `band` that can matter inside the world rectangle `near`, in
    /// order, into `out` (cleared first): each arc chunk that misses `near` contributes only its
    /// end points (see [`BandArcs`]). Repeated points and the closing point are dropped, as
    /// [`Topology::ring_ids`] does.
    fn ring_points_near(&self, ring: &crate::geo::topology::RingRef, band: usize, near: [f64; 4], out: &mut Vec<[f64; 2]>) {
        let arcs = &self.render_arcs[band];
        let misses = |b: &[f64; 4]| b[2] < near[0] || b[3] < near[1] || b[0] > near[2] || b[1] > near[3];
        out.clear();
        let push = |p: [f64; 2], out: &mut Vec<[f64; 2]>| {
            if out.last() != Some(&p) {
                out.push(p);
            }
        };
        for &(a, rev) in &ring.arcs {
            let a = a as usize;
            let pts = &arcs.points[arcs.start[a] as usize..arcs.start[a + 1] as usize];
            let (c0, c1) = (arcs.chunk_start[a] as usize, arcs.chunk_start[a + 1] as usize);
            if c1 == c0 {
                pts.iter().for_each(|&p| push(p, out));
                continue;
            }
            let segments = pts.len() - 1;
            for k in 0..c1 - c0 {
                let c = if rev { c1 - c0 - 1 - k } else { k };
                let stretch = &pts[c * CHUNK..=((c + 1) * CHUNK).min(segments)];
                let (first, last) = (stretch[0], stretch[stretch.len() - 1]);
                match (misses(&arcs.boxes[c0 + c]), rev) {
                    (true, false) => [first, last].into_iter().for_each(|p| push(p, out)),
                    (true, true) => [last, first].into_iter().for_each(|p| push(p, out)),
                    (false, false) => stretch.iter().for_each(|&p| push(p, out)),
                    (false, true) => stretch.iter().rev().for_each(|&p| push(p, out)),
                }
            }
        }
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
    }

    /// Whether tile z/x/y meets at most `limit` unit parts (counted up to `limit + 1`, so as
    /// cheap as the index lookup that starts a render): such a tile renders in well under a
    /// millisecond, however detailed its units (only the stretches of their rings near the tile
    /// are walked).
    pub fn meets_at_most(&self, z: u8, x: u32, y: u32, limit: usize) -> bool {
        self.index.locate_in_envelope_intersecting(envelope(near_tile(z, x, y))).take(limit + 1).count() <= limit
    }

    /// Render tile z/x/y with the units `keep` accepts: the polygon layer, then (from
    /// [`label_min_zoom`]) the label points of the units whose label point falls in the tile.
    /// Empty when no feature falls in it.
    pub fn render(&self, z: u8, x: u32, y: u32, keep: &dyn Fn(i64) -> bool) -> Vec<LayerBuilder> {
        let band = band_of(z);
        let b = tile_bounds(z, x, y);
        let size = b[2] - b[0];
        let grid = f64::from(extent(z));
        let buffer = grid * BUFFER;
        let near = near_tile(z, x, y);
        // (unit, part) of every part meeting the tile, by unit.
        let mut hits: Vec<(u32, u32)> = self
            .index
            .locate_in_envelope_intersecting(envelope(near))
            .filter(|e| keep(self.units[e.unit as usize].id))
            .map(|e| (e.unit, e.part))
            .collect();
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_unstable();
        let scale = grid / size;
        let to_tile = |p: [f64; 2]| [(p[0] - b[0]) * scale, (p[1] - b[1]) * scale];
        let clip = [-buffer, -buffer, grid + buffer, grid + buffer];
        let mut layer = LayerBuilder::new(&self.name, extent(z));
        let mut labels = (z >= label_min_zoom(&self.name)).then(|| LayerBuilder::new(&format!("{}_label", self.name), extent(z)));
        let inside = |p: [f64; 2]| (0.0..grid).contains(&p[0]) && (0.0..grid).contains(&p[1]);
        // Below the label zoom the polygons carry only their feature id (the unit id: what
        // colouring by feature-state needs): a low-zoom tile holds thousands of units, and their
        // attributes would outweigh their shapes. From the label zoom on, polygons and labels
        // carry code, name and province.
        let named = z >= label_min_zoom(&self.name);
        // Buffers reused by every ring of the tile: tile points, the clip's two.
        let (mut tile_pts, mut clipped, mut spare) = (Vec::new(), Vec::new(), Vec::new());
        for unit_hits in hits.chunk_by(|a, b| a.0 == b.0) {
            let ui = unit_hits[0].0 as usize;
            let meta = &self.units[ui];
            let all = [
                ("code", PropValue::Str(&meta.code)),
                ("name", PropValue::Str(&meta.name)),
                ("province", PropValue::Str(meta.province.as_deref().unwrap_or_default())),
            ];
            let props: &[(&str, PropValue)] = if named { &all } else { &[] };
            let anchor = to_tile(meta.label);
            if let Some(labels) = labels.as_mut().filter(|_| inside(anchor)) {
                // Floored, not rounded: the point stays in this tile (4095.6 would round onto the next).
                labels.points(&[[anchor[0].floor(), anchor[1].floor()]]);
                labels.commit(meta.id as u64, &all, GeomType::Point);
            }
            // Rings come exterior first, then its holes, part by part (as `rings_of` made
            // them): a hole is written only after its exterior survived.
            let mut exterior_kept: Option<u32> = None;
            for ring in &self.topo.units[ui] {
                if !unit_hits.iter().any(|h| h.1 == ring.part) || (ring.hole && exterior_kept != Some(ring.part)) {
                    continue;
                }
                self.ring_points_near(ring, band, near, &mut tile_pts);
                let mut bb = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
                for p in tile_pts.iter_mut() {
                    *p = to_tile(*p);
                    bb = [bb[0].min(p[0]), bb[1].min(p[1]), bb[2].max(p[0]), bb[3].max(p[1])];
                }
                let ring_pts: &[[f64; 2]] = if bb[0] >= clip[0] && bb[1] >= clip[1] && bb[2] <= clip[2] && bb[3] <= clip[3] {
                    &tile_pts
                } else if bb[2] < clip[0] || bb[3] < clip[1] || bb[0] > clip[2] || bb[1] > clip[3] {
                    &[]
                } else {
                    clip_ring_into(&tile_pts, clip, &mut clipped, &mut spare);
                    &clipped
                };
                if ring_pts.len() < 3 {
                    continue;
                }
                let kept = layer.ring(ring_pts, !ring.hole);
                if !ring.hole {
                    exterior_kept = kept.then_some(ring.part);
                }
            }
            if !layer.commit(meta.id as u64, props, GeomType::Polygon) && inside(anchor) {
                // Too small to survive quantising: keep a minimal square at the label point, in
                // the one tile that holds it, so the unit never vanishes.
                let (cx, cy) = (anchor[0].floor(), anchor[1].floor());
                layer.ring(&[[cx, cy], [cx + 2.0, cy], [cx + 2.0, cy + 2.0], [cx, cy + 2.0]], true);
                layer.commit(meta.id as u64, props, GeomType::Polygon);
            }
        }
        [Some(layer), labels].into_iter().flatten().filter(|l| !l.is_empty()).collect()
    }
}

/// A line layer (key routes).
///
/// Routes are designated nationally and are not bound to administrative boundaries, but a
/// province-scoped user sees only the stretches inside their communes: each route is cut once
/// at load time along the commune boundaries (`clip_to_units`), and a scoped tile draws the
/// pieces of the communes in scope. Users who see everything get the routes whole.
pub struct LineLayer {
    pub name: String,
    /// (id, name, scope, world polyline)
    pub lines: Vec<(i64, String, String, Vec<[f64; 2]>)>,
    /// The lines cut along commune boundaries: (index into `lines`, unit id, world polyline).
    pub pieces: Vec<(usize, i64, Vec<[f64; 2]>)>,
    pub bbox: [f64; 4],
}

impl LineLayer {
    pub fn build(name: &str, lines: Vec<(i64, String, String, Vec<[f64; 2]>)>) -> LineLayer {
        let lines: Vec<_> = lines
            .into_iter()
            .map(|(id, n, s, l)| (id, n, s, l.into_iter().map(|p| to_world(p[0], p[1])).collect::<Vec<_>>()))
            .collect();
        let bbox = bbox_of(lines.iter().flat_map(|l| l.3.iter().copied()));
        LineLayer { name: name.to_string(), lines, pieces: Vec::new(), bbox }
    }

    /// Cut every line along the boundaries of `units` (full-resolution geometry): the pieces
    /// inside each unit, tagged with its id. Parts outside every unit (sea, abroad) belong to
    /// no piece.
    pub fn clip_to_units(&mut self, units: &PolygonLayer) {
        use ::geo::{BooleanOps, Coord, LineString, MultiLineString};
        let mut pieces = Vec::new();
        for (li, line) in self.lines.iter().enumerate() {
            let mut candidates: Vec<usize> = line.3.windows(2).flat_map(|w| units.units_meeting(bbox_of(w.iter().copied()))).collect();
            candidates.sort_unstable();
            candidates.dedup();
            let subject = MultiLineString(vec![LineString(line.3.iter().map(|p| Coord { x: p[0], y: p[1] }).collect())]);
            for ui in candidates {
                for part in units.unit_geometry(ui, None).clip(&subject, false) {
                    let pts: Vec<[f64; 2]> = part.0.iter().map(|c| [c.x, c.y]).collect();
                    if pts.len() >= 2 {
                        pieces.push((li, units.units[ui].id, pts));
                    }
                }
            }
        }
        self.pieces = pieces;
    }

    /// Each route's stretches inside the units `keep` accepts, as a GeoJSON MultiLineString in
    /// lon/lat (route id, geometry); routes with no such stretch are left out.
    pub fn geojson_within(&self, keep: &dyn Fn(i64) -> bool) -> Vec<(i64, String)> {
        let mut by_route: BTreeMap<i64, Vec<Vec<[f64; 2]>>> = BTreeMap::new();
        for (li, unit, line) in &self.pieces {
            if keep(*unit) {
                by_route.entry(self.lines[*li].0).or_default().push(line.iter().map(|p| crate::tiles::mercator::to_lonlat(*p)).collect());
            }
        }
        by_route
            .into_iter()
            .map(|(id, parts)| (id, serde_json::json!({ "type": "MultiLineString", "coordinates": parts }).to_string()))
            .collect()
    }

    /// Render tile z/x/y: whole lines when `filter` keeps everything, else the pieces inside
    /// the units it keeps.
    pub fn render(&self, z: u8, x: u32, y: u32, filter: &dyn UnitFilter) -> Option<LayerBuilder> {
        let b = tile_bounds(z, x, y);
        let size = b[2] - b[0];
        let grid = f64::from(extent(z));
        let scale = grid / size;
        let buffer = grid * BUFFER;
        let clip = [-buffer, -buffer, grid + buffer, grid + buffer];
        let mut layer = LayerBuilder::new(&self.name, extent(z));
        let tol = simplify::tolerance(band_of(z));
        let mut add = |li: usize, line: &[[f64; 2]]| {
            let ids: Vec<u32> = (0..line.len() as u32).collect();
            let kept = simplify::douglas_peucker(line, &ids, tol);
            let tile_pts: Vec<[f64; 2]> =
                kept.iter().map(|&i| line[i as usize]).map(|p| [(p[0] - b[0]) * scale, (p[1] - b[1]) * scale]).collect();
            let pieces = clip_line(&tile_pts, clip);
            if !pieces.is_empty() {
                let (id, name, scope, _) = &self.lines[li];
                let props = [("name", PropValue::Str(name)), ("route_scope", PropValue::Str(scope))];
                layer.add(*id as u64, &props, &Geometry::Lines(pieces));
            }
        };
        if filter.everything() {
            for (li, line) in self.lines.iter().enumerate() {
                add(li, &line.3);
            }
        } else {
            for (li, unit, line) in &self.pieces {
                if filter.keep(*unit) {
                    add(*li, line);
                }
            }
        }
        (!layer.is_empty()).then_some(layer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::clip::clip_ring;

    fn area(r: &[[f64; 2]]) -> f64 {
        (0..r.len()).map(|i| r[i][0] * r[(i + 1) % r.len()][1] - r[(i + 1) % r.len()][0] * r[i][1]).sum::<f64>() / 2.0
    }

    #[test]
    fn a_deep_tile_walks_only_the_stretches_near_it_and_clips_to_the_same_shape() {
        // A wobbly commune of 2,000 points (a star-ish ring, so chunks wind in and out of tiles)
        // beside a square neighbour sharing no arc: at z14 it spans many tiles.
        let (cx, cy, r) = (105.8, 21.0, 0.4);
        let ring: Vec<[f64; 2]> = (0..2000)
            .map(|i| {
                let t = i as f64 / 2000.0 * std::f64::consts::TAU;
                let k = r * (1.0 + 0.3 * (t * 37.0).sin());
                [cx + k * t.cos(), cy + k * t.sin()]
            })
            .collect();
        let meta = |id: i64| UnitMeta { id, code: id.to_string(), name: "x".into(), province: None, label: to_world(cx, cy) };
        let square = vec![vec![[106.3, 21.0], [106.4, 21.0], [106.4, 21.1], [106.3, 21.1]]];
        let (layer, _) = PolygonLayer::build("communes", vec![meta(1), meta(2)], vec![vec![vec![ring]], vec![square]], 0.0);
        let band = band_of(14);
        let (mut near_pts, mut full_pts) = (Vec::new(), Vec::new());
        let (mut compared, mut fewer) = (0, 0);
        let w = layer.bbox;
        let (x0, y0, x1, y1) = crate::tiles::mercator::tile_range(14, w);
        for x in (x0..=x1).step_by(3) {
            for y in (y0..=y1).step_by(3) {
                let near = near_tile(14, x, y);
                let ring = &layer.topo.units[0][0];
                layer.ring_points_near(ring, band, near, &mut near_pts);
                full_pts.clear();
                full_pts.extend(layer.topo.ring_ids(ring, &layer.bands.arcs[band]).iter().map(|&i| layer.topo.points[i as usize]));
                let (a, b) = (area(&clip_ring(&near_pts, near)), area(&clip_ring(&full_pts, near)));
                assert!((a - b).abs() <= 1e-9 * (near[2] - near[0]).powi(2), "tile 14/{x}/{y}: {a} vs {b}");
                compared += 1;
                fewer += usize::from(near_pts.len() < full_pts.len() / 4);
            }
        }
        assert!(compared > 50, "{compared} tiles compared");
        assert!(fewer * 2 > compared, "most tiles walk a fraction of the ring ({fewer} of {compared})");
    }
}
