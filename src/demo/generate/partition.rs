//! Splitting a connected set of cells into `k` compact, connected regions by growing them from
//! well-spread starting cells at once (a multi-source Dijkstra on centroid distance, with a
//! little noise so borders are not straight).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use super::mesh::Mesh;
use super::rng::Rng;

#[derive(PartialEq)]
struct Item {
    cost: f64,
    cell: usize,
    region: usize,
}
impl Eq for Item {}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        o.cost.total_cmp(&self.cost).then_with(|| o.cell.cmp(&self.cell))
    }
}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Connected components of `cells` under cell adjacency, largest first.
pub fn components(mesh: &Mesh, cells: &[usize]) -> Vec<Vec<usize>> {
    let set: HashSet<usize> = cells.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut sorted = cells.to_vec();
    sorted.sort_unstable();
    for &s in &sorted {
        if !seen.insert(s) {
            continue;
        }
        let mut comp = vec![s];
        let mut stack = vec![s];
        while let Some(c) = stack.pop() {
            for n in mesh.neighbors(c) {
                if set.contains(&n) && seen.insert(n) {
                    comp.push(n);
                    stack.push(n);
                }
            }
        }
        comp.sort_unstable();
        out.push(comp);
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

/// Partition the connected `cells` into `k` regions (fewer if there are fewer cells). Region
/// starts are chosen by farthest-point sampling; `weight` (e.g. population) makes regions
/// smaller where it is high.
pub fn grow(mesh: &Mesh, cells: &[usize], k: usize, rng: &mut Rng, weight: &dyn Fn(usize) -> f64) -> Vec<Vec<usize>> {
    let k = k.clamp(1, cells.len().max(1));
    if cells.is_empty() {
        return Vec::new();
    }
    let centroid = |c: usize| mesh.cells[c].as_ref().map_or(mesh.seeds[c], |x| x.centroid);
    let mut starts = vec![cells[(rng.next_u64() % cells.len() as u64) as usize]];
    let mut best: Vec<f64> = cells.iter().map(|&c| dist(centroid(c), centroid(starts[0]))).collect();
    while starts.len() < k {
        let (i, _) = best.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap_or((0, &0.0));
        let s = cells[i];
        starts.push(s);
        for (j, &c) in cells.iter().enumerate() {
            best[j] = best[j].min(dist(centroid(c), centroid(s)));
        }
    }
    let set: HashSet<usize> = cells.iter().copied().collect();
    let mut owner: HashMap<usize, usize> = HashMap::new();
    let mut heap = BinaryHeap::new();
    for (r, &s) in starts.iter().enumerate() {
        heap.push(Item { cost: 0.0, cell: s, region: r });
    }
    let noise: HashMap<usize, f64> = cells.iter().map(|&c| (c, rng.range(0.75, 1.25))).collect();
    while let Some(Item { cost, cell, region }) = heap.pop() {
        if owner.contains_key(&cell) {
            continue;
        }
        owner.insert(cell, region);
        for n in mesh.neighbors(cell) {
            if set.contains(&n) && !owner.contains_key(&n) {
                let step = dist(centroid(cell), centroid(n)) * noise[&n] * weight(n).max(0.05);
                heap.push(Item { cost: cost + step, cell: n, region });
            }
        }
    }
    let mut regions = vec![Vec::new(); k];
    let mut sorted = cells.to_vec();
    sorted.sort_unstable();
    for c in sorted {
        if let Some(&r) = owner.get(&c) {
            regions[r].push(c);
        }
    }
    regions.retain(|r| !r.is_empty());
    regions
}
