//! `f=html`: the OGC documents as plain pages a person can browse — the links of each document,
//! the collections as a list, a page of features as a table (one row per feature, its
//! properties as columns, its code linking to the feature), one feature as a property table.
//! Generated from the same JSON the GIS clients get, so the two never disagree. No script.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::render::map::esc;

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn links(doc: &Value) -> String {
    let Some(list) = doc["links"].as_array() else { return String::new() };
    let items: String = list
        .iter()
        .filter(|l| l["rel"] != "self")
        .map(|l| {
            let href = text(&l["href"]);
            let title = l["title"].as_str().unwrap_or_else(|| l["rel"].as_str().unwrap_or(""));
            format!(r#"<li><a href="{}">{}</a> <small>{} · {}</small></li>"#, esc(&href), esc(title), esc(&text(&l["rel"])), esc(&text(&l["type"])))
        })
        .collect();
    format!("<ul class=\"links\">{items}</ul>")
}

fn property_table(props: &Value) -> String {
    let Some(map) = props.as_object() else { return String::new() };
    let rows: String = map.iter().map(|(k, v)| format!("<tr><th scope=\"row\">{}</th><td>{}</td></tr>", esc(k), esc(&text(v)))).collect();
    format!("<table>{rows}</table>")
}

fn features_table(doc: &Value) -> String {
    let Some(features) = doc["features"].as_array() else { return String::new() };
    let Some(first) = features.first().and_then(|f| f["properties"].as_object()) else {
        return "<p>Không có đối tượng nào / No features.</p>".into();
    };
    let self_href = doc["links"].as_array().and_then(|l| l.iter().find(|l| l["rel"] == "collection")).map(|l| text(&l["href"])).unwrap_or_default();
    let columns: Vec<&String> = first.keys().collect();
    let head: String = columns.iter().map(|c| format!("<th scope=\"col\">{}</th>", esc(c))).collect();
    let body: String = features
        .iter()
        .map(|f| {
            let id = text(&f["id"]);
            let cells: String = columns.iter().map(|c| format!("<td>{}</td>", esc(&text(&f["properties"][c.as_str()])))).collect();
            format!(r#"<tr><td><a href="{}/items/{}?f=html">{}</a></td>{cells}</tr>"#, esc(&self_href), esc(&id), esc(&id))
        })
        .collect();
    format!(
        "<p>{} / {} đối tượng (features)</p><table><thead><tr><th scope=\"col\">id</th>{head}</tr></thead><tbody>{body}</tbody></table>",
        text(&doc["numberReturned"]),
        text(&doc["numberMatched"])
    )
}

fn collections_list(doc: &Value) -> String {
    let Some(list) = doc["collections"].as_array() else { return String::new() };
    let items: String = list
        .iter()
        .map(|c| {
            let href = c["links"].as_array().and_then(|l| l.iter().find(|l| l["rel"] == "self")).map(|l| text(&l["href"])).unwrap_or_default();
            format!(
                r#"<li><a href="{}?f=html">{}</a> — <code>{}</code><br><small>{}</small></li>"#,
                esc(&href),
                esc(&text(&c["title"])),
                esc(&text(&c["id"])),
                esc(&text(&c["description"]))
            )
        })
        .collect();
    format!("<ul>{items}</ul>")
}

/// The page for an OGC document.
pub fn page(title: &str, doc: &Value) -> Response {
    let mut body = String::new();
    if let Some(d) = doc["description"].as_str() {
        body.push_str(&format!("<p>{}</p>", esc(d)));
    }
    if doc["type"] == "FeatureCollection" {
        body.push_str(&features_table(doc));
    } else if doc["type"] == "Feature" {
        body.push_str(&property_table(&doc["properties"]));
    } else if doc.get("collections").is_some() {
        body.push_str(&collections_list(doc));
    } else if let Some(classes) = doc["conformsTo"].as_array() {
        body.push_str("<ul>");
        for c in classes {
            body.push_str(&format!("<li><code>{}</code></li>", esc(&text(c))));
        }
        body.push_str("</ul>");
    }
    body.push_str(&links(doc));
    let html = format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem;max-width:80rem;color:#1d2733}}table{{border-collapse:collapse;font-size:.9rem}}th,td{{border:1px solid #c8d0da;padding:.25rem .5rem;text-align:left;vertical-align:top}}thead th{{background:#eef2f6}}small{{color:#4a5561}}a{{color:#0b5cad}}</style></head>
<body><p><a href="/ogc?f=html">OGC API</a> · <a href="/">Bản đồ / Map</a> · <a href="/api/docs">API</a></p><h1>{t}</h1>{body}</body></html>"#,
        t = esc(title)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
