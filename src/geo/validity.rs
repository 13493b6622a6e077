//! Fast validity checks for polygons and multipolygons (OGC simple-features rules, lenient about
//! rings touching at a shared vertex). A sweep over segments sorted by x finds crossings in about
//! O(n log n) for map-like data — `geo`'s own check is quadratic in ring length, which is too slow
//! for provinces with tens of thousands of vertices.

use ::geo::{Coord, MultiPolygon};
use robust::orient2d;

#[derive(Clone, Copy)]
struct Seg {
    a: Coord<f64>,
    b: Coord<f64>,
    min_x: f64,
    max_x: f64,
    part: u32,
    ring: u32,
    idx: u32,
    ring_len: u32,
}

fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> f64 {
    orient2d(robust::Coord { x: p.x, y: p.y }, robust::Coord { x: q.x, y: q.y }, robust::Coord { x: r.x, y: r.y })
}

fn on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// How two segments meet.
#[derive(Debug, PartialEq)]
enum Meet {
    Apart,
    /// They share exactly one end point.
    SharedEnd,
    /// An end point of one lies inside the other.
    Touch(Coord<f64>),
    Cross(Coord<f64>),
    /// Collinear with an overlap longer than a point.
    Overlap(Coord<f64>),
}

fn meet(s: &Seg, t: &Seg) -> Meet {
    let (p1, p2, q1, q2) = (s.a, s.b, t.a, t.b);
    let o1 = orient(p1, p2, q1);
    let o2 = orient(p1, p2, q2);
    let o3 = orient(q1, q2, p1);
    let o4 = orient(q1, q2, p2);
    if o1 == 0.0 && o2 == 0.0 {
        // Collinear: project on the dominant axis.
        let key = |c: Coord<f64>| if (p2.x - p1.x).abs() >= (p2.y - p1.y).abs() { c.x } else { c.y };
        let (s0, s1) = (key(p1).min(key(p2)), key(p1).max(key(p2)));
        let (t0, t1) = (key(q1).min(key(q2)), key(q1).max(key(q2)));
        let lo = s0.max(t0);
        let hi = s1.min(t1);
        if lo > hi {
            return Meet::Apart;
        }
        if lo == hi {
            return Meet::SharedEnd;
        }
        return Meet::Overlap(if on_segment(q1, p1, p2) { q1 } else { p1 });
    }
    let shares = p1 == q1 || p1 == q2 || p2 == q1 || p2 == q2;
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        let t = o3 / (o3 - o4);
        return Meet::Cross(Coord { x: p1.x + t * (p2.x - p1.x), y: p1.y + t * (p2.y - p1.y) });
    }
    if shares {
        return Meet::SharedEnd;
    }
    for (o, p, a, b) in [(o1, q1, p1, p2), (o2, q2, p1, p2), (o3, p1, q1, q2), (o4, p2, q1, q2)] {
        if o == 0.0 && on_segment(p, a, b) {
            return Meet::Touch(p);
        }
    }
    Meet::Apart
}

fn adjacent(s: &Seg, t: &Seg) -> bool {
    s.part == t.part
        && s.ring == t.ring
        && (s.idx.abs_diff(t.idx) == 1 || s.idx.abs_diff(t.idx) == s.ring_len - 1)
}

fn ring_name(part: u32, ring: u32, many: bool) -> String {
    let name = if ring == 0 { "exterior ring".to_string() } else { format!("hole {ring}") };
    if many { format!("part {}, {name}", part + 1) } else { name }
}

fn describe(s: &Seg, many: bool) -> String {
    ring_name(s.part, s.ring, many)
}

fn fmt_pt(c: Coord<f64>) -> String {
    format!("({:.6}, {:.6})", c.x, c.y)
}

/// Even-odd point in ring (ring closed or not).
pub fn point_in_ring(p: Coord<f64>, ring: &[Coord<f64>]) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Every reason `mp` is not a valid (multi)polygon, in words; empty when valid. At most
/// `limit` crossing findings are listed.
pub fn problems(mp: &MultiPolygon<f64>, limit: usize) -> Vec<String> {
    let many = mp.0.len() > 1;
    let mut out = Vec::new();
    let mut segs = Vec::new();
    for (pi, poly) in mp.0.iter().enumerate() {
        let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
        for (ri, ring) in rings.enumerate() {
            let pts = &ring.0;
            let distinct = {
                let mut d: Vec<Coord<f64>> = pts.clone();
                d.dedup();
                if d.len() > 1 && d.first() == d.last() {
                    d.pop();
                }
                d.len()
            };
            if distinct < 3 {
                out.push(format!("{} has fewer than 3 distinct points", ring_name(pi as u32, ri as u32, many)));
                continue;
            }
            let n = pts.len().saturating_sub(1) as u32;
            let start = segs.len();
            for (k, w) in pts.windows(2).enumerate() {
                if w[0] == w[1] {
                    continue;
                }
                segs.push(Seg {
                    a: w[0],
                    b: w[1],
                    min_x: w[0].x.min(w[1].x),
                    max_x: w[0].x.max(w[1].x),
                    part: pi as u32,
                    ring: ri as u32,
                    idx: k as u32,
                    ring_len: n,
                });
            }
            // Renumber after dropping zero-length segments so adjacency stays meaningful.
            let m = (segs.len() - start) as u32;
            for (k, s) in segs[start..].iter_mut().enumerate() {
                s.idx = k as u32;
                s.ring_len = m;
            }
        }
    }
    segs.sort_by(|a, b| a.min_x.total_cmp(&b.min_x));
    let mut active: Vec<usize> = Vec::new();
    let mut found = 0;
    'sweep: for i in 0..segs.len() {
        let s = segs[i];
        active.retain(|&j| segs[j].max_x >= s.min_x);
        for &j in &active {
            let t = &segs[j];
            if s.b.y.min(s.a.y) > t.a.y.max(t.b.y) || t.b.y.min(t.a.y) > s.a.y.max(s.b.y) {
                continue;
            }
            let same_ring = s.part == t.part && s.ring == t.ring;
            let finding = match meet(&s, t) {
                Meet::Apart => None,
                Meet::SharedEnd if adjacent(&s, t) || !same_ring => None,
                // Non-adjacent segments of one ring meeting at a vertex: a self-touching ring.
                // Accepted, as in most GIS software (geo, GEOS's lenient mode).
                Meet::SharedEnd => None,
                Meet::Touch(p) if same_ring => Some(format!("{} touches itself at {}", describe(&s, many), fmt_pt(p))),
                Meet::Touch(_) => None,
                Meet::Cross(p) if same_ring => {
                    Some(format!("{} has a self-intersection at {}", describe(&s, many), fmt_pt(p)))
                }
                Meet::Cross(p) => {
                    Some(format!("{} and {} cross at {}", describe(&s, many), describe(t, many), fmt_pt(p)))
                }
                Meet::Overlap(p) if same_ring => {
                    Some(format!("{} runs back over itself (a spike) at {}", describe(&s, many), fmt_pt(p)))
                }
                Meet::Overlap(p) => {
                    Some(format!("{} and {} share an edge at {}", describe(&s, many), describe(t, many), fmt_pt(p)))
                }
            };
            if let Some(f) = finding {
                out.push(f);
                found += 1;
                if found >= limit {
                    break 'sweep;
                }
            }
        }
        active.push(i);
    }
    if !out.is_empty() {
        return out;
    }
    // No crossings: containment decides the rest.
    for (pi, poly) in mp.0.iter().enumerate() {
        let ext = &poly.exterior().0;
        for (hi, hole) in poly.interiors().iter().enumerate() {
            if !hole.0.iter().any(|p| point_in_ring(*p, ext) && !ext.contains(p)) {
                let prefix = if many { format!("part {}, ", pi + 1) } else { String::new() };
                out.push(format!("{prefix}hole {} lies outside its exterior ring", hi + 1));
            }
        }
    }
    if many {
        let boxes: Vec<(usize, [f64; 4])> = mp
            .0
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let e = &p.exterior().0;
                let b = e.iter().fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, c| {
                    [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)]
                });
                (i, b)
            })
            .collect();
        let mut sorted = boxes.clone();
        sorted.sort_by(|a, b| a.1[0].total_cmp(&b.1[0]));
        for a in 0..sorted.len() {
            for b in a + 1..sorted.len() {
                let (i, bi) = sorted[a];
                let (j, bj) = sorted[b];
                if bj[0] > bi[2] {
                    break;
                }
                if bj[1] > bi[3] || bi[1] > bj[3] {
                    continue;
                }
                let inside = |outer: usize, inner: usize| {
                    let o = &mp.0[outer];
                    let probe = mp.0[inner].exterior().0.iter().find(|p| !o.exterior().0.contains(p)).copied();
                    probe.is_some_and(|p| {
                        point_in_ring(p, &o.exterior().0) && !o.interiors().iter().any(|h| point_in_ring(p, &h.0))
                    })
                };
                if inside(i, j) || inside(j, i) {
                    out.push(format!("parts {} and {} overlap", i.min(j) + 1, i.max(j) + 1));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::geo::{MultiPolygon, polygon};

    fn mp(p: ::geo::Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(vec![p])
    }

    #[test]
    fn a_square_is_valid() {
        let sq = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.), (x: 0., y: 0.)];
        assert!(problems(&mp(sq), 10).is_empty());
    }

    #[test]
    fn a_bowtie_crosses_itself() {
        let bow = polygon![(x: 0., y: 0.), (x: 0., y: 1.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)];
        let p = problems(&mp(bow), 10);
        assert!(p[0].contains("self-intersection at (0.500000, 0.500000)"), "{p:?}");
    }

    #[test]
    fn a_spike_is_found() {
        let spike = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 3., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.), (x: 0., y: 0.)];
        assert!(problems(&mp(spike), 10).iter().any(|p| p.contains("spike")));
    }

    #[test]
    fn overlapping_parts_are_found_and_touching_parts_are_not() {
        let a = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.), (x: 0., y: 0.)];
        let inner = polygon![(x: 0.5, y: 0.5), (x: 1., y: 0.5), (x: 1., y: 1.), (x: 0.5, y: 0.5)];
        assert!(problems(&MultiPolygon(vec![a.clone(), inner]), 10).iter().any(|p| p.contains("overlap")));
        let corner = polygon![(x: 2., y: 2.), (x: 3., y: 2.), (x: 3., y: 3.), (x: 2., y: 2.)];
        assert!(problems(&MultiPolygon(vec![a, corner]), 10).is_empty());
    }

    #[test]
    fn a_hole_outside_its_polygon_is_found() {
        let p = ::geo::Polygon::new(
            ::geo::LineString::from(vec![(0., 0.), (1., 0.), (1., 1.), (0., 1.), (0., 0.)]),
            vec![::geo::LineString::from(vec![(5., 5.), (5., 6.), (6., 6.), (5., 5.)])],
        );
        assert!(problems(&mp(p), 10).iter().any(|p| p.contains("outside")));
    }
}
