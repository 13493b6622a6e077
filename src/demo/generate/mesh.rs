//! The tessellation every synthetic unit is built from: Poisson-disc seeds relaxed by Lloyd
//! iterations, and their Voronoi cells (from spade's Delaunay triangulation). Cells share their
//! Voronoi vertices by index, so any union of cells has boundaries that neighbours share exactly.
//! Coordinates are in a local plane in kilometres.

use spade::{DelaunayTriangulation, HasPosition, Point2, Triangulation};

use super::rng::Rng;

/// A bounded Voronoi cell.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Voronoi vertex ids, counter-clockwise.
    pub ring: Vec<usize>,
    /// `edge_neighbor[i]` is the seed across the edge `ring[i] → ring[i+1]`.
    pub edge_neighbor: Vec<usize>,
    pub area: f64,
    pub centroid: [f64; 2],
}

/// Seeds, Voronoi vertices and cells.
#[derive(Debug, Clone)]
pub struct Mesh {
    pub seeds: Vec<[f64; 2]>,
    /// Seeds with index < `hull` are the fixed outer ring whose cells are unbounded or clipped.
    pub hull: usize,
    pub vertices: Vec<[f64; 2]>,
    /// Per seed; `None` for hull seeds and any unbounded cell.
    pub cells: Vec<Option<Cell>>,
    pub width: f64,
    pub height: f64,
}

#[derive(Clone, Copy)]
struct Seed {
    p: Point2<f64>,
    idx: usize,
}

impl HasPosition for Seed {
    type Scalar = f64;
    fn position(&self) -> Point2<f64> {
        self.p
    }
}

/// Bridson's Poisson-disc sampling of a `width × height` rectangle with minimum distance `r`.
pub fn poisson_disc(rng: &mut Rng, width: f64, height: f64, r: f64) -> Vec<[f64; 2]> {
    let cell = r / std::f64::consts::SQRT_2;
    let (gw, gh) = ((width / cell).ceil() as usize + 1, (height / cell).ceil() as usize + 1);
    let mut grid: Vec<Option<usize>> = vec![None; gw * gh];
    let mut points: Vec<[f64; 2]> = Vec::new();
    let mut active: Vec<usize> = Vec::new();
    let gi = |p: [f64; 2]| ((p[0] / cell) as usize, (p[1] / cell) as usize);
    let first = [rng.range(0.0, width), rng.range(0.0, height)];
    let (x, y) = gi(first);
    grid[y * gw + x] = Some(0);
    points.push(first);
    active.push(0);
    while !active.is_empty() {
        let k = (rng.next_u64() % active.len() as u64) as usize;
        let base = points[active[k]];
        let mut placed = false;
        for _ in 0..30 {
            let a = rng.range(0.0, std::f64::consts::TAU);
            let d = rng.range(r, 2.0 * r);
            let p = [base[0] + d * a.cos(), base[1] + d * a.sin()];
            if p[0] < 0.0 || p[1] < 0.0 || p[0] >= width || p[1] >= height {
                continue;
            }
            let (px, py) = gi(p);
            let mut ok = true;
            'scan: for yy in py.saturating_sub(2)..(py + 3).min(gh) {
                for xx in px.saturating_sub(2)..(px + 3).min(gw) {
                    if let Some(j) = grid[yy * gw + xx] {
                        let q = points[j];
                        if (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2) < r * r {
                            ok = false;
                            break 'scan;
                        }
                    }
                }
            }
            if ok {
                grid[py * gw + px] = Some(points.len());
                active.push(points.len());
                points.push(p);
                placed = true;
                break;
            }
        }
        if !placed {
            active.swap_remove(k);
        }
    }
    points
}

/// Seeds on a jittered rectangle around the domain, `margin` outside it, so that every inner
/// cell is bounded.
pub fn hull_seeds(rng: &mut Rng, width: f64, height: f64, r: f64) -> Vec<[f64; 2]> {
    let m = 2.5 * r;
    let mut out = Vec::new();
    let nx = ((width + 2.0 * m) / r).ceil() as usize;
    let ny = ((height + 2.0 * m) / r).ceil() as usize;
    for i in 0..=nx {
        let x = -m + i as f64 * (width + 2.0 * m) / nx as f64;
        out.push([x + rng.range(-0.1, 0.1) * r, -m + rng.range(-0.1, 0.1) * r]);
        out.push([x + rng.range(-0.1, 0.1) * r, height + m + rng.range(-0.1, 0.1) * r]);
    }
    for j in 1..ny {
        let y = -m + j as f64 * (height + 2.0 * m) / ny as f64;
        out.push([-m + rng.range(-0.1, 0.1) * r, y + rng.range(-0.1, 0.1) * r]);
        out.push([width + m + rng.range(-0.1, 0.1) * r, y + rng.range(-0.1, 0.1) * r]);
    }
    out
}

/// Signed area (positive counter-clockwise) and centroid of a closed ring given by positions.
pub fn area_centroid(ring: &[[f64; 2]]) -> (f64, [f64; 2]) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..ring.len() {
        let p = ring[i];
        let q = ring[(i + 1) % ring.len()];
        let cross = p[0] * q[1] - q[0] * p[1];
        a += cross;
        cx += (p[0] + q[0]) * cross;
        cy += (p[1] + q[1]) * cross;
    }
    a *= 0.5;
    if a.abs() < 1e-300 {
        return (0.0, ring.first().copied().unwrap_or([0.0, 0.0]));
    }
    (a, [cx / (6.0 * a), cy / (6.0 * a)])
}

impl Mesh {
    /// Build the Voronoi cells of `seeds` (the first `hull` of them are the outer ring).
    pub fn build(seeds: Vec<[f64; 2]>, hull: usize, width: f64, height: f64) -> Mesh {
        let input: Vec<Seed> =
            seeds.iter().enumerate().map(|(idx, p)| Seed { p: Point2::new(p[0], p[1]), idx }).collect();
        let tri: DelaunayTriangulation<Seed> =
            DelaunayTriangulation::bulk_load(input).unwrap_or_else(|_| DelaunayTriangulation::new());
        let mut vertices = vec![[f64::NAN, f64::NAN]; tri.all_faces().len()];
        for f in tri.inner_faces() {
            let c = f.circumcenter();
            vertices[f.fix().index()] = [c.x, c.y];
        }
        let mut cells = vec![None; seeds.len()];
        for v in tri.vertices() {
            let idx = v.data().idx;
            if idx < hull {
                continue;
            }
            let mut ring = Vec::new();
            let mut edge_neighbor = Vec::new();
            let mut bounded = true;
            let edges: Vec<_> = v.out_edges().collect();
            for (i, e) in edges.iter().enumerate() {
                let face = e.face();
                if face.is_outer() {
                    bounded = false;
                    break;
                }
                ring.push(face.fix().index());
                // Edge ring[i] → ring[i+1] separates v from the target of the next out edge.
                edge_neighbor.push(edges[(i + 1) % edges.len()].to().data().idx);
            }
            if !bounded || ring.len() < 3 {
                continue;
            }
            let pos: Vec<[f64; 2]> = ring.iter().map(|i| vertices[*i]).collect();
            let (area, centroid) = area_centroid(&pos);
            cells[idx] = Some(Cell { ring, edge_neighbor, area, centroid });
        }
        Mesh { seeds, hull, vertices, cells, width, height }
    }

    /// One Lloyd step: move every inner seed to its cell's centroid (kept inside the domain).
    pub fn relaxed(&self) -> Mesh {
        let mut seeds = self.seeds.clone();
        for (i, c) in self.cells.iter().enumerate() {
            if let Some(c) = c
                && i >= self.hull
            {
                seeds[i] = [c.centroid[0].clamp(0.0, self.width), c.centroid[1].clamp(0.0, self.height)];
            }
        }
        Mesh::build(seeds, self.hull, self.width, self.height)
    }

    /// Cells adjacent to `c` (sharing an edge).
    pub fn neighbors(&self, c: usize) -> impl Iterator<Item = usize> + '_ {
        self.cells[c].iter().flat_map(|cell| cell.edge_neighbor.iter().copied())
    }
}
