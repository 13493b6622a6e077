//! OGC API over the atlas — what GIS software (QGIS, ArcGIS Pro, GDAL/OGR) connects to live:
//! - **Features**, Part 1 Core + GeoJSON + HTML ([`features`]): items with `limit`/`offset`
//!   paging and `next` links, `bbox`, property filters, one item by code, full-precision geometry
//!   or (`?zoom=`) the tile engine's shared-arc simplification for that zoom;
//! - **Tiles**, Part 1 ([`tiles`]): per collection a vector tileset in the WebMercatorQuad tile
//!   matrix set whose tiles are the atlas's own cached tiles (one renderer, one cache);
//! - **Styles** ([`styles`]): a MapLibre style document per view and year, coloured with the
//!   web legend's classes.
//!
//! Collections: `communes-status-{year}` (each commune of the year's boundary version with its
//! status, key type, Art. 6 check, rates and conversion), `{level}.{version}` (the stored
//! boundaries of one version and level — the tile layers' ids, e.g. `communes.demo-2025`) and
//! `routes` (the key drug routes). Scope as everywhere: a scoped user's collections hold only
//! their units, and a route only its stretches inside them. GIS clients send their bearer token
//! in the `Authorization` header (docs/gis.md shows QGIS's authentication manager).

pub mod features;
mod html;
pub mod styles;
pub mod tiles;

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{Path, Query};
use crate::access::Principal;
use crate::store::BoundaryVersion;
use crate::tiles::{Kind, LayerEntry};
use crate::vocab::Level;

const FEATURES_CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core";
const FEATURES_GEOJSON: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson";
const FEATURES_HTML: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html";
pub(crate) const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The prefix of the status collections' ids.
const STATUS_PREFIX: &str = "communes-status-";

/// What an answer is written as: `?f=json|html`, else the `Accept` header (a browser asking
/// for `text/html` first gets the page; GIS clients get JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

impl Format {
    pub fn of(f: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
        match f {
            Some("json" | "geojson") => Ok(Format::Json),
            Some("html") => Ok(Format::Html),
            Some(other) => Err(ApiError::bad_request(format!("f={other}: the formats are f=json and f=html"))),
            None => {
                let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
                Ok(if accept.starts_with("text/html") { Format::Html } else { Format::Json })
            }
        }
    }
}

/// `?f=` alone (the pages without other parameters).
#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    pub f: Option<String>,
}

/// The server's `/ogc` address as the client reached it, for links.
pub(crate) fn base(h: &HeaderMap) -> String {
    format!("{}/ogc", super::http::origin(h))
}

fn link(href: String, rel: &str, ctype: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": ctype, "title": title })
}

/// A JSON document, or the same document as a page.
fn answer(format: Format, doc: Value, ctype: &'static str, title: &str) -> Response {
    match format {
        Format::Json => ([(header::CONTENT_TYPE, ctype)], axum::Json(doc)).into_response(),
        Format::Html => html::page(title, &doc),
    }
}

/// What a collection's items are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Each commune of the year's boundary version with its status.
    Status(i32),
    /// The stored units of one boundary version and level.
    Units(Level),
    /// The key drug routes.
    Routes,
}

/// A collection resolved against the current data.
#[derive(Clone)]
pub struct Collection {
    pub id: String,
    pub source: Source,
    /// The tile layer holding its geometry (the year's communes for a status collection).
    pub layer: Arc<LayerEntry>,
    pub version: Option<BoundaryVersion>,
}

impl Collection {
    /// The level of its units (none for routes).
    pub fn level(&self) -> Option<Level> {
        match self.source {
            Source::Status(_) => Some(Level::Commune),
            Source::Units(l) => Some(l),
            Source::Routes => None,
        }
    }

    fn title(&self) -> String {
        let version = self.version.as_ref().map_or("", |v| v.name.as_str());
        match self.source {
            Source::Status(y) => format!("Xã và tình trạng năm {y} / Communes and their status, {y}"),
            Source::Units(Level::Commune) => format!("Xã, phường, đặc khu — {version} / Communes, {version}"),
            Source::Units(Level::District) => format!("Huyện (trước 07/2025) — {version} / Districts, {version}"),
            Source::Units(Level::Province) => format!("Tỉnh, thành phố — {version} / Provinces, {version}"),
            Source::Routes => "Tuyến trọng điểm về ma túy / Key drug routes".to_string(),
        }
    }

    fn description(&self) -> String {
        match self.source {
            Source::Status(y) => format!(
                "Each commune of the {y} boundaries with its status under the rule set (official acts first), key type, Art. 6 check, rates and conversion since {}",
                y - 1
            ),
            Source::Units(l) => format!("The stored {} of boundary version {}", l.plural(), self.version.as_ref().map_or("-", |v| v.name.as_str())),
            Source::Routes => "Key complex drug routes as designated; a province-scoped user gets the stretches inside their communes".to_string(),
        }
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no collection '{id}': the collections are communes-status-{{year}}, the boundary layers ({{level}}.{{version}}) and routes — see /ogc/collections"
    ))
}

/// A collection by id.
pub fn resolve(state: &AppState, id: &str) -> Result<Collection, ApiError> {
    let s = state.snapshot();
    if let Some(y) = id.strip_prefix(STATUS_PREFIX) {
        let year: i32 = y.parse().map_err(|_| not_found(id))?;
        if !s.years().contains(&year) {
            return Err(ApiError::not_found(format!("no collection '{id}': no indicators for {year} (years: {:?})", s.years())));
        }
        let version = s.version_for_year(year).cloned().ok_or_else(|| ApiError::not_found(format!("no boundary version is valid in {year}")))?;
        let layer = state.tiles().layer(&format!("{}.{}", Level::Commune.plural(), version.name)).ok_or_else(|| not_found(id))?;
        return Ok(Collection { id: id.to_string(), source: Source::Status(year), layer, version: Some(version) });
    }
    // Layer ids only, not the aliases: a collection's id names one thing for good.
    let layer = state.tiles().layer(id).filter(|l| l.id == id).ok_or_else(|| not_found(id))?;
    let (source, version) = match (&layer.kind, layer.level) {
        (Kind::Lines(_), _) => (Source::Routes, None),
        (Kind::Polygons(_), Some(level)) => (Source::Units(level), s.versions.iter().find(|v| Some(&v.name) == layer.version.as_ref()).cloned()),
        (Kind::Polygons(_), None) => return Err(not_found(id)),
    };
    Ok(Collection { id: id.to_string(), source, layer, version })
}

/// Every collection: the status years first, then the boundary layers and routes.
pub fn all(state: &AppState) -> Vec<Collection> {
    let mut out = Vec::new();
    for y in state.snapshot().years() {
        if let Ok(c) = resolve(state, &format!("{STATUS_PREFIX}{y}")) {
            out.push(c);
        }
    }
    for l in state.tiles().layers() {
        if let Ok(c) = resolve(state, &l.id) {
            out.push(c);
        }
    }
    out
}

/// The units of a collection the user may see, by code.
pub fn members(state: &AppState, p: &Principal, c: &Collection) -> Vec<crate::store::units::Entry> {
    let (Some(level), Some(version)) = (c.level(), c.version.as_ref()) else { return Vec::new() };
    let units = state.units();
    let mut out: Vec<_> = units.entries().iter().filter(|e| e.level == level && e.boundary_version == version.name && p.scope.unit(e.unit_id)).cloned().collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

fn union(bboxes: impl Iterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    bboxes.reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}

/// The collection document; `None` when nothing of it is in the user's scope.
fn describe(state: &AppState, p: &Principal, b: &str, c: &Collection) -> Option<Value> {
    let bbox = match c.source {
        Source::Routes => {
            if !features::any_routes(&c.layer, p) {
                return None;
            }
            Some(c.layer.bounds)
        }
        _ => {
            let m = members(state, p, c);
            if m.is_empty() {
                return None;
            }
            union(m.iter().map(|e| e.bbox))
        }
    };
    let interval = match (&c.source, &c.version) {
        (Source::Status(y), _) => json!([[format!("{}-12-15T00:00:00Z", y - 1), format!("{y}-12-14T23:59:59Z")]]),
        (_, Some(v)) => json!([[format!("{}T00:00:00Z", v.valid_from), v.valid_to.as_ref().map(|t| format!("{t}T23:59:59Z"))]]),
        _ => json!([[null, null]]),
    };
    let id = &c.id;
    let mut links = vec![
        link(format!("{b}/collections/{id}"), "self", "application/json", "this collection"),
        link(format!("{b}/collections/{id}?f=html"), "alternate", "text/html", "this collection as a page"),
        link(format!("{b}/collections/{id}/items"), "items", "application/geo+json", "items"),
        link(format!("{b}/collections/{id}/items?f=html"), "items", "text/html", "items as a page"),
        link(format!("{b}/collections/{id}/tiles"), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "application/json", "vector tilesets"),
    ];
    if let Source::Status(y) = c.source {
        links.push(link(format!("{b}/styles/status-{y}"), "stylesheet", styles::STYLE_TYPE, "MapLibre style: status"));
    }
    Some(json!({
        "id": id,
        "title": c.title(),
        "description": c.description(),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": { "spatial": { "bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": CRS84 }, "temporal": { "interval": interval } },
        "links": links,
    }))
}

/// `GET /ogc`
pub async fn landing(headers: HeaderMap, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let b = base(&headers);
    let root = crate::api::http::origin(&headers);
    let doc = json!({
        "title": "commune-atlas",
        "description": "Xã, phường, đặc khu của Việt Nam phân loại theo Quyết định 28/2025/QĐ-TTg / Communes of Viet Nam classified under Decision 28/2025/QĐ-TTg, per assessment year (OGC API – Features, Tiles, Styles)",
        "links": [
            link(b.clone(), "self", "application/json", "this document"),
            link(format!("{b}?f=html"), "alternate", "text/html", "this document as a page"),
            link(format!("{root}/api/openapi.json"), "service-desc", "application/vnd.oai.openapi+json;version=3.1", "the API definition (OpenAPI 3.1)"),
            link(format!("{root}/api/docs"), "service-doc", "text/html", "the API documentation"),
            link(format!("{b}/conformance"), "conformance", "application/json", "conformance classes"),
            link(format!("{b}/collections"), "data", "application/json", "collections"),
            link(format!("{b}/tileMatrixSets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "application/json", "tile matrix sets"),
            link(format!("{b}/styles"), "http://www.opengis.net/def/rel/ogc/1.0/styles", "application/json", "styles"),
        ]
    });
    Ok(answer(format, doc, "application/json", "commune-atlas — OGC API"))
}

/// `GET /ogc/conformance`
pub async fn conformance(headers: HeaderMap, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let mut classes = vec![FEATURES_CORE, FEATURES_GEOJSON, FEATURES_HTML];
    classes.extend(tiles::CONFORMANCE);
    Ok(answer(format, json!({ "conformsTo": classes }), "application/json", "Conformance"))
}

/// `GET /ogc/collections`
pub async fn collections(State(state): State<AppState>, Extension(p): Extension<Principal>, headers: HeaderMap, Query(q): Query<FormatQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let b = base(&headers);
    let list: Vec<Value> = all(&state).iter().filter_map(|c| describe(&state, &p, &b, c)).collect();
    let doc = json!({
        "links": [link(format!("{b}/collections"), "self", "application/json", "collections"), link(format!("{b}/collections?f=html"), "alternate", "text/html", "collections as a page")],
        "collections": list,
    });
    Ok(answer(format, doc, "application/json", "Collections"))
}

/// `GET /ogc/collections/{id}`
pub async fn one_collection(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let c = resolve(&state, &id)?;
    let doc = describe(&state, &p, &base(&headers), &c).ok_or_else(|| ApiError::not_found(format!("no collection '{id}' in your scope")))?;
    let title = c.title();
    Ok(answer(format, doc, "application/json", &title))
}
