//! `GET /fonts/{fontstack}/{start}-{end}.pbf` — label glyphs for the web map (MapLibre's `glyphs`
//! URL), drawn from the embedded fonts by [`crate::tiles::glyphs`]. Public like the web client's
//! own files: fonts carry no data. Unknown fonts → 404, malformed ranges → 400, both JSON.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::extract::Path;
use super::error::{ApiError, ApiResult};
use crate::tiles::glyphs::{self, GlyphError};

pub async fn glyphs(Path((stack, file)): Path<(String, String)>) -> ApiResult<Response> {
    let range = file.strip_suffix(".pbf").ok_or_else(|| ApiError::not_found(format!("no such resource: /fonts/{stack}/{file} (glyph ranges end in .pbf)")))?;
    let start = glyphs::parse_range(range).map_err(|e| ApiError::bad_request(e.to_string()))?;
    // Drawing a range takes tens of milliseconds the first time: off the async workers.
    let made = tokio::task::spawn_blocking(move || glyphs::range_pbf(&stack, start)).await?;
    let pbf = made.map_err(|e| match e {
        GlyphError::UnknownFont(_) => ApiError::not_found(e.to_string()),
        GlyphError::BadRange(_) => ApiError::bad_request(e.to_string()),
    })?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-protobuf"), (header::CACHE_CONTROL, "public, max-age=86400")],
        pbf.as_ref().clone(),
    )
        .into_response())
}
