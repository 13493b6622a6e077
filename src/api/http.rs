//! HTTP details several handlers share: the origin a client reached the server at (for absolute
//! links in TileJSON, OGC documents and styles) and conditional requests (`If-None-Match`
//! against a strong ETag), content negotiation of gzip, and the `?v=` a URL is made immutable by.

use axum::http::{HeaderMap, HeaderValue, header};

/// `scheme://host` as the client reached the server: the `Host` header, and `https` only when a
/// proxy says so (`X-Forwarded-Proto: https`; anything else is `http`).
pub fn origin(h: &HeaderMap) -> String {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let scheme = h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).filter(|s| *s == "https").unwrap_or("http");
    format!("{scheme}://{host}")
}

/// Does `If-None-Match` name this ETag? RFC 9110 §13.1.2: weak comparison, comma-separated
/// lists, `*`. Reads the header in place (no allocation: tiles ask this on every answer).
pub fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let tag = etag.as_bytes();
    headers.get_all(header::IF_NONE_MATCH).iter().any(|v| {
        v.as_bytes().split(|&b| b == b',').any(|t| {
            let t = t.trim_ascii();
            t == b"*" || t.strip_prefix(b"W/").unwrap_or(t) == tag
        })
    })
}

/// Does `Accept-Encoding` accept gzip? RFC 9110 §12.5.3: `gzip` or `*` with a weight above 0
/// (`gzip;q=0` is a refusal, and an explicit `gzip` entry wins over `*`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut star = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(v) = value.to_str() else { continue };
        for item in v.split(',') {
            let mut it = item.split(';');
            let coding = it.next().unwrap_or("").trim();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                return q > 0.0;
            }
            if coding == "*" {
                star = Some(q > 0.0);
            }
        }
    }
    star.unwrap_or(false)
}

/// `?v=` of a URL (the version that makes a tile or glyph URL immutable), read without
/// allocating.
pub fn version_param(query: Option<&str>) -> Option<&str> {
    query?.split('&').find_map(|kv| kv.strip_prefix("v="))
}

/// MapLibre's `glyphs` URL template for the labels of the layers served now: with the
/// repertoire's tag, so a browser keeps each range until a name brings a new letter.
pub fn glyphs_url(origin: &str, repertoire: &crate::tiles::glyphs::Repertoire) -> String {
    format!("{origin}/fonts/{{fontstack}}/{{range}}.pbf?v={}", repertoire.tag())
}
