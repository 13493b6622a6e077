//! The API document tells the truth: every route the router serves is in `/api/openapi.json`,
//! nothing is documented that is not routed, and an analyst who calls each documented example
//! as an admin (in the catalogue's order, on the demo data) gets one of the documented statuses —
//! never "no such endpoint" (404) or "method not allowed" (405).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use commune_atlas::api::openapi;
use serde_json::Value;

/// `(METHOD, path)` of every `.route(…)` in the router's source.
fn routed() -> BTreeSet<(String, String)> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api/mod.rs")).unwrap();
    let mut out = BTreeSet::new();
    for line in src.lines().map(str::trim).filter(|l| l.starts_with(".route(\"")) {
        let rest = &line[".route(\"".len()..];
        let (path, handlers) = rest.split_once('"').unwrap();
        // `get(a::b).post(a::c)`: each method name opens a call, at the start or after a dot.
        for m in ["get", "post", "put", "patch", "delete"] {
            let call = format!("{m}(");
            let found = handlers.match_indices(&call).any(|(i, _)| {
                let before = handlers[..i].trim_end();
                before.ends_with(',') || before.ends_with('.')
            });
            if found {
                out.insert((m.to_uppercase(), path.to_string()));
            }
        }
    }
    assert!(out.len() > 60, "the router's routes were found ({})", out.len());
    out
}

#[test]
fn every_route_of_the_router_is_in_the_openapi_document_and_nothing_else() {
    let documented: BTreeSet<(String, String)> = openapi::catalogue().routes.iter().map(|r| (r.method.to_uppercase(), r.path.clone())).collect();
    assert_eq!(documented.len(), openapi::catalogue().routes.len(), "no route documented twice");
    let routed = routed();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "routed but not documented in src/api/routes.toml: {missing:?}");
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");

    let doc = openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let in_doc: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), p.clone())))
        .collect();
    let routed_as_openapi: BTreeSet<(String, String)> = routed.iter().map(|(m, p)| (m.clone(), p.replace("{*", "{"))).collect();
    assert_eq!(in_doc, routed_as_openapi, "the generated document has every route once");
    // Every path parameter is declared; every operation says who may call it.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            let declared: BTreeSet<&str> = op["parameters"].as_array().unwrap().iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect();
            let in_path: BTreeSet<&str> = path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
            assert_eq!(declared, in_path, "{m} {path}: path parameters");
            assert!(op["description"].as_str().unwrap().contains("Access: "), "{m} {path}");
            assert!(op["responses"].as_object().unwrap().keys().any(|s| s.starts_with('2') || s.starts_with('3')), "{m} {path}: a success");
        }
    }
}

#[test]
fn an_admin_calling_every_documented_example_gets_a_documented_status_never_404_or_405() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let server = common::serve_with(&db, &["--require-login"]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(300))).build().into();

    // The readable page and the document are public and list every path.
    let mut r = agent.get(&format!("{}/api/openapi.json", server.base)).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let served: Value = r.body_mut().read_json().unwrap();
    assert_eq!(&served, openapi::document());
    let mut r = agent.get(&format!("{}/api/docs", server.base)).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let page = r.body_mut().read_to_string().unwrap();
    for route in &openapi::catalogue().routes {
        assert!(page.contains(&commune_atlas::render::map::esc(&route.path)), "the API page shows {}", route.path);
    }

    let mut failures = Vec::new();
    let mut submission = String::from("none-yet");
    let mut answered = Vec::new();
    for route in &openapi::catalogue().routes {
        let url = format!("{}{}", server.base, route.example.replace("{token}", &admin).replace("{submission}", &submission));
        let auth = format!("Bearer {admin}");
        let body = route.body_example.as_deref().map(|b| b.replace("{token}", &admin));
        let ctype = route.body.as_deref().unwrap_or("application/json");
        let resp = match (route.method.as_str(), body) {
            ("get", _) => agent.get(&url).header("Authorization", &auth).call(),
            ("delete", _) => agent.delete(&url).header("Authorization", &auth).call(),
            (m, body) => {
                let b = body.unwrap_or_default();
                let req = match m {
                    "post" => agent.post(&url),
                    "put" => agent.put(&url),
                    "patch" => agent.patch(&url),
                    other => panic!("method {other}"),
                };
                req.header("Authorization", &auth).header("Content-Type", ctype).send(b.as_bytes())
            }
        };
        let mut resp = resp.unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        eprintln!("{status} {} {} {}", route.method.to_uppercase(), route.example, if status >= 300 { text.chars().take(400).collect::<String>() } else { String::new() });
        if let Some(id) = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["submission"]["id"].as_i64()) {
            submission = id.to_string();
        }
        answered.push(status);
        if status == 404 || status == 405 || !route.statuses().contains(&status) {
            failures.push(format!("{} {} → {status} (documented {:?}): {}", route.method.to_uppercase(), route.example, route.statuses(), text.chars().take(300).collect::<String>()));
        }
    }
    assert!(failures.is_empty(), "examples answering outside their documentation:\n{}", failures.join("\n"));
    // The examples are real uses, not refusals: all but the state-dependent few succeed.
    let ok = answered.iter().filter(|s| (200..300).contains(*s)).count();
    assert!(ok * 10 >= answered.len() * 9, "{ok} of {} examples succeed", answered.len());
}
