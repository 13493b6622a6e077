//! HTTP details several handlers share: the origin a client reached the server at (for absolute
//! links in TileJSON, OGC documents and styles) and conditional requests (`If-None-Match`
//! against a strong ETag).

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
