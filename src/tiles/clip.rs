//! Clipping to a tile's rectangle (plus buffer): Sutherland–Hodgman for rings, Liang–Barsky for
//! lines. Rings may come out with edges along the clip border; those are harmless for rendering
//! and zero-area leftovers are dropped after quantising.

/// Axis-aligned rectangle [min_x, min_y, max_x, max_y].
pub type Rect = [f64; 4];

/// Clip a closed ring (open list, closing point implicit) to `r`.
pub fn clip_ring(ring: &[[f64; 2]], r: Rect) -> Vec<[f64; 2]> {
    let (mut out, mut spare) = (Vec::new(), Vec::new());
    clip_ring_into(ring, r, &mut out, &mut spare);
    out
}

/// [`clip_ring`] into `out`, with `spare` as the second buffer of the passes (both reused by the
/// caller, cleared here).
pub fn clip_ring_into(ring: &[[f64; 2]], r: Rect, out: &mut Vec<[f64; 2]>, spare: &mut Vec<[f64; 2]>) {
    out.clear();
    out.extend_from_slice(ring);
    // Fast path: entirely inside.
    if ring.iter().all(|p| p[0] >= r[0] && p[0] <= r[2] && p[1] >= r[1] && p[1] <= r[3]) {
        return;
    }
    for edge in 0..4 {
        if out.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| match edge {
            0 => p[0] >= r[0],
            1 => p[1] >= r[1],
            2 => p[0] <= r[2],
            _ => p[1] <= r[3],
        };
        let cross = |a: &[f64; 2], b: &[f64; 2]| -> [f64; 2] {
            let (k, v) = match edge {
                0 => (0, r[0]),
                1 => (1, r[1]),
                2 => (0, r[2]),
                _ => (1, r[3]),
            };
            let t = (v - a[k]) / (b[k] - a[k]);
            let mut p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            p[k] = v;
            p
        };
        std::mem::swap(out, spare);
        out.clear();
        let input = &*spare;
        let n = input.len();
        for i in 0..n {
            let cur = &input[i];
            let prev = &input[(i + n - 1) % n];
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(*cur),
                (true, false) => out.push(cross(prev, cur)),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(*cur);
                }
                (false, false) => {}
            }
        }
    }
}

/// Clip a polyline to `r`; may split it into several pieces.
pub fn clip_line(line: &[[f64; 2]], r: Rect) -> Vec<Vec<[f64; 2]>> {
    let mut pieces = Vec::new();
    let mut cur: Vec<[f64; 2]> = Vec::new();
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let mut visible = true;
        for (p, q) in [(-dx, a[0] - r[0]), (dx, r[2] - a[0]), (-dy, a[1] - r[1]), (dy, r[3] - a[1])] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                    break;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        if !visible || t0 > t1 {
            if cur.len() > 1 {
                pieces.push(std::mem::take(&mut cur));
            }
            cur.clear();
            continue;
        }
        let s = [a[0] + t0 * dx, a[1] + t0 * dy];
        let e = [a[0] + t1 * dx, a[1] + t1 * dy];
        if cur.last() != Some(&s) {
            if cur.len() > 1 {
                pieces.push(std::mem::take(&mut cur));
            }
            cur.clear();
            cur.push(s);
        }
        cur.push(e);
        if t1 < 1.0 {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if cur.len() > 1 {
        pieces.push(cur);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_a_square_to_a_corner() {
        let sq = [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]];
        let c = clip_ring(&sq, [0.0, 0.0, 2.0, 2.0]);
        let area: f64 = (0..c.len()).map(|i| {
            let (p, q) = (c[i], c[(i + 1) % c.len()]);
            p[0] * q[1] - q[0] * p[1]
        }).sum::<f64>() / 2.0;
        assert!((area - 1.0).abs() < 1e-12);
    }

    #[test]
    fn clips_a_line_crossing_twice() {
        let l = [[-1.0, 0.5], [0.5, 0.5], [0.5, 3.0], [0.8, 0.5], [0.8, -1.0]];
        let pieces = clip_line(&l, [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(pieces.len(), 2);
    }
}
