//! Snapping a real-world coverage so neighbours share exact vertices (what shared arcs need).
//!
//! Real boundary files are not topologically clean: each polygon was simplified on its own, so
//! neighbours' edges almost, but not exactly, coincide. Two passes, in unit order (earlier units
//! win, so the result is deterministic):
//! 1. **vertices**: a vertex within `tol` of another unit's vertex moves onto it;
//! 2. **edges**: a vertex of another unit lying within `tol` of an edge (and not at its ends) is
//!    inserted into that edge.
//! After both, boundaries that ran within `tol` of each other are identical vertex sequences;
//! what was further apart stays as it was (and is measured, not hidden). Repeated points and
//! spikes created by snapping are removed. Coordinates are lon/lat degrees.

use crate::hash::FxHashMap as HashMap;

use super::topology::RingIn;

/// What snapping changed.
#[derive(Debug, Clone, Default)]
pub struct SnapReport {
    /// Per unit: (vertices moved, vertices inserted).
    pub per_unit: Vec<(usize, usize)>,
}

impl SnapReport {
    pub fn moved(&self) -> usize {
        self.per_unit.iter().map(|p| p.0).sum()
    }
    pub fn inserted(&self) -> usize {
        self.per_unit.iter().map(|p| p.1).sum()
    }
    pub fn units_changed(&self) -> usize {
        self.per_unit.iter().filter(|p| p.0 + p.1 > 0).count()
    }
}

type Cell = (i64, i64);

fn cell(p: [f64; 2], size: f64) -> Cell {
    ((p[0] / size).floor() as i64, (p[1] / size).floor() as i64)
}

fn d2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Snap `units` (rings open, lon/lat) in place with tolerance `tol` degrees.
pub fn snap(units: &mut [Vec<RingIn>], tol: f64) -> SnapReport {
    let mut report = SnapReport { per_unit: vec![(0, 0); units.len()] };
    if tol <= 0.0 || units.len() < 2 {
        return report;
    }
    let tol2 = tol * tol;
    // 1. Vertices: the grid holds (point, unit) of units already processed.
    let mut grid: HashMap<Cell, Vec<([f64; 2], u32)>> = HashMap::default();
    for (ui, unit) in units.iter_mut().enumerate() {
        for ring in unit.iter_mut() {
            for p in ring.points.iter_mut() {
                let (cx, cy) = cell(*p, tol);
                let mut best: Option<([f64; 2], f64)> = None;
                for gx in cx - 1..=cx + 1 {
                    for gy in cy - 1..=cy + 1 {
                        if let Some(v) = grid.get(&(gx, gy)) {
                            for (q, owner) in v {
                                if *owner as usize == ui {
                                    continue;
                                }
                                let d = d2(*p, *q);
                                if d <= tol2 && best.is_none_or(|b| d < b.1) {
                                    best = Some((*q, d));
                                }
                            }
                        }
                    }
                }
                if let Some((q, d)) = best
                    && d > 0.0
                {
                    *p = q;
                    report.per_unit[ui].0 += 1;
                }
            }
        }
        for ring in unit.iter() {
            for p in &ring.points {
                grid.entry(cell(*p, tol)).or_default().push((*p, ui as u32));
            }
        }
    }
    // 2. Edges: insert other units' vertices lying on (within tol of) an edge. An R-tree over the
    // distinct points finds the candidates of each edge's (tolerance-padded) box.
    let mut users: HashMap<(u64, u64), Vec<u32>> = HashMap::default();
    let bits = |p: [f64; 2]| ((p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits());
    let mut distinct: Vec<[f64; 2]> = Vec::new();
    for (ui, unit) in units.iter().enumerate() {
        for ring in unit {
            for p in &ring.points {
                let u = users.entry(bits(*p)).or_default();
                if u.is_empty() {
                    distinct.push(*p);
                }
                if !u.contains(&(ui as u32)) {
                    u.push(ui as u32);
                }
            }
        }
    }
    // Only points shared with another unit's neighbourhood matter; all are indexed.
    let tree = rstar::RTree::bulk_load(distinct);
    for (ui, unit) in units.iter_mut().enumerate() {
        for ring in unit.iter_mut() {
            let n = ring.points.len();
            if n < 3 {
                continue;
            }
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (a, b) = (ring.points[i], ring.points[(i + 1) % n]);
                out.push(a);
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let len2 = dx * dx + dy * dy;
                if len2 == 0.0 {
                    continue;
                }
                let env = rstar::AABB::from_corners(
                    [a[0].min(b[0]) - tol, a[1].min(b[1]) - tol],
                    [a[0].max(b[0]) + tol, a[1].max(b[1]) + tol],
                );
                let mut found: Vec<(f64, [f64; 2])> = Vec::new();
                for q in tree.locate_in_envelope(env) {
                    if *q == a || *q == b {
                        continue;
                    }
                    if users.get(&bits(*q)).is_some_and(|u| u.iter().all(|&o| o as usize == ui)) {
                        continue;
                    }
                    let t = ((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / len2;
                    if t <= 0.0 || t >= 1.0 {
                        continue;
                    }
                    let proj = [a[0] + t * dx, a[1] + t * dy];
                    if d2(*q, proj) <= tol2 {
                        found.push((t, *q));
                    }
                }
                found.sort_by(|x, y| x.0.total_cmp(&y.0));
                found.dedup_by(|x, y| x.1 == y.1);
                report.per_unit[ui].1 += found.len();
                out.extend(found.into_iter().map(|f| f.1));
            }
            ring.points = clean(out, tol);
        }
    }
    report
}

/// What [`estimate`] found: the tolerance to snap with, and the evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Degrees; 0 when the coverage is already exact.
    pub tolerance: f64,
    /// Vertices with another unit's boundary within [`SEARCH_RADIUS`].
    pub near: usize,
    /// Of those, how many lie exactly on it.
    pub exact: usize,
    /// Of those, how many miss it by more than the tolerance (left as they are).
    pub beyond: usize,
}

/// How far a vertex may be from a neighbour's boundary and still count as on a shared boundary
/// (degrees, about 220 m): beyond this two boundaries are not the same line drawn twice.
pub const SEARCH_RADIUS: f64 = 2e-3;

/// Choose a snap tolerance from the data. For every vertex, the distance to the nearest edge of
/// another unit within [`SEARCH_RADIUS`]: topologically exact data has (nearly) all of them at
/// zero and gets 0. Polygons simplified one by one miss their neighbours by a spread of small
/// distances, up to about the simplification tolerance, and then the count falls off a cliff;
/// farther "misses" are the other side of a narrow unit or a strait, which must not be closed.
/// The misses are counted in quarter-decade bins; from the fullest bin upwards, bins are kept
/// while they hold at least 30 % of it, and the tolerance is the top of the last one kept,
/// rounded up to one significant digit (on the real 2025 files: 6e-4°, about 65 m).
pub fn estimate<U: AsRef<[RingIn]>>(units: &[U]) -> Estimate {
    let misses = misses(units);
    let near = misses.len();
    let off: Vec<f64> = misses.into_iter().filter(|d| *d > 0.0).collect();
    let exact = near - off.len();
    // Exact data: at most one near vertex in a hundred off its neighbour's edge.
    if off.len() * 100 <= near {
        return Estimate { tolerance: 0.0, near, exact, beyond: off.len() };
    }
    let bin = |d: f64| (d.log10() * 4.0).floor() as i32;
    let mut counts: std::collections::BTreeMap<i32, usize> = std::collections::BTreeMap::new();
    for d in &off {
        *counts.entry(bin(*d)).or_default() += 1;
    }
    let (peak_bin, peak) = counts.iter().max_by_key(|(b, n)| (**n, std::cmp::Reverse(**b))).map_or((0, 0), |(b, n)| (*b, *n));
    let mut last = peak_bin;
    while counts.get(&(last + 1)).is_some_and(|n| *n * 10 >= peak * 3) {
        last += 1;
    }
    let tolerance = round_up_1sig(10f64.powf(f64::from(last + 1) / 4.0)).min(SEARCH_RADIUS);
    let beyond = off.iter().filter(|d| **d > tolerance).count();
    Estimate { tolerance, near, exact, beyond }
}

/// For every vertex with another unit's edge within [`SEARCH_RADIUS`], the distance to it. A
/// vertex another unit also has is at distance 0 without a search; the others are looked up in
/// a grid of [`SEARCH_RADIUS`] cells holding the segments near them, on every core.
fn misses<U: AsRef<[RingIn]>>(units: &[U]) -> Vec<f64> {
    let bits = |p: [f64; 2]| ((p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits());
    // Which unit has each vertex, or u32::MAX when several do.
    let mut owner: HashMap<(u64, u64), u32> = HashMap::default();
    for (ui, unit) in units.iter().enumerate() {
        for ring in unit.as_ref() {
            for p in &ring.points {
                let o = owner.entry(bits(*p)).or_insert(ui as u32);
                if *o != ui as u32 {
                    *o = u32::MAX;
                }
            }
        }
    }
    let r = SEARCH_RADIUS;
    let mut out = Vec::new();
    let mut lonely: Vec<([f64; 2], u32)> = Vec::new();
    let mut wanted: HashMap<Cell, Vec<([f64; 2], [f64; 2], u32)>> = HashMap::default();
    for (ui, unit) in units.iter().enumerate() {
        for ring in unit.as_ref() {
            for p in &ring.points {
                if owner.get(&bits(*p)) == Some(&u32::MAX) {
                    out.push(0.0);
                } else {
                    lonely.push((*p, ui as u32));
                    let (cx, cy) = cell(*p, r);
                    for gx in cx - 1..=cx + 1 {
                        for gy in cy - 1..=cy + 1 {
                            wanted.entry((gx, gy)).or_default();
                        }
                    }
                }
            }
        }
    }
    if lonely.is_empty() {
        return out;
    }
    // The segments of every unit, in the cells near a lonely vertex.
    for (ui, unit) in units.iter().enumerate() {
        for ring in unit.as_ref() {
            let n = ring.points.len();
            for i in 0..n {
                let (a, b) = (ring.points[i], ring.points[(i + 1) % n]);
                let (lo, hi) = (cell([a[0].min(b[0]), a[1].min(b[1])], r), cell([a[0].max(b[0]), a[1].max(b[1])], r));
                if (hi.0 - lo.0 + 1) * (hi.1 - lo.1 + 1) > 10_000 {
                    // A very long segment: only the cells near lonely vertices matter.
                    for (c, segs) in wanted.iter_mut() {
                        if (lo.0..=hi.0).contains(&c.0) && (lo.1..=hi.1).contains(&c.1) {
                            segs.push((a, b, ui as u32));
                        }
                    }
                    continue;
                }
                for gx in lo.0..=hi.0 {
                    for gy in lo.1..=hi.1 {
                        if let Some(segs) = wanted.get_mut(&(gx, gy)) {
                            segs.push((a, b, ui as u32));
                        }
                    }
                }
            }
        }
    }
    let nearest = |(p, ui): &([f64; 2], u32)| {
        let d = wanted
            .get(&cell(*p, r))
            .into_iter()
            .flatten()
            .chain({
                let (cx, cy) = cell(*p, r);
                (cx - 1..=cx + 1).flat_map(move |gx| (cy - 1..=cy + 1).map(move |gy| (gx, gy))).filter(move |c| *c != (cx, cy)).flat_map(|c| wanted.get(&c).into_iter().flatten())
            })
            .filter(|s| s.2 != *ui)
            .map(|s| segment_distance2(*p, s.0, s.1))
            .fold(f64::INFINITY, f64::min);
        (d <= r * r).then(|| d.sqrt())
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let chunk = lonely.len().div_ceil(threads).max(1);
    let found: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = lonely.chunks(chunk).map(|part| scope.spawn(|| part.iter().filter_map(nearest).collect::<Vec<f64>>())).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    out.extend(found.into_iter().flatten());
    out
}

fn segment_distance2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) };
    d2(p, [a[0] + t * dx, a[1] + t * dy])
}

/// `x` rounded up to one significant digit (5.7e-4 → 6e-4).
fn round_up_1sig(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    // Scale by a power of ten that is an exact double, so 6e-4 comes out as the literal 6e-4.
    let k = x.log10().floor() as i32;
    if k < 0 {
        let m = 10f64.powi(-k);
        (x * m).ceil() / m
    } else {
        let m = 10f64.powi(k);
        (x / m).ceil() * m
    }
}

/// Drop repeated points, spikes — a vertex whose neighbours are the same point (a, b, a), or
/// from which the ring runs straight back along itself (a, b, c with c on the line a–b, behind
/// b) — and slivers snapping closed off: a ring passing the same point twice around a loop of
/// at most `tol²` area per vertex (a, b, c, a, b, d → a, b, d).
fn clean(mut pts: Vec<[f64; 2]>, tol: f64) -> Vec<[f64; 2]> {
    pts.dedup();
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let spike = |a: [f64; 2], b: [f64; 2], c: [f64; 2]| {
        if a == c {
            return true;
        }
        let o = robust::orient2d(robust::Coord { x: a[0], y: a[1] }, robust::Coord { x: b[0], y: b[1] }, robust::Coord { x: c[0], y: c[1] });
        o == 0.0 && (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) < 0.0
    };
    let mut changed = true;
    while changed && pts.len() >= 3 {
        changed = false;
        let n = pts.len();
        for i in 0..n {
            let (a, b, c) = (pts[(i + n - 1) % n], pts[i], pts[(i + 1) % n]);
            if spike(a, b, c) {
                pts.remove(i);
                if a == c {
                    // (a, b, a): the second a goes too.
                    let j = i % pts.len();
                    pts.remove(j);
                }
                pts.dedup();
                while pts.len() > 1 && pts.first() == pts.last() {
                    pts.pop();
                }
                changed = true;
                break;
            }
        }
        if !changed && let Some((i, j)) = sliver(&pts, tol) {
            pts.drain(i..j);
            changed = true;
        }
    }
    pts
}

/// A loop between two visits of the same point whose area is at most `tol²` per vertex: the
/// range to drain (first visit included, second kept).
fn sliver(pts: &[[f64; 2]], tol: f64) -> Option<(usize, usize)> {
    let mut seen: HashMap<(u64, u64), usize> = HashMap::default();
    for (j, p) in pts.iter().enumerate() {
        let k = ((p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits());
        if let Some(&i) = seen.get(&k) {
            let lp = &pts[i..j];
            let n = lp.len();
            let area2: f64 = (0..n).map(|a| lp[a][0] * lp[(a + 1) % n][1] - lp[(a + 1) % n][0] * lp[a][1]).sum();
            if area2.abs() / 2.0 <= tol * tol * n as f64 {
                return Some((i, j));
            }
        }
        seen.insert(k, j);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_coincident_neighbours_end_up_sharing_vertices() {
        // Two squares whose common edge is off by 1e-7 and has an extra vertex on one side.
        let a = RingIn { points: vec![[0.0, 0.0], [1.0, 0.0], [1.0, 0.5], [1.0, 1.0], [0.0, 1.0]], part: 0, hole: false };
        let b = RingIn { points: vec![[1.000_000_1, 0.0], [2.0, 0.0], [2.0, 1.0], [1.000_000_1, 1.0]], part: 0, hole: false };
        let mut units = vec![vec![a], vec![b]];
        let r = snap(&mut units, 1e-6);
        assert_eq!(r.moved(), 2);
        assert_eq!(r.inserted(), 1);
        assert!(units[1][0].points.contains(&[1.0, 0.5]));
        assert!(units[1][0].points.contains(&[1.0, 0.0]) && units[1][0].points.contains(&[1.0, 1.0]));
    }

    fn square(x: f64, y: f64) -> Vec<RingIn> {
        vec![RingIn { points: vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.0], [x, y + 1.0]], part: 0, hole: false }]
    }

    #[test]
    fn exact_data_needs_no_tolerance_and_misfits_set_it() {
        let exact: Vec<Vec<RingIn>> = (0..4).map(|i| square(f64::from(i), 0.0)).collect();
        let e = estimate(&exact);
        assert_eq!(e.tolerance, 0.0);
        assert!(e.near > 0 && e.exact == e.near);
        // Shift every other square by 3e-5°: the shared edges miss by that much.
        let off: Vec<Vec<RingIn>> = (0..4).map(|i| square(f64::from(i) + if i % 2 == 1 { 3e-5 } else { 0.0 }, 0.0)).collect();
        let e = estimate(&off);
        // 3e-5 lies in the quarter decade [1.78e-5, 3.16e-5): its top, rounded up, is 4e-5.
        assert_eq!(e.tolerance, 4e-5, "{e:?}");
        assert_eq!(e.beyond, 0);
        assert_eq!(round_up_1sig(5.7e-4), 6e-4);
    }
}
