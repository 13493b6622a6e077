//! Access control, as users meet it: every endpoint × every role × a province in and out of
//! scope answers what it should, and nothing of an out-of-scope province — no commune code, no
//! unit id, no tile feature — appears in any response a scoped user gets.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60))).build().into()
}

/// One HTTP exchange: (status, content type, body bytes, response headers as text).
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, String, Vec<u8>) {
    let a = agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.call()
        }
        ("DELETE", _) => {
            let mut r = a.delete(url);
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.call()
        }
        (m, b) => {
            let mut r = match m {
                "PATCH" => a.patch(url),
                "PUT" => a.put(url),
                _ => a.post(url),
            };
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.send_json(b.cloned().unwrap_or(Value::Null))
        }
    };
    let mut resp = resp.expect("HTTP exchange");
    let status = resp.status().as_u16();
    let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = resp.body_mut().with_config().limit(512 << 20).read_to_vec().expect("body");
    (status, ctype, bytes)
}

/// What must never reach a user scoped to province 98: province 99's codes and unit ids.
struct Secrets {
    codes: HashSet<String>,
    ids: HashSet<i64>,
}

impl Secrets {
    fn load(db: &Path) -> (Secrets, i64, i64) {
        let store = commune_atlas::store::Store::open(db).unwrap();
        let conn = store.connect().unwrap();
        let mut stmt = conn
            .prepare("SELECT unit_id, code, level, coalesce(province_code, code), boundary_version FROM unit ORDER BY unit_id")
            .unwrap();
        let rows: Vec<(i64, String, String, String, String)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().map(Result::unwrap).collect();
        let inside: HashSet<&str> = rows.iter().filter(|r| r.3 != "99").map(|r| r.1.as_str()).collect();
        let codes = rows.iter().filter(|r| r.3 == "99" && !inside.contains(r.1.as_str())).map(|r| r.1.clone()).collect();
        let ids = rows.iter().filter(|r| r.3 == "99").map(|r| r.0).collect();
        let newest = rows.iter().map(|r| r.4.clone()).max().unwrap();
        let pick = |p: &str| rows.iter().find(|r| r.2 == "commune" && r.3 == p && r.4 == newest).unwrap().0;
        (Secrets { codes, ids }, pick("98"), pick("99"))
    }

    /// Every leak in a response body.
    fn leaks(&self, ctype: &str, body: &[u8]) -> Vec<String> {
        let mut found = Vec::new();
        if ctype.starts_with("text/csv") {
            let mut r = csv::Reader::from_reader(body);
            let headers = r.headers().unwrap().clone();
            for rec in r.records() {
                let rec = rec.unwrap();
                for (h, v) in headers.iter().zip(rec.iter()) {
                    if (h.contains("code") && (self.codes.contains(v) || v == "99"))
                        || (h.ends_with("unit_id") && v.parse().is_ok_and(|id: i64| self.ids.contains(&id)))
                    {
                        found.push(format!("{h}={v}"));
                    }
                }
            }
        } else if ctype.starts_with("image/svg+xml") {
            // Printed maps and sheets: the units drawn (data-unit, data-plan-unit) and every
            // commune code in the text (5 digits; shorter numbers in text are counts and years).
            let svg = String::from_utf8_lossy(body);
            for attr in ["data-unit=\"", "data-plan-unit=\""] {
                for part in svg.split(attr).skip(1) {
                    let id = part.split('"').next().unwrap_or("");
                    if id.parse().is_ok_and(|id: i64| self.ids.contains(&id)) {
                        found.push(format!("{attr}{id}"));
                    }
                }
            }
            for text in svg.split('>').filter_map(|t| t.split('<').next()).filter(|t| !t.is_empty()) {
                for token in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| t.len() >= 5) {
                    if self.codes.contains(token) {
                        found.push(format!("text {token}"));
                    }
                }
            }
        } else if let Ok(v) = serde_json::from_slice::<Value>(body) {
            self.walk(&v, "", &mut found);
        }
        found
    }

    fn walk(&self, v: &Value, key: &str, found: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k.parse().is_ok_and(|id: i64| self.ids.contains(&id)) {
                        found.push(format!("key {k}"));
                    }
                    self.walk(x, k, found);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.walk(x, key, found)),
            Value::String(s) => {
                if self.codes.contains(s) || (key.contains("province") && s == "99") {
                    found.push(format!("{key}={s}"));
                }
            }
            Value::Number(n) => {
                if (key.ends_with("unit_id") || key == "id") && n.as_i64().is_some_and(|id| self.ids.contains(&id)) {
                    found.push(format!("{key}={n}"));
                }
            }
            _ => {}
        }
    }
}

/// Tiles covering the demo at a zoom, from the layer's TileJSON bounds.
fn tiles_over(bounds: &[f64], z: u32) -> Vec<(u32, u32)> {
    let n = f64::from(1u32 << z);
    let tx = |lon: f64| ((lon + 180.0) / 360.0 * n).floor() as u32;
    let ty = |lat: f64| {
        let r = lat.to_radians();
        ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32
    };
    let mut out = Vec::new();
    for x in tx(bounds[0])..=tx(bounds[2]) {
        for y in ty(bounds[3])..=ty(bounds[1]) {
            out.push((x, y));
        }
    }
    out
}

/// Province codes and ids of the features of a tile.
fn tile_features(bytes: &[u8]) -> Vec<(u64, String)> {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("an MVT tile");
    let mut out = Vec::new();
    for (i, _) in reader.get_layer_names().unwrap().iter().enumerate() {
        for f in reader.get_features(i).unwrap() {
            let p = match f.properties.as_ref().and_then(|p| p.get("province")) {
                Some(mvt_reader::feature::Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            out.push((f.id.unwrap_or(0), p));
        }
    }
    out
}

#[test]
fn every_endpoint_answers_each_role_as_expected_and_never_shows_another_province() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let (secrets, in_unit, out_unit) = Secrets::load(&db);
    assert!(secrets.codes.len() > 100 && secrets.ids.len() > 100, "province 99 has communes to keep secret");
    // Two communes of province 98 (the officer's own, A, and another, B).
    let (code_a, unit_b): (String, i64) = {
        let store = commune_atlas::store::Store::open(&db).unwrap();
        let conn = store.connect().unwrap();
        let code_a = conn.query_row("SELECT code FROM unit WHERE unit_id = ?", [in_unit], |r| r.get(0)).unwrap();
        let b = conn.query_row("SELECT unit_id FROM unit WHERE level = 'commune' AND province_code = '98' AND boundary_version = (SELECT boundary_version FROM unit WHERE unit_id = ?) AND unit_id <> ? ORDER BY unit_id LIMIT 1", [in_unit, in_unit], |r| r.get(0)).unwrap();
        (code_a, b)
    };
    let mut tokens: BTreeMap<&str, String> = BTreeMap::new();
    for role in ["viewer", "reviewer", "approver", "leader", "analyst", "admin"] {
        tokens.insert(role, common::add_user(&db, &format!("{role}-98"), role, "98"));
    }
    // The commune officer's scope is their commune.
    tokens.insert("officer", common::add_user(&db, "officer-98", "officer", &code_a));
    let root = common::add_user(&db, "root", "admin", "*");
    let server = common::serve_with(&db, &["--require-login", "--rate-limit", "0"]);
    let base = &server.base;

    // Plans of both provinces, made by the national admin.
    let mut plan = HashMap::new();
    for p in ["98", "99"] {
        let (s, _, b) = call("POST", &format!("{base}/api/plans"), Some(&root), Some(&json!({"name": format!("Plan {p}"), "province_code": p, "target_year": 2027})));
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
        let v: Value = serde_json::from_slice(&b).unwrap();
        plan.insert(p, v["plan_id"].as_i64().unwrap());
    }
    let (p98, p99) = (plan["98"], plan["99"]);

    // (method, path, body, least role, expected status for that role and above)
    let rows: Vec<(&str, String, Option<Value>, &str, u16)> = vec![
        ("GET", "/api/status".into(), None, "viewer", 200),
        ("GET", "/api/status?year=2020".into(), None, "viewer", 200),
        ("GET", "/api/choropleth?metric=status".into(), None, "viewer", 200),
        ("GET", "/api/choropleth?metric=addict_user_rate_pct&values=true".into(), None, "viewer", 200),
        ("GET", "/api/choropleth?metric=conversion&year=2025&from=2024".into(), None, "viewer", 200),
        ("GET", "/api/conversion?from=2024&to=2025".into(), None, "viewer", 200),
        ("GET", "/api/progress".into(), None, "viewer", 200),
        ("GET", "/api/progress?province=98".into(), None, "viewer", 200),
        ("GET", "/api/progress?province=99".into(), None, "viewer", 403),
        ("GET", "/api/units".into(), None, "viewer", 200),
        ("GET", "/api/units?level=province".into(), None, "viewer", 200),
        ("GET", "/api/units?province=99".into(), None, "viewer", 403),
        ("GET", "/api/search?q=xa&limit=100".into(), None, "viewer", 200),
        ("GET", "/api/search?q=phuong&limit=100".into(), None, "viewer", 200),
        ("GET", format!("/api/search?id={out_unit}"), None, "viewer", 403),
        ("GET", "/api/labels?level=province".into(), None, "viewer", 200),
        ("GET", "/api/labels?level=commune".into(), None, "viewer", 200),
        ("GET", format!("/api/units/{in_unit}/evaluation"), None, "viewer", 200),
        ("GET", format!("/api/units/{out_unit}/evaluation"), None, "viewer", 403),
        ("GET", "/api/rules".into(), None, "viewer", 200),
        ("GET", "/api/provinces/classification".into(), None, "viewer", 200),
        ("GET", "/api/provinces/classification?year=2026&province=98".into(), None, "viewer", 200),
        ("GET", "/api/provinces/classification?province=99".into(), None, "viewer", 403),
        ("GET", "/api/queries/province_key_areas?year=2026".into(), None, "analyst", 200),
        ("GET", "/api/maps/status.svg?year=2025".into(), None, "viewer", 200),
        ("GET", "/api/maps/status.png?year=2025&province=99".into(), None, "viewer", 403),
        ("GET", "/api/reports/98.svg?year=2025".into(), None, "viewer", 200),
        ("GET", "/api/reports/99.pdf?year=2025".into(), None, "viewer", 403),
        ("GET", "/ogc".into(), None, "viewer", 200),
        ("GET", "/ogc/collections".into(), None, "viewer", 200),
        ("GET", "/ogc/collections/communes-status-2025/items?limit=10000".into(), None, "viewer", 200),
        ("GET", "/ogc/collections/routes/items".into(), None, "viewer", 200),
        ("GET", "/ogc/collections/communes-status-2025/tiles/WebMercatorQuad".into(), None, "viewer", 200),
        ("GET", "/ogc/collections/communes-status-2025/tiles/WebMercatorQuad/5/14/25".into(), None, "viewer", 200),
        ("GET", "/ogc/styles/status-2025".into(), None, "viewer", 200),
        ("GET", "/tiles".into(), None, "viewer", 200),
        ("GET", "/tiles/communes.json".into(), None, "viewer", 200),
        ("GET", "/api/candidates?province=98".into(), None, "leader", 200),
        ("GET", "/api/candidates?province=99".into(), None, "leader", 403),
        ("GET", "/api/plans".into(), None, "leader", 200),
        ("GET", "/api/plans?province=99".into(), None, "leader", 403),
        ("GET", format!("/api/plans/{p98}"), None, "leader", 200),
        ("GET", format!("/api/plans/{p99}"), None, "leader", 403),
        ("GET", format!("/api/plans/{p99}/history"), None, "leader", 403),
        ("GET", format!("/api/plans/{p99}/export.csv"), None, "leader", 403),
        ("GET", format!("/api/plans/{p98}/plan.svg"), None, "leader", 200),
        ("GET", format!("/api/plans/{p99}/plan.pdf"), None, "leader", 403),
        ("PATCH", format!("/api/plans/{p99}"), Some(json!({"version": 1, "name": "taken over"})), "leader", 403),
        ("POST", format!("/api/plans/{p99}/communes"), Some(json!({"version": 1, "unit_id": out_unit})), "leader", 403),
        ("POST", "/api/plans".into(), Some(json!({"name": "mine", "province_code": "99", "target_year": 2027})), "leader", 403),
        ("POST", "/api/sql".into(), Some(json!({"sql": "SELECT * FROM unit"})), "analyst", 200),
        ("POST", "/api/sql".into(), Some(json!({"sql": "SELECT * FROM classification"})), "analyst", 200),
        ("POST", "/api/sql?format=csv".into(), Some(json!({"sql": "SELECT * FROM indicator"})), "analyst", 200),
        ("GET", "/api/sql/schema".into(), None, "analyst", 200),
        ("GET", "/api/queries/status_by_province_year".into(), None, "analyst", 200),
        ("GET", "/api/queries/crosswalk_check".into(), None, "analyst", 200),
        ("GET", "/api/export/classification.csv".into(), None, "analyst", 200),
        ("GET", "/api/export/units.json".into(), None, "analyst", 200),
        ("GET", "/api/export/conversion.json".into(), None, "analyst", 200),
        ("GET", "/api/admin/users".into(), None, "admin", 200),
        ("GET", "/api/admin/audit?limit=50".into(), None, "admin", 200),
        ("GET", "/metrics".into(), None, "admin", 200),
        ("POST", "/api/import/quotas".into(), Some(json!("")), "admin", 422),
    ];
    let order = ["officer", "viewer", "reviewer", "approver", "leader", "analyst", "admin"];
    let mut checked = 0;
    for (method, path, body, least, expected) in &rows {
        let url = format!("{base}{path}");
        // Nobody signed in: 401 with a message, for every endpoint.
        let (s, _, b) = call(method, &url, None, body.as_ref());
        assert_eq!(s, 401, "anonymous {method} {path}: {}", String::from_utf8_lossy(&b));
        for role in order {
            let allowed = order.iter().position(|r| r == &role) >= order.iter().position(|r| r == least);
            let want = if allowed { *expected } else { 403 };
            let (s, ctype, b) = call(method, &url, Some(&tokens[role]), body.as_ref());
            assert_eq!(s, want, "{role} {method} {path}: {}", String::from_utf8_lossy(&b[..b.len().min(400)]));
            if !ctype.starts_with("application/vnd.mapbox") {
                assert!(ctype.starts_with("application/json") || s == 200, "{role} {method} {path}: errors are JSON ({ctype})");
            }
            if ctype.starts_with("image/svg") {
                // Static maps draw one path per unit, tagged with its id.
                let text = String::from_utf8_lossy(&b);
                let drawn: Vec<i64> = text.split("data-unit=\"").skip(1).filter_map(|t| t.split('"').next()?.parse().ok()).collect();
                assert!(!drawn.is_empty() && drawn.iter().all(|id| !secrets.ids.contains(id)), "{role} {method} {path} draws province 99");
            }
            if s < 300 {
                let leaks = secrets.leaks(&ctype, &b);
                assert!(leaks.is_empty(), "{role} {method} {path} shows province 99: {:?}", &leaks[..leaks.len().min(5)]);
            }
            checked += 1;
        }
    }
    assert!(checked >= 340, "{checked} cases");

    // The annual review is not ordered like the rest: officers enter their commune's figures,
    // reviewers (and admins) review their province's; the others see the tallies, not the forms.
    // A national period, so province 99's communes are in it too.
    let (s, _, b) = call("POST", &format!("{base}/api/review/periods"), Some(&root), Some(&json!({ "year": 2026 })));
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let draft = json!({ "version": 0, "figures": { "resident_population": 9000 }, "self_key_type": "III" });
    let (s, _, b) = call("PUT", &format!("{base}/api/review/periods/1/communes/{in_unit}"), Some(&tokens["officer"]), Some(&draft));
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let sid = serde_json::from_slice::<Value>(&b).unwrap()["submission"]["id"].as_i64().unwrap();
    let (s, _, b) = call("PUT", &format!("{base}/api/review/periods/1/communes/{out_unit}"), Some(&root), Some(&draft));
    assert_eq!(s, 200, "a draft in province 99, which no one scoped to 98 may see: {}", String::from_utf8_lossy(&b));
    //                      officer viewer reviewer leader analyst admin (all scoped to 98 / commune A)
    let review: Vec<(&str, String, Option<Value>, [u16; 7])> = vec![
        ("GET", "/api/review/periods".into(), None, [200, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/review/progress".into(), None, [200, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/review/mine".into(), None, [200, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/review/form".into(), None, [200, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/review/periods/1/queue".into(), None, [403, 403, 200, 403, 403, 403, 200]),
        ("GET", format!("/api/review/periods/1/communes/{in_unit}"), None, [200, 403, 200, 403, 403, 403, 200]),
        ("GET", format!("/api/review/periods/1/communes/{unit_b}"), None, [403, 403, 200, 403, 403, 403, 200]),
        ("GET", format!("/api/review/periods/1/communes/{out_unit}"), None, [403; 7]),
        ("PUT", format!("/api/review/periods/1/communes/{unit_b}"), Some(json!({ "version": 0, "figures": {} })), [403, 403, 403, 403, 403, 403, 200]),
        ("PUT", format!("/api/review/periods/1/communes/{out_unit}"), Some(json!({ "version": 1, "figures": {} })), [403; 7]),
        ("POST", "/api/review/evaluate".into(), Some(json!({ "year": 2026, "unit_id": unit_b, "figures": {} })), [403, 403, 200, 403, 403, 403, 200]),
        ("POST", "/api/review/evaluate".into(), Some(json!({ "year": 2026, "unit_id": out_unit, "figures": {} })), [403; 7]),
        // A stale version: whoever may accept is told 409; nobody else gets that far.
        ("POST", format!("/api/review/submissions/{sid}/accept"), Some(json!({ "version": 99 })), [403, 403, 409, 403, 403, 403, 409]),
        ("POST", format!("/api/review/submissions/{sid}/submit"), Some(json!({ "version": 99 })), [409, 403, 403, 403, 403, 403, 409]),
        // A province's admin opens its own province's review, not another's nor the national one.
        ("POST", "/api/review/periods".into(), Some(json!({ "year": 2027, "province_code": "99" })), [403; 7]),
        ("POST", "/api/review/periods".into(), Some(json!({ "year": 2027 })), [403; 7]),
        ("POST", "/api/review/periods/1/close".into(), Some(json!({ "version": 1 })), [403; 7]),
        // The lists: everyone but officers reads their province's; only approvers (and admins) decide,
        // and nobody of 98 touches 99's. Nothing is accepted yet, so an approval is refused (409), and so is the annex of lists not approved.
        ("GET", "/api/review/periods/1/provinces/98/lists".into(), None, [403, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/review/periods/1/provinces/99/lists".into(), None, [403; 7]),
        ("POST", "/api/review/periods/1/provinces/98/approve".into(), Some(json!({ "decision_no": "1/QĐ-UBND", "decision_date": "2026-12-18", "signer": "A" })), [403, 403, 403, 409, 403, 403, 409]),
        ("POST", "/api/review/periods/1/provinces/99/approve".into(), Some(json!({ "decision_no": "1/QĐ-UBND", "decision_date": "2026-12-18", "signer": "A" })), [403; 7]),
        ("POST", "/api/review/periods/1/provinces/98/amend".into(), Some(json!({ "decision_no": "2/QĐ-UBND", "decision_date": "2026-12-18", "signer": "A", "overrides": [] })), [403, 403, 403, 409, 403, 403, 409]),
        ("GET", "/api/review/periods/1/provinces/98/annex.pdf".into(), None, [403, 409, 409, 409, 409, 409, 409]),
    ];
    for (method, path, body, want) in &review {
        let url = format!("{base}{path}");
        let (s, _, _) = call(method, &url, None, body.as_ref());
        assert_eq!(s, 401, "anonymous {method} {path}");
        for (role, want) in order.iter().zip(want) {
            let (s, ctype, b) = call(method, &url, Some(&tokens[role]), body.as_ref());
            assert_eq!(s, *want, "{role} {method} {path}: {}", String::from_utf8_lossy(&b[..b.len().min(400)]));
            let leaks = secrets.leaks(&ctype, &b);
            assert!(leaks.is_empty(), "{role} {method} {path} shows province 99: {:?}", &leaks[..leaks.len().min(5)]);
        }
    }
    // A province's admin manages its province's users only: no national user, none of 99, no
    // token for the national admin; its own province's officer and viewer it may make.
    let admin98 = &tokens["admin"];
    for (body, why) in [
        (json!({ "name": "grab", "role": "admin", "scope": "*" }), "a national admin"),
        (json!({ "name": "bca2", "role": "ministry", "scope": "*" }), "a ministry user"),
        (json!({ "name": "v99", "role": "viewer", "scope": "99" }), "a user of 99"),
        (json!({ "name": "v9899", "role": "viewer", "scope": "98,99" }), "a user of 98 and 99"),
    ] {
        let (s, _, b) = call("POST", &format!("{base}/api/admin/users"), Some(admin98), Some(&body));
        assert_eq!(s, 403, "{why}: {}", String::from_utf8_lossy(&b));
    }
    let (s, _, b) = call("POST", &format!("{base}/api/admin/users"), Some(&root), Some(&json!({ "name": "bca3", "role": "ministry", "scope": "98" })));
    assert_eq!(s, 400, "a ministry user is national: {}", String::from_utf8_lossy(&b));
    let (s, _, _) = call("POST", &format!("{base}/api/admin/users/root/token"), Some(admin98), None);
    assert_eq!(s, 403, "no token for the national admin from a province's admin");
    let (s, _, _) = call("POST", &format!("{base}/api/admin/users/root/disable"), Some(admin98), None);
    assert_eq!(s, 403);
    let (s, _, b) = call("POST", &format!("{base}/api/admin/users"), Some(admin98), Some(&json!({ "name": "officer-98b", "role": "officer", "scope": code_a })));
    assert_eq!(s, 200, "an officer of a commune of 98: {}", String::from_utf8_lossy(&b));
    let (_, _, b) = call("GET", &format!("{base}/api/admin/users"), Some(admin98), None);
    assert!(!String::from_utf8_lossy(&b).contains("\"root\""), "a province's admin does not list national users");

    // The officer's lists hold their commune and nothing else of the province.
    let (_, _, b) = call("GET", &format!("{base}/api/review/mine"), Some(&tokens["officer"]), None);
    let mine: Value = serde_json::from_slice(&b).unwrap();
    let ids: Vec<i64> = mine["communes"].as_array().unwrap().iter().map(|c| c["unit_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [in_unit], "{mine}");
    let (_, _, b) = call("GET", &format!("{base}/api/review/progress"), Some(&tokens["officer"]), None);
    let prog: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(prog["periods"][0]["provinces"][0]["communes"], 1, "{prog}");
    // The client's own files and its label glyphs need no sign-in: they carry no data.
    for path in ["/", "/web/js/map.js", "/fonts/DejaVu%20Sans/0-255.pbf"] {
        let (s, _, _) = call("GET", &format!("{base}{path}"), None, None);
        assert_eq!(s, 200, "anonymous GET {path}");
    }

    // The national admin does see province 99 — the leak check can see a leak.
    let (s, ctype, b) = call("GET", &format!("{base}/api/status"), Some(&root), None);
    assert_eq!(s, 200);
    assert!(!secrets.leaks(&ctype, &b).is_empty(), "province 99 is in the national admin's status map");

    // Tiles, decoded: the scoped viewer's show only provinces 97/98 (97 merged into 98), the
    // national admin's also 99; every scoped feature id is in scope.
    let (_, _, tj) = call("GET", &format!("{base}/tiles/communes.demo-2019.json"), Some(&tokens["viewer"]), None);
    let tj: Value = serde_json::from_slice(&tj).unwrap();
    let bounds: Vec<f64> = tj["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let (mut scoped_features, mut national_99) = (0, 0);
    for layer in ["communes.demo-2019", "communes.demo-2025", "districts.demo-2019", "provinces.demo-2019", "provinces.demo-2025"] {
        for z in [6, 8] {
            for (x, y) in tiles_over(&bounds, z) {
                let url = format!("{base}/tiles/{layer}/{z}/{x}/{y}.mvt");
                let (s, _, b) = call("GET", &url, Some(&tokens["viewer"]), None);
                assert!(s == 200 || s == 204, "{url}: {s}");
                if s == 200 {
                    for (id, province) in tile_features(&b) {
                        // Below the label zoom a polygon is its unit id alone: its scope is the id's.
                        assert!(province.is_empty() || province == "97" || province == "98", "{url}: feature {id} of province {province}");
                        assert!(!secrets.ids.contains(&(id as i64)), "{url}: feature {id} is out of scope");
                        scoped_features += 1;
                    }
                }
                let (s, _, b) = call("GET", &url, Some(&root), None);
                if s == 200 {
                    national_99 += tile_features(&b).iter().filter(|f| f.1 == "99").count();
                }
            }
        }
    }
    assert!(scoped_features > 100, "the scoped viewer sees their own province ({scoped_features} features)");
    assert!(national_99 > 100, "the same tiles hold province 99 for the national admin ({national_99})");

    // Key routes: the scoped analyst's SQL holds only the stretches inside their communes (every
    // coordinate on or inside one of them), the national admin's the whole route, which leaves them.
    let rows_of = |token: &str, sql: &str| {
        let (s, _, b) = call("POST", &format!("{base}/api/sql"), Some(token), Some(&json!({ "sql": sql })));
        assert_eq!(s, 200, "{sql}: {}", String::from_utf8_lossy(&b));
        let v: Value = serde_json::from_slice(&b).unwrap();
        v["rows"].as_array().unwrap().clone()
    };
    let communes: Vec<geo::MultiPolygon<f64>> = rows_of(&tokens["analyst"], "SELECT g.geometry FROM unit_geometry g JOIN unit u USING (unit_id) WHERE u.level = 'commune' AND u.boundary_version = 'demo-2025'")
        .iter()
        .map(|r| commune_atlas::geo::from_geojson(r[0].as_str().unwrap()).unwrap())
        .collect();
    assert!(communes.len() > 20, "the scoped analyst has their communes' geometry");
    let farthest = |token: &str| {
        let routes = rows_of(token, "SELECT route_id, geometry FROM key_route ORDER BY route_id");
        let mut points = Vec::new();
        for r in &routes {
            let g: Value = serde_json::from_str(r[1].as_str().unwrap()).unwrap();
            let lines: Vec<Vec<[f64; 2]>> = if g["type"] == "LineString" { vec![serde_json::from_value(g["coordinates"].clone()).unwrap()] } else { serde_json::from_value(g["coordinates"].clone()).unwrap() };
            points.extend(lines.into_iter().flatten());
        }
        let d = points.iter().map(|p| communes.iter().map(|c| geo::Distance::distance(&geo::Euclidean, c, &geo::Point::new(p[0], p[1]))).fold(f64::MAX, f64::min)).fold(0.0, f64::max);
        (routes.len(), points.len(), d)
    };
    let (scoped_routes, scoped_points, scoped_far) = farthest(&tokens["analyst"]);
    let (all_routes, _, national_far) = farthest(&root);
    assert!(scoped_routes >= 1 && scoped_points >= 2, "a key route crosses province 98");
    assert!(scoped_far < 1e-7, "every scoped route coordinate is inside the analyst's communes (farthest {scoped_far}°)");
    assert!(all_routes >= scoped_routes && national_far > 0.01, "the whole route leaves province 98 ({national_far}°) — the check can see a leak");
    // The same in tiles: the scoped viewer's route tiles carry fewer vertices than the national ones.
    let (mut scoped_vertices, mut national_vertices) = (0usize, 0usize);
    for (x, y) in tiles_over(&bounds, 10) {
        let url = format!("{base}/tiles/routes/10/{x}/{y}.mvt");
        for (token, count) in [(&tokens["viewer"], &mut scoped_vertices), (&root, &mut national_vertices)] {
            let (s, _, b) = call("GET", &url, Some(token), None);
            assert!(s == 200 || s == 204, "{url}: {s}");
            if s == 200 {
                let reader = mvt_reader::Reader::new(b).unwrap();
                for f in reader.get_features(0).unwrap() {
                    *count += geo::CoordsIter::coords_count(&f.geometry);
                }
            }
        }
    }
    assert!(scoped_vertices > 0 && scoped_vertices < national_vertices, "route tiles: scoped {scoped_vertices} vertices, national {national_vertices}");

    // GeoJSON from SQL: a typed-in out-of-scope unit id gets no geometry.
    let q = json!({"sql": format!("SELECT {out_unit} AS unit_id UNION ALL SELECT {in_unit}")});
    let geometries = |token: &str| {
        let (s, _, b) = call("POST", &format!("{base}/api/sql?format=geojson"), Some(token), Some(&q));
        assert_eq!(s, 200);
        let fc: Value = serde_json::from_slice(&b).unwrap();
        fc["features"].as_array().unwrap().iter().map(|f| (f["properties"]["unit_id"].as_i64().unwrap(), !f["geometry"].is_null())).collect::<BTreeMap<_, _>>()
    };
    assert_eq!(geometries(&tokens["analyst"]), BTreeMap::from([(out_unit, false), (in_unit, true)]));
    assert_eq!(geometries(&root), BTreeMap::from([(out_unit, true), (in_unit, true)]));

    // The scoped analyst's SQL sees only their provinces.
    let (_, _, b) = call("POST", &format!("{base}/api/sql"), Some(&tokens["analyst"]), Some(&json!({"sql": "SELECT DISTINCT province_code FROM unit ORDER BY 1"})));
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["rows"], json!([["97"], ["98"]]));
}

#[test]
fn a_session_cookie_needs_the_csrf_token_for_changes_and_ends_at_sign_out_or_when_the_user_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let leader = common::add_user(&db, "lan", "leader", "98");
    let root = common::add_user(&db, "root", "admin", "*");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = &server.base;
    let a = agent();

    // A wrong token signs no one in.
    let r = a.post(&format!("{base}/api/session")).send_json(json!({"token": "cat_0000000000000000_".to_string() + &"0".repeat(64)})).unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let mut r = a.post(&format!("{base}/api/session")).send_json(json!({"token": leader})).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    let session: Value = r.body_mut().read_json().unwrap();
    assert_eq!(session["user"], "lan");
    assert_eq!(session["role"], "leader");
    let csrf = session["csrf"].as_str().unwrap().to_string();
    let jar = cookie.split(';').next().unwrap().to_string();

    let get = |path: &str| a.get(&format!("{base}{path}")).header("Cookie", &jar).call().unwrap().status().as_u16();
    assert_eq!(get("/api/status"), 200, "reads need only the cookie");
    let new_plan = json!({"name": "Kế hoạch 2027", "province_code": "98", "target_year": 2027});
    let mut r = a.post(&format!("{base}/api/plans")).header("Cookie", &jar).send_json(&new_plan).unwrap();
    assert_eq!(r.status().as_u16(), 403, "a change without the CSRF header is refused");
    let e: Value = r.body_mut().read_json().unwrap();
    assert_eq!(e["error"]["code"], "csrf");
    let r = a.post(&format!("{base}/api/plans")).header("Cookie", &jar).header("X-CSRF-Token", "wrong").send_json(&new_plan).unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let mut r = a.post(&format!("{base}/api/plans")).header("Cookie", &jar).header("X-CSRF-Token", &csrf).send_json(&new_plan).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let p: Value = r.body_mut().read_json().unwrap();
    assert_eq!(p["created_by"], "lan", "the plan names who made it");

    // Sign out: the cookie no longer works.
    let r = a.delete(&format!("{base}/api/session")).header("Cookie", &jar).header("X-CSRF-Token", &csrf).call().unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(get("/api/status"), 401);

    // Disabled by an admin: the token stops working at once.
    assert_eq!(call("GET", &format!("{base}/api/status"), Some(&leader), None).0, 200);
    let (s, _, _) = call("POST", &format!("{base}/api/admin/users/lan/disable"), Some(&root), None);
    assert_eq!(s, 200);
    assert_eq!(call("GET", &format!("{base}/api/status"), Some(&leader), None).0, 401);

    // A new user made over HTTP gets a working token, shown once.
    let (s, _, b) = call("POST", &format!("{base}/api/admin/users"), Some(&root), Some(&json!({"name": "minh", "role": "viewer", "scope": "99"})));
    assert_eq!(s, 200);
    let v: Value = serde_json::from_slice(&b).unwrap();
    let minh = v["token"].as_str().unwrap();
    assert_eq!(call("GET", &format!("{base}/api/status"), Some(minh), None).0, 200);
    let (_, _, b) = call("GET", &format!("{base}/api/admin/users"), Some(&root), None);
    assert!(!String::from_utf8_lossy(&b).contains(minh), "the user list never holds a token");

    // The audit log has the logins, the plan and the user changes.
    let (_, _, b) = call("GET", &format!("{base}/api/admin/audit?limit=1000"), Some(&root), None);
    let log: Value = serde_json::from_slice(&b).unwrap();
    let events: Vec<(String, String, String)> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap_or("").into(), e["action"].as_str().unwrap_or("").into(), e["outcome"].as_str().unwrap_or("").into()))
        .collect();
    for want in [("lan", "login", "ok"), ("anonymous", "login", "refused"), ("lan", "plan_create", "ok"), ("lan", "logout", "ok"), ("root", "user_disable", "ok"), ("root", "user_add", "ok")] {
        assert!(events.iter().any(|e| (e.0.as_str(), e.1.as_str(), e.2.as_str()) == want), "audit log lacks {want:?}: {events:?}");
    }
}

#[test]
fn sql_statements_are_audited_with_user_text_duration_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let analyst = common::add_user(&db, "an", "analyst", "99");
    let root = common::add_user(&db, "root", "admin", "*");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = &server.base;
    let q = "SELECT unit_code FROM classification WHERE year = 2024";
    let (s, _, b) = call("POST", &format!("{base}/api/sql"), Some(&analyst), Some(&json!({"sql": q})));
    assert_eq!(s, 200);
    let n = serde_json::from_slice::<Value>(&b).unwrap()["rows"].as_array().unwrap().len() as i64;
    let (s, _, _) = call("POST", &format!("{base}/api/sql"), Some(&analyst), Some(&json!({"sql": "COPY unit TO '/tmp/x.csv'"})));
    assert_eq!(s, 403);
    let (_, _, b) = call("GET", &format!("{base}/api/admin/audit?action=sql&actor=an"), Some(&root), None);
    let events = serde_json::from_slice::<Value>(&b).unwrap()["events"].as_array().unwrap().clone();
    let ok = events.iter().find(|e| e["detail"] == q).expect("the statement is in the audit log");
    assert_eq!(ok["outcome"], "ok");
    assert_eq!(ok["rows"].as_i64(), Some(n));
    assert!(ok["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(events.iter().any(|e| e["outcome"] == "refused" && e["detail"].as_str().unwrap().starts_with("COPY")), "{events:?}");
    // The analyst cannot read the audit log.
    assert_eq!(call("GET", &format!("{base}/api/admin/audit"), Some(&analyst), None).0, 403);
}

#[test]
fn the_demo_on_loopback_needs_no_sign_in_but_real_data_or_an_open_address_refuse_to_start_without_users() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    {
        let server = common::serve(&db);
        let (s, _, b) = call("GET", &format!("{}/api/session", server.base), None, None);
        assert_eq!(s, 200);
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!((v["authenticated"].clone(), v["demo"].clone(), v["login_required"].clone()), (json!(false), json!(true), json!(false)));
        assert_eq!(call("GET", &format!("{}/api/status", server.base), None, None).0, 200, "demo mode: no sign-in");
    }
    let db_s = db.to_str().unwrap();
    // Any non-loopback address needs accounts.
    let (code, _, err) = common::run(&["--db", db_s, "serve", "--bind", "0.0.0.0:0"]);
    assert_ne!(code, 0);
    assert!(err.contains("reachable from other machines") && err.contains("users add"), "{err}");
    // A store that is not the demo needs accounts too, wherever it is served.
    let own = dir.path().join("own.duckdb");
    let grid = common::write(dir.path(), "grid.geojson", &common::grid_geojson("X", 2, 2, 105.0, 20.0, 0.1));
    let (code, _, err) = common::run(&["--db", own.to_str().unwrap(), "import", "boundaries", grid.to_str().unwrap(), "--version", "v1", "--valid-from", "2025-07-01"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = common::run(&["--db", own.to_str().unwrap(), "serve", "--bind", "127.0.0.1:0"]);
    assert_ne!(code, 0);
    assert!(err.contains("holds your data") && err.contains("users add"), "{err}");
}

#[test]
fn a_user_over_the_rate_limit_gets_429_with_retry_after_and_bodies_over_the_limit_get_413() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let v = common::add_user(&db, "busy", "analyst", "*");
    let server = common::serve_with(&db, &["--require-login", "--rate-limit", "5"]);
    let base = &server.base;
    let a = agent();
    let mut limited = 0;
    let mut retry_after = None;
    for _ in 0..60 {
        let r = a.get(&format!("{base}/api/rules")).header("Authorization", format!("Bearer {v}")).call().unwrap();
        if r.status().as_u16() == 429 {
            limited += 1;
            retry_after = r.headers().get("retry-after").map(|h| h.to_str().unwrap().to_string());
        }
    }
    assert!(limited > 0 && limited < 60, "burst of 20 allowed, the rest limited ({limited} of 60)");
    assert!(retry_after.is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    // Tiles spend a budget of their own: with the API budget gone, the map still pans — 300
    // tile requests at once (a fast pan at 50 tiles/s for six seconds) without one 429.
    let mut tiles_limited = 0;
    for i in 0..300u32 {
        let r = a.get(&format!("{base}/tiles/communes/10/{}/{}.mvt", 830 + i % 20, 450 + i / 20)).header("Authorization", format!("Bearer {v}")).call().unwrap();
        assert!(matches!(r.status().as_u16(), 200 | 204 | 429), "{}", r.status());
        tiles_limited += usize::from(r.status().as_u16() == 429);
    }
    assert_eq!(tiles_limited, 0, "tiles are not limited by the API budget");
    let api_limited = (0..30).filter(|_| a.get(&format!("{base}/api/rules")).header("Authorization", format!("Bearer {v}")).call().unwrap().status().as_u16() == 429).count();
    assert!(api_limited > 0, "while the API budget stays as small as it was");
    // A 2 MB SQL body is refused before it is read in full: the answer comes while the client is
    // still sending, so read it the way a careful client does (a plain client that only reads
    // after writing everything may see the connection close instead).
    std::thread::sleep(Duration::from_secs(5));
    let big = json!({ "sql": format!("SELECT '{}'", "x".repeat(2 << 20)) }).to_string().into_bytes();
    assert_eq!(post_reading_early(base, "/api/sql", &v, big), 413);
}

/// POST `body`, writing on one thread and reading the status line on this one, so an answer sent
/// before the body is fully read (413) is seen.
fn post_reading_early(base: &str, path: &str, token: &str, body: Vec<u8>) -> u16 {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut writer = stream.try_clone().unwrap();
    // The writer may fail once the server has answered and closed: that is the point.
    std::thread::spawn(move || {
        let _ = writer.write_all(head.as_bytes()).and_then(|_| writer.write_all(&body));
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf).expect("an answer");
        assert!(n > 0, "the server closed without answering");
        got.extend_from_slice(&buf[..n]);
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let line = String::from_utf8_lossy(&got).lines().next().unwrap_or_default().to_string();
    line.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("a status line, got {line:?}"))
}

/// A busy client's token is checked once, however many of its requests arrive together: a map
/// panned by a signed-in analyst sends dozens at once, and each argon2id check costs 19 MiB.
#[test]
fn thirty_two_requests_arriving_together_with_a_new_token_check_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let busy = common::add_user(&db, "busy", "analyst", "*");
    let admin = common::add_user(&db, "root", "admin", "*");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = server.base.clone();
    let checks = || -> f64 {
        let (status, _, body) = call("GET", &format!("{base}/metrics"), Some(&admin), None);
        assert_eq!(status, 200);
        String::from_utf8(body).unwrap().lines().find_map(|l| l.strip_prefix("atlas_token_checks_total ")).expect("the checks counter").parse().unwrap()
    };
    let before = checks();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(32));
    let answers: Vec<u16> = std::thread::scope(|s| {
        let hands: Vec<_> = (0..32u32)
            .map(|i| {
                let (b, base, busy) = (barrier.clone(), base.clone(), busy.clone());
                s.spawn(move || {
                    b.wait();
                    call("GET", &format!("{base}/tiles/communes/10/{}/{}.mvt", 830 + i % 8, 450 + i / 8), Some(&busy), None).0
                })
            })
            .collect();
        hands.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|s| matches!(s, 200 | 204)), "every request answered: {answers:?}");
    // The admin's own token was checked before (`before` read it) and is cached since.
    assert_eq!(checks() - before, 1.0, "one check for the 32 requests");
    // A wrong token is refused (and its failed check is not kept for others).
    assert_eq!(call("GET", &format!("{base}/api/rules"), Some("atlas_nobody_0000"), None).0, 401);
}
