//! Vector tiles over HTTP:
//! - `GET /tiles` — the layer catalogue;
//! - `GET /tiles/{layer}.json` — TileJSON 3.0.0;
//! - `GET /tiles/{layer}/{z}/{x}/{y}.mvt` — a tile: gzip when accepted (`gzip;q=0` refuses it),
//!   one strong ETag per encoding, `If-None-Match` → 304 with the same Cache-Control and Vary,
//!   204 when empty, 404/400 JSON errors for unknown layers and out-of-range coordinates.
//!
//! The tile route has no middleware of its own (no compression — tiles are stored gzipped —, no
//! timeout): its GETs are handed to [`tile`] by the outer layer ([`super::outer`]), which checks
//! [`is_xyz`]; the caller is admitted in the handler, in its own rate-limit class.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::extract::{Json, Path};
use super::AppState;
use super::error::{ApiError, ApiResult};
use super::auth::RateClass;
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
        // What the web client's style needs without asking for the TileJSON (one round trip
        // less on a slow link): the tile URL (immutable by its layer hash) and the deepest zoom.
        "tiles": format!("/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={}", l.id, l.tag),
        "maxzoom": MAX_ZOOM,
        // The font its labels are drawn in (the glyph ranges carry that font's letters).
        "label_font": l.level.map(crate::tiles::glyphs::label_font),
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
        // The style's glyphs URL (same origin): ranges with the letters of these layers' names.
        "glyphs": super::http::glyphs_url("", &state.tiles().repertoire()),
        "cache": { "tiles": entries, "bytes": bytes },
    })))
}

/// `GET /tiles/{layer}.json`
pub async fn tilejson(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    let id = file.strip_suffix(".json").ok_or_else(|| ApiError::not_found(format!("no such resource: /tiles/{file}")))?;
    let l = state.tiles().layer(id).ok_or_else(|| ApiError::not_found(format!("no tile layer named '{id}'")))?;
    let origin = super::http::origin(&headers);
    let b = l.bounds;
    let body = json!({
        "tilejson": "3.0.0",
        "name": l.id,
        "description": format!("{} of boundary version {}", l.name, l.version.as_deref().unwrap_or("-")),
        "attribution": if state.demo { "commune-atlas — SYNTHETIC demo data / dữ liệu minh họa" } else { "commune-atlas" },
        "tiles": [format!("{origin}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={}", l.id, l.tag)],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": b,
        "center": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, 7],
        "vector_layers": l.vector_layers(MAX_ZOOM),
    });
    Ok(([(header::CACHE_CONTROL, "no-cache")], Json(body)).into_response())
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt` — the hot path: the request is read in place (no path
/// or header copies), the principal borrowed, the cached answer's bytes and headers shared.
pub async fn tile(State(state): State<AppState>, req: Request) -> Response {
    // Signed in and within the tile budget: checked here, not by a middleware layer (this is the
    // busiest route; the rules are the same, auth::admit).
    // The request's parts: a body is not `Sync`, so it cannot be held across an await.
    let (req, _) = req.into_parts();
    let p = match super::auth::admit(&state, RateClass::Tiles, &req.method, req.uri.path(), &req.headers).await {
        Ok(Some(p)) => p,
        Ok(None) => return ApiError::internal("the tile route was taken for a public one").into_response(),
        Err(refused) => return refused,
    };
    let mut resp = tile_for(&state, &req, &p).await.into_response();
    super::auth::served_to(RateClass::Tiles, &mut resp, p.name);
    resp
}

/// Whether the outer layer answers `path` as a tile: `/tiles/` and four non-empty segments. The
/// XYZ route matches these and a few more (an empty middle segment), which the router answers.
pub(super) fn is_xyz(path: &str) -> bool {
    path.strip_prefix("/tiles/").is_some_and(|rest| {
        let mut n = 0;
        rest.split('/').all(|s| {
            n += 1;
            !s.is_empty()
        }) && n == 4
    })
}

async fn tile_for(state: &AppState, req: &axum::http::request::Parts, p: &Principal) -> ApiResult<Response> {
    let path = req.uri.path();
    let rest = path.strip_prefix("/tiles/").unwrap_or(path);
    let mut parts = rest.rsplitn(4, '/');
    let (Some(y), Some(x), Some(z), Some(layer)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::not_found(format!("no such tile: {path} (tiles are /tiles/{{layer}}/{{z}}/{{x}}/{{y}}.mvt)")));
    };
    let (z, x, y) = crate::tiles::parse_coords(z, x, y).map_err(ApiError::bad_request)?;
    let Some(entry) = state.tiles().layer(layer) else {
        return Err(TileError::UnknownLayer(layer.to_string()).into());
    };
    answer(state, &entry, (z, x, y), super::http::version_param(req.uri.query()), p, &req.headers).await
}

const MVT: HeaderValue = HeaderValue::from_static("application/vnd.mapbox-vector-tile");
const GZIP: HeaderValue = HeaderValue::from_static("gzip");
const VARY_PUBLIC: HeaderValue = HeaderValue::from_static("accept-encoding");
const VARY_PRIVATE: HeaderValue = HeaderValue::from_static("accept-encoding, authorization, cookie");

/// The answer for tile `z/x/y` of a resolved layer, from the one tile cache: also what the OGC
/// API – Tiles URLs answer. `v` is the layer hash the client was given (then the tile is
/// immutable). A miss renders once however many ask at the same time: in place when the tile is
/// light ([`LayerEntry::light`]), else on a blocking thread.
pub(super) async fn answer(state: &AppState, entry: &Arc<LayerEntry>, (z, x, y): (u32, u32, u32), v: Option<&str>, p: &Principal, headers: &HeaderMap) -> ApiResult<Response> {
    let demo = p.via == crate::access::Via::Demo;
    // Tiles of a signed-in user are theirs: shared caches must not keep them.
    let cache_control = HeaderValue::from_static(match (v == Some(entry.tag.as_str()), demo) {
        (true, true) => "public, max-age=31536000, immutable",
        (true, false) => "private, max-age=31536000, immutable",
        _ => "no-cache",
    });
    let vary = if demo { VARY_PUBLIC } else { VARY_PRIVATE };
    let tile = match state.tiles().cached(entry, z, x, y, p.scope.as_ref()) {
        Some(hit) => hit,
        // A light tile (a few dozen parts) renders here: cheaper than a trip to the blocking
        // pool and back.
        None if entry.light(z, x, y) => state.tiles().tile_of(entry, z, x, y, p.scope.as_ref())?,
        None => {
            let _slot = state.render_slots.acquire().await.map_err(ApiError::internal)?;
            let (st, layer, scope) = (state.clone(), entry.clone(), p.scope.clone());
            tokio::task::spawn_blocking(move || st.tiles().tile_of(&layer, z, x, y, scope.as_ref())).await??
        }
    };
    let Some(t) = tile else {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        r.headers_mut().insert(header::CACHE_CONTROL, cache_control);
        return Ok(r);
    };
    let gzip = super::http::accepts_gzip(headers);
    let etag = if gzip { &t.etag_gzip } else { &t.etag };
    let mut resp = if super::http::none_match(headers, etag) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(if gzip { t.gzip.clone() } else { t.raw.clone() }));
        r.headers_mut().insert(header::CONTENT_TYPE, MVT);
        if gzip {
            r.headers_mut().insert(header::CONTENT_ENCODING, GZIP);
        }
        r
    };
    let h = resp.headers_mut();
    // Room for these, the content headers and the security layer's, in one allocation.
    h.reserve(8);
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CACHE_CONTROL, cache_control);
    h.insert(header::VARY, vary);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::is_xyz;

    #[test]
    fn the_outer_layer_takes_tile_paths_of_four_non_empty_segments_only() {
        for p in ["/tiles/communes/5/25/14.mvt", "/tiles/communes.national-2025/14/12955/7310", "/tiles/a/b/c/d"] {
            assert!(is_xyz(p), "{p}");
        }
        for p in ["/tiles", "/tiles/", "/tiles/communes.json", "/tiles/communes/5/25", "/tiles/communes/5/25/14/extra", "/tiles/communes//25/14", "/tiles/communes/5/25/14/", "/api/tiles/a/1/2/3"] {
            assert!(!is_xyz(p), "{p}");
        }
    }
}
