//! Dissolving a coverage along its shared arcs: the units of one group (the communes of a
//! province or district) become one multipolygon whose outline is made of the very arcs of its
//! members, so a derived province coincides with its communes' edges point for point.
//!
//! On a [`Topology`] every boundary between two units is one arc. Inside a group, an arc used by
//! two members (in opposite directions) is interior and disappears; an arc used once is the
//! group's boundary, kept in its member's direction (interior on the left, as RFC 7946 rings
//! run). The kept arcs are chained into rings; where several leave the same point (a group
//! touching itself at a vertex) the sharpest left turn is taken, so touching parts stay separate
//! rings. Counter-clockwise rings are exteriors, clockwise ones holes, each hole going to the
//! smallest exterior around it.
//!
//! This is exact where the coverage is: snapped first (see [`super::snap`]), real data shares its
//! arcs. Where two members still overlap beyond the tolerance the chained rings cross; the
//! caller checks validity and falls back to a polygon union for that group.

use crate::hash::FxHashMap;

use super::topology::Topology;

/// One polygon: exterior ring then holes, each closed (first point repeated last).
pub type Polygon = Vec<Vec<[f64; 2]>>;

/// The union of units `members` (indices into `topo.units`) as polygons, largest first, with
/// the coordinates of `topo.points`.
pub fn dissolve(topo: &Topology, members: &[usize]) -> Vec<Polygon> {
    // Net use of each arc by the group: +1 forwards, −1 backwards.
    let mut net: FxHashMap<u32, i32> = FxHashMap::default();
    for &m in members {
        for ring in topo.units.get(m).into_iter().flatten() {
            for &(arc, rev) in &ring.arcs {
                *net.entry(arc).or_default() += if rev { -1 } else { 1 };
            }
        }
    }
    let mut kept: Vec<(u32, bool)> = net.into_iter().filter(|(_, n)| *n != 0).map(|(a, n)| (a, n < 0)).collect();
    kept.sort_unstable();
    // Directed boundary pieces as point ids.
    let pieces: Vec<Vec<u32>> = kept
        .iter()
        .map(|&(a, rev)| {
            let mut p = topo.arcs[a as usize].clone();
            if rev {
                p.reverse();
            }
            p
        })
        .collect();
    let rings = chain(topo, &pieces);
    assemble(rings.into_iter().map(|r| r.iter().map(|&i| topo.points[i as usize]).collect()).collect())
}

/// Chain directed pieces into closed rings of point ids (open: the first point is not repeated).
fn chain(topo: &Topology, pieces: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut starting: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (i, p) in pieces.iter().enumerate() {
        if let Some(&s) = p.first() {
            starting.entry(s).or_default().push(i);
        }
    }
    let mut used = vec![false; pieces.len()];
    let mut rings = Vec::new();
    for first in 0..pieces.len() {
        if used[first] || pieces[first].len() < 2 {
            continue;
        }
        used[first] = true;
        let start = pieces[first][0];
        let mut ring: Vec<u32> = pieces[first].clone();
        // Follow pieces until the ring closes (or, on broken input, no piece continues it).
        while ring.last() != Some(&start) || ring.len() < 3 {
            let end = *ring.last().unwrap_or(&start);
            let prev = ring[ring.len().saturating_sub(2)];
            let next = starting
                .get(&end)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| !used[i])
                .max_by(|&a, &b| turn(topo, prev, end, pieces[a][1]).total_cmp(&turn(topo, prev, end, pieces[b][1])));
            let Some(next) = next else { break };
            used[next] = true;
            ring.extend_from_slice(&pieces[next][1..]);
        }
        if ring.last() == Some(&start) {
            ring.pop();
        }
        if ring.len() >= 3 {
            rings.push(ring);
        }
    }
    rings
}

/// The turn at `at` from `from` to `to`, in radians: positive to the left, up to π.
fn turn(topo: &Topology, from: u32, at: u32, to: u32) -> f64 {
    let (a, b, c) = (topo.points[from as usize], topo.points[at as usize], topo.points[to as usize]);
    let (d1, d2) = ([b[0] - a[0], b[1] - a[1]], [c[0] - b[0], c[1] - b[1]]);
    (d1[0] * d2[1] - d1[1] * d2[0]).atan2(d1[0] * d2[0] + d1[1] * d2[1])
}

/// Twice the signed area of an open ring (positive: counter-clockwise).
fn signed_area2(r: &[[f64; 2]]) -> f64 {
    let n = r.len();
    (0..n).map(|i| r[i][0] * r[(i + 1) % n][1] - r[(i + 1) % n][0] * r[i][1]).sum()
}

/// Is `p` strictly inside the open ring `r`? (`None` when it lies on the ring.)
fn inside(r: &[[f64; 2]], p: [f64; 2]) -> Option<bool> {
    let n = r.len();
    let mut crossings = false;
    for i in 0..n {
        let (a, b) = (r[i], r[(i + 1) % n]);
        let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        if cross == 0.0 && p[0] >= a[0].min(b[0]) && p[0] <= a[0].max(b[0]) && p[1] >= a[1].min(b[1]) && p[1] <= a[1].max(b[1]) {
            return None;
        }
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]) {
            crossings = !crossings;
        }
    }
    Some(crossings)
}

/// Exteriors (counter-clockwise) and holes (clockwise) into polygons, largest first.
fn assemble(rings: Vec<Vec<[f64; 2]>>) -> Vec<Polygon> {
    let mut exteriors: Vec<(f64, Vec<[f64; 2]>)> = Vec::new();
    let mut holes: Vec<Vec<[f64; 2]>> = Vec::new();
    for r in rings {
        let a = signed_area2(&r);
        if a > 0.0 {
            exteriors.push((a, r));
        } else if a < 0.0 {
            holes.push(r);
        }
    }
    exteriors.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut polygons: Vec<Polygon> = exteriors.iter().map(|(_, r)| vec![r.clone()]).collect();
    for h in holes {
        // The smallest exterior holding a point of the hole that is not on that exterior; the
        // midpoints of the hole's edges are tried when every vertex lies on it.
        let probes = h.iter().copied().chain((0..h.len()).map(|i| {
            let (a, b) = (h[i], h[(i + 1) % h.len()]);
            [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
        }));
        let probes: Vec<[f64; 2]> = probes.collect();
        let owner = exteriors.iter().enumerate().rev().find(|(_, (_, e))| probes.iter().find_map(|p| inside(e, *p)) == Some(true));
        if let Some((i, _)) = owner {
            polygons[i].push(h);
        }
    }
    for p in &mut polygons {
        for r in p.iter_mut() {
            if let Some(&first) = r.first() {
                r.push(first);
            }
        }
    }
    polygons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::topology::RingIn;

    fn square(x: f64, y: f64, s: f64) -> Vec<RingIn> {
        vec![RingIn { points: vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s]], part: 0, hole: false }]
    }

    fn area(p: &Polygon) -> f64 {
        p.iter().enumerate().map(|(i, r)| signed_area2(&r[..r.len() - 1]).abs() / 2.0 * if i == 0 { 1.0 } else { -1.0 }).sum()
    }

    #[test]
    fn four_squares_dissolve_into_one_with_their_outline() {
        let units: Vec<Vec<RingIn>> = vec![square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0), square(0.0, 1.0, 1.0), square(1.0, 1.0, 1.0)];
        let t = Topology::build(&units);
        let d = dissolve(&t, &[0, 1, 2, 3]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].len(), 1, "no hole");
        assert!((area(&d[0]) - 4.0).abs() < 1e-12);
        // Two of them: a 2 × 1 rectangle.
        let d = dissolve(&t, &[0, 1]);
        assert!((area(&d[0]) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_ring_of_units_keeps_its_hole_and_an_enclave_fills_it() {
        // Eight unit squares around a hole at (1,1).
        let mut units = Vec::new();
        for (x, y) in [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 1.0), (2.0, 1.0), (0.0, 2.0), (1.0, 2.0), (2.0, 2.0)] {
            units.push(square(x, y, 1.0));
        }
        units.push(square(1.0, 1.0, 1.0));
        let t = Topology::build(&units);
        let ring: Vec<usize> = (0..8).collect();
        let d = dissolve(&t, &ring);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].len(), 2, "the outline and the hole");
        assert!((area(&d[0]) - 8.0).abs() < 1e-12);
        let all: Vec<usize> = (0..9).collect();
        let d = dissolve(&t, &all);
        assert_eq!((d.len(), d[0].len()), (1, 1));
        assert!((area(&d[0]) - 9.0).abs() < 1e-12);
    }

    #[test]
    fn units_touching_at_a_corner_stay_two_parts_and_islands_are_kept() {
        let units = vec![square(0.0, 0.0, 1.0), square(1.0, 1.0, 1.0), square(5.0, 5.0, 0.5)];
        let t = Topology::build(&units);
        let d = dissolve(&t, &[0, 1, 2]);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.iter().all(|p| p.len() == 1 && p[0].len() == 5));
        let total: f64 = d.iter().map(area).sum();
        assert!((total - 2.25).abs() < 1e-12);
    }
}
