//! OGC API – Features, Part 1 (Core, GeoJSON) over the atlas: a landing page, the conformance
//! classes, one collection per year with data (`communes-status-{year}`: each commune of the
//! year's boundary version with its status, key type, Art. 6 check, rates and conversion since
//! the year before as properties, the stored geometry in full precision), items with
//! `limit`/`offset` paging and `next` links, `bbox` (units whose geometry intersects it),
//! `province_code` and `status` filters, and one item by commune code. Scope as everywhere: a
//! scoped user's collections hold only their units. GIS clients (QGIS, GDAL's OAPIF driver) send
//! their bearer token in the `Authorization` header.
//! - `GET /ogc`, `/ogc/conformance`, `/ogc/collections`, `/ogc/collections/{id}`,
//!   `/ogc/collections/{id}/items`, `/ogc/collections/{id}/items/{code}`.

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use geo::Intersects;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{Path, Query};
use crate::access::Principal;
use crate::vocab::Level;

const CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core";
const GEOJSON: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// Items per page unless asked (and at most).
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

/// The server's own address as the client reached it, for links.
fn base(h: &HeaderMap) -> String {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}/ogc")
}

fn json_response(v: Value, ctype: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, ctype)], axum::Json(v))
}

pub async fn landing(headers: HeaderMap) -> impl IntoResponse {
    let b = base(&headers);
    json_response(
        json!({
            "title": "commune-atlas",
            "description": "Communes of Viet Nam classified under Decision 28/2025/QĐ-TTg, per assessment year (OGC API – Features)",
            "links": [
                { "href": b, "rel": "self", "type": "application/json", "title": "this document" },
                { "href": format!("{b}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes" },
                { "href": format!("{b}/collections"), "rel": "data", "type": "application/json", "title": "collections" },
            ]
        }),
        "application/json",
    )
}

pub async fn conformance() -> impl IntoResponse {
    json_response(json!({ "conformsTo": [CORE, GEOJSON] }), "application/json")
}

/// `communes-status-2025` → 2025.
fn year_of(id: &str) -> Result<i32, ApiError> {
    id.strip_prefix("communes-status-").and_then(|y| y.parse().ok()).ok_or_else(|| ApiError::not_found(format!("no collection '{id}': the collections are communes-status-{{year}}, see /ogc/collections")))
}

fn collection(b: &str, year: i32, bbox: Option<[f64; 4]>) -> Value {
    let id = format!("communes-status-{year}");
    json!({
        "id": id,
        "title": format!("Communes and their status, {year}"),
        "description": format!("Each commune of the {year} boundaries with its status under the rule set (official acts first), key type, Art. 6 check, rates and conversion since {}", year - 1),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": { "spatial": { "bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": CRS84 }, "temporal": { "interval": [[format!("{}-12-15T00:00:00Z", year - 1), format!("{year}-12-14T23:59:59Z")]] } },
        "links": [
            { "href": format!("{b}/collections/{id}"), "rel": "self", "type": "application/json" },
            { "href": format!("{b}/collections/{id}/items"), "rel": "items", "type": "application/geo+json" },
        ]
    })
}

/// The communes of `year`'s boundary version the user may see.
fn communes(state: &AppState, p: &Principal, year: i32) -> Result<Vec<crate::store::units::Entry>, ApiError> {
    let s = state.snapshot();
    let version = s.version_for_year(year).ok_or_else(|| ApiError::not_found(format!("no boundary version is valid in {year}")))?;
    let units = state.units();
    let mut out: Vec<_> = units.entries().iter().filter(|e| e.level == Level::Commune && e.boundary_version == version.name && p.scope.unit(e.unit_id)).cloned().collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

fn union(bboxes: impl Iterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    bboxes.reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}

pub async fn collections(State(state): State<AppState>, Extension(p): Extension<Principal>, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    let b = base(&headers);
    let years = state.snapshot().years();
    let mut list = Vec::new();
    for y in years {
        let c = communes(&state, &p, y)?;
        if !c.is_empty() {
            list.push(collection(&b, y, union(c.iter().map(|e| e.bbox))));
        }
    }
    Ok(json_response(json!({ "links": [{ "href": format!("{b}/collections"), "rel": "self", "type": "application/json" }], "collections": list }), "application/json"))
}

pub async fn one_collection(State(state): State<AppState>, Extension(p): Extension<Principal>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<impl IntoResponse> {
    let year = year_of(&id)?;
    let c = communes(&state, &p, year)?;
    if c.is_empty() {
        return Err(ApiError::not_found(format!("no collection '{id}' in your scope")));
    }
    Ok(json_response(collection(&base(&headers), year, union(c.iter().map(|e| e.bbox))), "application/json"))
}

#[derive(Debug, Deserialize)]
pub struct ItemsQuery {
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// `minx,miny,maxx,maxy` in CRS84.
    pub bbox: Option<String>,
    pub province_code: Option<String>,
    pub status: Option<String>,
}

fn parse_bbox(s: &str) -> Result<[f64; 4], ApiError> {
    let v: Vec<f64> = s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| ApiError::bad_request(format!("bbox '{s}' must be four numbers minx,miny,maxx,maxy")))?;
    match v[..] {
        [a, b, c, d] if a <= c && b <= d => Ok([a, b, c, d]),
        _ => Err(ApiError::bad_request(format!("bbox '{s}' must be four numbers minx,miny,maxx,maxy with min ≤ max"))),
    }
}

/// One commune-year as a feature: its properties from the snapshot, its stored geometry.
fn feature(s: &crate::analytics::Snapshot, e: &crate::store::units::Entry, year: i32, geometry: Value, conversion: Option<&crate::analytics::conversion::Conversion>) -> Value {
    let c = s.classified.get(&(e.unit_id, year));
    json!({
        "type": "Feature",
        "id": e.code,
        "geometry": geometry,
        "properties": {
            "unit_id": e.unit_id, "code": e.code, "name": e.name, "province_code": e.province_code, "province_name": e.province_name,
            "year": year,
            "status": c.map_or("no_data", |c| c.status.status.as_str()),
            "status_basis": c.map(|c| c.status.basis.as_str()),
            "key_type": c.and_then(|c| c.evaluation.as_ref()).map(|e| e.key_type.as_str()),
            "drug_free_check": c.and_then(|c| c.evaluation.as_ref()).and_then(|e| e.drug_free_check).map(crate::analytics::tri_text),
            "addict_user_rate_pct": c.and_then(|c| c.rates.0),
            "arrest_rate_pct": c.and_then(|c| c.rates.1),
            "conversion": conversion.map(|x| x.conversion.as_str()),
        }
    })
}

/// The stored geometries of `ids` (units of `year`'s boundary version), in one read.
fn geometries(state: &AppState, year: i32, ids: Vec<i64>) -> Result<std::collections::HashMap<i64, String>, crate::Error> {
    let version = state.snapshot().version_for_year(year).map(|v| v.id).ok_or_else(|| crate::Error::NotFound(format!("no boundary version is valid in {year}")))?;
    let wanted: std::collections::HashSet<i64> = ids.into_iter().collect();
    crate::store::units::geometries(&state.store, version, Level::Commune, |id| wanted.contains(&id))
}

pub async fn items(State(state): State<AppState>, Extension(p): Extension<Principal>, headers: HeaderMap, Path(id): Path<String>, Query(q): Query<ItemsQuery>) -> ApiResult<impl IntoResponse> {
    let year = year_of(&id)?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    let s = state.snapshot();
    let mut list = communes(&state, &p, year)?;
    if let Some(pc) = &q.province_code {
        list.retain(|e| e.province_code.as_deref() == Some(pc.as_str()));
    }
    if let Some(st) = &q.status {
        list.retain(|e| s.classified.get(&(e.unit_id, year)).map_or("no_data", |c| c.status.status.as_str()) == st);
    }
    if let Some(b) = bbox {
        // Candidates by their bounding box, then the geometry itself.
        list.retain(|e| e.bbox[0] <= b[2] && e.bbox[2] >= b[0] && e.bbox[1] <= b[3] && e.bbox[3] >= b[1]);
    }
    // Geometry for the bbox candidates, or (no bbox) for the page only.
    let st = state.clone();
    let ids: Vec<i64> = if bbox.is_some() { list.iter().map(|e| e.unit_id).collect() } else { list.iter().skip(offset).take(limit).map(|e| e.unit_id).collect() };
    let geoms = tokio::task::spawn_blocking(move || geometries(&st, year, ids)).await??;
    if let Some(b) = bbox {
        let rect = geo::Rect::new(geo::coord! { x: b[0], y: b[1] }, geo::coord! { x: b[2], y: b[3] });
        list.retain(|e| geoms.get(&e.unit_id).and_then(|g| crate::geo::from_geojson(g).ok()).is_some_and(|mp| mp.intersects(&rect)));
    }
    let matched = list.len();
    let by_key = s.by_key();
    let page: Vec<Value> = list
        .iter()
        .skip(offset)
        .take(limit)
        .map(|e| {
            let conv = crate::analytics::conversion::one(&s.rules, &s.facts, &by_key, e.unit_id, year - 1, year, false, Default::default());
            let g: Value = geoms.get(&e.unit_id).and_then(|g| serde_json::from_str(g).ok()).unwrap_or(Value::Null);
            feature(&s, e, year, g, conv.as_ref())
        })
        .collect();
    let b = base(&headers);
    let mut params: Vec<String> = Vec::new();
    for (k, v) in [("bbox", &q.bbox), ("province_code", &q.province_code), ("status", &q.status)] {
        if let Some(v) = v {
            params.push(format!("{k}={}", urlencode(v)));
        }
    }
    let link = |off: usize| {
        let mut p = params.clone();
        p.push(format!("limit={limit}"));
        p.push(format!("offset={off}"));
        format!("{b}/collections/{id}/items?{}", p.join("&"))
    };
    let mut links = vec![json!({ "href": link(offset), "rel": "self", "type": "application/geo+json" })];
    if offset + page.len() < matched {
        links.push(json!({ "href": link(offset + limit), "rel": "next", "type": "application/geo+json" }));
    }
    let returned = page.len();
    Ok(json_response(
        json!({ "type": "FeatureCollection", "features": page, "numberMatched": matched, "numberReturned": returned, "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "links": links }),
        "application/geo+json",
    ))
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|c| if c.is_ascii_alphanumeric() || b"-_.~,".contains(&c) { (c as char).to_string() } else { format!("%{c:02X}") }).collect()
}

pub async fn item(State(state): State<AppState>, Extension(p): Extension<Principal>, headers: HeaderMap, Path((id, code)): Path<(String, String)>) -> ApiResult<impl IntoResponse> {
    let year = year_of(&id)?;
    let e = communes(&state, &p, year)?.into_iter().find(|e| e.code == code).ok_or_else(|| ApiError::not_found(format!("no commune '{code}' in {id} (or not in your scope)")))?;
    let st = state.clone();
    let unit = e.unit_id;
    let geoms = tokio::task::spawn_blocking(move || geometries(&st, year, vec![unit])).await??;
    let s = state.snapshot();
    let by_key = s.by_key();
    let conv = crate::analytics::conversion::one(&s.rules, &s.facts, &by_key, e.unit_id, year - 1, year, false, Default::default());
    let g: Value = geoms.get(&e.unit_id).and_then(|g| serde_json::from_str(g).ok()).unwrap_or(Value::Null);
    let mut f = feature(&s, &e, year, g, conv.as_ref());
    f["links"] = json!([{ "href": format!("{}/collections/{id}/items/{code}", base(&headers)), "rel": "self", "type": "application/geo+json" }, { "href": format!("{}/collections/{id}", base(&headers)), "rel": "collection", "type": "application/json" }]);
    Ok(json_response(f, "application/geo+json"))
}
