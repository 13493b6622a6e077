//! OGC API – Tiles, Part 1 (vector tilesets) over the atlas's own tiles:
//! - `GET /ogc/tileMatrixSets`, `/ogc/tileMatrixSets/WebMercatorQuad` — the tile matrix set
//!   (OGC 2D TMS 2.0 JSON);
//! - `GET /ogc/collections/{id}/tiles` — a collection's tilesets (one: WebMercatorQuad);
//! - `GET /ogc/collections/{id}/tiles/WebMercatorQuad` — the tileset: its layers, the limits of
//!   each zoom, the tile URL template;
//! - `GET /ogc/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}` — a tile:
//!   the very answer of `/tiles/{layer}/{z}/{x}/{y}.mvt` (row = y, col = x), from the same
//!   cache, with the user's scope (`.mvt` may end the URL). A status collection's tiles are its year's communes; the
//!   status colours come with the style document ([`super::styles`]).

use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Format, FormatQuery, answer, base, link, resolve};
use crate::access::Principal;
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Path, Query};
use crate::tiles::mercator::tile_range;
use crate::tiles::MAX_ZOOM;

/// The conformance classes these routes implement.
pub const CONFORMANCE: [&str; 6] = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

const TMS_ID: &str = "WebMercatorQuad";
const TMS_URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
const MVT: &str = "application/vnd.mapbox-vector-tile";
/// Half the equator in EPSG:3857 metres.
const ORIGIN: f64 = 20_037_508.342_789_244;

fn check_tms(tms: &str) -> Result<(), ApiError> {
    if tms == TMS_ID { Ok(()) } else { Err(ApiError::not_found(format!("no tile matrix set '{tms}': the atlas tiles in {TMS_ID}"))) }
}

/// The WebMercatorQuad tile matrix set, zooms 0 to [`MAX_ZOOM`], 256-pixel tiles.
fn matrix_set() -> Value {
    let matrices: Vec<Value> = (0..=MAX_ZOOM)
        .map(|z| {
            let n = 1u64 << z;
            let cell = 2.0 * ORIGIN / (256.0 * n as f64);
            json!({
                "id": z.to_string(),
                "scaleDenominator": cell / 0.000_28,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN, ORIGIN],
                "tileWidth": 256, "tileHeight": 256,
                "matrixWidth": n, "matrixHeight": n,
            })
        })
        .collect();
    json!({
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    })
}

/// `GET /ogc/tileMatrixSets`
pub async fn matrix_sets(headers: HeaderMap, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let b = base(&headers);
    let doc = json!({
        "tileMatrixSets": [{ "id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI, "links": [link(format!("{b}/tileMatrixSets/{TMS_ID}"), "self", "application/json", TMS_ID)] }],
        "links": [link(format!("{b}/tileMatrixSets"), "self", "application/json", "tile matrix sets")],
    });
    Ok(answer(format, doc, "application/json", "Tile matrix sets"))
}

/// `GET /ogc/tileMatrixSets/{tms}`
pub async fn one_matrix_set(headers: HeaderMap, Path(tms): Path<String>, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    check_tms(&tms)?;
    Ok(answer(format, matrix_set(), "application/json", TMS_ID))
}

fn tileset_links(b: &str, id: &str) -> Vec<Value> {
    vec![
        link(format!("{b}/collections/{id}/tiles/{TMS_ID}"), "self", "application/json", "this tileset"),
        link(format!("{b}/tileMatrixSets/{TMS_ID}"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "application/json", "the tile matrix set"),
    ]
}

/// `GET /ogc/collections/{id}/tiles`
pub async fn tilesets(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let c = resolve(&state, &id)?;
    let b = base(&headers);
    let doc = json!({
        "links": [link(format!("{b}/collections/{id}/tiles"), "self", "application/json", "tilesets"), link(format!("{b}/collections/{id}"), "collection", "application/json", "the collection")],
        "tilesets": [{
            "title": c.title(),
            "dataType": "vector",
            "crs": EPSG_3857,
            "tileMatrixSetURI": TMS_URI,
            "links": tileset_links(&b, &id),
        }],
    });
    Ok(answer(format, doc, "application/json", "Tilesets"))
}

/// `GET /ogc/collections/{id}/tiles/{tms}`
pub async fn tileset(State(state): State<AppState>, headers: HeaderMap, Path((id, tms)): Path<(String, String)>, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    check_tms(&tms)?;
    let c = resolve(&state, &id)?;
    let b = base(&headers);
    let l = &c.layer;
    let world = l.world_bbox();
    let limits: Vec<Value> = (0..=MAX_ZOOM)
        .map(|z| {
            let (x0, y0, x1, y1) = tile_range(z, world);
            json!({ "tileMatrix": z.to_string(), "minTileRow": y0, "maxTileRow": y1, "minTileCol": x0, "maxTileCol": x1 })
        })
        .collect();
    let mut links = tileset_links(&b, &id);
    links.push(json!({
        "href": format!("{b}/collections/{id}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"),
        "rel": "item", "type": MVT, "templated": true, "title": "a tile (Mapbox Vector Tile 2.1)",
    }));
    links.push(link(format!("{}/tiles/{}.json", crate::api::http::origin(&headers), l.id), "describedby", "application/json", "TileJSON"));
    let layers: Vec<Value> = l
        .vector_layers(MAX_ZOOM)
        .into_iter()
        .map(|v| {
            let geometry = if v["id"].as_str().is_some_and(|n| n.ends_with("_label")) { "points" } else if l.level.is_some() { "polygons" } else { "lines" };
            json!({ "id": v["id"], "description": v["description"], "dataType": "vector", "geometryDimension": match geometry { "points" => 0, "lines" => 1, _ => 2 }, "minTileMatrix": v["minzoom"].to_string(), "maxTileMatrix": v["maxzoom"].to_string(), "propertiesSchema": { "type": "object", "properties": v["fields"].as_object().map(|f| f.keys().map(|k| (k.clone(), json!({ "type": "string" }))).collect::<serde_json::Map<_, _>>()) } })
        })
        .collect();
    let doc = json!({
        "title": c.title(),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": limits,
        "boundingBox": { "lowerLeft": [l.bounds[0], l.bounds[1]], "upperRight": [l.bounds[2], l.bounds[3]], "crs": super::CRS84 },
        "layers": layers,
        "links": links,
    });
    Ok(answer(format, doc, "application/json", &format!("{} — {TMS_ID}", c.title())))
}

#[derive(Debug, Deserialize)]
pub struct TileQuery {
    pub v: Option<String>,
}

/// `GET /ogc/collections/{id}/tiles/{tms}/{tileMatrix}/{tileRow}/{tileCol}`
pub async fn tile(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    Path((id, tms, z, row, col)): Path<(String, String, String, String, String)>,
    Query(q): Query<TileQuery>,
) -> ApiResult<Response> {
    check_tms(&tms)?;
    // `.mvt`/`.pbf` may end the last segment, as file-minded clients (GDAL's MVT driver) want.
    let (z, x, y) = crate::tiles::parse_coords(&z, crate::tiles::tile_stem(&col), &row).map_err(ApiError::bad_request)?;
    let c = resolve(&state, &id)?;
    crate::api::tiles::answer(&state, &c.layer, (z, x, y), q.v.as_deref(), &p, &headers).await
}
