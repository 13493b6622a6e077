//! Coordinate reference systems boundary files arrive in, and their conversion to WGS84
//! longitude/latitude: WGS84 itself (geographic or UTM), and VN-2000 in all its forms —
//! geographic (EPSG:4756), UTM zones 48/49 N (EPSG:3405/3406, k0 0.9996) and TM-3 with a
//! province's central meridian (k0 0.9999). The datum shift is the published 7-parameter
//! transformation of Decision 05/2007/QĐ-BTNMT (EPSG:6960, coordinate-frame rotations), pinned
//! here whatever a file's own TOWGS84 says (`../shared/vn2000.md` explains the sign trap). The
//! projection is the Krüger series to the fourth order (sub-millimetre within TM-3 zones).

use std::fmt;

/// WGS84 (and VN-2000's) ellipsoid.
const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_223_563;

/// VN-2000 → WGS84 (Decision 05/2007/QĐ-BTNMT): translations (m), rotations (arc-seconds,
/// coordinate-frame convention), scale (ppm).
const TOWGS84: [f64; 7] = [-191.904_414_29, -39.303_182_79, -111.450_328_35, -0.009_288_36, 0.019_754_79, -0.004_273_72, 0.252_906_278];

/// The datum of a CRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Datum {
    Wgs84,
    Vn2000,
}

/// A coordinate reference system a file may use.
#[derive(Debug, Clone, PartialEq)]
pub enum Crs {
    /// Longitude, latitude in degrees.
    Geographic(Datum),
    /// Transverse Mercator: central meridian (degrees), scale, false easting/northing (m).
    TransverseMercator { datum: Datum, lon0: f64, k0: f64, false_easting: f64, false_northing: f64 },
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let datum = |d: &Datum| if *d == Datum::Vn2000 { "VN-2000" } else { "WGS 84" };
        match self {
            Crs::Geographic(d) => write!(f, "{} geographic", datum(d)),
            Crs::TransverseMercator { datum: d, lon0, k0, .. } if (*k0 - 0.9996).abs() < 1e-9 => {
                write!(f, "{} / UTM zone {}N (central meridian {lon0}°)", datum(d), ((lon0 + 183.0) / 6.0).round())
            }
            Crs::TransverseMercator { datum: d, lon0, k0, .. } => write!(f, "{} / TM-3 central meridian {lon0}° (k0 {k0})", datum(d)),
        }
    }
}

impl Crs {
    pub const WGS84: Crs = Crs::Geographic(Datum::Wgs84);

    fn tm(datum: Datum, lon0: f64, k0: f64) -> Crs {
        Crs::TransverseMercator { datum, lon0, k0, false_easting: 500_000.0, false_northing: 0.0 }
    }

    /// VN-2000 / TM-3 with central meridian `lon0` (decimal degrees).
    pub fn vn2000_tm3(lon0: f64) -> Crs {
        Crs::tm(Datum::Vn2000, lon0, 0.9999)
    }

    /// The CRS of an EPSG code the atlas knows (WGS84, UTM 48/49 N, and every VN-2000 code).
    pub fn from_epsg(code: u32) -> Option<Crs> {
        let tm3 = |deg: f64, min: f64| Some(Crs::vn2000_tm3(deg + min / 60.0));
        match code {
            4326 | 4979 => Some(Crs::WGS84),
            32648 => Some(Crs::tm(Datum::Wgs84, 105.0, 0.9996)),
            32649 => Some(Crs::tm(Datum::Wgs84, 111.0, 0.9996)),
            4756 => Some(Crs::Geographic(Datum::Vn2000)),
            3405 => Some(Crs::tm(Datum::Vn2000, 105.0, 0.9996)),
            3406 => Some(Crs::tm(Datum::Vn2000, 111.0, 0.9996)),
            5896 => tm3(102.0, 0.0),
            5897 => tm3(105.0, 0.0),
            5898 => tm3(108.0, 0.0),
            5899 => tm3(107.0, 45.0),
            9205 => tm3(103.0, 0.0),
            9206 => tm3(104.0, 0.0),
            9207 => tm3(104.0, 30.0),
            9208 => tm3(104.0, 45.0),
            9209 => tm3(105.0, 30.0),
            9210 => tm3(105.0, 45.0),
            9211 => tm3(106.0, 0.0),
            9212 => tm3(106.0, 15.0),
            9213 => tm3(106.0, 30.0),
            9214 => tm3(107.0, 0.0),
            9215 => tm3(107.0, 15.0),
            9216 => tm3(107.0, 30.0),
            9217 => tm3(108.0, 15.0),
            9218 => tm3(108.0, 30.0),
            _ => None,
        }
    }

    /// Parse `--crs`: `EPSG:5897`, `wgs84`, `vn2000`, `vn2000-utm48`, `vn2000-utm49`,
    /// `vn2000-tm3:105.5` (decimal degrees) or `vn2000-tm3:Hà Giang` (a province's meridian from
    /// `data/crs/vn2000_meridians.csv`).
    pub fn parse(s: &str) -> Result<Crs, String> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(code) = lower.strip_prefix("epsg:") {
            let code: u32 = code.parse().map_err(|_| format!("'{t}': expected EPSG:<number>"))?;
            return Crs::from_epsg(code).ok_or_else(|| format!("EPSG:{code} is not a CRS the atlas knows; use WGS 84 (4326, 32648, 32649) or VN-2000 (4756, 3405, 3406, 5896–5899, 9205–9218)"));
        }
        match lower.as_str() {
            "wgs84" | "wgs 84" | "crs84" => return Ok(Crs::WGS84),
            "vn2000" | "vn-2000" => return Ok(Crs::Geographic(Datum::Vn2000)),
            "vn2000-utm48" => return Ok(Crs::tm(Datum::Vn2000, 105.0, 0.9996)),
            "vn2000-utm49" => return Ok(Crs::tm(Datum::Vn2000, 111.0, 0.9996)),
            _ => {}
        }
        if let Some(rest) = lower.strip_prefix("vn2000-tm3:").map(|_| &t["vn2000-tm3:".len()..]) {
            if let Ok(deg) = rest.trim().parse::<f64>() {
                if !(100.0..=112.0).contains(&deg) {
                    return Err(format!("central meridian {deg}° is outside Viet Nam's (102°–108.5°)"));
                }
                return Ok(Crs::vn2000_tm3(deg));
            }
            return meridian_of(rest).map(Crs::vn2000_tm3);
        }
        Err(format!("unknown CRS '{t}': use EPSG:<code>, wgs84, vn2000, vn2000-utm48, vn2000-utm49, or vn2000-tm3:<meridian or province>"))
    }

    /// The CRS an OGC/ESRI WKT (a `.prj`, a GeoPackage definition) describes, if the atlas knows
    /// it. Parameters decide, not names or codes (public files mislabel them).
    pub fn from_wkt(wkt: &str) -> Option<Crs> {
        let lower = wkt.to_ascii_lowercase();
        let vn2000 = ["vn_2000", "vn-2000", "vn2000", "vietnam_2000"].iter().any(|n| lower.contains(n));
        let datum = if vn2000 {
            Datum::Vn2000
        } else if lower.contains("wgs_1984") || lower.contains("wgs 84") || lower.contains("wgs84") || lower.contains("world geodetic system 1984") {
            Datum::Wgs84
        } else {
            return None;
        };
        if !(lower.contains("projcs[") || lower.contains("projcrs[")) {
            return Some(Crs::Geographic(datum));
        }
        if !lower.contains("transverse_mercator") && !lower.contains("transverse mercator") {
            return None;
        }
        let param = |names: &[&str]| -> Option<f64> {
            names.iter().find_map(|n| {
                let at = lower.find(&format!("parameter[\"{n}\""))?;
                let rest = &lower[at..];
                let comma = rest.find(',')?;
                let end = rest[comma + 1..].find([']', ','])?;
                rest[comma + 1..comma + 1 + end].trim().parse().ok()
            })
        };
        let lon0 = param(&["central_meridian", "longitude of natural origin", "longitude_of_center"])?;
        let k0 = param(&["scale_factor", "scale factor at natural origin"]).unwrap_or(1.0);
        let false_easting = param(&["false_easting", "false easting"]).unwrap_or(0.0);
        let false_northing = param(&["false_northing", "false northing"]).unwrap_or(0.0);
        let lat0 = param(&["latitude_of_origin", "latitude of natural origin"]).unwrap_or(0.0);
        if lat0.abs() > 1e-9 {
            return None;
        }
        Some(Crs::TransverseMercator { datum, lon0, k0, false_easting, false_northing })
    }

    /// Is this a projected CRS (metres)?
    pub fn projected(&self) -> bool {
        matches!(self, Crs::TransverseMercator { .. })
    }

    /// Convert a coordinate of this CRS (x = easting or longitude, y = northing or latitude) to
    /// WGS84 longitude, latitude.
    pub fn to_wgs84(&self, x: f64, y: f64) -> (f64, f64) {
        let (datum, lon, lat) = match *self {
            Crs::Geographic(d) => (d, x, y),
            Crs::TransverseMercator { datum, lon0, k0, false_easting, false_northing } => {
                let (lon, lat) = tm_inverse(lon0, k0, x - false_easting, y - false_northing);
                (datum, lon, lat)
            }
        };
        match datum {
            Datum::Wgs84 => (lon, lat),
            Datum::Vn2000 => helmert(lon, lat, false),
        }
    }

    /// Convert WGS84 longitude, latitude to this CRS (the inverse of [`Crs::to_wgs84`]).
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> (f64, f64) {
        let datum = match self {
            Crs::Geographic(d) | Crs::TransverseMercator { datum: d, .. } => *d,
        };
        let (lon, lat) = if datum == Datum::Vn2000 { helmert(lon, lat, true) } else { (lon, lat) };
        match *self {
            Crs::Geographic(_) => (lon, lat),
            Crs::TransverseMercator { lon0, k0, false_easting, false_northing, .. } => {
                let (e, n) = tm_forward(lon0, k0, lon, lat);
                (e + false_easting, n + false_northing)
            }
        }
    }
}

/// A province's TM-3 central meridian from the tables of `data/crs/vn2000_meridians.csv`
/// (the 34 provinces after 1 July 2025 first, then the 63 before).
pub fn meridian_of(province: &str) -> Result<f64, String> {
    const TABLE: &str = include_str!("../../data/crs/vn2000_meridians.csv");
    let p = province.trim();
    let (p, former) = match p.strip_suffix("(cũ)").or_else(|| p.strip_suffix("(pre-2025)")) {
        Some(rest) => (rest.trim(), true),
        None => (p, false),
    };
    let k = crate::text::key(p.trim_start_matches("Tỉnh ").trim_start_matches("tỉnh "));
    let mut names = Vec::new();
    for line in TABLE.lines().skip(1).filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut f = line.split(',');
        let (Some(era), Some(name), Some(deg)) = (f.next(), f.next(), f.next()) else { continue };
        if crate::text::key(name) == k && (!former || era == "pre-2025") {
            return deg.trim().parse().map_err(|_| format!("data/crs/vn2000_meridians.csv: bad meridian for {name}"));
        }
        names.push(format!("{name} ({era})"));
    }
    Err(format!("no central meridian for '{province}'; give it in degrees (vn2000-tm3:105.5) or one of: {}", names.join(", ")))
}

/// Geodetic (degrees, height 0) → Earth-centred Cartesian on the WGS84 ellipsoid.
fn to_ecef(lon: f64, lat: f64) -> [f64; 3] {
    let e2 = F * (2.0 - F);
    let (phi, lam) = (lat.to_radians(), lon.to_radians());
    let n = A / (1.0 - e2 * phi.sin().powi(2)).sqrt();
    [n * phi.cos() * lam.cos(), n * phi.cos() * lam.sin(), n * (1.0 - e2) * phi.sin()]
}

/// Earth-centred Cartesian → geodetic degrees (Bowring's iteration, converged to 1e-12 rad).
fn from_ecef(p: [f64; 3]) -> (f64, f64) {
    let e2 = F * (2.0 - F);
    let lon = p[1].atan2(p[0]);
    let r = p[0].hypot(p[1]);
    let mut lat = p[2].atan2(r * (1.0 - e2));
    for _ in 0..10 {
        let n = A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        let h = r / lat.cos() - n;
        let next = p[2].atan2(r * (1.0 - e2 * n / (n + h)));
        if (next - lat).abs() < 1e-13 {
            lat = next;
            break;
        }
        lat = next;
    }
    (lon.to_degrees(), lat.to_degrees())
}

/// VN-2000 → WGS84 (or back, with `inverse`): the 7-parameter coordinate-frame transformation.
fn helmert(lon: f64, lat: f64, inverse: bool) -> (f64, f64) {
    let sec = std::f64::consts::PI / (180.0 * 3600.0);
    let [tx, ty, tz, rx, ry, rz, ds] = TOWGS84;
    let (rx, ry, rz, s) = (rx * sec, ry * sec, rz * sec, 1.0 + ds * 1e-6);
    // Coordinate-frame rotation matrix (EPSG method 9607).
    let r = [[1.0, rz, -ry], [-rz, 1.0, rx], [ry, -rx, 1.0]];
    let p = to_ecef(lon, lat);
    let out = if inverse {
        // Solve p = t + s·R·q for q: R is a rotation to first order, so q ≈ Rᵀ(p − t)/s;
        // two Newton steps make it exact to well below a millimetre.
        let d = [p[0] - tx, p[1] - ty, p[2] - tz];
        let mut q = [0.0; 3];
        for i in 0..3 {
            q[i] = (r[0][i] * d[0] + r[1][i] * d[1] + r[2][i] * d[2]) / s;
        }
        for _ in 0..3 {
            let fwd: Vec<f64> = (0..3).map(|i| s * (r[i][0] * q[0] + r[i][1] * q[1] + r[i][2] * q[2])).collect();
            let err = [d[0] - fwd[0], d[1] - fwd[1], d[2] - fwd[2]];
            for i in 0..3 {
                q[i] += (r[0][i] * err[0] + r[1][i] * err[1] + r[2][i] * err[2]) / s;
            }
        }
        q
    } else {
        let mut q = [0.0; 3];
        for i in 0..3 {
            q[i] = s * (r[i][0] * p[0] + r[i][1] * p[1] + r[i][2] * p[2]);
        }
        [q[0] + tx, q[1] + ty, q[2] + tz]
    };
    from_ecef(out)
}

/// Krüger series coefficients for WGS84: (A, α, β, δ).
fn kruger() -> (f64, [f64; 4], [f64; 4], [f64; 4]) {
    let n = F / (2.0 - F);
    let (n2, n3, n4) = (n * n, n * n * n, n * n * n * n);
    let big_a = A / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0);
    let alpha = [
        n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0 + 41.0 * n4 / 180.0,
        13.0 * n2 / 48.0 - 3.0 * n3 / 5.0 + 557.0 * n4 / 1440.0,
        61.0 * n3 / 240.0 - 103.0 * n4 / 140.0,
        49561.0 * n4 / 161_280.0,
    ];
    let beta = [
        n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0 - n4 / 360.0,
        n2 / 48.0 + n3 / 15.0 - 437.0 * n4 / 1440.0,
        17.0 * n3 / 480.0 - 37.0 * n4 / 840.0,
        4397.0 * n4 / 161_280.0,
    ];
    let delta = [
        2.0 * n - 2.0 * n2 / 3.0 - 2.0 * n3 + 116.0 * n4 / 45.0,
        7.0 * n2 / 3.0 - 8.0 * n3 / 5.0 - 227.0 * n4 / 45.0,
        56.0 * n3 / 15.0 - 136.0 * n4 / 35.0,
        4279.0 * n4 / 630.0,
    ];
    (big_a, alpha, beta, delta)
}

/// Transverse Mercator forward: degrees → (easting, northing) before false origin.
fn tm_forward(lon0: f64, k0: f64, lon: f64, lat: f64) -> (f64, f64) {
    let (big_a, alpha, _, _) = kruger();
    let n = F / (2.0 - F);
    let c = 2.0 * n.sqrt() / (1.0 + n);
    let phi = lat.to_radians();
    let dl = (lon - lon0).to_radians();
    let t = (phi.sin().atanh() - c * (c * phi.sin()).atanh()).sinh();
    let xi = t.atan2(dl.cos());
    let eta = (dl.sin() / (1.0 + t * t).sqrt()).atanh();
    let (mut e, mut nn) = (eta, xi);
    for (j, a) in alpha.iter().enumerate() {
        let j2 = 2.0 * (j + 1) as f64;
        e += a * (j2 * xi).cos() * (j2 * eta).sinh();
        nn += a * (j2 * xi).sin() * (j2 * eta).cosh();
    }
    (k0 * big_a * e, k0 * big_a * nn)
}

/// Transverse Mercator inverse: (easting, northing) after removing the false origin → degrees.
fn tm_inverse(lon0: f64, k0: f64, e: f64, n: f64) -> (f64, f64) {
    let (big_a, _, beta, delta) = kruger();
    let xi = n / (k0 * big_a);
    let eta = e / (k0 * big_a);
    let (mut xp, mut ep) = (xi, eta);
    for (j, b) in beta.iter().enumerate() {
        let j2 = 2.0 * (j + 1) as f64;
        xp -= b * (j2 * xi).sin() * (j2 * eta).cosh();
        ep -= b * (j2 * xi).cos() * (j2 * eta).sinh();
    }
    let chi = (xp.sin() / ep.cosh()).asin();
    let mut phi = chi;
    for (j, d) in delta.iter().enumerate() {
        phi += d * (2.0 * (j + 1) as f64 * chi).sin();
    }
    let lam = ep.sinh().atan2(xp.cos());
    (lon0 + lam.to_degrees(), phi.to_degrees())
}

/// Do projected coordinates look like (northing, easting) — Vietnamese X/Y — rather than
/// (easting, northing)? In Viet Nam eastings stay within ±500 km of 500 km and northings are
/// above 940 km.
pub fn looks_swapped(x: f64, y: f64) -> bool {
    x > 940_000.0 && (0.0..1_000_000.0).contains(&y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        d + m / 60.0 + s / 3600.0
    }

    #[test]
    fn the_published_check_points_transform_within_their_precision() {
        // Circular 20/2019/TT-BGTVT (0.1″): VN-2000 → WGS84.
        for (vn, wgs) in [
            ((dms(109.0, 25.0, 53.6), dms(12.0, 33.0, 39.7)), (dms(109.0, 26.0, 0.0), dms(12.0, 33.0, 36.0))),
            ((dms(109.0, 15.0, 53.6), dms(12.0, 14.0, 17.7)), (dms(109.0, 16.0, 0.0), dms(12.0, 14.0, 14.0))),
        ] {
            let (lon, lat) = Crs::Geographic(Datum::Vn2000).to_wgs84(vn.0, vn.1);
            let (dlon, dlat) = ((lon - wgs.0) * 3600.0, (lat - wgs.1) * 3600.0);
            eprintln!("published pair: off by {dlon:+.3}″ lon, {dlat:+.3}″ lat");
            assert!(dlon.abs() <= 0.15 && dlat.abs() <= 0.15, "off by {dlon:.3}″, {dlat:.3}″");
        }
    }

    #[test]
    fn the_projected_check_point_lands_within_a_metre() {
        // TM-3 108°15′: N 1,255,172.510, E 568,262.924 → 11.349358°N, 108.877201°E.
        let (lon, lat) = Crs::vn2000_tm3(108.25).to_wgs84(568_262.924, 1_255_172.510);
        let (dx, dy) = ((lon - 108.877_201) * 111_320.0 * lat.to_radians().cos(), (lat - 11.349_358) * 110_574.0);
        eprintln!("projected check point: off by {:.3} m", dx.hypot(dy));
        assert!(dx.hypot(dy) < 1.0, "{dx:.3} m, {dy:.3} m");
    }

    #[test]
    fn round_trips_come_back_within_a_millimetre() {
        let mut worst = 0.0_f64;
        for crs in [Crs::vn2000_tm3(105.0), Crs::vn2000_tm3(107.75), Crs::from_epsg(3405).unwrap(), Crs::Geographic(Datum::Vn2000), Crs::from_epsg(32648).unwrap()] {
            for (lon, lat) in [(105.63, 10.45), (107.05, 21.2), (106.3, 20.95), (104.1, 8.9)] {
                let (x, y) = crs.from_wgs84(lon, lat);
                let (lon2, lat2) = crs.to_wgs84(x, y);
                let err = ((lon2 - lon) * 111_320.0 * lat.to_radians().cos()).hypot((lat2 - lat) * 110_574.0);
                assert!(err < 0.001, "{crs}: {err} m at {lon},{lat}");
                worst = worst.max(err);
            }
        }
        eprintln!("round trip WGS84 → CRS → WGS84: worst {worst:.2e} m");
    }

    #[test]
    fn wkt_parameters_decide_and_flags_parse() {
        let prj = r#"PROJCS["VN_2000_TM3_105_30",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.5],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_wkt(prj), Some(Crs::vn2000_tm3(105.5)));
        assert_eq!(Crs::from_wkt(r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]]]"#), Some(Crs::WGS84));
        assert_eq!(Crs::parse("vn2000-tm3:105.5").unwrap(), Crs::vn2000_tm3(105.5));
        assert_eq!(Crs::parse("EPSG:5899").unwrap(), Crs::vn2000_tm3(107.75));
        assert_eq!(Crs::parse("vn2000-tm3:Quảng Ninh").unwrap(), Crs::vn2000_tm3(107.75));
        assert_eq!(Crs::parse("vn2000-tm3:Bắc Ninh").unwrap(), Crs::vn2000_tm3(107.0));
        assert_eq!(Crs::parse("vn2000-tm3:Bắc Ninh (cũ)").unwrap(), Crs::vn2000_tm3(105.5));
        assert!(Crs::parse("EPSG:5194").is_err(), "the oil-company set is not accepted");
        assert!(looks_swapped(1_255_172.0, 568_262.0) && !looks_swapped(568_262.0, 1_255_172.0));
    }
}
