//! Styles (after OGC API – Styles): `GET /ogc/styles` lists a style per view and year —
//! `status-{year}`, `key_type-{year}`, `conversion-{year}` — and `GET /ogc/styles/{id}` answers
//! the MapLibre style document ([`crate::render::styles::maplibre`]) whose tiles are the
//! status collection's OGC tiles and whose fill is the user's scope's classes, coloured as the
//! web legend. The `.qml`/`.sld` files of the same classes are at `/api/styles/{view}.{qml|sld}`.

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Format, answer, base, link};
use crate::access::Principal;
use crate::analytics::choropleth::{self, Metric, Spec};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Path, Query};

/// The media type of a MapLibre (Mapbox GL) style document.
pub const STYLE_TYPE: &str = "application/vnd.mapbox.style+json";
/// The views a style exists for.
const VIEWS: [Metric; 3] = [Metric::Status, Metric::KeyType, Metric::Conversion];

#[derive(Debug, Deserialize)]
pub struct StyleQuery {
    pub lang: Option<String>,
    pub f: Option<String>,
}

/// `status-2025` → (status, 2025).
fn parse(id: &str) -> Result<(Metric, i32), ApiError> {
    let bad = || ApiError::not_found(format!("no style '{id}': the styles are status-{{year}}, key_type-{{year}} and conversion-{{year}} — see /ogc/styles"));
    let (view, year) = id.rsplit_once('-').ok_or_else(bad)?;
    let metric: Metric = view.parse().map_err(|_| bad())?;
    if !VIEWS.contains(&metric) {
        return Err(bad());
    }
    Ok((metric, year.parse().map_err(|_| bad())?))
}

/// `GET /ogc/styles`
pub async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<StyleQuery>) -> ApiResult<Response> {
    let format = Format::of(q.f.as_deref(), &headers)?;
    let b = base(&headers);
    let years = state.snapshot().years();
    let mut styles = Vec::new();
    for &y in years.iter().rev() {
        for m in VIEWS {
            if m == Metric::Conversion && !years.contains(&(y - 1)) {
                continue;
            }
            let id = format!("{}-{y}", m.as_str());
            styles.push(json!({ "id": id, "title": format!("{} {y}", m.as_str()), "links": [link(format!("{b}/styles/{id}"), "stylesheet", STYLE_TYPE, "MapLibre style")] }));
        }
    }
    let doc = json!({ "styles": styles, "links": [link(format!("{b}/styles"), "self", "application/json", "styles")] });
    Ok(answer(format, doc, "application/json", "Styles"))
}

/// `GET /ogc/styles/{id}`
pub async fn style(State(state): State<AppState>, Extension(p): Extension<Principal>, headers: HeaderMap, Path(id): Path<String>, Query(q): Query<StyleQuery>) -> ApiResult<Response> {
    let (metric, year) = parse(&id)?;
    let s = state.snapshot();
    if !s.years().contains(&year) {
        return Err(ApiError::not_found(format!("no style '{id}': no indicators for {year}")));
    }
    let spec = Spec { year: Some(year), metric: Some(metric.as_str().to_string()), ..Spec::default() };
    let c = choropleth::compute(&s, &spec, &|u| p.scope.unit(u))?;
    let b = base(&headers);
    let collection = super::resolve(&state, &format!("communes-status-{year}"))?;
    let tiles = format!("{b}/collections/communes-status-{year}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}?v={}", collection.layer.tag);
    let glyphs = crate::api::http::glyphs_url(&crate::api::http::origin(&headers), &state.tiles().repertoire());
    let src = crate::render::styles::StyleSources { tiles: &tiles, glyphs: &glyphs, bounds: collection.layer.bounds };
    let doc: Value = crate::render::styles::maplibre(&c, &src, q.lang.as_deref() == Some("en"));
    Ok(([(header::CONTENT_TYPE, STYLE_TYPE), (header::CACHE_CONTROL, "no-cache")], axum::Json(doc)).into_response())
}
