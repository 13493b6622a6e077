//! `GET /fonts/{fontstack}/{start}-{end}.pbf` — label glyphs for the web map (MapLibre's `glyphs`
//! URL), drawn from the embedded fonts by [`crate::tiles::glyphs`]. Public like the web client's
//! own files: a font range says no more than which letters unit names use.
//!
//! Under the URL `/tiles` and the styles give (`?v=` the labels' tag) a range carries the letters
//! the labels drawn in that font use ([`crate::tiles::glyphs::LabelGlyphs`]) and is
//! `immutable`; any other URL (another style's, an older tag) gets the font's whole range,
//! revalidated by ETag. Each range is drawn and compressed once per font and set. Unknown fonts
//! → 404, malformed ranges → 400, both JSON.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use bytes::Bytes;

use super::AppState;
use super::extract::Path;
use super::error::{ApiError, ApiResult};
use super::static_files::{Asset, IMMUTABLE, REVALIDATE};
use crate::tiles::glyphs::{self, GlyphError, Repertoire};

impl From<GlyphError> for ApiError {
    fn from(e: GlyphError) -> Self {
        match e {
            GlyphError::UnknownFont(_) => ApiError::not_found(e.to_string()),
            GlyphError::BadRange(_) => ApiError::bad_request(e.to_string()),
        }
    }
}

/// A range as answered, made once per (font, first code point, repertoire).
fn prepared(stack: &str, start: u32, repertoire: &Repertoire) -> Result<Arc<Asset>, GlyphError> {
    type Key = (&'static str, u32, String);
    static READY: OnceLock<Mutex<HashMap<Key, Arc<Asset>>>> = OnceLock::new();
    let key = (glyphs::font_name(stack)?, start, repertoire.tag().to_string());
    let ready = READY.get_or_init(Default::default);
    if let Some(hit) = ready.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(hit.clone());
    }
    let pbf = glyphs::draw_range(stack, start, repertoire)?;
    let asset = Arc::new(Asset::of("application/x-protobuf", true, Bytes::from(pbf)));
    ready.lock().unwrap_or_else(|p| p.into_inner()).insert(key, asset.clone());
    Ok(asset)
}

fn everything() -> Arc<Repertoire> {
    static ALL: OnceLock<Arc<Repertoire>> = OnceLock::new();
    ALL.get_or_init(|| Arc::new(Repertoire::everything())).clone()
}

pub async fn glyphs(State(state): State<AppState>, Path((stack, file)): Path<(String, String)>, uri: Uri, headers: HeaderMap) -> ApiResult<Response> {
    let range = file.strip_suffix(".pbf").ok_or_else(|| ApiError::not_found(format!("no such resource: /fonts/{stack}/{file} (glyph ranges end in .pbf)")))?;
    let start = glyphs::parse_range(range)?;
    let labels = state.tiles().repertoire();
    // The URL of today's labels never changes; any other is the whole range, revalidated.
    let (repertoire, cache) = if super::http::version_param(uri.query()) == Some(labels.tag()) {
        (labels.of(&stack)?, IMMUTABLE)
    } else {
        (everything(), REVALIDATE)
    };
    // Drawing a range takes tens of milliseconds the first time: off the async workers.
    let asset = tokio::task::spawn_blocking(move || prepared(&stack, start, &repertoire)).await??;
    Ok(asset.answer(&headers, cache))
}
