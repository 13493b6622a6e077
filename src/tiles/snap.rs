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
            ring.points = clean(out);
        }
    }
    report
}

/// Drop repeated points and spikes (a, b, a).
fn clean(mut pts: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    pts.dedup();
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let mut changed = true;
    while changed && pts.len() >= 3 {
        changed = false;
        let n = pts.len();
        for i in 0..n {
            if pts[(i + n - 1) % n] == pts[(i + 1) % n] {
                pts.remove(i);
                let j = i % pts.len();
                pts.remove(j);
                changed = true;
                break;
            }
        }
    }
    pts
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
}
