//! The API described: `GET /api/openapi.json` (OpenAPI 3.1) and `GET /api/docs` (a readable
//! page for analysts), both generated once from the route catalogue `routes.toml` — what each
//! route takes and answers — and from the access rules ([`super::auth::required`]) for who may
//! call it, so the document states the same roles the server enforces. `tests/openapi.rs` keeps
//! the catalogue equal to the router and calls every documented example.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::{Access, required};
use crate::render::map::esc;

/// The catalogue's text.
pub const CATALOGUE: &str = include_str!("routes.toml");

/// The catalogue as read.
#[derive(Debug, Deserialize)]
pub struct Catalogue {
    pub tags: BTreeMap<String, String>,
    #[serde(rename = "route")]
    pub routes: Vec<Route>,
}

/// One documented operation.
#[derive(Debug, Deserialize)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `[name, type, text]`.
    #[serde(default)]
    pub query: Vec<[String; 3]>,
    #[serde(default)]
    pub path_params: Vec<[String; 3]>,
    /// The request body's media type.
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_example: Option<String>,
    /// Media types of a success, `|`-separated (default JSON).
    #[serde(default)]
    pub produces: Option<String>,
    pub responses: Vec<u16>,
    /// A request path (with query) that answers on the demo data, for the docs and the test.
    pub example: String,
}

impl Route {
    /// Who may call it, from the access rules.
    pub fn access(&self) -> Access {
        let method = Method::from_bytes(self.method.to_uppercase().as_bytes()).unwrap_or(Method::GET);
        required(&method, &self.path)
    }

    /// Every status it may answer: the documented ones and, when it needs a sign-in, 401, 403
    /// and 429.
    pub fn statuses(&self) -> Vec<u16> {
        let mut s = self.responses.clone();
        if matches!(self.access(), Access::Needs(_)) {
            s.extend([401, 403, 429]);
        }
        s.sort_unstable();
        s.dedup();
        s
    }

    /// The path's `{name}` parameters in order.
    pub fn path_names(&self) -> Vec<&str> {
        self.path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).map(|s| s.trim_start_matches('*')).collect()
    }

    /// The path as OpenAPI writes it (a router wildcard `{*path}` is a plain `{path}`).
    pub fn openapi_path(&self) -> String {
        self.path.replace("{*", "{")
    }

    fn operation_id(&self) -> String {
        let words: Vec<String> = self.openapi_path().split('/').filter(|s| !s.is_empty()).map(|s| s.trim_matches(|c| c == '{' || c == '}').replace(['.', '-'], "_")).collect();
        format!("{}_{}", self.method, if words.is_empty() { "root".into() } else { words.join("_") })
    }
}

/// The catalogue, read once (it is compiled in; a malformed one fails the test suite).
pub fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| match toml::from_str(CATALOGUE) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("src/api/routes.toml does not parse: {e}");
            Catalogue { tags: BTreeMap::new(), routes: Vec::new() }
        }
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No content (an empty tile)",
        304 => "Not modified (If-None-Match matched the ETag)",
        400 => "Bad request: a parameter or body is invalid; the message says which and how to fix it",
        401 => "Not signed in: send `Authorization: Bearer <token>` or sign in at /api/session",
        403 => "Not allowed for your role or outside your scope",
        404 => "Not found",
        408 => "Took too long and was stopped",
        409 => "Conflict: a stale version, or the step does not apply in the current state",
        413 => "Body too large",
        422 => "Not acceptable as it stands: the problems are listed by field",
        429 => "Too many requests: wait `Retry-After` seconds",
        _ => "See the message",
    }
}

fn schema_of(kind: &str) -> Value {
    match kind {
        "integer" => json!({ "type": "integer" }),
        "boolean" => json!({ "type": "boolean" }),
        "number" => json!({ "type": "number" }),
        _ => json!({ "type": "string" }),
    }
}

fn access_text(a: &Access) -> String {
    match a {
        Access::Public => "public".into(),
        Access::Needs(r) => format!("role {} or above", r.as_str()),
    }
}

/// The OpenAPI 3.1 document.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let c = catalogue();
        let mut paths: Map<String, Value> = Map::new();
        for r in &c.routes {
            let mut params: Vec<Value> = r
                .path_names()
                .into_iter()
                .map(|name| {
                    let given = r.path_params.iter().find(|p| p[0] == name);
                    json!({ "name": name, "in": "path", "required": true, "schema": schema_of(given.map_or("string", |g| g[1].as_str())), "description": given.map_or("", |g| g[2].as_str()) })
                })
                .collect();
            params.extend(r.query.iter().map(|q| json!({ "name": q[0], "in": "query", "required": false, "schema": schema_of(&q[1]), "description": q[2] })));
            let mut responses = Map::new();
            for s in r.statuses() {
                let body = if s >= 400 {
                    json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } })
                } else if s == 204 || s == 304 {
                    Value::Null
                } else {
                    let types = r.produces.as_deref().unwrap_or("application/json");
                    Value::Object(types.split('|').map(|t| (t.to_string(), json!({}))).collect())
                };
                let mut resp = json!({ "description": reason(s) });
                if !body.is_null() {
                    resp["content"] = body;
                }
                responses.insert(s.to_string(), resp);
            }
            let access = r.access();
            let mut op = json!({
                "operationId": r.operation_id(),
                "tags": [r.tag],
                "summary": r.summary,
                "description": format!("{}Access: {}. Example: `{}`", r.description.as_deref().map(|d| format!("{d}\n\n")).unwrap_or_default(), access_text(&access), r.example),
                "parameters": params,
                "responses": responses,
            });
            if let Some(b) = &r.body {
                let mut media = json!({ "schema": if b == "application/json" { json!({ "type": "object" }) } else { json!({ "type": "string", "format": "binary" }) } });
                if let Some(ex) = &r.body_example {
                    media["example"] = serde_json::from_str(ex).unwrap_or_else(|_| Value::String(ex.clone()));
                }
                op["requestBody"] = json!({ "required": true, "content": { b.as_str(): media } });
            }
            op["security"] = match access {
                Access::Public => json!([]),
                Access::Needs(_) => json!([{ "bearer": [] }, { "session": [] }]),
            };
            let entry = paths.entry(r.openapi_path()).or_insert_with(|| json!({}));
            entry[r.method.as_str()] = op;
        }
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "commune-atlas",
                "version": env!("CARGO_PKG_VERSION"),
                "summary": "Communes of Viet Nam under Decision 28/2025/QĐ-TTg: status, conversion, the annual review, maps, tiles, OGC API, SQL",
                "description": "Errors are JSON `{\"error\": {\"status\", \"code\", \"message\"}}`. GIS clients and scripts send `Authorization: Bearer <token>`; the web client signs in at /api/session and sends its CSRF token on writes. A scoped user sees only their provinces' (or communes') units everywhere.",
            },
            "servers": [{ "url": "/" }],
            "tags": c.tags.iter().map(|(k, v)| json!({ "name": k, "description": v })).collect::<Vec<_>>(),
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "bearer": { "type": "http", "scheme": "bearer", "description": "a user's token (commune-atlas users add / POST /api/admin/users)" },
                    "session": { "type": "apiKey", "in": "cookie", "name": "atlas_session", "description": "the web client's session after POST /api/session" },
                },
                "schemas": {
                    "Error": {
                        "type": "object",
                        "required": ["error"],
                        "properties": { "error": { "type": "object", "required": ["status", "code", "message"], "properties": { "status": { "type": "integer" }, "code": { "type": "string" }, "message": { "type": "string" }, "messages": { "type": "object", "description": "the message in other languages, when the server's catalogue has it (vi)", "properties": { "vi": { "type": "string" } } }, "details": { "description": "a rejected input's problems: items with file, line, column, reason (and reason_vi where known)" } } } },
                    },
                },
            },
        })
    })
}

/// `GET /api/openapi.json`
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/vnd.oai.openapi+json;version=3.1"), (header::CACHE_CONTROL, "no-cache")], axum::Json(document())).into_response()
}

/// The readable page: routes grouped by subject, each with who may call it, its parameters,
/// answers and a link to try its example.
fn page() -> String {
    let c = catalogue();
    let mut toc = String::new();
    let mut body = String::new();
    for (tag, title) in &c.tags {
        let routes: Vec<&Route> = c.routes.iter().filter(|r| &r.tag == tag).collect();
        if routes.is_empty() {
            continue;
        }
        toc.push_str(&format!(r##"<li><a href="#{}">{}</a></li>"##, esc(tag), esc(title)));
        body.push_str(&format!(r#"<section id="{}"><h2>{}</h2>"#, esc(tag), esc(title)));
        for r in routes {
            let params: String = r
                .path_params
                .iter()
                .chain(r.query.iter())
                .map(|p| format!("<li><code>{}</code> <small>{}</small> — {}</li>", esc(&p[0]), esc(&p[1]), esc(&p[2])))
                .collect();
            let example = if r.method == "get" {
                format!(r#"<a href="{0}"><code>{0}</code></a>"#, esc(&r.example))
            } else {
                format!("<code>{}</code>{}", esc(&r.example), r.body_example.as_deref().map(|b| format!("<pre>{}</pre>", esc(b))).unwrap_or_default())
            };
            body.push_str(&format!(
                r#"<article><h3><span class="m {m}">{M}</span> <code>{path}</code></h3><p>{summary}</p><p class="meta">{access} · {statuses}</p>{params}<p class="meta">Ví dụ / example: {example}</p></article>"#,
                m = esc(&r.method),
                M = esc(&r.method.to_uppercase()),
                path = esc(&r.path),
                summary = esc(&r.summary),
                access = esc(&access_text(&r.access())),
                statuses = r.statuses().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" "),
                params = if params.is_empty() { String::new() } else { format!("<ul>{params}</ul>") },
            ));
        }
        body.push_str("</section>");
    }
    format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>commune-atlas — API</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;color:#1d2733;line-height:1.45}}article{{border-top:1px solid #d5dce4;padding:.4rem 0}}h3{{font-size:1rem;margin:.4rem 0}}.m{{display:inline-block;min-width:4.2em;text-align:center;border-radius:3px;color:#fff;background:#35506b;font-size:.8rem;padding:.1rem .3rem}}.post,.put,.patch{{background:#7a4b00}}.delete{{background:#8b1a1a}}.meta,small{{color:#4a5561;font-size:.9rem}}pre{{background:#f1f4f7;padding:.4rem;overflow:auto}}a{{color:#0b5cad}}</style></head>
<body><p><a href="/">Bản đồ / Map</a> · <a href="/ogc?f=html">OGC API</a> · <a href="/api/openapi.json">OpenAPI 3.1 (JSON)</a></p>
<h1>commune-atlas — API</h1>
<p>Mọi lỗi là JSON <code>{{"error": {{"status", "code", "message"}}}}</code>. Phần mềm GIS và script gửi <code>Authorization: Bearer &lt;token&gt;</code>. / Every error is JSON; GIS clients and scripts send a bearer token; a scoped user sees only their units.</p>
<ul>{toc}</ul>{body}</body></html>"#
    )
}

/// `GET /api/docs`
pub async fn docs() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE.get_or_init(page).as_str()).into_response()
}
