//! Vector tiles over HTTP:
//! - `GET /tiles` — the layer catalogue;
//! - `GET /tiles/{layer}.json` — TileJSON 3.0.0;
//! - `GET /tiles/{layer}/{z}/{x}/{y}.mvt` — a tile: gzip when accepted, strong ETag, 204 when
//!   empty, 404/400 JSON errors for unknown layers and out-of-range coordinates.

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Json, Path, Query};
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::{Principal, Scope};
use crate::tiles::{Kind, LayerEntry, MAX_ZOOM, TileError, UnitFilter};

/// A user's scope decides which units their tiles show.
impl UnitFilter for Scope {
    fn keep(&self, unit_id: i64) -> bool {
        self.unit(unit_id)
    }
    fn key(&self) -> u64 {
        self.key
    }
    fn everything(&self) -> bool {
        self.is_all()
    }
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match e {
            TileError::UnknownLayer(_) => ApiError::not_found(e.to_string()),
            TileError::OutOfRange { .. } => ApiError::bad_request(e.to_string()),
        }
    }
}

fn describe(l: &LayerEntry) -> Value {
    json!({
        "id": l.id,
        "layer": l.name,
        "boundary_version": l.version,
        "features": l.features,
        "bounds": l.bounds,
        "tilejson": format!("/tiles/{}.json", l.id),
        "build_seconds": l.build_seconds,
        "snap_tolerance": l.snap_tolerance,
        "snapped": { "vertices_moved": l.snapped.0, "vertices_inserted": l.snapped.1, "units_changed": l.snapped.2 },
        "guarded_arcs": match &l.kind { Kind::Polygons(p) => p.bands.guarded, Kind::Lines(_) => 0 },
    })
}

pub async fn catalog(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let (entries, bytes) = state.tiles().cache_stats();
    Ok(Json(json!({
        "layers": state.tiles().layers().iter().map(|l| describe(l)).collect::<Vec<_>>(),
        "cache": { "tiles": entries, "bytes": bytes },
    })))
}

/// `GET /tiles/{layer}.json`
pub async fn tilejson(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    let id = file.strip_suffix(".json").ok_or_else(|| ApiError::not_found(format!("no such resource: /tiles/{file}")))?;
    let l = state.tiles().layer(id).ok_or_else(|| ApiError::not_found(format!("no tile layer named '{id}'")))?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    let b = l.bounds;
    let body = json!({
        "tilejson": "3.0.0",
        "name": l.id,
        "description": format!("{} of boundary version {}", l.name, l.version.as_deref().unwrap_or("-")),
        "attribution": if state.demo { "commune-atlas — SYNTHETIC demo data / dữ liệu minh họa" } else { "commune-atlas" },
        "tiles": [format!("{scheme}://{host}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={:016x}", l.id, l.hash)],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": b,
        "center": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, 7],
        "vector_layers": l.vector_layers(MAX_ZOOM),
    });
    Ok(([(header::CACHE_CONTROL, "no-cache")], Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct TileQuery {
    /// The layer hash the client got from TileJSON: when it matches, the tile is immutable.
    pub v: Option<String>,
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt`
pub async fn tile(
    State(state): State<AppState>,
    Path((layer, z, x, y_file)): Path<(String, String, String, String)>,
    Query(q): Query<TileQuery>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (z, x, y) = crate::tiles::parse_coords(&z, &x, &y_file).map_err(ApiError::bad_request)?;
    let Some(entry) = state.tiles().layer(&layer) else {
        return Err(TileError::UnknownLayer(layer).into());
    };
    answer(&state, &entry, (z, x, y), q.v.as_deref(), &p, &headers)
}

/// The answer for tile `z/x/y` of a resolved layer, from the one tile cache: also what the OGC
/// API – Tiles URLs answer. `v` is the layer hash the client was given (then the tile is
/// immutable).
pub(super) fn answer(state: &AppState, entry: &LayerEntry, (z, x, y): (u32, u32, u32), v: Option<&str>, p: &Principal, headers: &HeaderMap) -> ApiResult<Response> {
    let immutable = v == Some(format!("{:016x}", entry.hash).as_str());
    // Tiles of a signed-in user are theirs: shared caches must not keep them.
    let cache_control = match (immutable, p.via == crate::access::Via::Demo) {
        (true, true) => "public, max-age=31536000, immutable",
        (true, false) => "private, max-age=31536000, immutable",
        _ => "no-cache",
    };
    let tile = state.tiles().tile_of(entry, z, x, y, p.scope.as_ref())?;
    let Some(t) = tile else {
        return Ok((StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, cache_control)]).into_response());
    };
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(t.etag.as_str()) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, t.etag.clone())]).into_response());
    }
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let body = if gzip_ok { t.gzip.clone() } else { t.raw.clone() };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.mapbox-vector-tile"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    let vary = if p.via == crate::access::Via::Demo { "accept-encoding" } else { "accept-encoding, authorization, cookie" };
    h.insert(header::VARY, HeaderValue::from_static(vary));
    if let Ok(v) = HeaderValue::from_str(&t.etag) {
        h.insert(header::ETAG, v);
    }
    if gzip_ok {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(resp)
}
