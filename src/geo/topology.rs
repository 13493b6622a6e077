//! A polygon coverage as shared arcs, the way TopoJSON and mapshaper build it: every boundary
//! between two units is stored once, and each ring is a list of references to arcs. Simplifying
//! an arc once therefore simplifies both neighbours identically — no slivers, no gaps.
//!
//! Points are identified by exact equality (after the optional snapping of [`super::snap`]); a
//! point is a *junction* where the rings using it disagree on its neighbours (three units meet,
//! or a shared boundary meets the coast). Rings are cut at junctions into arcs; an arc and its
//! reverse are the same arc.

use crate::hash::FxHashMap;

/// A ring of one unit: its points (open: the closing point is implicit), which polygon part it
/// belongs to and whether it is a hole.
#[derive(Debug, Clone)]
pub struct RingIn {
    pub points: Vec<[f64; 2]>,
    pub part: u32,
    pub hole: bool,
}

/// A ring as arc references: (arc id, reversed).
#[derive(Debug, Clone)]
pub struct RingRef {
    pub arcs: Vec<(u32, bool)>,
    pub part: u32,
    pub hole: bool,
}

/// The coverage as arcs.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Every distinct point.
    pub points: Vec<[f64; 2]>,
    /// Arcs as point ids, from one junction to the next (first = last for a closed loop).
    pub arcs: Vec<Vec<u32>>,
    /// Per unit, its rings.
    pub units: Vec<Vec<RingRef>>,
}

/// A unit's stored polygons (exterior then holes, rings closed or open) as open rings.
pub fn rings_of(polygons: &[Vec<Vec<[f64; 2]>>]) -> Vec<RingIn> {
    let mut out = Vec::new();
    for (pi, poly) in polygons.iter().enumerate() {
        for (ri, ring) in poly.iter().enumerate() {
            let mut points = ring.clone();
            if points.len() > 1 && points.first() == points.last() {
                points.pop();
            }
            out.push(RingIn { points, part: pi as u32, hole: ri > 0 });
        }
    }
    out
}

/// Open rings back into polygons (exterior then holes, rings closed), by part.
pub fn polygons_of(rings: &[RingIn]) -> Vec<Vec<Vec<[f64; 2]>>> {
    let mut parts: std::collections::BTreeMap<u32, Vec<Vec<[f64; 2]>>> = std::collections::BTreeMap::new();
    for r in rings.iter().filter(|r| r.points.len() >= 3) {
        let mut points = r.points.clone();
        points.push(points[0]);
        let p = parts.entry(r.part).or_default();
        if r.hole { p.push(points) } else { p.insert(0, points) }
    }
    parts.into_values().filter(|p| !p.is_empty()).collect()
}

fn key(p: [f64; 2]) -> (u64, u64) {
    // -0.0 and 0.0 are the same point.
    ((p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits())
}

impl Topology {
    /// Build the arcs of `units` (each a list of rings).
    pub fn build(units: &[Vec<RingIn>]) -> Topology {
        let mut ids: FxHashMap<(u64, u64), u32> = FxHashMap::default();
        let mut points: Vec<[f64; 2]> = Vec::new();
        // Rings as point ids, consecutive duplicates removed.
        let mut rings: Vec<Vec<Vec<u32>>> = Vec::with_capacity(units.len());
        for u in units {
            let mut rs = Vec::with_capacity(u.len());
            for r in u {
                let mut ring: Vec<u32> = Vec::with_capacity(r.points.len());
                for p in &r.points {
                    let id = *ids.entry(key(*p)).or_insert_with(|| {
                        points.push(*p);
                        (points.len() - 1) as u32
                    });
                    if ring.last() != Some(&id) {
                        ring.push(id);
                    }
                }
                while ring.len() > 1 && ring.first() == ring.last() {
                    ring.pop();
                }
                rs.push(ring);
            }
            rings.push(rs);
        }

        // Junctions: a point whose (unordered) neighbour pair differs between its uses.
        const NONE: u64 = u64::MAX;
        let mut first_pair: Vec<u64> = vec![NONE; points.len()];
        let mut junction: Vec<bool> = vec![false; points.len()];
        for u in &rings {
            for r in u {
                let n = r.len();
                if n < 3 {
                    continue;
                }
                for i in 0..n {
                    let (a, b) = (r[(i + n - 1) % n], r[(i + 1) % n]);
                    let pair = (u64::from(a.min(b)) << 32) | u64::from(a.max(b));
                    let p = r[i] as usize;
                    if first_pair[p] == NONE {
                        first_pair[p] = pair;
                    } else if first_pair[p] != pair {
                        junction[p] = true;
                    }
                }
            }
        }

        let mut arcs: Vec<Vec<u32>> = Vec::new();
        let mut index: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
        let mut add_arc = |seq: Vec<u32>, arcs: &mut Vec<Vec<u32>>| -> (u32, bool) {
            if let Some(&id) = index.get(&seq) {
                return (id, false);
            }
            let rev: Vec<u32> = seq.iter().rev().copied().collect();
            if let Some(&id) = index.get(&rev) {
                return (id, true);
            }
            let id = arcs.len() as u32;
            index.insert(seq.clone(), id);
            arcs.push(seq);
            (id, false)
        };
        let mut out_units = Vec::with_capacity(units.len());
        for (u, rs) in units.iter().zip(&rings) {
            let mut refs = Vec::with_capacity(rs.len());
            for (rin, r) in u.iter().zip(rs) {
                let n = r.len();
                if n < 3 {
                    continue;
                }
                let cuts: Vec<usize> = (0..n).filter(|&i| junction[r[i] as usize]).collect();
                let mut ring_arcs = Vec::new();
                if cuts.is_empty() {
                    // A loop touching no other ring (island, enclave): one closed arc, rotated to
                    // start at its smallest point id so both sides of an enclave agree.
                    let start = (0..n).min_by_key(|&i| r[i]).unwrap_or(0);
                    let mut seq: Vec<u32> = (0..=n).map(|k| r[(start + k) % n]).collect();
                    // Orientation-independent key: use the direction whose second point is smaller.
                    let fwd = seq[1];
                    let bwd = seq[n - 1];
                    let mut reversed = false;
                    if bwd < fwd {
                        seq.reverse();
                        reversed = true;
                    }
                    let (id, rev) = add_arc(seq, &mut arcs);
                    ring_arcs.push((id, rev ^ reversed));
                } else {
                    for (k, &c) in cuts.iter().enumerate() {
                        let next = cuts[(k + 1) % cuts.len()];
                        let len = if next > c { next - c } else { next + n - c };
                        let seq: Vec<u32> = (0..=len).map(|j| r[(c + j) % n]).collect();
                        ring_arcs.push(add_arc(seq, &mut arcs));
                    }
                }
                refs.push(RingRef { arcs: ring_arcs, part: rin.part, hole: rin.hole });
            }
            out_units.push(refs);
        }
        Topology { points, arcs, units: out_units }
    }

    /// A ring's point ids, rebuilt from arc versions `arc_points` (one list of point ids per arc).
    pub fn ring_ids(&self, ring: &RingRef, arc_points: &[Vec<u32>]) -> Vec<u32> {
        let mut out = Vec::new();
        self.ring_ids_into(ring, arc_points, &mut out);
        out
    }

    /// [`Topology::ring_ids`] into a buffer the caller reuses (cleared first).
    pub fn ring_ids_into(&self, ring: &RingRef, arc_points: &[Vec<u32>], out: &mut Vec<u32>) {
        out.clear();
        for &(a, rev) in &ring.arcs {
            let pts = &arc_points[a as usize];
            let mut push = |p: u32| {
                if out.last() != Some(&p) {
                    out.push(p);
                }
            };
            if rev {
                pts.iter().rev().for_each(|&p| push(p));
            } else {
                pts.iter().for_each(|&p| push(p));
            }
        }
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sq(x: f64, y: f64) -> RingIn {
        RingIn { points: vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.0], [x, y + 1.0]], part: 0, hole: false }
    }

    #[test]
    fn two_squares_share_one_arc() {
        let t = Topology::build(&[vec![sq(0.0, 0.0)], vec![sq(1.0, 0.0)]]);
        // The shared edge (1,0)-(1,1) is one arc used forwards by one square and backwards by the other.
        let shared: Vec<u32> =
            t.units[0][0].arcs.iter().map(|a| a.0).filter(|a| t.units[1][0].arcs.iter().any(|b| b.0 == *a)).collect();
        assert_eq!(shared.len(), 1);
        let a = &t.arcs[shared[0] as usize];
        assert_eq!(a.len(), 2);
        let dir0 = t.units[0][0].arcs.iter().find(|x| x.0 == shared[0]).unwrap().1;
        let dir1 = t.units[1][0].arcs.iter().find(|x| x.0 == shared[0]).unwrap().1;
        assert_ne!(dir0, dir1);
        // Rebuilt rings have all four corners.
        assert_eq!(t.ring_ids(&t.units[0][0], &t.arcs).len(), 4);
        assert_eq!(t.ring_ids(&t.units[1][0], &t.arcs).len(), 4);
    }

    #[test]
    fn an_enclave_and_its_hole_are_the_same_closed_arc() {
        let outer = RingIn { points: vec![[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]], part: 0, hole: false };
        let hole = RingIn { points: vec![[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 1.0]], part: 0, hole: true };
        let inner = RingIn { points: vec![[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0]], part: 0, hole: false };
        let t = Topology::build(&[vec![outer, hole], vec![inner]]);
        assert_eq!(t.units[0][1].arcs.len(), 1);
        assert_eq!(t.units[1][0].arcs.len(), 1);
        assert_eq!(t.units[0][1].arcs[0].0, t.units[1][0].arcs[0].0);
        assert_ne!(t.units[0][1].arcs[0].1, t.units[1][0].arcs[0].1);
    }
}
