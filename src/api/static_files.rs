//! The web client, embedded from `web/` at build time, so the binary is the whole deployment and
//! works air-gapped. Built for slow links:
//! - every text file is gzipped once (best compression), when first asked for, and answered
//!   compressed to clients that accept it (`gzip;q=0` is a refusal);
//! - the page names its files under a content-hashed prefix, `/web/v/{hash}/…` (the hash of the
//!   whole client), answered `immutable` for a year: a revisit fetches nothing but the page, and
//!   a new build changes every URL at once. Modules import each other by relative paths, so
//!   they stay under the prefix;
//! - the page preloads every module it runs at start (`modulepreload`), so the browser fetches
//!   them in one round trip instead of one per level of imports.
//!
//! Unprefixed `/web/…` URLs keep working (`no-cache`, revalidated by ETag).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use include_dir::{Dir, include_dir};

use super::ApiError;
use super::extract::Path;
use super::http::{accepts_gzip, none_match};

static WEB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/web");

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "pbf" => "application/x-protobuf",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Worth compressing: text (binary formats here are compressed already).
fn compressible(path: &str) -> bool {
    matches!(path.rsplit('.').next().unwrap_or(""), "html" | "js" | "mjs" | "css" | "json" | "svg" | "txt" | "md" | "ttf")
}

pub(super) const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
pub(super) const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
const GZIP: HeaderValue = HeaderValue::from_static("gzip");
const VARY: HeaderValue = HeaderValue::from_static("accept-encoding");

/// One file as answered: the body, its gzip (when smaller) and one strong ETag per encoding
/// (also the label glyph ranges, [`super::fonts`]).
pub(super) struct Asset {
    body: Bytes,
    gzip: Option<Bytes>,
    etag: HeaderValue,
    etag_gzip: HeaderValue,
    content_type: HeaderValue,
}

impl Asset {
    fn new(path: &str, body: Bytes) -> Asset {
        Asset::of(content_type(path), compressible(path), body)
    }

    /// `body` as `content_type`, gzipped too (at the best level) when `compress`.
    pub(super) fn of(content_type: &'static str, compress: bool, body: Bytes) -> Asset {
        let hash = crate::hash::Fnv::of(&body);
        let gzip = compress.then(|| gzip(&body)).filter(|g| g.len() < body.len()).map(Bytes::from);
        let tag = |suffix: &str| HeaderValue::from_str(&format!("\"{hash:016x}{suffix}\"")).unwrap_or(HeaderValue::from_static("\"0\""));
        Asset { body, gzip, etag: tag(""), etag_gzip: tag("-gz"), content_type: HeaderValue::from_static(content_type) }
    }

    /// The answer to a GET of it: gzip when accepted, 304 when `If-None-Match` names it.
    pub(super) fn answer(&self, headers: &HeaderMap, cache: HeaderValue) -> Response {
        let (body, etag, gz) = match (&self.gzip, accepts_gzip(headers)) {
            (Some(g), true) => (g.clone(), &self.etag_gzip, true),
            _ => (self.body.clone(), &self.etag, false),
        };
        let mut resp = if none_match(headers, etag) { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
        let ok = resp.status() == StatusCode::OK;
        let h = resp.headers_mut();
        if ok {
            h.insert(header::CONTENT_TYPE, self.content_type.clone());
            if gz {
                h.insert(header::CONTENT_ENCODING, GZIP);
            }
        }
        h.insert(header::CACHE_CONTROL, cache);
        h.insert(header::ETAG, etag.clone());
        if self.gzip.is_some() {
            h.insert(header::VARY, VARY);
        }
        resp
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(bytes);
    gz.finish().unwrap_or_default()
}

/// The client as served: every file (prepared on first use), the build's hash and the page.
struct Client {
    build: String,
    files: HashMap<&'static str, OnceLock<Asset>>,
    index: Asset,
}

fn files(dir: &'static Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
    out.extend(dir.files());
    for d in dir.dirs() {
        files(d, out);
    }
}

/// The modules the page runs at start: every module under `js/` and MapLibre. Not its worker:
/// on a slow link it would share the bandwidth with MapLibre itself, which has to arrive first,
/// and the start-up answers would wait behind it; the map fetches it when it is made. The chart
/// library loads on first use.
fn preloaded(path: &str) -> bool {
    (path.starts_with("js/") && path.ends_with(".js")) || path == "vendor/maplibre-gl/maplibre-gl.mjs"
}

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let mut all = Vec::new();
        files(&WEB, &mut all);
        all.sort_by_key(|f| f.path());
        let mut h = crate::hash::Fnv::default();
        for f in &all {
            h.write(f.path().to_string_lossy().as_bytes());
            h.write(&[0]);
            h.write(f.contents());
        }
        let build = format!("{:012x}", h.finish() & 0xffff_ffff_ffff);
        let prefix = format!("/web/v/{build}/");
        let page = WEB.get_file("index.html").and_then(|f| f.contents_utf8()).unwrap_or("");
        let preload: String = all
            .iter()
            .filter_map(|f| f.path().to_str())
            .filter(|p| preloaded(p))
            .map(|p| format!("<link rel=\"modulepreload\" href=\"{prefix}{p}\">\n"))
            .collect();
        let page = page.replace("\"/web/", &format!("\"{prefix}")).replacen("</head>", &format!("{preload}</head>"), 1);
        let files = all.iter().filter_map(|f| f.path().to_str()).map(|p| (p, OnceLock::new())).collect();
        Client { build, files, index: Asset::new("index.html", Bytes::from(page)) }
    })
}

/// The file at `path` inside `web/`, prepared (and compressed) once.
fn asset(path: &str) -> Option<&'static Asset> {
    let c = client();
    let (key, cell) = c.files.get_key_value(path)?;
    Some(cell.get_or_init(|| Asset::new(key, Bytes::from_static(WEB.get_file(key).map(|f| f.contents()).unwrap_or(&[])))))
}

/// `GET /` — the page, with its files under the build's prefix; revalidated on every visit.
pub async fn index(headers: HeaderMap) -> Response {
    client().index.answer(&headers, REVALIDATE)
}

/// `GET /web/{path}` — a file of the client: `immutable` under the current build's prefix.
pub async fn file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let (path, cache) = match path.strip_prefix("v/").and_then(|rest| rest.split_once('/')) {
        // Under the current build's prefix, the file never changes.
        Some((build, rest)) if build == client().build => (rest, IMMUTABLE),
        // A page of an older build asks for its files: today's, revalidated.
        Some((_, rest)) => (rest, REVALIDATE),
        None => (path.as_str(), REVALIDATE),
    };
    if path == "index.html" {
        return client().index.answer(&headers, REVALIDATE);
    }
    // The first answer of a file compresses it (MapLibre: 1.1 MB at the best level): off the
    // async workers.
    let owned = path.to_string();
    let found = match client().files.get(path).and_then(OnceLock::get) {
        Some(a) => Some(a),
        None => tokio::task::spawn_blocking(move || asset(&owned)).await.ok().flatten(),
    };
    match found {
        Some(a) => a.answer(&headers, cache),
        None => ApiError::not_found(format!("no such file: /web/{path}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_file_under_the_build_prefix_and_preloads_its_modules() {
        let c = client();
        let page = std::str::from_utf8(&c.index.body).unwrap();
        assert!(!page.contains("\"/web/js") && !page.contains("\"/web/css") && !page.contains("\"/web/vendor"), "{page}");
        assert!(page.contains(&format!("\"/web/v/{}/js/app.js\"", c.build)));
        assert!(page.contains(&format!("<link rel=\"modulepreload\" href=\"/web/v/{}/vendor/maplibre-gl/maplibre-gl.mjs\">", c.build)));
        assert!(page.contains("js/net.js\">"));
        assert!(!page.contains("uPlot.esm.js\">"), "the chart library loads on first use");
    }

    #[test]
    fn modules_import_each_other_relatively_so_they_stay_under_the_prefix() {
        for f in WEB.get_dir("js").unwrap().files() {
            let src = f.contents_utf8().unwrap();
            assert!(!src.contains("from '/web/") && !src.contains("import('/web/"), "{} imports by an absolute /web/ path", f.path().display());
        }
    }
}
