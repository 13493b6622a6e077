//! The web client, embedded from `web/` at build time, so the binary is the whole deployment and
//! works air-gapped. Built for slow links:
//! - every text file is compressed once, when first asked for, and answered compressed to
//!   clients that accept it (`gzip;q=0` is a refusal): gzip at the best level, and brotli
//!   (quality 11) for browsers that offer it (over HTTPS and to localhost). The vendored
//!   libraries come with their brotli made ahead (`<file>.br`, a fifth smaller than gzip for
//!   MapLibre, seconds to make), checked by a test to decompress to the file beside it;
//! - the page names its files under a content-hashed prefix, `/web/v/{hash}/…` (the hash of the
//!   whole client), answered `immutable` for a year: a revisit fetches nothing but the page, and
//!   a new build changes every URL at once. Modules import each other by relative paths, so
//!   they stay under the prefix;
//! - the page's head asks for everything the first view needs at once: the start-up answers
//!   (`preload`, found waiting by the client's own requests), every module it runs at start
//!   (`modulepreload`: one round trip instead of one per level of imports), then MapLibre's
//!   worker, by the URL MapLibre gives it;
//! - that first view depends on who asks: a signed-in commune officer's page is their review
//!   form, so it preloads the form's modules and neither MapLibre (a fifth of a megabyte on a
//!   phone's link) nor the tile catalogue; everyone else's page (the signed-out page too: most
//!   who sign in see the map) preloads the map's. The page is one answer per kind, `Vary: Cookie`.
//!
//! Unprefixed `/web/…` URLs keep working (`no-cache`, revalidated by ETag).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use include_dir::{Dir, include_dir};

use super::{ApiError, AppState};
use crate::access::Role;
use super::extract::Path;
use super::http::{Coding, none_match, weight};

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
const BROTLI: HeaderValue = HeaderValue::from_static("br");
const VARY: HeaderValue = HeaderValue::from_static("accept-encoding");

/// Bodies brotli is made for when first asked: quality 11 takes about 2 s a megabyte, so
/// larger files bring theirs made ahead (`<file>.br`).
const BROTLI_AT_RUNTIME: usize = 256 << 10;

/// One encoding of an asset: its bytes and strong ETag.
struct Encoded {
    body: Bytes,
    etag: HeaderValue,
}

/// One file as answered: the body, its gzip and brotli (each when smaller), one strong ETag per
/// encoding (also the label glyph ranges, [`super::fonts`]).
pub(super) struct Asset {
    identity: Encoded,
    gzip: Option<Encoded>,
    brotli: Option<Encoded>,
    content_type: HeaderValue,
}

impl Asset {
    /// A file of `web/`, with its brotli from `brotli` when one was made ahead.
    fn new(path: &str, body: Bytes, brotli: Option<Bytes>) -> Asset {
        Asset::encoded(content_type(path), compressible(path), body, brotli)
    }

    /// `body` as `content_type`, compressed too (gzip and brotli, at their best levels) when
    /// `compress`.
    pub(super) fn of(content_type: &'static str, compress: bool, body: Bytes) -> Asset {
        Asset::encoded(content_type, compress, body, None)
    }

    fn encoded(content_type: &'static str, compress: bool, body: Bytes, brotli: Option<Bytes>) -> Asset {
        let hash = crate::hash::Fnv::of(&body);
        let tag = |suffix: &str| HeaderValue::from_str(&format!("\"{hash:016x}{suffix}\"")).unwrap_or(HeaderValue::from_static("\"0\""));
        let smaller = |b: Vec<u8>| (!b.is_empty() && b.len() < body.len()).then(|| Bytes::from(b));
        let gzip = compress.then(|| gzip(&body)).flatten().and_then(smaller).map(|b| Encoded { body: b, etag: tag("-gz") });
        let brotli = brotli
            .or_else(|| (compress && body.len() <= BROTLI_AT_RUNTIME).then(|| compress_brotli(&body)).flatten().and_then(smaller))
            .map(|b| Encoded { body: b, etag: tag("-br") });
        Asset { identity: Encoded { body, etag: tag("") }, gzip, brotli, content_type: HeaderValue::from_static(content_type) }
    }

    /// The encoding to answer `headers` in: the one the client weighs highest of those made,
    /// brotli on a tie (the smaller); identity when it accepts neither.
    fn pick(&self, headers: &HeaderMap) -> (&Encoded, Option<HeaderValue>) {
        let gz = if self.gzip.is_some() { weight(headers, Coding::Gzip) } else { 0.0 };
        let br = if self.brotli.is_some() { weight(headers, Coding::Brotli) } else { 0.0 };
        match (&self.brotli, &self.gzip) {
            (Some(b), _) if br > 0.0 && br >= gz => (b, Some(BROTLI)),
            (_, Some(g)) if gz > 0.0 => (g, Some(GZIP)),
            _ => (&self.identity, None),
        }
    }

    /// The answer to a GET of it: compressed when accepted, 304 when `If-None-Match` names it.
    pub(super) fn answer(&self, headers: &HeaderMap, cache: HeaderValue) -> Response {
        let (chosen, coding) = self.pick(headers);
        let mut resp = if none_match(headers, &chosen.etag) { StatusCode::NOT_MODIFIED.into_response() } else { chosen.body.clone().into_response() };
        let ok = resp.status() == StatusCode::OK;
        let h = resp.headers_mut();
        if ok {
            h.insert(header::CONTENT_TYPE, self.content_type.clone());
            if let Some(c) = coding {
                h.insert(header::CONTENT_ENCODING, c);
            }
        }
        h.insert(header::CACHE_CONTROL, cache);
        h.insert(header::ETAG, chosen.etag.clone());
        if self.gzip.is_some() || self.brotli.is_some() {
            h.insert(header::VARY, VARY);
        }
        resp
    }
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    gz.write_all(bytes).ok()?;
    gz.finish().ok()
}

/// Brotli at quality 11 (the best), 4 MB window.
fn compress_brotli(bytes: &[u8]) -> Option<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, size_hint: bytes.len(), ..Default::default() };
    let mut out = Vec::with_capacity(bytes.len() / 4);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).ok()?;
    Some(out)
}

/// The client as served: every file (prepared on first use), the build's hash and the page, as
/// the map's first view and as an officer's form.
struct Client {
    build: String,
    files: HashMap<&'static str, OnceLock<Asset>>,
    index: Asset,
    form_index: Asset,
}

/// What the page opens on, so what its head preloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstView {
    /// The map (every role but a commune officer's, and the sign-in page).
    Map,
    /// A commune officer's review form: no map.
    Form,
}

fn files(dir: &'static Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
    out.extend(dir.files());
    for d in dir.dirs() {
        files(d, out);
    }
}

/// The answers every page asks for first (web/js/app.js prefetches what the page preloads):
/// asked for by the page itself, they go out with its first requests, not after the modules
/// (2 s of a slow link). The last, the tile catalogue, only where the map is the first view.
const START_UP: [&str; 4] = ["/api/health", "/api/session", "/api/rules", "/tiles"];

/// The page's entry module (index.html's `<script type="module">`).
const ENTRY: &str = "js/app.js";
/// The map's module, imported by the entry when it shows a map (MapLibre below it).
const MAP: &str = "js/map.js";
/// The officer's form, imported by the entry for a commune officer.
const FORM: &str = "js/form.js";
const MAPLIBRE: &str = "vendor/maplibre-gl/maplibre-gl.mjs";

impl FirstView {
    /// The answers this view asks for at start.
    fn answers(self) -> &'static [&'static str] {
        match self {
            FirstView::Map => &START_UP,
            FirstView::Form => &START_UP[..3],
        }
    }

    /// The modules this view runs at start: the entry's static imports and its own module's,
    /// however deep.
    fn modules(self) -> Vec<String> {
        let own = match self {
            FirstView::Map => MAP,
            FirstView::Form => FORM,
        };
        let mut all = static_imports(ENTRY);
        all.extend(static_imports(own));
        all.sort();
        all.dedup();
        all
    }
}

/// The modules the page runs at start: the entry and everything it imports statically, however
/// deep (MapLibre among them). What a module `import()`s when first used — the other views, the
/// chart library — is not preloaded: the first view does not download it.
fn static_imports(entry: &str) -> Vec<String> {
    let mut found = vec![entry.to_string()];
    let mut next = 0;
    while next < found.len() {
        let path = found[next].clone();
        next += 1;
        let Some(src) = WEB.get_file(&path).and_then(|f| f.contents_utf8()) else { continue };
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        for spec in import_specifiers(src) {
            if let Some(p) = resolve(dir, spec)
                && !found.contains(&p)
            {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

/// The relative specifiers of a module's static imports: statements starting a line with
/// `import ` (not `import(` nor `import.meta`) up to their `;`, the last quoted string in each.
fn import_specifiers(src: &str) -> impl Iterator<Item = &str> {
    let mut rest = src;
    std::iter::from_fn(move || {
        loop {
            let at = if rest.starts_with("import ") { 0 } else { rest.find("\nimport ")? + 1 };
            let stmt = &rest[at..];
            let end = stmt.find(';').unwrap_or(stmt.len());
            rest = &stmt[end..];
            let stmt = &stmt[..end];
            let Some(quote) = stmt.rfind(['\'', '"']) else { continue };
            let Some(open) = stmt[..quote].rfind(['\'', '"']) else { continue };
            let spec = &stmt[open + 1..quote];
            if spec.starts_with("./") || spec.starts_with("../") {
                return Some(spec);
            }
        }
    })
}

/// `spec` relative to the directory `dir` (both inside `web/`); `None` if it leaves `web/`.
fn resolve(dir: &str, spec: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in spec.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// MapLibre's worker, by the URL MapLibre asks for it (`?v=` its version, which the banner of
/// the vendored file names: `…/maplibre-gl-js/blob/v6.17.0/LICENSE.txt`).
fn worker() -> Option<String> {
    let src = WEB.get_file(MAPLIBRE)?.contents_utf8()?;
    let banner = &src[..src.len().min(1024)];
    let at = banner.find("maplibre-gl-js/blob/v")? + "maplibre-gl-js/blob/v".len();
    let version = banner[at..].split('/').next()?;
    Some(format!("vendor/maplibre-gl/maplibre-gl-worker.mjs?v={version}"))
}

/// What the page's head gains for `view`: the start-up answers and the modules, preloaded
/// (MapLibre's worker last, for the map).
fn start_up(prefix: &str, view: FirstView) -> String {
    let answers = view.answers().iter().map(|p| format!("<link rel=\"preload\" as=\"fetch\" crossorigin href=\"{p}\">\n"));
    let worker = if view == FirstView::Map { worker() } else { None };
    let modules = view.modules().into_iter().chain(worker);
    answers.chain(modules.map(|p| format!("<link rel=\"modulepreload\" href=\"{prefix}{p}\">\n"))).collect()
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
        const HERE: &str = "<!-- start-up: the server adds here";
        let page = page.replace("\"/web/", &format!("\"{prefix}"));
        let with_head = |view: FirstView| {
            let head = start_up(&prefix, view);
            let page = match page.find(HERE) {
                Some(at) => format!("{}{head}{}", &page[..at], &page[at..]),
                None => page.replacen("</head>", &format!("{head}</head>"), 1),
            };
            Asset::new("index.html", Bytes::from(page), None)
        };
        // A file's brotli made ahead is answered in its place, not as a file of its own.
        let files = all.iter().filter_map(|f| f.path().to_str()).filter(|p| !p.ends_with(".br")).map(|p| (p, OnceLock::new())).collect();
        Client { build, files, index: with_head(FirstView::Map), form_index: with_head(FirstView::Form) }
    })
}

/// The file at `path` inside `web/`, prepared (and compressed) once.
fn asset(path: &str) -> Option<&'static Asset> {
    let c = client();
    let (key, cell) = c.files.get_key_value(path)?;
    Some(cell.get_or_init(|| {
        let contents = |p: &str| WEB.get_file(p).map(|f| Bytes::from_static(f.contents()));
        Asset::new(key, contents(key).unwrap_or_default(), contents(&format!("{key}.br")))
    }))
}

/// `GET /` — the page, with its files under the build's prefix, for the first view of whoever
/// asks (a signed-in officer's form, else the map); revalidated on every visit.
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    page(&state, &headers).await
}

async fn page(state: &AppState, headers: &HeaderMap) -> Response {
    let officer = super::auth::resolve(state, &axum::http::Method::GET, headers).await.is_ok_and(|p| p.role == Role::Officer);
    let page = if officer { &client().form_index } else { &client().index };
    let mut resp = page.answer(headers, REVALIDATE);
    // The answer depends on the session cookie as well as the encoding.
    resp.headers_mut().insert(header::VARY, VARY_PAGE);
    resp
}

const VARY_PAGE: HeaderValue = HeaderValue::from_static("accept-encoding, cookie");

/// `GET /favicon.ico` — the favicon where browsers look without being told (pages that are not
/// the client's, such as `/api/docs` or a JSON answer opened in a tab): the client's SVG icon,
/// revalidated by ETag. Without it every such visit logs a 404 in the console.
pub async fn favicon(headers: HeaderMap) -> Response {
    match tokio::task::spawn_blocking(|| asset("favicon.svg")).await.ok().flatten() {
        Some(a) => a.answer(&headers, REVALIDATE),
        None => ApiError::not_found("no favicon in this build").into_response(),
    }
}

/// `GET /web/{path}` — a file of the client: `immutable` under the current build's prefix.
pub async fn file(State(state): State<AppState>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    let (path, cache) = match path.strip_prefix("v/").and_then(|rest| rest.split_once('/')) {
        // Under the current build's prefix, the file never changes.
        Some((build, rest)) if build == client().build => (rest, IMMUTABLE),
        // A page of an older build asks for its files: today's, revalidated.
        Some((_, rest)) => (rest, REVALIDATE),
        None => (path.as_str(), REVALIDATE),
    };
    if path == "index.html" {
        return page(&state, &headers).await;
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
    fn the_page_names_every_file_under_the_build_prefix_and_preloads_what_the_first_view_needs() {
        let c = client();
        let page = std::str::from_utf8(&c.index.identity.body).unwrap();
        assert!(!page.contains("\"/web/js") && !page.contains("\"/web/css") && !page.contains("\"/web/vendor"), "{page}");
        assert!(page.contains(&format!("\"/web/v/{}/js/app.js\"", c.build)));
        assert!(page.contains(&format!("<link rel=\"modulepreload\" href=\"/web/v/{}/vendor/maplibre-gl/maplibre-gl.mjs\">", c.build)));
        assert!(page.contains("js/net.js\">"));
        for answer in START_UP {
            assert!(page.contains(&format!("<link rel=\"preload\" as=\"fetch\" crossorigin href=\"{answer}\">")), "{answer}");
        }
        // The worker by the URL MapLibre makes for it: its version as `?v=`.
        let src = WEB.get_file(MAPLIBRE).unwrap().contents_utf8().unwrap();
        let version = worker().unwrap().split_once("?v=").unwrap().1.to_string();
        assert!(src.contains(&format!("`{version}`")) && src.contains("searchParams.set(`v`"), "MapLibre {version} no longer names its worker by ?v=");
        assert!(page.contains(&format!("href=\"/web/v/{}/vendor/maplibre-gl/maplibre-gl-worker.mjs?v={version}\">", c.build)));
        // The answers go first, the worker last.
        let at = |s: &str| page.find(s).unwrap();
        assert!(at("/api/health") < at("js/app.js\">") && at("js/app.js\">") < at("maplibre-gl-worker.mjs"));
        assert!(!page.contains("uPlot.esm.js\">"), "the chart library loads on first use");
        assert!(!page.contains("js/form.js\">"), "the officer's form is not the map's first view");
    }

    /// A commune officer's page opens on their form: it preloads the form's modules, and
    /// neither MapLibre, its worker, the map's module nor the tile catalogue.
    #[test]
    fn an_officers_page_preloads_the_form_and_not_the_map() {
        let c = client();
        let page = std::str::from_utf8(&c.form_index.identity.body).unwrap();
        assert!(page.contains(&format!("<link rel=\"modulepreload\" href=\"/web/v/{}/js/form.js\">", c.build)), "{page}");
        assert!(page.contains("js/app.js\">") && page.contains("js/net.js\">"));
        for map_only in ["maplibre-gl.mjs", "maplibre-gl-worker.mjs", "js/map.js\">", "href=\"/tiles\""] {
            assert!(!page.contains(map_only), "an officer's page preloads {map_only}");
        }
        for answer in &START_UP[..3] {
            assert!(page.contains(&format!("<link rel=\"preload\" as=\"fetch\" crossorigin href=\"{answer}\">")), "{answer}");
        }
        assert_ne!(c.form_index.identity.etag, c.index.identity.etag, "two pages, two ETags");
    }

    /// The modulepreload links are the entry's static imports, however deep; the other views'
    /// modules (imported on first use) are not among them, and every `import('…')` names a file.
    #[test]
    fn the_first_view_preloads_its_static_imports_and_not_the_views_loaded_on_first_use() {
        let page = std::str::from_utf8(&client().index.identity.body).unwrap();
        let preloaded: Vec<&str> = page.split("<link rel=\"modulepreload\" href=\"").skip(1).filter_map(|l| l.split('"').next()).filter_map(|h| h.split_once(&format!("/web/v/{}/", client().build)).map(|(_, p)| p)).filter(|p| !p.contains("-worker.mjs")).collect();
        assert_eq!(preloaded, FirstView::Map.modules(), "the page preloads exactly the static import graphs of the entry and the map");
        assert!(!static_imports(ENTRY).iter().any(|m| m == MAP || m == MAPLIBRE), "the entry imports the map only when it shows one");
        for needed in [ENTRY, "js/map.js", "js/net.js", "js/i18n.js", "js/inbox.js", MAPLIBRE] {
            assert!(preloaded.contains(&needed), "{needed} runs at start: {preloaded:?}");
        }
        let mut dynamic = Vec::new();
        let mut all = Vec::new();
        files(&WEB, &mut all);
        for f in all.iter().filter(|f| f.path().starts_with("js")) {
            let src = f.contents_utf8().unwrap();
            // `import('…')`, or app.js's `load('…')` (an import that can be retried).
            for (at, call) in src.match_indices("import('").chain(src.match_indices("load('")) {
                let spec = src[at + call.len()..].split('\'').next().unwrap();
                let path = resolve("js", spec).unwrap();
                assert!(WEB.get_file(&path).is_some(), "{}: import('{spec}') names no file", f.path().display());
                dynamic.push(path);
            }
        }
        for later in ["js/plans.js", "js/console.js", "js/importer.js", "js/review.js", "js/dashboard.js", "js/form.js"] {
            assert!(dynamic.iter().any(|d| d == later), "{later} is imported on first use");
            assert!(!preloaded.contains(&later), "{later} is not part of the first view");
        }
        // The statements as the modules write them: one line, several lines, a bare import.
        let src = "import { a } from './a.js';\nimport {\n  b,\n} from \"../b.js\";\nimport './c.js';\nconst x = import('./d.js');\nimport.meta.url;\n";
        assert_eq!(import_specifiers(src).collect::<Vec<_>>(), ["./a.js", "../b.js", "./c.js"]);
        assert_eq!(resolve("js/x", "../../vendor/m.mjs").as_deref(), Some("vendor/m.mjs"));
        assert_eq!(resolve("js", "../../m.mjs"), None);
    }

    fn decompress(br: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).expect("valid brotli");
        out
    }

    /// Large files bring their brotli (`<file>.br`, beside them in `web/`). After updating a
    /// vendored library, make them again with
    /// `UPDATE_BROTLI=1 cargo test --release --lib static_files`.
    #[test]
    fn every_large_text_file_brings_a_brotli_that_decompresses_to_it() {
        let update = std::env::var_os("UPDATE_BROTLI").is_some();
        let mut all = Vec::new();
        files(&WEB, &mut all);
        let mut checked = 0;
        for f in all {
            let path = f.path().to_string_lossy().into_owned();
            if path.ends_with(".br") || !compressible(&path) || f.contents().len() <= BROTLI_AT_RUNTIME {
                continue;
            }
            if update {
                let br = compress_brotli(f.contents()).expect("brotli of a slice");
                std::fs::write(format!("{}/web/{path}.br", env!("CARGO_MANIFEST_DIR")), br).expect("writing the brotli");
                continue;
            }
            let hint = "make it with UPDATE_BROTLI=1 cargo test --release --lib static_files";
            let br = WEB.get_file(format!("{path}.br")).unwrap_or_else(|| panic!("web/{path} has no web/{path}.br: {hint}"));
            assert!(decompress(br.contents()) == f.contents(), "web/{path}.br is not web/{path} compressed (stale?): {hint}");
            let gz = gzip(f.contents()).unwrap();
            assert!(br.contents().len() < gz.len(), "web/{path}.br ({} B) is not smaller than its gzip ({} B)", br.contents().len(), gz.len());
            checked += 1;
        }
        assert!(update || checked >= 2, "MapLibre and its worker are checked ({checked} files)");
        // Nothing else carries a stray brotli.
        for f in WEB.get_dir("js").unwrap().files() {
            assert!(!f.path().to_string_lossy().ends_with(".br"));
        }
    }

    fn asking(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        h
    }

    #[test]
    fn each_client_gets_the_smallest_encoding_it_accepts_under_its_own_etag() {
        let mjs = asset("vendor/maplibre-gl/maplibre-gl.mjs").unwrap();
        let app = asset("js/app.js").unwrap();
        for a in [mjs, app] {
            let chrome = a.answer(&asking("gzip, deflate, br, zstd"), IMMUTABLE);
            let old = a.answer(&asking("gzip, deflate"), IMMUTABLE);
            let curl = a.answer(&HeaderMap::new(), IMMUTABLE);
            let prefers_gzip = a.answer(&asking("br;q=0.4, gzip"), IMMUTABLE);
            let enc = |r: &Response| r.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_string());
            assert_eq!((enc(&chrome), enc(&old), enc(&curl), enc(&prefers_gzip)), (Some("br".into()), Some("gzip".into()), None, Some("gzip".into())));
            let etag = |r: &Response| r.headers()[header::ETAG].clone();
            assert!(etag(&chrome) != etag(&old) && etag(&old) != etag(&curl) && etag(&chrome) != etag(&curl));
            assert!(a.brotli.as_ref().unwrap().body.len() < a.gzip.as_ref().unwrap().body.len());
            assert_eq!(decompress(&a.brotli.as_ref().unwrap().body), &a.identity.body[..]);
            assert_eq!(chrome.headers()[header::VARY], "accept-encoding");
            // A gzip ETag does not make a brotli answer a 304, nor the other way round.
            let mut h = asking("br");
            h.insert(header::IF_NONE_MATCH, etag(&old));
            assert_eq!(a.answer(&h, IMMUTABLE).status(), StatusCode::OK);
            h.insert(header::IF_NONE_MATCH, etag(&chrome));
            assert_eq!(a.answer(&h, IMMUTABLE).status(), StatusCode::NOT_MODIFIED);
        }
    }

    #[test]
    fn modules_import_each_other_relatively_so_they_stay_under_the_prefix() {
        for f in WEB.get_dir("js").unwrap().files() {
            let src = f.contents_utf8().unwrap();
            assert!(!src.contains("from '/web/") && !src.contains("import('/web/"), "{} imports by an absolute /web/ path", f.path().display());
        }
    }
}
