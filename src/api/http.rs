//! HTTP details several handlers share: the origin a client reached the server at (for absolute
//! links in TileJSON, OGC documents and styles) and conditional requests (`If-None-Match`
//! against a strong ETag), content negotiation of gzip and brotli, and the `?v=` a URL is made immutable by.

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

/// A content coding an answer can be sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Brotli,
}

impl Coding {
    fn is(self, name: &str) -> bool {
        match self {
            Coding::Gzip => name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip"),
            Coding::Brotli => name.eq_ignore_ascii_case("br"),
        }
    }
}

/// The weight `Accept-Encoding` gives `coding`, 0 for a refusal. RFC 9110 §12.5.3: the coding's
/// own entry wins over `*`; `gzip;q=0` is a refusal; no header (or no entry) accepts nothing
/// but identity. Reads the header in place (tiles ask this on every answer).
pub fn weight(headers: &HeaderMap, coding: Coding) -> f32 {
    let mut star = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(v) = value.to_str() else { continue };
        for item in v.split(',') {
            let mut it = item.split(';');
            let name = it.next().unwrap_or("").trim();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            if coding.is(name) {
                return q;
            }
            if name == "*" {
                star = Some(q);
            }
        }
    }
    star.unwrap_or(0.0)
}

/// Does `Accept-Encoding` accept gzip (a weight above 0)?
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    weight(headers, Coding::Gzip) > 0.0
}

/// `?v=` of a URL (the version that makes a tile or glyph URL immutable), read without
/// allocating.
pub fn version_param(query: Option<&str>) -> Option<&str> {
    query?.split('&').find_map(|kv| kv.strip_prefix("v="))
}

/// MapLibre's `glyphs` URL template for the labels of the layers served now: with the
/// repertoire's tag, so a browser keeps each range until a name brings a new letter.
pub fn glyphs_url(origin: &str, repertoire: &crate::tiles::glyphs::LabelGlyphs) -> String {
    format!("{origin}/fonts/{{fontstack}}/{{range}}.pbf?v={}", repertoire.tag())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        h
    }

    #[test]
    fn a_coding_is_weighed_by_its_own_entry_before_the_star() {
        let h = asking("gzip, deflate, br, zstd");
        assert_eq!((weight(&h, Coding::Gzip), weight(&h, Coding::Brotli)), (1.0, 1.0));
        let h = asking("br;q=0.5, gzip;q=0.8");
        assert_eq!((weight(&h, Coding::Gzip), weight(&h, Coding::Brotli)), (0.8, 0.5));
        let h = asking("*;q=0.3, gzip;q=0");
        assert_eq!((weight(&h, Coding::Gzip), weight(&h, Coding::Brotli)), (0.0, 0.3));
        assert!(!accepts_gzip(&asking("gzip;q=0")) && accepts_gzip(&asking("x-gzip")) && !accepts_gzip(&HeaderMap::new()));
        assert_eq!(weight(&asking("BR;Q=0.2"), Coding::Brotli), 0.2);
    }
}
