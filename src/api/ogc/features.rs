//! OGC API – Features items: `GET /ogc/collections/{id}/items` and `…/items/{code}`.
//!
//! Paging with `limit`/`offset` and `next` links (every feature exactly once across pages, in
//! code order), `bbox` (the units whose stored geometry intersects the box, tested exactly, not
//! by bounding box), `province_code` and — on status collections — `status` filters, `f=json|html`.
//! Geometry is the stored boundary in full precision, or with `?zoom=z` the tile engine's
//! shared-arc simplification for that zoom (neighbours keep one shared edge: no gap, no
//! overlap) with coordinates rounded to what that zoom can show, so a whole-country request
//! stays small.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::response::Response;
use geo::Intersects;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Collection, Format, Source, answer, base, link, members, resolve};
use crate::access::Principal;
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Path, Query};
use crate::store::units::Entry;
use crate::tiles::mercator::to_lonlat;
use crate::tiles::simplify::{band_of, douglas_peucker, tolerance};
use crate::tiles::{Kind, LayerEntry, MAX_ZOOM};

/// Items per page unless asked (and at most).
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

#[derive(Debug, Deserialize)]
pub struct ItemsQuery {
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// `minx,miny,maxx,maxy` in CRS84.
    pub bbox: Option<String>,
    pub province_code: Option<String>,
    pub status: Option<String>,
    /// Simplify the geometry as the tiles of this zoom do (0–14).
    pub zoom: Option<u8>,
    pub f: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ItemQuery {
    pub zoom: Option<u8>,
    pub f: Option<String>,
}

fn parse_bbox(s: &str) -> Result<[f64; 4], ApiError> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_request(format!("bbox '{s}' must be four numbers minx,miny,maxx,maxy")))?;
    match v[..] {
        [a, b, c, d] if a <= c && b <= d => Ok([a, b, c, d]),
        _ => Err(ApiError::bad_request(format!("bbox '{s}' must be four numbers minx,miny,maxx,maxy with min ≤ max"))),
    }
}

fn check_zoom(z: Option<u8>) -> Result<Option<u8>, ApiError> {
    match z {
        Some(z) if z > MAX_ZOOM => Err(ApiError::bad_request(format!("zoom={z}: the tiles' zooms are 0–{MAX_ZOOM}"))),
        z => Ok(z),
    }
}

/// Decimal places that still show what zoom `z`'s simplification keeps (its tolerance, in
/// degrees, to one more digit).
fn decimals(z: u8) -> i32 {
    let degrees = tolerance(band_of(z)) * 360.0;
    (-degrees.log10()).ceil() as i32 + 1
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

fn lonlat(p: [f64; 2], places: i32) -> Value {
    let q = to_lonlat(p);
    json!([round(q[0], places), round(q[1], places)])
}

/// A unit's geometry as the tiles of zoom `z` draw it, as GeoJSON.
fn simplified(layer: &LayerEntry, index: usize, z: u8) -> Value {
    let Kind::Polygons(p) = &layer.kind else { return Value::Null };
    let places = decimals(z);
    let mp = p.unit_geometry(index, Some(band_of(z)));
    let polys: Vec<Value> = mp
        .0
        .iter()
        .map(|poly| {
            let ring = |r: &geo::LineString<f64>| Value::Array(r.0.iter().map(|c| lonlat([c.x, c.y], places)).collect());
            Value::Array(std::iter::once(ring(poly.exterior())).chain(poly.interiors().iter().map(ring)).collect())
        })
        .collect();
    json!({ "type": "MultiPolygon", "coordinates": polys })
}

/// A key route as served: id, name, route scope, lon/lat parts.
pub type Route = (i64, String, String, Vec<Vec<[f64; 2]>>);

fn route_feature((rid, name, scope, parts): Route) -> Value {
    json!({ "type": "Feature", "id": rid, "geometry": { "type": "MultiLineString", "coordinates": parts }, "properties": { "route_id": rid, "name": name, "route_scope": scope } })
}

/// A unit of a status or boundary collection as a feature.
fn unit_feature(s: &crate::analytics::Snapshot, by_key: &HashMap<(i64, i32), &crate::analytics::Classified>, c: &Collection, e: &Entry, geometry: Value) -> Value {
    json!({ "type": "Feature", "id": e.code, "geometry": geometry, "properties": properties(s, by_key, c, e) })
}

/// A stored geometry (GeoJSON text) as a value; null when there is none.
fn parsed(stored: &HashMap<i64, String>, unit: i64) -> Value {
    stored.get(&unit).and_then(|g| serde_json::from_str(g).ok()).unwrap_or(Value::Null)
}

/// Does the user see any stretch of a key route (without building them)?
pub fn any_routes(layer: &LayerEntry, p: &Principal) -> bool {
    match &layer.kind {
        Kind::Lines(l) if p.scope.is_all() => !l.lines.is_empty(),
        Kind::Lines(l) => l.pieces.iter().any(|(_, unit, _)| p.scope.unit(*unit)),
        Kind::Polygons(_) => false,
    }
}

/// Each key route the user may see — whole for a user who sees everything, else its stretches
/// inside their communes. `zoom` simplifies as the tiles do.
pub fn routes(layer: &LayerEntry, p: &Principal, zoom: Option<u8>) -> Vec<Route> {
    let Kind::Lines(l) = &layer.kind else { return Vec::new() };
    let mut by_route: BTreeMap<i64, (String, String, Vec<Vec<[f64; 2]>>)> = BTreeMap::new();
    let mut add = |li: usize, world: &[[f64; 2]]| {
        let (id, name, scope, _) = &l.lines[li];
        let kept: Vec<[f64; 2]> = match zoom {
            Some(z) => {
                let ids: Vec<u32> = (0..world.len() as u32).collect();
                douglas_peucker(world, &ids, tolerance(band_of(z))).iter().map(|&i| world[i as usize]).collect()
            }
            None => world.to_vec(),
        };
        // Full precision is the stored lines' (7 decimals, ~1 cm), not the Mercator round trip's noise.
        let places = zoom.map_or(7, decimals);
        let e = by_route.entry(*id).or_insert_with(|| (name.clone(), scope.clone(), Vec::new()));
        e.2.push(kept.into_iter().map(to_lonlat).map(|[x, y]| [round(x, places), round(y, places)]).collect());
    };
    if p.scope.is_all() {
        for (li, line) in l.lines.iter().enumerate() {
            add(li, &line.3);
        }
    } else {
        for (li, unit, piece) in &l.pieces {
            if p.scope.unit(*unit) {
                add(*li, piece);
            }
        }
    }
    by_route.into_iter().map(|(id, (n, s, parts))| (id, n, s, parts)).collect()
}

/// The stored geometries of `ids` (units of the collection's version and level), in one read.
fn stored(state: &AppState, c: &Collection, ids: Vec<i64>) -> Result<HashMap<i64, String>, crate::Error> {
    let (Some(v), Some(level)) = (c.version.as_ref(), c.level()) else { return Ok(HashMap::new()) };
    let wanted: HashSet<i64> = ids.into_iter().collect();
    crate::store::units::geometries(&state.store, v.id, level, |id| wanted.contains(&id))
}

/// A unit's properties: identity for a boundary collection; for a status collection also the
/// year's status, key type, Art. 6 check, rates and conversion since the year before.
fn properties(s: &crate::analytics::Snapshot, by_key: &HashMap<(i64, i32), &crate::analytics::Classified>, c: &Collection, e: &Entry) -> Value {
    let mut props = json!({
        "unit_id": e.unit_id, "code": e.code, "name": e.name, "unit_type": e.unit_type,
        "province_code": e.province_code, "province_name": e.province_name,
        "boundary_version": e.boundary_version,
    });
    if let Source::Status(year) = c.source {
        let k = s.classified.get(&(e.unit_id, year));
        let ev = k.and_then(|k| k.evaluation.as_ref());
        let conv = crate::analytics::conversion::one(&s.rules, &s.facts, by_key, e.unit_id, year - 1, year, false, Default::default());
        let extra = json!({
            "year": year,
            "status": k.map_or("no_data", |k| k.status.status.as_str()),
            "status_basis": k.map(|k| k.status.basis.as_str()),
            "key_type": ev.map(|e| e.key_type.as_str()),
            "drug_free_check": ev.and_then(|e| e.drug_free_check).map(crate::analytics::tri_text),
            "addict_user_rate_pct": k.and_then(|k| k.rates.0),
            "arrest_rate_pct": k.and_then(|k| k.rates.1),
            "conversion": conv.as_ref().map(|x| x.conversion.as_str()),
        });
        if let (Some(p), Some(x)) = (props.as_object_mut(), extra.as_object()) {
            p.extend(x.clone());
        }
    }
    props
}

/// The status the `status` filter compares with.
fn status_of(s: &crate::analytics::Snapshot, e: &Entry, year: i32) -> &'static str {
    s.classified.get(&(e.unit_id, year)).map_or("no_data", |c| c.status.status.as_str())
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|c| if c.is_ascii_alphanumeric() || b"-_.~,".contains(&c) { (c as char).to_string() } else { format!("%{c:02X}") }).collect()
}

fn collection_of(c: &Collection, features: Vec<Value>, matched: usize, links: Vec<Value>) -> Value {
    let returned = features.len();
    json!({
        "type": "FeatureCollection",
        "title": c.title(),
        "features": features,
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "links": links,
    })
}

/// `GET /ogc/collections/{id}/items`
pub async fn items(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ItemsQuery>,
) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let c = resolve(&state, &id)?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    let zoom = check_zoom(q.zoom)?;
    let rect = bbox.map(|b| geo::Rect::new(geo::coord! { x: b[0], y: b[1] }, geo::coord! { x: b[2], y: b[3] }));

    let (features, matched) = match c.source {
        Source::Routes => {
            if q.province_code.is_some() || q.status.is_some() {
                return Err(ApiError::bad_request("routes are filtered by bbox only: a scoped user's routes are already cut to their communes"));
            }
            let mut list = routes(&c.layer, &p, zoom);
            if let Some(r) = &rect {
                list.retain(|(_, _, _, parts)| {
                    let ml = geo::MultiLineString(parts.iter().map(|l| geo::LineString(l.iter().map(|p| geo::coord! { x: p[0], y: p[1] }).collect())).collect());
                    ml.intersects(r)
                });
            }
            let matched = list.len();
            let page: Vec<Value> = list
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(route_feature)
                .collect();
            (page, matched)
        }
        Source::Status(_) | Source::Units(_) => {
            let s = state.snapshot();
            let mut list = members(&state, &p, &c);
            if let Some(pc) = &q.province_code {
                list.retain(|e| e.province_code.as_deref() == Some(pc.as_str()));
            }
            if let Some(st) = &q.status {
                let Source::Status(year) = c.source else {
                    return Err(ApiError::bad_request(format!("status filters the status collections (communes-status-{{year}}), not {id}")));
                };
                list.retain(|e| status_of(&s, e, year) == st);
            }
            if let Some(b) = bbox {
                // Candidates by their bounding box; the geometry itself decides below.
                list.retain(|e| e.bbox[0] <= b[2] && e.bbox[2] >= b[0] && e.bbox[1] <= b[3] && e.bbox[3] >= b[1]);
            }
            // Stored geometry: of the bbox candidates (to test them), else of the page unless
            // the page is drawn simplified from the tile layer.
            let need: Vec<i64> = match (bbox, zoom) {
                (Some(_), _) => list.iter().map(|e| e.unit_id).collect(),
                (None, None) => list.iter().skip(offset).take(limit).map(|e| e.unit_id).collect(),
                (None, Some(_)) => Vec::new(),
            };
            let geoms = if need.is_empty() {
                HashMap::new()
            } else {
                let (st, c2) = (state.clone(), c.clone());
                tokio::task::spawn_blocking(move || stored(&st, &c2, need)).await??
            };
            if let Some(r) = &rect {
                list.retain(|e| geoms.get(&e.unit_id).and_then(|g| crate::geo::from_geojson(g).ok()).is_some_and(|mp| mp.intersects(r)));
            }
            let matched = list.len();
            let by_key = s.by_key();
            let index: HashMap<i64, usize> = match &c.layer.kind {
                Kind::Polygons(l) if zoom.is_some() => l.units.iter().enumerate().map(|(i, u)| (u.id, i)).collect(),
                _ => HashMap::new(),
            };
            let page: Vec<Value> = list
                .iter()
                .skip(offset)
                .take(limit)
                .map(|e| {
                    let geometry = match zoom {
                        Some(z) => index.get(&e.unit_id).map_or(Value::Null, |&i| simplified(&c.layer, i, z)),
                        None => parsed(&geoms, e.unit_id),
                    };
                    unit_feature(&s, &by_key, &c, e, geometry)
                })
                .collect();
            (page, matched)
        }
    };

    let b = base(&headers);
    let mut params: Vec<String> = Vec::new();
    let zoom_text = zoom.map(|z| z.to_string());
    for (k, v) in [("bbox", &q.bbox), ("province_code", &q.province_code), ("status", &q.status), ("zoom", &zoom_text)] {
        if let Some(v) = v {
            params.push(format!("{k}={}", urlencode(v)));
        }
    }
    let href = |off: usize, f: &str| {
        let mut p = params.clone();
        p.push(format!("limit={limit}"));
        p.push(format!("offset={off}"));
        if !f.is_empty() {
            p.push(format!("f={f}"));
        }
        format!("{b}/collections/{id}/items?{}", p.join("&"))
    };
    let mut links = vec![
        link(href(offset, ""), "self", "application/geo+json", "this page"),
        link(href(offset, "html"), "alternate", "text/html", "this page as a page"),
        link(format!("{b}/collections/{id}"), "collection", "application/json", "the collection"),
    ];
    let more = offset + features.len() < matched;
    if more {
        let rel_type = if format == Format::Html { ("html", "text/html") } else { ("", "application/geo+json") };
        links.push(link(href(offset + limit, rel_type.0), "next", rel_type.1, "next page"));
    }
    if offset > 0 {
        links.push(link(href(offset.saturating_sub(limit), ""), "prev", "application/geo+json", "previous page"));
    }
    let title = c.title();
    Ok(answer(format, collection_of(&c, features, matched, links), "application/geo+json", &title))
}

/// `GET /ogc/collections/{id}/items/{code}` (a route by its id).
pub async fn item(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    Path((id, code)): Path<(String, String)>,
    Query(q): Query<ItemQuery>,
) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let zoom = check_zoom(q.zoom)?;
    let c = resolve(&state, &id)?;
    let missing = || ApiError::not_found(format!("no feature '{code}' in {id} (or not in your scope)"));
    let mut f = match c.source {
        Source::Routes => {
            route_feature(routes(&c.layer, &p, zoom).into_iter().find(|r| r.0.to_string() == code).ok_or_else(missing)?)
        }
        Source::Status(_) | Source::Units(_) => {
            let e = members(&state, &p, &c).into_iter().find(|e| e.code == code).ok_or_else(missing)?;
            let geometry = match (zoom, &c.layer.kind) {
                (Some(z), Kind::Polygons(l)) => l.units.iter().position(|u| u.id == e.unit_id).map_or(Value::Null, |i| simplified(&c.layer, i, z)),
                _ => {
                    let (st, c2, unit) = (state.clone(), c.clone(), e.unit_id);
                    let g = tokio::task::spawn_blocking(move || stored(&st, &c2, vec![unit])).await??;
                    parsed(&g, e.unit_id)
                }
            };
            let s = state.snapshot();
            let by_key = s.by_key();
            unit_feature(&s, &by_key, &c, &e, geometry)
        }
    };
    let b = base(&headers);
    f["links"] = json!([
        link(format!("{b}/collections/{id}/items/{code}"), "self", "application/geo+json", "this feature"),
        link(format!("{b}/collections/{id}/items/{code}?f=html"), "alternate", "text/html", "this feature as a page"),
        link(format!("{b}/collections/{id}"), "collection", "application/json", "the collection"),
    ]);
    let title = format!("{} — {code}", c.title());
    Ok(answer(format, f, "application/geo+json", &title))
}
