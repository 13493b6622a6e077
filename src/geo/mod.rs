//! Geometry on administrative units: validity checks, repair, orientation, measures (bounding
//! box, geodesic area, label point) and GeoJSON writing; the coverage as shared arcs
//! ([`topology`]), snapping it clean with a tolerance chosen from the data ([`snap`]) and
//! dissolving units along their arcs ([`dissolve`]). Pure functions on `geo` types, no I/O.

use ::geo::algorithm::orient::{Direction, Orient};
use ::geo::{
    Area, BoundingRect, Coord, GeodesicArea, InteriorPoint, LineString, MakeValid, MultiPolygon, Polygon,
};

/// Lon/lat bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub fn intersects(&self, o: &BBox) -> bool {
        self.min_lon <= o.max_lon && o.min_lon <= self.max_lon && self.min_lat <= o.max_lat && o.min_lat <= self.max_lat
    }
}

/// Measures stored with every unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    pub bbox: BBox,
    pub area_km2: f64,
    pub label: (f64, f64),
    pub parts: usize,
    pub vertices: usize,
}

/// Bounding box of a multipolygon (None when empty).
pub fn bbox(mp: &MultiPolygon<f64>) -> Option<BBox> {
    mp.bounding_rect().map(|r| BBox { min_lon: r.min().x, min_lat: r.min().y, max_lon: r.max().x, max_lat: r.max().y })
}

/// Bounding box, geodesic area on the WGS84 ellipsoid, a label point inside the largest part,
/// and part/vertex counts.
pub fn measures(mp: &MultiPolygon<f64>) -> Option<Measures> {
    let bbox = bbox(mp)?;
    let area_m2: f64 = mp
        .0
        .iter()
        .map(|p| (ring_area_m2(p.exterior()) - p.interiors().iter().map(ring_area_m2).sum::<f64>()).max(0.0))
        .sum();
    let largest = mp.0.iter().max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    let label = largest.interior_point().map(|p| (p.x(), p.y())).unwrap_or((
        (bbox.min_lon + bbox.max_lon) / 2.0,
        (bbox.min_lat + bbox.max_lat) / 2.0,
    ));
    let vertices = mp.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum();
    Some(Measures { bbox, area_km2: area_m2 / 1e6, label, parts: mp.0.len(), vertices })
}

/// WGS84 ellipsoid surface area, m².
const EARTH_M2: f64 = 5.100_656_217_24e14;

/// Geodesic area enclosed by one ring, whatever its winding (a ring never encloses more than
/// half the earth here, so the complement reading is discarded).
fn ring_area_m2(ring: &LineString<f64>) -> f64 {
    let a = Polygon::new(ring.clone(), vec![]).geodesic_area_signed().abs();
    if a > EARTH_M2 / 2.0 { EARTH_M2 - a } else { a }
}

/// Orient rings as RFC 7946 requires: exteriors counter-clockwise, holes clockwise.
pub fn orient_rfc7946(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.orient(Direction::Default)
}

pub mod crs;
pub mod dissolve;
pub mod snap;
pub mod stored;
pub mod topology;
pub mod validity;

/// Why a geometry is not valid (OGC simple-features rules), one entry per finding, in words;
/// empty when valid. See [`validity`].
pub fn invalidity(mp: &MultiPolygon<f64>) -> Vec<String> {
    validity::problems(mp, 20)
}

/// Repair an invalid geometry (constrained-Delaunay repair with the odd-even rule: crossings are
/// split into separate parts, zero-area spikes dropped, overlapping parts resolved), then orient it.
pub fn repair(mp: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    let fixed = mp.make_valid().map_err(|e| format!("repair failed: {e}"))?;
    let fixed = orient_rfc7946(fixed);
    if fixed.0.is_empty() {
        return Err("repair left no area".into());
    }
    Ok(fixed)
}

/// Write a multipolygon as a GeoJSON geometry: a `Polygon` when it has one part.
pub fn to_geojson(mp: &MultiPolygon<f64>) -> String {
    fn ring(out: &mut String, r: &LineString<f64>) {
        out.push('[');
        for (i, c) in r.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            push_f64(out, c.x);
            out.push(',');
            push_f64(out, c.y);
            out.push(']');
        }
        out.push(']');
    }
    fn poly(out: &mut String, p: &Polygon<f64>) {
        out.push('[');
        ring(out, p.exterior());
        for h in p.interiors() {
            out.push(',');
            ring(out, h);
        }
        out.push(']');
    }
    let mut out = String::with_capacity(64 + mp.0.iter().map(|p| p.exterior().0.len() * 24).sum::<usize>());
    if mp.0.len() == 1 {
        out.push_str(r#"{"type":"Polygon","coordinates":"#);
        poly(&mut out, &mp.0[0]);
    } else {
        out.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
        for (i, p) in mp.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            poly(&mut out, p);
        }
        out.push(']');
    }
    out.push('}');
    out
}

/// Write a multipolygon as little-endian WKB: a `Polygon` (type 3) when it has one part, like
/// [`to_geojson`], else a `MultiPolygon` (type 6).
pub fn to_wkb(mp: &MultiPolygon<f64>) -> Vec<u8> {
    fn poly(out: &mut Vec<u8>, p: &Polygon<f64>) {
        out.push(1);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(1 + p.interiors().len() as u32).to_le_bytes());
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            out.extend_from_slice(&(r.0.len() as u32).to_le_bytes());
            for c in &r.0 {
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    }
    let mut out = Vec::with_capacity(16 + mp.0.iter().map(|p| p.exterior().0.len() * 16).sum::<usize>());
    if mp.0.len() == 1 {
        poly(&mut out, &mp.0[0]);
    } else {
        out.push(1);
        out.extend_from_slice(&6u32.to_le_bytes());
        out.extend_from_slice(&(mp.0.len() as u32).to_le_bytes());
        for p in &mp.0 {
            poly(&mut out, p);
        }
    }
    out
}

/// Shortest text that reads back as the same f64 (lossless).
fn push_f64(out: &mut String, v: f64) {
    use std::fmt::Write;
    let _ = write!(out, "{v}");
}

/// Parse a stored GeoJSON Polygon/MultiPolygon geometry back into `geo` types.
pub fn from_geojson(text: &str) -> Result<MultiPolygon<f64>, String> {
    let ring = |r: Vec<[f64; 2]>| LineString(r.into_iter().map(|[x, y]| Coord { x, y }).collect());
    let polygons = stored::polygons(text)?;
    let mut out = Vec::with_capacity(polygons.len());
    for rings in polygons {
        let mut it = rings.into_iter();
        let exterior = it.next().ok_or("a polygon without rings")?;
        out.push(Polygon::new(ring(exterior), it.map(ring).collect()));
    }
    Ok(MultiPolygon(out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn polygons_become_little_endian_wkb() {
        let p = super::from_geojson(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#).unwrap();
        let w = super::to_wkb(&p);
        assert_eq!(&w[..9], &[1, 3, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(w.len(), 1 + 4 + 4 + 4 + 4 * 16);
        let m = super::from_geojson(r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}"#).unwrap();
        let w = super::to_wkb(&m);
        assert_eq!(&w[..9], &[1, 6, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(w.len(), 9 + 2 * (1 + 4 + 4 + 4 + 4 * 16));
    }

    use super::*;
    use ::geo::polygon;

    #[test]
    fn a_bowtie_is_reported_and_repaired_into_two_parts() {
        let bowtie = polygon![(x: 0., y: 0.), (x: 0., y: 1.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)];
        let mp = MultiPolygon(vec![bowtie]);
        let problems = invalidity(&mp);
        assert!(problems.iter().any(|p| p.contains("self-intersection")), "{problems:?}");
        let fixed = repair(&mp).expect("repairable");
        assert_eq!(fixed.0.len(), 2);
        assert!(invalidity(&fixed).is_empty());
    }

    #[test]
    fn orientation_follows_rfc7946() {
        // Clockwise exterior in, counter-clockwise out.
        let cw = polygon![(x: 0., y: 0.), (x: 0., y: 1.), (x: 1., y: 1.), (x: 1., y: 0.), (x: 0., y: 0.)];
        let out = orient_rfc7946(MultiPolygon(vec![cw]));
        assert!(out.0[0].signed_area() > 0.0);
    }

    #[test]
    fn geojson_round_trip_is_lossless() {
        let p = polygon![(x: 105.123456789012, y: 20.1), (x: 105.2, y: 20.1), (x: 105.2, y: 20.3), (x: 105.123456789012, y: 20.1)];
        let mp = MultiPolygon(vec![p]);
        let back = from_geojson(&to_geojson(&mp)).expect("parses");
        assert_eq!(back, mp);
    }

    #[test]
    fn one_degree_square_at_the_equator_has_the_known_geodesic_area() {
        let p = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.), (x: 0., y: 0.)];
        let m = measures(&MultiPolygon(vec![p])).expect("measures");
        // 12,308.8 km² on WGS84 (geographiclib).
        assert!((m.area_km2 - 12308.78).abs() < 1.0, "{}", m.area_km2);
        assert_eq!(m.parts, 1);
        assert_eq!(m.vertices, 5);
    }
}
