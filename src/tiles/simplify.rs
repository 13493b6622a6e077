//! Zoom bands and arc simplification. Each arc is simplified once per band (Douglas–Peucker,
//! end points kept); rings are rebuilt from the simplified arcs, so neighbours share the same
//! simplified edge. A ring that would collapse (fewer than three distinct points, or next to no
//! area) or become invalid at a band keeps its arcs as the next finer band has them — for every
//! unit using them — so no unit vanishes and no gap opens, and a guarded arc costs only the detail
//! one zoom deeper needs, never its full resolution.
//!
//! There is one band per zoom: the tolerance is what a display shows at that zoom
//! ([`tolerance`]), so a low-zoom tile carries no detail finer than its pixels.

use crate::geo::topology::Topology;
use super::mvt::display_px;

/// Zoom bands: the zoom of each band. A tile at zoom z uses band z; beyond the last band the
/// last band's geometry is used (clients over-zoom the deepest tiles).
pub const BANDS: [u8; 15] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

/// The band index for zoom `z`.
pub fn band_of(z: u8) -> usize {
    BANDS.iter().position(|&m| z <= m).unwrap_or(BANDS.len() - 1)
}

/// Half a pixel: below what simplification may move a boundary.
pub const TOLERANCE_PX: f64 = 0.5;

/// Simplification tolerance of a band in world units (the world is 1 × 1): half a pixel of the
/// band's tiles as shown at their largest ([`display_px`]: twice 512 px before the next zoom's
/// tiles replace them; the deepest zoom is over-zoomed further).
pub fn tolerance(band: usize) -> f64 {
    let z = BANDS[band];
    TOLERANCE_PX / (f64::from(1u32 << z) * display_px(z))
}

fn seg_dist2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) };
    let (qx, qy) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    qx * qx + qy * qy
}

/// Douglas–Peucker on `ids` (point ids into `pts`), keeping both ends; iterative.
pub fn douglas_peucker(pts: &[[f64; 2]], ids: &[u32], tol: f64) -> Vec<u32> {
    let n = ids.len();
    if n <= 2 {
        return ids.to_vec();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let tol2 = tol * tol;
    let mut stack = vec![(0usize, n - 1)];
    while let Some((s, e)) = stack.pop() {
        if e <= s + 1 {
            continue;
        }
        let (a, b) = (pts[ids[s] as usize], pts[ids[e] as usize]);
        let mut best = (0.0, s);
        for i in s + 1..e {
            let d = seg_dist2(pts[ids[i] as usize], a, b);
            if d > best.0 {
                best = (d, i);
            }
        }
        if best.0 > tol2 {
            keep[best.1] = true;
            stack.push((s, best.1));
            stack.push((best.1, e));
        }
    }
    ids.iter().zip(keep).filter(|(_, k)| *k).map(|(i, _)| *i).collect()
}

/// Simplify one arc; a closed loop is split at its farthest point so it keeps a shape.
fn simplify_arc(pts: &[[f64; 2]], arc: &[u32], tol: f64) -> Vec<u32> {
    if arc.len() > 3 && arc.first() == arc.last() {
        let a = pts[arc[0] as usize];
        let far = (1..arc.len() - 1)
            .max_by(|&i, &j| {
                let d = |k: usize| {
                    let p = pts[arc[k] as usize];
                    (p[0] - a[0]).powi(2) + (p[1] - a[1]).powi(2)
                };
                d(i).total_cmp(&d(j))
            })
            .unwrap_or(1);
        let mut first = douglas_peucker(pts, &arc[..=far], tol);
        let second = douglas_peucker(pts, &arc[far..], tol);
        first.extend_from_slice(&second[1..]);
        first
    } else {
        douglas_peucker(pts, arc, tol)
    }
}

/// Signed area (shoelace) of a ring of point ids.
pub fn ring_area(pts: &[[f64; 2]], ring: &[u32]) -> f64 {
    let n = ring.len();
    let mut a = 0.0;
    for i in 0..n {
        let p = pts[ring[i] as usize];
        let q = pts[ring[(i + 1) % n] as usize];
        a += p[0] * q[1] - q[0] * p[1];
    }
    a / 2.0
}

/// Per band, every arc's kept point ids.
#[derive(Debug, Clone, Default)]
pub struct Bands {
    pub arcs: Vec<Vec<Vec<u32>>>,
    /// Arcs that had to keep finer detail at some band (guarded collapses and crossings).
    pub guarded: usize,
}

/// Simplify every arc at every band, then guard rings that collapse or become invalid.
pub fn simplify(topo: &Topology) -> Bands {
    let pts = &topo.points;
    let mut bands: Vec<Vec<Vec<u32>>> = Vec::with_capacity(BANDS.len());
    let mut guarded = 0;
    // Full-resolution ring areas, computed once.
    let orig_areas: Vec<Vec<f64>> = topo
        .units
        .iter()
        .map(|u| u.iter().map(|r| ring_area(pts, &topo.ring_ids(r, &topo.arcs)).abs()).collect())
        .collect();
    // Finest band first: each coarser band simplifies (and, where a ring would break, keeps)
    // the next finer band's arcs.
    for b in (0..BANDS.len()).rev() {
        let tol = tolerance(b);
        let finer: &Vec<Vec<u32>> = bands.last().unwrap_or(&topo.arcs);
        let mut arcs: Vec<Vec<u32>> = finer.iter().map(|a| simplify_arc(pts, a, tol)).collect();
        // Guard: a ring with too few points or next to no area, or a unit whose simplified
        // rings cross, takes its arcs as the finer band has them (for every unit using them).
        for _ in 0..4 {
            let mut restore: Vec<u32> = Vec::new();
            for (ui, unit) in topo.units.iter().enumerate() {
                let simplified = unit.iter().any(|r| r.arcs.iter().any(|a| arcs[a.0 as usize].len() < finer[a.0 as usize].len()));
                if !simplified {
                    continue;
                }
                let mut rings: Vec<(u32, bool, Vec<u32>)> = Vec::with_capacity(unit.len());
                for (ri, ring) in unit.iter().enumerate() {
                    let ids = topo.ring_ids(ring, &arcs);
                    let orig_area = orig_areas[ui][ri];
                    let area = ring_area(pts, &ids).abs();
                    if ids.len() < 3 || area < 0.25 * orig_area.min(tol * tol * 4.0) || area.is_nan() {
                        restore.extend(ring.arcs.iter().map(|a| a.0));
                    }
                    rings.push((ring.part, ring.hole, ids));
                }
                if !valid(pts, &rings) {
                    restore.extend(unit.iter().flat_map(|r| r.arcs.iter().map(|a| a.0)));
                }
            }
            restore.sort_unstable();
            restore.dedup();
            restore.retain(|&a| arcs[a as usize].len() < finer[a as usize].len());
            if restore.is_empty() {
                break;
            }
            guarded += restore.len();
            for a in restore {
                arcs[a as usize] = finer[a as usize].clone();
            }
        }
        bands.push(arcs);
    }
    bands.reverse();
    Bands { arcs: bands, guarded }
}

/// Whether rings (part, hole, point ids) form a valid (multi)polygon.
fn valid(pts: &[[f64; 2]], rings: &[(u32, bool, Vec<u32>)]) -> bool {
    use ::geo::{Coord, LineString, MultiPolygon, Polygon};
    let mut parts: std::collections::BTreeMap<u32, (Option<LineString<f64>>, Vec<LineString<f64>>)> = Default::default();
    for (part, hole, ids) in rings {
        if ids.len() < 3 {
            continue;
        }
        let mut cs: Vec<Coord<f64>> = ids.iter().map(|&i| Coord { x: pts[i as usize][0], y: pts[i as usize][1] }).collect();
        cs.push(cs[0]);
        let e = parts.entry(*part).or_default();
        if *hole { e.1.push(LineString(cs)) } else { e.0 = Some(LineString(cs)) }
    }
    let mp = MultiPolygon(parts.into_values().filter_map(|(ext, holes)| ext.map(|e| Polygon::new(e, holes))).collect());
    crate::geo::validity::problems(&mp, 1).is_empty()
}
