//! Styles to take home: the web map's classes (status, key type, conversion) as a QGIS layer style
//! (`.qml`, a categorised fill renderer) and as an OGC Styled Layer Descriptor (SLD 1.1 with
//! Symbology Encoding), for the attribute that carries the class in the atlas's exports and
//! collections. Colours and labels come from `analytics::choropleth::categories`, the one place
//! the web legend, static maps and reports take them from.

use std::fmt::Write;

use super::map::esc;
use crate::analytics::choropleth::{Metric, categories};
use crate::error::{Error, Result};

crate::vocabulary! {
    /// A style format.
    pub enum StyleFormat ("style format") { Qml = "qml", Sld = "sld" }
}

/// The attribute a view's class is read from (as in `/api/export/classification` and the
/// classification and conversion views).
pub fn attribute(metric: &Metric) -> &'static str {
    match metric {
        Metric::Conversion => "conversion",
        Metric::KeyType => "key_type",
        _ => "status",
    }
}

/// `#2166ac` → `33,102,172,255` (QGIS colour strings).
fn rgba(hex: &str) -> Result<String> {
    let h = hex.strip_prefix('#').filter(|h| h.len() == 6).ok_or_else(|| Error::Internal(format!("colour '{hex}' is not #rrggbb")))?;
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| Error::Internal(format!("colour '{hex}' is not #rrggbb")));
    Ok(format!("{},{},{},255", c(0)?, c(2)?, c(4)?))
}

fn classes(metric: &Metric) -> Result<Vec<crate::analytics::choropleth::Category>> {
    categories(metric).ok_or_else(|| Error::InvalidArgument(format!("'{}' has no classes to style: use status, key_type or conversion", metric.as_str())))
}

/// The view's classes as a QGIS style (categorised fill on [`attribute`]).
pub fn qml(metric: &Metric, en: bool) -> Result<String> {
    let cats = classes(metric)?;
    let attr = attribute(metric);
    let mut s = String::from("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.28.0\" styleCategories=\"Symbology\">\n");
    let _ = writeln!(s, r#"  <renderer-v2 type="categorizedSymbol" attr="{attr}" symbollevels="0" enableorderby="0" forceraster="0">"#);
    s.push_str("    <categories>\n");
    for (i, c) in cats.iter().enumerate() {
        let label = if en { c.label_en } else { c.label_vi };
        let _ = writeln!(s, r#"      <category render="true" symbol="{i}" value="{}" label="{}"/>"#, esc(c.key), esc(label));
    }
    s.push_str("    </categories>\n    <symbols>\n");
    for (i, c) in cats.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"      <symbol type="fill" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" pass="0" locked="0"><Option type="Map"><Option name="color" type="QString" value="{}"/><Option name="outline_color" type="QString" value="255,255,255,255"/><Option name="outline_width" type="QString" value="0.2"/><Option name="outline_width_unit" type="QString" value="MM"/><Option name="style" type="QString" value="solid"/></Option></layer></symbol>"#,
            rgba(c.color)?
        );
    }
    s.push_str("    </symbols>\n  </renderer-v2>\n</qgis>\n");
    Ok(s)
}

/// The view's classes as an SLD 1.1 / SE rule per class, filtered on [`attribute`].
pub fn sld(metric: &Metric, en: bool) -> Result<String> {
    let cats = classes(metric)?;
    let attr = attribute(metric);
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StyledLayerDescriptor version=\"1.1.0\" xmlns=\"http://www.opengis.net/sld\" xmlns:se=\"http://www.opengis.net/se\" xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n",
    );
    let _ = writeln!(s, "  <NamedLayer><se:Name>communes</se:Name><UserStyle><se:Name>{}</se:Name><se:FeatureTypeStyle>", metric.as_str());
    for c in &cats {
        let label = if en { c.label_en } else { c.label_vi };
        let _ = writeln!(
            s,
            r#"    <se:Rule><se:Name>{key}</se:Name><se:Description><se:Title>{label}</se:Title></se:Description><ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>{attr}</ogc:PropertyName><ogc:Literal>{key}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter><se:PolygonSymbolizer><se:Fill><se:SvgParameter name="fill">{color}</se:SvgParameter></se:Fill><se:Stroke><se:SvgParameter name="stroke">#ffffff</se:SvgParameter><se:SvgParameter name="stroke-width">0.5</se:SvgParameter></se:Stroke></se:PolygonSymbolizer></se:Rule>"#,
            key = esc(c.key),
            label = esc(label),
            color = esc(c.color)
        );
    }
    s.push_str("  </se:FeatureTypeStyle></UserStyle></NamedLayer>\n</StyledLayerDescriptor>\n");
    Ok(s)
}

/// Where a MapLibre style document finds its tiles and glyphs.
pub struct StyleSources<'a> {
    /// Tile URL template with `{z}`, `{x}`, `{y}`.
    pub tiles: &'a str,
    /// Glyph URL template with `{fontstack}`, `{range}`.
    pub glyphs: &'a str,
    /// [west, south, east, north] in degrees.
    pub bounds: [f64; 4],
}

/// A computed choropleth as a MapLibre style document (style spec v8) that draws it with no
/// script: the communes' fill is a `match` on the feature id (= unit id) with one branch per
/// legend class, in the legend's colours; outlines and the communes' labels as on the web map.
/// What QGIS, MapLibre or any style-aware client opens to see the atlas's map as it is.
pub fn maplibre(c: &crate::analytics::choropleth::Choropleth, src: &StyleSources<'_>, en: bool) -> serde_json::Value {
    use serde_json::{Value, json};
    let mut fill: Vec<Value> = vec![json!("match"), json!(["id"])];
    for class in &c.legend {
        let ids: Vec<i64> = c.units.iter().filter(|(_, k)| **k == class.key).map(|(id, _)| *id).collect();
        if !ids.is_empty() {
            fill.push(json!(ids));
            fill.push(json!(class.color));
        }
    }
    // Outside the year's classes (another scope's unit): the legend's "no data" grey.
    fill.push(json!("#d9d9d9"));
    // `match` needs at least one branch.
    let fill = if fill.len() > 3 { Value::Array(fill) } else { json!("#d9d9d9") };
    let legend: Vec<Value> = c.legend.iter().map(|k| json!({ "key": k.key, "label": if en { &k.label_en } else { &k.label_vi }, "color": k.color, "count": k.count })).collect();
    let b = src.bounds;
    json!({
        "version": 8,
        "name": format!("commune-atlas — {} {}", c.metric.as_str(), c.year),
        "metadata": { "commune-atlas:metric": c.metric.as_str(), "commune-atlas:year": c.year, "commune-atlas:from": c.from, "commune-atlas:boundary_version": c.boundary_version, "commune-atlas:legend": legend },
        "center": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0],
        "zoom": 6,
        "glyphs": src.glyphs,
        "sources": { "communes": { "type": "vector", "tiles": [src.tiles], "minzoom": 0, "maxzoom": crate::tiles::MAX_ZOOM, "bounds": b } },
        "layers": [
            { "id": "background", "type": "background", "paint": { "background-color": "#dfe9f2" } },
            { "id": "communes-fill", "type": "fill", "source": "communes", "source-layer": "communes", "paint": { "fill-color": fill, "fill-opacity": 0.85 } },
            { "id": "communes-line", "type": "line", "source": "communes", "source-layer": "communes", "paint": { "line-color": "#ffffff", "line-width": ["interpolate", ["linear"], ["zoom"], 6, 0.2, 10, 0.8, 13, 1.4] } },
            { "id": "communes-label", "type": "symbol", "source": "communes", "source-layer": "communes_label", "minzoom": 9,
              "layout": { "text-field": ["get", "name"], "text-font": [crate::tiles::glyphs::label_font(crate::vocab::Level::Commune)], "text-size": ["interpolate", ["linear"], ["zoom"], 9, 10, 13, 13], "text-max-width": 8 },
              "paint": { "text-color": "#1d2733", "text-halo-color": "rgba(255,255,255,0.9)", "text-halo-width": 1.3 } }
        ]
    })
}
