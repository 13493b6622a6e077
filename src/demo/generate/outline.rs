//! The outline of a set of cells: edges shared by two cells of the set cancel, the rest chain
//! into rings (exteriors counter-clockwise, holes clockwise). Every Voronoi edge is "wiggled"
//! by midpoint displacement seeded from its two end points, so both units on either side of an
//! edge get exactly the same vertices, in opposite order.

use std::collections::{HashMap, HashSet};

use super::mesh::{Mesh, area_centroid};
use super::rng::{Rng, hash_point};

/// Maximum sideways displacement, as a fraction of the edge length.
const WIGGLE: f64 = 0.16;

/// Rings of one unit: each a closed list of positions (first ≠ last; closing is implicit).
#[derive(Debug, Clone)]
pub struct Shape {
    /// Polygons: exterior followed by its holes.
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

/// Every Voronoi edge on the outline of a cell set, as (lower id, higher id).
pub fn boundary_edges(mesh: &Mesh, cells: &[usize]) -> Vec<(usize, usize)> {
    boundary_cycles(mesh, cells)
        .iter()
        .flat_map(|c| (0..c.len()).map(move |i| (c[i].min(c[(i + 1) % c.len()]), c[i].max(c[(i + 1) % c.len()]))))
        .collect()
}

/// Boundary rings of a cell set as Voronoi vertex id cycles.
pub fn boundary_cycles(mesh: &Mesh, cells: &[usize]) -> Vec<Vec<usize>> {
    let set: HashSet<usize> = cells.iter().copied().collect();
    let mut next: HashMap<usize, usize> = HashMap::new();
    for &c in cells {
        let Some(cell) = &mesh.cells[c] else { continue };
        let n = cell.ring.len();
        for i in 0..n {
            if !set.contains(&cell.edge_neighbor[i]) {
                next.insert(cell.ring[i], cell.ring[(i + 1) % n]);
            }
        }
    }
    let mut starts: Vec<usize> = next.keys().copied().collect();
    starts.sort_unstable();
    let mut seen = HashSet::new();
    let mut cycles = Vec::new();
    for s in starts {
        if seen.contains(&s) {
            continue;
        }
        let mut cyc = vec![s];
        seen.insert(s);
        let mut cur = s;
        while let Some(&n) = next.get(&cur) {
            if n == s {
                break;
            }
            if !seen.insert(n) {
                break; // malformed; cannot happen with degree-3 Voronoi vertices
            }
            cyc.push(n);
            cur = n;
        }
        cycles.push(cyc);
    }
    cycles
}

/// The wiggled intermediate points of the edge a → b (not including a and b); each level of
/// `detail` above (below) 0 doubles (halves) the points of an edge, one level at least.
pub fn edge_points(mesh: &Mesh, a: usize, b: usize, seed: u64, calm: &HashSet<(usize, usize)>, detail: i32) -> Vec<[f64; 2]> {
    let (lo, hi, reversed) = if a < b { (a, b, false) } else { (b, a, true) };
    if calm.contains(&(lo, hi)) {
        return Vec::new();
    }
    let (p, q) = (mesh.vertices[lo], mesh.vertices[hi]);
    let len = ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
    // Levels of midpoint displacement: longer edges get more detail.
    let base: i32 = if len < 0.3 { 1 } else if len < 0.9 { 2 } else if len < 2.2 { 3 } else { 4 };
    let levels = (base + detail).max(1) as u32;
    let n = 1usize << levels;
    let mut pts = vec![p; n + 1];
    pts[n] = q;
    let mut rng = Rng::new(seed ^ hash_point(p) ^ hash_point(q).rotate_left(17));
    let mut step = n;
    let mut amp = WIGGLE;
    while step > 1 {
        let half = step / 2;
        let mut i = 0;
        while i < n {
            let (s, e) = (pts[i], pts[i + step]);
            let (dx, dy) = (e[0] - s[0], e[1] - s[1]);
            let d = rng.range(-1.0, 1.0) * amp;
            pts[i + half] = [(s[0] + e[0]) / 2.0 - dy * d, (s[1] + e[1]) / 2.0 + dx * d];
            i += step;
        }
        step = half;
        amp *= 0.6;
    }
    let mut inner: Vec<[f64; 2]> = pts[1..n].to_vec();
    if reversed {
        inner.reverse();
    }
    inner
}

/// The full, wiggled shape of a cell set: polygons with their holes.
pub fn shape(mesh: &Mesh, cells: &[usize], seed: u64, calm: &HashSet<(usize, usize)>, detail: i32) -> Shape {
    let cycles = boundary_cycles(mesh, cells);
    let mut rings: Vec<(f64, Vec<[f64; 2]>)> = cycles
        .iter()
        .map(|cyc| {
            let mut pts = Vec::with_capacity(cyc.len() * 8);
            for i in 0..cyc.len() {
                let (a, b) = (cyc[i], cyc[(i + 1) % cyc.len()]);
                pts.push(mesh.vertices[a]);
                pts.extend(edge_points(mesh, a, b, seed, calm, detail));
            }
            let (area, _) = area_centroid(&pts);
            (area, pts)
        })
        .collect();
    // Exteriors (positive area) largest first; each hole goes to the smallest exterior containing it.
    rings.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    let mut polygons: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    let mut exterior_area: Vec<f64> = Vec::new();
    let (exts, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|(a, _)| *a > 0.0);
    for (a, r) in exts {
        polygons.push(vec![r]);
        exterior_area.push(a);
    }
    for (_, h) in holes {
        let probe = h[0];
        let owner = (0..polygons.len())
            .filter(|&i| point_in_ring(probe, &polygons[i][0]) || ring_touches(&h, &polygons[i][0]))
            .min_by(|&i, &j| exterior_area[i].total_cmp(&exterior_area[j]));
        if let Some(i) = owner {
            polygons[i].push(h);
        }
    }
    Shape { polygons }
}

fn ring_touches(a: &[[f64; 2]], b: &[[f64; 2]]) -> bool {
    // A hole's vertices may lie on its exterior only at shared Voronoi vertices; test a midpoint.
    let m = [(a[0][0] + a[1][0]) / 2.0, (a[0][1] + a[1][1]) / 2.0];
    point_in_ring(m, b)
}

/// Even-odd point in ring.
pub fn point_in_ring(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
        j = i;
    }
    inside
}
