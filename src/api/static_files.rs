//! The web client, embedded from `web/` at build time and served with content types and
//! ETags, so the binary is the whole deployment and works air-gapped.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

use super::extract::Path;
use super::ApiError;

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

fn etag(bytes: &[u8]) -> String {
    format!("\"{:016x}\"", crate::hash::Fnv::of(bytes))
}

fn serve_file(path: &str, headers: &HeaderMap) -> Response {
    let Some(file) = WEB.get_file(path) else {
        return ApiError::not_found(format!("no such file: /{path}")).into_response();
    };
    let tag = etag(file.contents());
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut resp = file.contents().into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    resp
}

pub async fn index(headers: HeaderMap) -> Response {
    serve_file("index.html", &headers)
}

pub async fn file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve_file(&path, &headers)
}
