//! Web Mercator in "world" units: x and y in [0, 1], y growing southwards, as tile pyramids use.

/// Latitude limit of Web Mercator.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// lon/lat (degrees) → world [0, 1]².
pub fn to_world(lon: f64, lat: f64) -> [f64; 2] {
    let x = (lon + 180.0) / 360.0;
    let s = lat.clamp(-MAX_LAT, MAX_LAT).to_radians().sin();
    let y = 0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI);
    [x, y]
}

/// world → lon/lat.
pub fn to_lonlat(p: [f64; 2]) -> [f64; 2] {
    let lon = p[0] * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * p[1]);
    let lat = n.sinh().atan().to_degrees();
    [lon, lat]
}

/// World bounds of tile z/x/y: [min_x, min_y, max_x, max_y].
pub fn tile_bounds(z: u8, x: u32, y: u32) -> [f64; 4] {
    let n = f64::from(1u32 << z);
    [f64::from(x) / n, f64::from(y) / n, f64::from(x + 1) / n, f64::from(y + 1) / n]
}

/// The tile range covering a world bbox at zoom z (inclusive).
pub fn tile_range(z: u8, b: [f64; 4]) -> (u32, u32, u32, u32) {
    let n = f64::from(1u32 << z);
    let max = (1u32 << z) - 1;
    let clamp = |v: f64| (v * n).floor().clamp(0.0, f64::from(max)) as u32;
    (clamp(b[0]), clamp(b[1]), clamp(b[2]), clamp(b[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_points() {
        assert_eq!(to_world(0.0, 0.0), [0.5, 0.5]);
        let p = to_lonlat(to_world(106.7, 10.8));
        assert!((p[0] - 106.7).abs() < 1e-9 && (p[1] - 10.8).abs() < 1e-9);
        assert_eq!(tile_bounds(1, 1, 0), [0.5, 0.0, 1.0, 0.5]);
    }
}
