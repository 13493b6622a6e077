//! The one reader of the geometry the store holds: GeoJSON geometry text in EPSG:4326, as
//! [`super::to_geojson`] writes it for units and the route import writes it for key routes.
//! Everything that reads stored geometry — tiles, exports, static maps, tests — goes through here.

use serde::Deserialize;
use serde_json::value::RawValue;

/// A ring or line: `[lon, lat]` positions.
pub type Path = Vec<[f64; 2]>;

/// Polygons as rings (exterior first, then holes).
pub type Polygons = Vec<Vec<Path>>;

#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    coordinates: &'a RawValue,
}

/// A stored Polygon or MultiPolygon.
pub fn polygons(text: &str) -> Result<Polygons, String> {
    let g: Raw = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match g.kind.as_str() {
        "Polygon" => Ok(vec![serde_json::from_str::<Vec<Path>>(g.coordinates.get()).map_err(|e| e.to_string())?]),
        "MultiPolygon" => serde_json::from_str(g.coordinates.get()).map_err(|e| e.to_string()),
        other => Err(format!("expected a Polygon or MultiPolygon, found {other}")),
    }
}

/// A stored LineString or MultiLineString, as its lines.
pub fn lines(text: &str) -> Result<Vec<Path>, String> {
    let g: Raw = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match g.kind.as_str() {
        "LineString" => Ok(vec![serde_json::from_str(g.coordinates.get()).map_err(|e| e.to_string())?]),
        "MultiLineString" => serde_json::from_str(g.coordinates.get()).map_err(|e| e.to_string()),
        other => Err(format!("expected a LineString or MultiLineString, found {other}")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_geometry_reads_back_as_written() {
        let p = super::polygons(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#).unwrap();
        assert_eq!(p, vec![vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]);
        assert_eq!(super::lines(r#"{"type":"LineString","coordinates":[[0,0],[2,1]]}"#).unwrap().len(), 1);
        assert!(super::polygons(r#"{"type":"LineString","coordinates":[[0,0],[2,1]]}"#).unwrap_err().contains("Polygon"));
        assert!(super::polygons("{").is_err());
    }
}
