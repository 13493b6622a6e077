//! The web client in headless Chromium, driven through WebDriver (chromedriver) against a
//! server started by the test. Installs Debian's chromium and chromium-driver when missing.
//! Screenshots of every view are written to `target/screenshots/` (or $ATLAS_SCREENSHOTS).
//! The driver itself lives in `common/browser.rs`.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::browser::*;
use serde_json::{Value, json};

#[test]
fn the_web_map_renders_recolours_without_refetching_tiles_and_explains_a_commune() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{base}/"));
    assert_eq!(d.eval_async(WAIT_READY), json!(true), "the page loads and the map becomes idle");

    // The map renders commune features; the demo banner shows.
    let rendered = d.eval("const a = window.atlas; return a.map.queryRenderedFeatures({ layers: ['fill:' + a.atlas.active] }).length;");
    assert!(rendered.as_u64().unwrap() > 50, "rendered communes: {rendered}");
    assert_eq!(d.eval("return document.getElementById('demo-banner').hidden;"), json!(false));

    // The legend counts equal the API's counts.
    let year = d.eval("return window.atlas.state.year;").as_i64().unwrap();
    let api: Value = agent().get(&format!("{base}/api/choropleth?year={year}&metric=status")).call().unwrap().body_mut().read_json().unwrap();
    let legend = d.eval("return [...document.querySelectorAll('#legend .legend-item[data-key]')].map(e => [e.dataset.key, e.querySelector('.count').textContent]);");
    for item in legend.as_array().unwrap() {
        let key = item[0].as_str().unwrap();
        let shown: i64 = item[1].as_str().unwrap().replace(['.', ','], "").parse().unwrap();
        let want = api["legend"].as_array().unwrap().iter().find(|c| c["key"] == key).unwrap()["count"].as_i64().unwrap();
        assert_eq!(shown, want, "legend count of {key}");
    }
    d.screenshot("01-status");

    // Changing the year recolours at least one commune and fetches no tile (same boundary version).
    let colours = "const a = window.atlas; return a.map.queryRenderedFeatures({ layers: ['fill:' + a.atlas.active] }).slice(0, 400).map(f => [f.id, (a.map.getFeatureState({source: a.atlas.active, sourceLayer: 'communes', id: f.id}) || {}).color]);";
    let before = d.eval(colours);
    let tiles_before = d.eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/') && e.name.includes('.mvt')).length;");
    let prev_year = year - 1;
    d.eval(&format!("const s = document.getElementById('year'); s.value = {prev_year}; s.dispatchEvent(new Event('input'));"));
    d.eval_async(&format!(
        "const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() {{ const c = window.atlas.lastChoropleth; if (c && c.year === {prev_year}) done(true); else if (Date.now() - t0 > 20000) done(false); else setTimeout(w, 50); }})();"
    ));
    d.eval_async(WAIT_IDLE);
    let after = d.eval(colours);
    let tiles_after = d.eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/') && e.name.includes('.mvt')).length;");
    let changed = before.as_array().unwrap().iter().zip(after.as_array().unwrap()).filter(|(a, b)| a[0] == b[0] && a[1] != b[1]).count();
    assert!(changed > 0, "at least one commune changed colour between {year} and {prev_year}");
    assert_eq!(tiles_before, tiles_after, "changing the year fetched no tile");
    d.screenshot("02-status-previous-year");

    // Clicking a commune opens the panel with its name and criteria.
    let point = d.eval("const a = window.atlas; const c = a.map.getContainer(); const p = [c.clientWidth / 2, c.clientHeight / 2]; const f = a.map.queryRenderedFeatures(p, { layers: ['fill:' + a.atlas.active] })[0]; return f ? [p[0], p[1], f.properties.name, f.id] : null;");
    let (x, y, name) = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap(), point[2].as_str().unwrap().to_string());
    let clicked_id = point[3].as_i64().unwrap();
    // A real pointer click at the canvas centre (WebDriver actions: offsets from the element centre).
    let _ = (x, y);
    let canvas = d.cmd("POST", "/element", json!({ "using": "css selector", "value": "#map canvas" }));
    let element = canvas.as_object().unwrap().values().next().unwrap().clone();
    d.cmd("POST", "/actions", json!({ "actions": [{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": [
        { "type": "pointerMove", "duration": 0, "origin": { "element-6066-11e4-a52e-4f735466cecf": element }, "x": 0, "y": 0 },
        { "type": "pointerDown", "button": 0 }, { "type": "pause", "duration": 50 }, { "type": "pointerUp", "button": 0 } ] }] }));
    d.eval_async("const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() { if (document.querySelector('#panel-name')) done(true); else if (Date.now() - t0 > 20000) done(false); else setTimeout(w, 50); })();");
    assert_eq!(d.eval("return window.atlas.state.unit;").as_i64(), Some(clicked_id), "the clicked commune is selected");
    let panel_name = d.eval("return document.querySelector('#panel-name').textContent;");
    assert_eq!(panel_name.as_str().unwrap(), name);
    let criteria = d.eval("return document.querySelectorAll('#criteria tr').length;").as_u64().unwrap();
    assert!(criteria >= 3, "the panel lists the rule set's criteria ({criteria})");
    d.eval_async(WAIT_IDLE);
    d.screenshot("03-commune-panel");

    // Zoomed in, communes are labelled with their Vietnamese names, drawn from the server's own
    // glyphs (Latin Extended Additional included), each name once, and nothing failed to load.
    d.eval("const a = window.atlas; window.__mapErrors = []; a.map.on('error', (e) => window.__mapErrors.push(String(e.error && e.error.message))); a.map.jumpTo({ center: a.map.getCenter(), zoom: 11.5 });");
    d.eval_async(WAIT_IDLE);
    let placed = d.eval("const a = window.atlas; return a.map.queryRenderedFeatures({ layers: ['label:' + a.atlas.active] }).map(f => [f.id, f.properties.name]);");
    let placed = placed.as_array().unwrap();
    let labels: Vec<&str> = placed.iter().filter_map(|p| p[1].as_str()).collect();
    assert!(labels.len() >= 3, "commune labels drawn at z11.5: {labels:?}");
    assert!(labels.contains(&name.as_str()), "the clicked commune '{name}' is labelled: {labels:?}");
    assert!(labels.iter().any(|l| l.chars().any(|c| ('\u{1E00}'..='\u{1EFF}').contains(&c))), "a name with Vietnamese letters is drawn: {labels:?}");
    let ids: std::collections::HashSet<i64> = placed.iter().filter_map(|p| p[0].as_i64()).collect();
    assert_eq!(ids.len(), placed.len(), "each commune is labelled once, not once per tile: {placed:?}");
    let glyphs = d.eval("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/fonts/'));");
    assert!(glyphs.as_array().unwrap().iter().any(|g| g.as_str().unwrap().contains("7680-7935.pbf")), "{glyphs}");
    assert_eq!(d.eval("return window.__mapErrors;"), json!([]), "no tile or glyph failed");
    d.screenshot("03b-commune-labels");

    // The language toggle switches the labels.
    let vi = d.eval("return document.querySelector('[data-view=status]').textContent;");
    d.eval("document.getElementById('lang').click();");
    let en = d.eval("return document.querySelector('[data-view=status]').textContent;");
    assert_eq!((vi.as_str().unwrap(), en.as_str().unwrap()), ("Trạng thái", "Status"));
    d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 800);");
    d.screenshot("04-english");

    // The other views render; screenshots of each.
    for (view, file) in [("conversion", "05-conversion"), ("indicator", "06-indicator"), ("dashboard", "07-dashboard")] {
        d.eval(&format!("document.querySelector('[data-view={view}]').click();"));
        d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 1500);");
        d.eval_async(WAIT_IDLE);
        if view != "dashboard" {
            let ok = d.eval("return !!window.atlas.lastChoropleth && window.atlas.lastChoropleth.metric !== 'status';");
            assert_eq!(ok, json!(true), "{view} view coloured the map");
        } else {
            let n = d.eval("return document.querySelectorAll('#dashboard section.province').length;").as_u64().unwrap();
            assert!(n >= 1, "the dashboard shows provinces");
            // Each chart runs from the first year with data to 2030, where the target path reaches 50 %.
            let charts = d.eval("return [...document.querySelectorAll('#dashboard section.province [id^=dash-]')].map((c) => [c.dataset.years, c.dataset.target, !!c.querySelector('canvas')]);");
            let charts = charts.as_array().unwrap();
            assert_eq!(charts.len() as u64, n);
            for c in charts {
                assert_eq!(c, &json!(["2019-2030", "50", true]), "a chart to 2030 with the target path drawn");
            }
            // Each province links its report; the link gives a PDF.
            let href = d.eval("return document.querySelector('#dashboard .report-link').getAttribute('href');");
            let href = href.as_str().expect("a report link").to_string();
            let r = agent().get(&format!("{}{href}", server.base)).call().unwrap();
            assert_eq!(r.status().as_u16(), 200, "{href}");
            assert_eq!(r.headers().get("content-type").unwrap().to_str().unwrap(), "application/pdf");
        }
        d.screenshot(file);
    }

    // Search is accent-insensitive; the URL keeps the state.
    let some_name = name.clone();
    let plain = commune_atlas::text::fold(&some_name);
    let found: Value = agent().get(&format!("{base}/api/search?q={}", plain.replace(' ', "%20"))).call().unwrap().body_mut().read_json().unwrap();
    assert!(found["results"].as_array().unwrap().iter().any(|r| r["name"] == some_name.as_str()), "searching '{plain}' finds '{some_name}'");
    let hash = d.eval("return location.hash;");
    assert!(hash.as_str().unwrap().contains("view=dashboard") && hash.as_str().unwrap().contains("lang=en"), "{hash}");
}

/// A plan name with markup in it: the page must show it as text and never run it.
const PLAN_NAME: &str = "Kế hoạch thử <img src=x onerror=\"window.__xss=1\">";

#[test]
fn two_communes_selected_on_the_map_stay_in_the_plan_after_a_reload() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let plan: Value = agent()
        .post(&format!("{base}/api/plans"))
        .header("x-atlas-user", "browser-test")
        .send_json(json!({ "name": PLAN_NAME, "province_code": "99", "target_year": 2026, "quota": 5 }))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let id = plan["plan_id"].as_i64().unwrap();
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{base}/#view=plans&year=2025&province=99&plan={id}"));
    assert_eq!(d.eval_async(WAIT_READY), json!(true));
    let loaded = d.eval_async("const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() { if (window.atlas.plans && window.atlas.plans.plan && document.querySelector('#cand-table')) done(true); else if (Date.now() - t0 > 30000) done(false); else setTimeout(w, 100); })();");
    assert_eq!(loaded, json!(true), "the plan from the URL and the candidates table load");
    // Two clicks on province 99's communes (the candidate table's first rows are in view).
    let targets = d.eval("const a = window.atlas; const out = []; const seen = new Set(); \
        const fs = a.map.queryRenderedFeatures({ layers: ['fill:' + a.atlas.active] }).filter(f => f.properties.province === '99'); \
        const c = a.map.getContainer(); \
        for (const f of fs) { if (seen.has(f.id)) continue; const p = a.map.project(f.geometry.type === 'Polygon' ? f.geometry.coordinates[0][0] : f.geometry.coordinates[0][0][0]); \
          const q = a.map.queryRenderedFeatures([p.x + 0, p.y + 0], { layers: ['fill:' + a.atlas.active] }); } \
        const pts = []; for (let y = 100; y < c.clientHeight - 100 && pts.length < 2; y += 37) for (let x = 100; x < c.clientWidth - 100 && pts.length < 2; x += 41) { \
          const f = a.map.queryRenderedFeatures([x, y], { layers: ['fill:' + a.atlas.active] })[0]; \
          if (f && f.properties.province === '99' && !seen.has(f.id)) { seen.add(f.id); pts.push([x - c.clientWidth / 2, y - c.clientHeight / 2, f.id]); } } \
        return pts;");
    let pts = targets.as_array().unwrap();
    assert_eq!(pts.len(), 2, "two communes of province 99 in view");
    for (i, p) in pts.iter().enumerate() {
        click_map(&d, p[0].as_f64().unwrap().round() as i64, p[1].as_f64().unwrap().round() as i64);
        let added = wait_for(&d, &format!("window.atlas.plans.plan.communes.length === {}", i + 1));
        assert_eq!(added, json!(true), "click {} adds commune {}: {added} (state {})", i + 1, p[2], d.eval("return JSON.stringify({ v: window.atlas.plans.plan.version, n: window.atlas.plans.plan.communes.map(c => c.unit_id), unit: window.atlas.state.unit, view: window.atlas.state.view });"));
    }
    let stored: Value = agent().get(&format!("{base}/api/plans/{id}")).call().unwrap().body_mut().read_json().unwrap();
    let ids: Vec<i64> = stored["communes"].as_array().unwrap().iter().map(|c| c["unit_id"].as_i64().unwrap()).collect();
    let mut want: Vec<i64> = pts.iter().map(|p| p[2].as_i64().unwrap()).collect();
    want.sort_unstable();
    let mut got = ids.clone();
    got.sort_unstable();
    assert_eq!(got, want, "the plan holds the two clicked communes");
    d.screenshot("08-plan");
    // Reload: the plan is still there, with both communes.
    d.cmd("POST", "/refresh", json!({}));
    assert_eq!(d.eval_async(WAIT_READY), json!(true));
    d.eval_async("const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() { if (document.querySelectorAll('#plan-communes tr').length >= 2) done(true); else if (Date.now() - t0 > 30000) done(false); else setTimeout(w, 100); })();");
    let rows = d.eval("return document.querySelectorAll('#plan-communes tr').length;").as_u64().unwrap();
    assert_eq!(rows, 2, "after a reload the plan shows its two communes");
    // Its name is text: shown as typed, in the heading and the plan list, and never run.
    let shown = d.eval("return [window.__xss ?? null, document.querySelector('#plan-name').textContent, [...document.querySelectorAll('#plan-select option')].some((o) => o.textContent.startsWith(document.querySelector('#plan-name').textContent)), document.querySelectorAll('#plan-box img').length];");
    assert_eq!(shown, json!([null, PLAN_NAME, true, 0]), "the plan name is escaped everywhere");
    d.screenshot("09-plan-after-reload");
    // "Print plan" hands over the plan sheet as a PDF in the page's language.
    let fetched = d.eval_async(
        "const done = arguments[arguments.length - 1]; const a = document.querySelector('#plan-print'); \
         fetch(a.href).then(async (r) => done([a.getAttribute('href'), r.status, r.headers.get('content-type'), new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))])).catch((e) => done(String(e)));",
    );
    assert_eq!(fetched, json!([format!("/api/plans/{id}/plan.pdf?lang=vi"), 200, "application/pdf", "%PDF-"]));
}

#[test]
fn the_sql_console_runs_a_query_shows_rows_and_puts_them_on_the_map() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{}/#view=sql&year=2025", server.base));
    assert_eq!(d.eval_async(WAIT_READY), json!(true));
    let ready = d.eval_async("const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() { if (document.querySelector('#sql-text')) done(true); else if (Date.now() - t0 > 20000) done(false); else setTimeout(w, 100); })();");
    assert_eq!(ready, json!(true));
    // Type a query (as a user would: set the text, then Ctrl+Enter in the editor).
    d.eval("const ta = document.querySelector('#sql-text'); ta.value = \"SELECT unit_id, unit_code, unit_name, status FROM classification WHERE year = 2025 AND status = 'type_ii' ORDER BY unit_code\"; ta.dispatchEvent(new Event('input')); ta.focus();");
    let ta = d.cmd("POST", "/element", json!({ "using": "css selector", "value": "#sql-text" }));
    let el = ta.as_object().unwrap().values().next().unwrap().clone();
    d.cmd("POST", "/actions", json!({ "actions": [{ "type": "key", "id": "kb", "actions": [
        { "type": "keyDown", "value": "\u{E009}" }, { "type": "keyDown", "value": "\u{E007}" }, { "type": "keyUp", "value": "\u{E007}" }, { "type": "keyUp", "value": "\u{E009}" } ] }] }));
    let _ = el;
    let rows = d.eval_async("const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() { const n = document.querySelectorAll('#sql-table tr').length; if (n > 1) done(n - 1); else if (Date.now() - t0 > 20000) done(0); else setTimeout(w, 100); })();");
    let n = rows.as_u64().unwrap();
    let api: Value = agent().get(&format!("{}/api/status?year=2025", server.base)).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(n as i64, api["counts"]["type_ii"].as_i64().unwrap(), "the grid shows every type II row");
    // Show on map: the type II communes are coloured through feature-state.
    d.eval("document.querySelector('#sql-map').click();");
    d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 1000);");
    let shown = d.eval("return window.atlas.sql.shown;").as_u64().unwrap();
    assert_eq!(shown, n);
    let coloured = d.eval("const a = window.atlas; return a.map.queryRenderedFeatures({ layers: ['fill:' + a.atlas.active] }).filter(f => (a.map.getFeatureState({source: a.atlas.active, sourceLayer: 'communes', id: f.id}) || {}).color === '#e6550d').length;");
    assert!(coloured.as_u64().unwrap() > 0, "result communes are coloured on the map");
    d.eval_async(WAIT_IDLE);
    d.screenshot("10-sql-console");
}

#[test]
fn a_province_viewer_signs_in_with_their_token_and_sees_only_their_province() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let token = common::add_user(&db, "xem-98", "viewer", "98");
    let server = common::serve_with(&db, &["--require-login"]);
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{}/#view=status&year=2025&lang=en", server.base));
    let poll = |cond: &str| {
        d.eval_async(&format!(
            "const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() {{ if ({cond}) done(true); else if (Date.now() - t0 > 30000) done(false); else setTimeout(w, 100); }})();"
        ))
    };
    // Not signed in: the sign-in form, no map data.
    assert_eq!(poll("document.querySelector('#login') && !document.querySelector('#login').hidden"), json!(true));
    assert_eq!(d.eval("return document.querySelectorAll('.legend-item').length;"), json!(0));
    d.screenshot("sign-in");
    // A wrong token is refused on the form.
    d.eval("document.querySelector('#login-token').value = 'cat_wrong'; document.querySelector('#login-submit').click();");
    assert_eq!(poll("document.querySelector('#login-error').textContent.length > 0"), json!(true));
    // The right one signs in; the page reloads with the user's view.
    d.eval(&format!("document.querySelector('#login-token').value = '{token}'; document.querySelector('#login-submit').click();"));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(poll("document.querySelector('#user-name') && window.atlas && window.atlas.map"), json!(true));
    assert_eq!(d.eval_async(WAIT_READY), json!(true));
    assert_eq!(d.eval("return document.querySelector('#user-name').textContent;"), json!("xem-98"));
    assert_eq!(d.eval("return document.cookie.includes('atlas_session');"), json!(false), "the session cookie is HttpOnly");
    // A viewer is not offered plans or SQL.
    assert_eq!(d.eval("return document.querySelector('.views button[data-view=\"sql\"]').hidden && document.querySelector('.views button[data-view=\"plans\"]').hidden;"), json!(true));
    // The legend counts the province's communes only, as the API does for this user.
    let api: Value = agent()
        .get(&format!("{}/api/status?year=2025", server.base))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let scoped = api["units"].as_object().unwrap().len();
    assert!(scoped > 0 && scoped < 210, "{scoped} of the demo's 210 communes");
    assert_eq!(poll("document.querySelector('#legend-total')"), json!(true));
    let shown = d.eval("return document.querySelector('#legend-total').textContent.replace(/\\D/g, '');");
    assert_eq!(shown, json!(scoped.to_string()));
    // The rendered features are all of province 98.
    let provinces = d.eval("const a = window.atlas; return [...new Set(a.map.queryRenderedFeatures({ layers: ['fill:' + a.atlas.active] }).map(f => f.properties.province))];");
    assert_eq!(provinces, json!(["98"]));
    d.screenshot("signed-in-viewer");
}

#[test]
fn a_steering_committee_reads_why_a_commune_is_type_iii_and_which_provinces_are_key_areas() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let status: Value = agent().get(&format!("{base}/api/status?year=2026")).call().unwrap().body_mut().read_json().unwrap();
    let counts = status["counts"].as_object().unwrap();
    for st in ["drug_free", "drug_free_candidate", "type_iii", "type_ii", "type_i"] {
        assert!(counts[st].as_i64().unwrap() > 0, "the demo's 2026 holds {st} communes: {counts:?}");
    }
    let type_iii: i64 = status["units"].as_object().unwrap().iter().find(|(_, v)| *v == "type_iii").unwrap().0.parse().unwrap();
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    let poll = |cond: &str| {
        d.eval_async(&format!(
            "const done = arguments[arguments.length - 1]; const t0 = Date.now(); (function w() {{ if ({cond}) done(true); else if (Date.now() - t0 > 30000) done(false); else setTimeout(w, 100); }})();"
        ))
    };

    // The status legend: every status of the new vocabulary with the API's count for this year.
    d.goto(&format!("{base}/#view=status&year=2026&unit={type_iii}"));
    assert_eq!(d.eval_async(WAIT_READY), json!(true));
    assert_eq!(poll("window.atlas.lastChoropleth && window.atlas.lastChoropleth.year === 2026 && document.querySelector('#legend-total')"), json!(true));
    let legend = d.eval("return Object.fromEntries([...document.querySelectorAll('#legend .legend-item[data-key]')].map(e => [e.dataset.key, Number(e.querySelector('.count').textContent.replace(/\\D/g, ''))]));");
    for (st, n) in counts {
        let shown = legend.get(st).and_then(Value::as_i64).unwrap_or(0);
        assert_eq!(shown, n.as_i64().unwrap(), "legend count of {st}: {legend}");
    }

    // The commune from the URL is type III, and its panel names the reading that made it so.
    assert_eq!(poll("document.querySelector('#panel-name') && document.querySelector('.badge[data-status]')"), json!(true));
    assert_eq!(d.eval("return document.querySelector('.badge[data-status]').dataset.status;"), json!("type_iii"));
    let ev: Value = agent().get(&format!("{base}/api/units/{type_iii}/evaluation?year=2026")).call().unwrap().body_mut().read_json().unwrap();
    let reading = ev["readings"].as_array().unwrap().iter().find(|r| r["name"] == "type_iii_requires_activity").unwrap();
    assert_eq!(reading["enabled"], json!(true));
    let named = d.eval("const p = document.querySelector('.reading-decided[data-reading=type_iii_requires_activity]'); return p ? p.textContent : null;");
    let label_vi = reading["label_vi"].as_str().unwrap();
    assert!(named.as_str().is_some_and(|t| t.contains(label_vi)), "the panel names the reading '{label_vi}': {named}");
    assert!(label_vi.contains("loại III"), "{label_vi}");
    // Its period is written as the assessment period, and the Art. 6 table is there.
    assert_eq!(d.eval("return document.querySelector('#panel-period').textContent;"), ev["period"]["label_vi"]);
    assert_eq!(d.eval("return document.querySelectorAll('#drug-free tr').length;"), json!(3), "Art. 6.1–6.3");
    d.screenshot("11-type-iii-reading");

    // The province view: provinces coloured by Art. 5, the legend counting the API's provinces.
    d.eval("document.querySelector('[data-view=provinces]').click();");
    assert_eq!(poll("window.atlas.lastProvinces && document.querySelector('#legend .legend-item[data-key=true]')"), json!(true));
    d.eval_async(WAIT_IDLE);
    let pc: Value = agent().get(&format!("{base}/api/provinces/classification?year=2026")).call().unwrap().body_mut().read_json().unwrap();
    let provinces = pc["provinces"].as_array().unwrap();
    assert!(provinces.iter().any(|p| p["key_area"] == "true"), "the demo has a key-area province in 2026: {pc}");
    let shown = d.eval("return Object.fromEntries([...document.querySelectorAll('#legend .legend-item[data-key]')].map(e => [e.dataset.key, Number(e.querySelector('.count').textContent.replace(/\\D/g, ''))]));");
    for k in ["true", "false", "unknown"] {
        let want = provinces.iter().filter(|p| p["key_area"] == k).count() as i64;
        assert_eq!(shown[k].as_i64(), Some(want), "province legend {k}: {shown}");
    }
    // Rendered communes carry their province's colour (set through feature-state: low-zoom tiles
    // carry only unit ids).
    let painted = d.eval("const a = window.atlas; \
        return [...new Set(a.map.queryRenderedFeatures({ layers: ['fill:' + a.atlas.active] }).map(f => f.properties.province + '=' + (a.map.getFeatureState({ source: a.atlas.active, sourceLayer: 'communes', id: f.id }) || {}).color))];");
    let painted: Vec<&str> = painted.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(!painted.is_empty());
    for entry in &painted {
        let (code, colour) = entry.split_once('=').unwrap();
        let p = provinces.iter().find(|p| p["province_code"] == code).unwrap();
        let want = match p["key_area"].as_str().unwrap() { "true" => "#b2182b", "false" => "#92c5de", _ => "#8073ac" };
        assert_eq!(colour, want, "province {code} ({}) painted", p["key_area"]);
    }
    // A click on the map opens the province under the pointer, with Art. 5's six criteria.
    let under = d.eval("const a = window.atlas; const c = a.map.getContainer(); const f = a.map.queryRenderedFeatures([c.clientWidth / 2, c.clientHeight / 2], { layers: ['fill:' + a.atlas.active] })[0]; return f ? f.properties.province : null;");
    let code = under.as_str().expect("a commune at the centre").to_string();
    click_map(&d, 0, 0);
    assert_eq!(poll("document.querySelector('#province-criteria')"), json!(true));
    let want = provinces.iter().find(|p| p["province_code"] == code.as_str()).unwrap();
    assert_eq!(d.eval("return document.querySelector('#panel-name').textContent;"), want["province_name"]);
    assert_eq!(d.eval("return document.querySelectorAll('#province-criteria tr').length;"), json!(6));
    assert_eq!(d.eval("return document.querySelector('.badge[data-key-area]').dataset.keyArea;"), want["key_area"]);
    let ids = d.eval("return [...document.querySelectorAll('#province-criteria tr td:first-child')].map(td => td.textContent);");
    let want_ids: Vec<Value> = want["criteria"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect();
    assert_eq!(ids, Value::Array(want_ids));
    d.screenshot("12-province-view");
}

#[test]
fn an_admin_imports_a_workbook_with_a_mapping_step_and_the_map_shows_the_new_figures_without_a_restart() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{base}/#view=import"));
    assert_eq!(d.eval_async(WAIT_READY), json!(true));

    // A commune of the latest year that is not a key area of type I (nor recognised drug-free).
    let year = d.eval("return window.atlas.state.year;").as_i64().unwrap();
    let ch: Value = agent().get(&format!("{base}/api/choropleth?year={year}&metric=status")).call().unwrap().body_mut().read_json().unwrap();
    let (id, before) = ch["units"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, k)| ["type_iii", "non_key", "no_activity", "drug_free_candidate"].contains(&k.as_str().unwrap_or("")))
        .map(|(id, k)| (id.clone(), k.as_str().unwrap().to_string()))
        .expect("a commune to change");
    let unit: Value = agent().get(&format!("{base}/api/search?id={id}")).call().unwrap().body_mut().read_json().unwrap();
    let code = unit["results"][0]["code"].as_str().unwrap().to_string();

    // The province's workbook: a title row, Vietnamese headers — one the atlas does not know.
    let path = dir.path().join("bao_cao.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Biểu 01").unwrap();
    sheet.write_string(0, 0, "BÁO CÁO KẾT QUẢ CÔNG TÁC PHÒNG, CHỐNG MA TÚY").unwrap();
    let headers = ["Mã xã", "Năm", "Dân số", "Số người nghiện (tổng)", "Người sử dụng trái phép chất ma túy có hồ sơ quản lý",
        "Điểm tổ chức, chứa chấp sử dụng trái phép chất ma túy", "Người phạm tội về ma túy bị bắt", "Số cây có chứa chất ma túy bị phát hiện, triệt phá",
        "Diện tích trồng cây có chứa chất ma túy (m²)", "Số vụ trồng cây có chứa chất ma túy", "Tuyến trọng điểm"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_string(2, 0, &code).unwrap();
    for (c, v) in [(1, year as f64), (2, 1000.0), (3, 900.0), (4, 50.0), (5, 40.0), (6, 300.0), (7, 9000.0), (8, 4000.0), (9, 5.0)] {
        sheet.write_number(2, c, v).unwrap();
    }
    sheet.write_string(2, 10, "Liên tỉnh").unwrap();
    book.save(&path).unwrap();

    // Choose the file as a person does (the file input), and see how it will be read.
    let input = d.cmd("POST", "/element", json!({ "using": "css selector", "value": "#imp-file" }));
    let element = input.as_object().unwrap().values().next().unwrap().as_str().unwrap().to_string();
    d.cmd("POST", &format!("/element/{element}/value"), json!({ "text": path.to_str().unwrap() }));
    assert_eq!(wait_for(&d, "document.querySelector('#import tr.imp-unknown') !== null"), json!(true), "the unknown header is shown");
    let unknown = d.eval("return document.querySelector('#import tr.imp-unknown td').textContent;");
    assert_eq!(unknown, json!("Số người nghiện (tổng)"));
    assert_eq!(d.eval("return document.querySelector('#imp-check').disabled;"), json!(true), "cannot check with an unknown column");
    d.screenshot("import-1-unknown-column");

    // Map it, then check everything (nothing written), then import.
    d.eval("const s = document.querySelector('#import tr.imp-unknown select'); s.value = 'addicts_with_records'; s.dispatchEvent(new Event('change'));");
    assert_eq!(wait_for(&d, "document.querySelector('#import tr.imp-unknown') === null && !document.querySelector('#imp-check').disabled"), json!(true));
    let first = d.eval("return [...document.querySelectorAll('#imp-mapping .sql-grid td')].map(e => e.textContent);");
    assert!(first.as_array().unwrap().iter().any(|v| v == "900"), "the first row as it will be stored: {first}");
    d.eval("document.querySelector('#imp-replace').click(); document.querySelector('#imp-check').click();");
    assert_eq!(wait_for(&d, "!document.querySelector('#imp-commit').disabled"), json!(true), "{}", d.eval("return document.querySelector('#imp-msg').textContent;"));
    let still: Value = agent().get(&format!("{base}/api/choropleth?year={year}&metric=status")).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(still["units"][&id], json!(before), "a check writes nothing");
    d.screenshot("import-2-checked");
    d.eval("document.querySelector('#imp-commit').click();");
    assert_eq!(wait_for(&d, "window.atlas.imports === 1"), json!(true), "{}", d.eval("return document.querySelector('#imp-msg').textContent;"));
    let msg = d.eval("return document.querySelector('#imp-msg').textContent;");
    assert!(msg.as_str().unwrap().contains("Đã nhập 1 dòng"), "{msg}");

    // The map shows the new figures' status, from the same server, without a restart.
    let shown = d.eval(&format!("return window.atlas.lastChoropleth.units['{id}'];"));
    assert_eq!(shown, json!("type_i"), "the imported commune is now type I on the map (was {before})");
    let colour = d.eval(&format!(
        "const a = window.atlas; return [(a.map.getFeatureState({{ source: a.atlas.active, sourceLayer: 'communes', id: {id} }}) || {{}}).color, a.lastChoropleth.legend.find(c => c.key === 'type_i').color];"
    ));
    assert_eq!(colour[0], colour[1], "painted in the type I colour");
    d.screenshot("import-3-imported");
}

#[test]
fn the_whole_review_loop_an_officer_on_a_phone_and_a_reviewer_at_a_desk_until_the_map_shows_the_accepted_figures() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let (unit, code) = {
        let store = commune_atlas::store::Store::open(&db).unwrap();
        let conn = store.connect().unwrap();
        conn.query_row(
            "SELECT unit_id, code FROM admin_unit WHERE level = 'commune' AND province_code = '98' AND boundary_version_id = (SELECT max(id) FROM boundary_version) ORDER BY code LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .unwrap()
    };
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let officer = common::add_user(&db, "officer-1", "officer", &code);
    let reviewer = common::add_user(&db, "reviewer-98", "reviewer", "98");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = server.base.clone();
    let post = |path: &str, token: &str, body: Value| -> (u16, Value) {
        let mut r = agent().post(&format!("{base}{path}")).header("Authorization", &format!("Bearer {token}")).send_json(body).unwrap();
        let st = r.status().as_u16();
        (st, r.body_mut().read_json().unwrap_or(Value::Null))
    };
    let (st, body) = post("/api/review/periods", &admin, json!({ "year": 2026, "province_code": "98" }));
    assert_eq!(st, 200, "{body}");

    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.cmd("POST", "/window/rect", json!({ "width": 390, "height": 844 }));
    d.goto(&format!("{base}/"));
    sign_in(&d, &officer);
    assert_eq!(wait_for(&d, "document.querySelector('#rf-form') !== null && document.querySelector('#rf-type') !== null"), json!(true), "the officer's form, with its live result");
    assert_eq!(d.eval("return document.querySelector('main').hidden;"), json!(true), "no map for an officer");
    // Nor its library: the officer's page (signed in) neither preloads nor imports MapLibre.
    let fetched = d.eval("return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);");
    let fetched: Vec<&str> = fetched.as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(fetched.iter().any(|p| p.ends_with("/js/form.js")), "{fetched:?}");
    assert!(!fetched.iter().any(|p| p.ends_with(".mjs") || p.ends_with("/js/map.js") || *p == "/tiles"), "a phone downloads no map for the form: {fetched:?}");
    d.screenshot("review-1-phone-form");

    let type_now = "return document.querySelector('#rf-type').dataset.type;";
    let set = |key: &str, v: &str| {
        d.eval(&format!("const i = document.getElementById('rf-{key}'); i.value = '{v}'; i.dispatchEvent(new Event('input', {{ bubbles: true }}));"));
    };
    for (k, v) in [("resident_population", "10000"), ("addicts_with_records", "4"), ("illegal_users_with_records", "2"), ("drug_use_locations", "0"),
        ("drug_offenders_arrested", "1"), ("plants_destroyed_count", "0"), ("plants_destroyed_area_m2", "0"), ("residents_using_not_exempt", "1"),
        ("residents_violating_drug_law", "0"), ("wanted_drug_fugitives_hiding", "0")] {
        set(k, v);
    }
    d.eval("const s = document.getElementById('rf-self-type'); s.value = 'III'; s.dispatchEvent(new Event('change'));");
    // An invalid value shows its message beside the field and blocks the submission.
    set("addicts_in_community", "9");
    assert_eq!(wait_for(&d, "document.getElementById('rf-addicts_in_community-msg').textContent.length > 0"), json!(true));
    let msg = d.eval("return document.getElementById('rf-addicts_in_community-msg').textContent;");
    assert!(msg.as_str().unwrap().contains("Vượt quá"), "{msg}");
    assert_eq!(d.eval("return document.getElementById('rf-submit').disabled;"), json!(true));
    d.screenshot("review-2-invalid");
    set("addicts_in_community", "2");
    assert_eq!(wait_for(&d, "!document.getElementById('rf-submit').disabled"), json!(true));

    // The live type changes as figures cross the thresholds: a type III commune (little activity),
    // then the rate of people with records, locations and arrests above type I's (Art. 4.1 a–c).
    let settle = "const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 1200);";
    d.eval_async(settle);
    let before = d.eval(type_now);
    set("addicts_with_records", "60");
    set("illegal_users_with_records", "10");
    set("drug_use_locations", "12");
    set("drug_offenders_arrested", "80");
    d.eval_async(settle);
    let after = d.eval(type_now);
    assert_ne!(before, after, "the live type moves");
    assert_ne!(after, json!("undetermined"), "with every input typed (the route on record) the type is decided");
    d.screenshot("review-3-live-type");

    // The draft survives a reload (autosaved, and kept in this browser meanwhile).
    d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 2000);");
    d.goto(&format!("{base}/"));
    assert_eq!(wait_for(&d, "document.getElementById('rf-drug_use_locations') !== null && document.getElementById('rf-drug_use_locations').value === '12'"), json!(true), "the draft came back");
    d.eval("document.getElementById('rf-submit').click();");
    assert_eq!(wait_for(&d, "document.getElementById('rf-state').className.includes('rf-submitted')"), json!(true), "{}", d.eval("return document.getElementById('rf-msg').textContent;"));
    d.screenshot("review-4-submitted");

    // The reviewer, on a desktop, signs in: the header says one submission waits; the review
    // page lists it; they return it with a comment.
    let r = Driver::start();
    r.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    r.goto(&format!("{base}/#view=review"));
    sign_in(&r, &reviewer);
    assert_eq!(wait_for(&r, "window.atlas && window.atlas.map !== undefined && window.atlas.review !== undefined"), json!(true), "signed in, the page reloads");
    assert_eq!(r.eval_async(WAIT_READY), json!(true));
    assert_eq!(wait_for(&r, "!document.getElementById('inbox').hidden && document.getElementById('inbox').dataset.waiting === '1'"), json!(true), "the header: one submission waits for the reviewer");
    assert_eq!(wait_for(&r, &format!("document.querySelector('[data-open=\"{unit}\"]') !== null")), json!(true), "the submission is in the queue");
    r.eval(&format!("document.querySelector('[data-open=\"{unit}\"]').click();"));
    assert_eq!(wait_for(&r, "document.getElementById('rv-return') !== null"), json!(true));
    r.eval("document.getElementById('rv-comment').value = 'Số vụ bắt giữ chưa khớp sổ theo dõi'; document.getElementById('rv-return').click();");
    assert_eq!(wait_for(&r, &format!("window.atlas.review.queue.find(c => c.unit_id === {unit}).state === 'returned'")), json!(true), "{}", r.eval("return document.getElementById('rv-msg').textContent;"));
    assert_eq!(wait_for(&r, "document.getElementById('inbox').hidden"), json!(true), "nothing waits for the reviewer any more");
    r.screenshot("review-5a-reviewer-returned");

    // The officer sees it returned (in the header and with the comment), corrects and resubmits.
    d.goto(&format!("{base}/"));
    assert_eq!(wait_for(&d, "document.getElementById('rf-comment') !== null"), json!(true));
    assert!(d.eval("return document.getElementById('rf-comment').textContent;").as_str().unwrap().contains("chưa khớp sổ theo dõi"));
    assert_eq!(wait_for(&d, "!document.getElementById('inbox').hidden && document.getElementById('inbox').dataset.returned === '1'"), json!(true), "the header: one submission returned to the officer");
    d.screenshot("review-5-returned");
    set("drug_offenders_arrested", "70");
    d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 600);");
    d.eval("document.getElementById('rf-submit').click();");
    assert_eq!(wait_for(&d, "document.getElementById('rf-state').className.includes('rf-submitted')"), json!(true), "{}", d.eval("return document.getElementById('rf-msg').textContent;"));
    assert_eq!(wait_for(&d, "document.getElementById('inbox').hidden"), json!(true), "nothing returned any more");

    // The reviewer accepts on the page; the dashboard's review progress counts it; the status map
    // shows the status of the accepted figures.
    r.eval("window.atlas.review.render();");
    assert_eq!(wait_for(&r, &format!("window.atlas.review.queue.find(c => c.unit_id === {unit}).state === 'submitted' && document.getElementById('rv-accept') !== null")), json!(true));
    r.eval("document.getElementById('rv-accept').click();");
    assert_eq!(wait_for(&r, &format!("window.atlas.review.queue.find(c => c.unit_id === {unit}).state === 'accepted'")), json!(true), "{}", r.eval("return document.getElementById('rv-msg').textContent;"));
    r.screenshot("review-6a-reviewer-accepted");
    r.eval("document.querySelector('.views button[data-view=\"dashboard\"]').click();");
    assert_eq!(wait_for(&r, "document.querySelector('.rv-progress tr[data-province=\"98\"] td[data-col=\"accepted\"]') !== null"), json!(true), "the review's progress on the dashboard");
    assert_eq!(r.eval("return document.querySelector('.rv-progress tr[data-province=\"98\"] td[data-col=\"accepted\"]').textContent;"), json!("1"));
    let days = r.eval("return Number(document.querySelector('.rv-progress [data-days]').dataset.days);").as_i64().unwrap();
    assert_eq!(days, (chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap() - chrono::Utc::now().date_naive()).num_days(), "days to the communes' deadline");
    r.screenshot("review-6b-dashboard-progress");
    r.eval("document.querySelector('.views button[data-view=\"status\"]').click();");
    assert_eq!(wait_for(&r, &format!("window.atlas.lastChoropleth && window.atlas.lastChoropleth.metric === 'status' && window.atlas.lastChoropleth.year === 2026 && window.atlas.lastChoropleth.units['{unit}'] !== undefined")), json!(true));
    let want = match after.as_str().unwrap() { "I" => "type_i", "II" => "type_ii", "III" => "type_iii", other => panic!("a key type, not {other}") };
    let shown = r.eval(&format!(
        "const a = window.atlas, ch = a.lastChoropleth, key = ch.units['{unit}'];
         return [key, (a.map.getFeatureState({{ source: a.atlas.active, sourceLayer: 'communes', id: {unit} }}) || {{}}).color, ch.legend.find(l => l.key === key).color];"
    ));
    assert_eq!(shown[0], json!(want), "the status map shows the accepted figures' type");
    assert_eq!(shown[1], shown[2], "painted in that status's colour");
    r.screenshot("review-6c-status-map");
    let ev: Value = agent().get(&format!("{base}/api/units/{unit}/evaluation?year=2026")).header("Authorization", &format!("Bearer {admin}")).call().unwrap().body_mut().read_json().unwrap();
    assert!(ev.to_string().contains("\"drug_offenders_arrested\":70"), "the accepted figures equal what was typed: {ev}");
    d.goto(&format!("{base}/"));
    assert_eq!(wait_for(&d, "document.getElementById('rf-state') !== null && document.getElementById('rf-state').className.includes('rf-accepted')"), json!(true));
    d.screenshot("review-6-accepted");
}

#[test]
fn a_province_reviewer_returns_and_accepts_on_the_review_page_and_the_map_shows_the_review_state() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let (unit, code) = {
        let store = commune_atlas::store::Store::open(&db).unwrap();
        let conn = store.connect().unwrap();
        conn.query_row(
            "SELECT unit_id, code FROM admin_unit WHERE level = 'commune' AND province_code = '98' AND boundary_version_id = (SELECT max(id) FROM boundary_version) ORDER BY code LIMIT 1 OFFSET 3",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .unwrap()
    };
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let officer = common::add_user(&db, "officer-4", "officer", &code);
    let reviewer = common::add_user(&db, "reviewer-98", "reviewer", "98");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = server.base.clone();
    let call = |method: &str, path: &str, token: &str, body: Value| -> (u16, Value) {
        let url = format!("{base}{path}");
        let auth = format!("Bearer {token}");
        let mut r = match method {
            "PUT" => agent().put(&url).header("Authorization", &auth).send_json(body),
            _ => agent().post(&url).header("Authorization", &auth).send_json(body),
        }
        .unwrap();
        let st = r.status().as_u16();
        (st, r.body_mut().read_json().unwrap_or(Value::Null))
    };
    assert_eq!(call("POST", "/api/review/periods", &admin, json!({ "year": 2026, "province_code": "98" })).0, 200);
    let figures = json!({ "resident_population": 9000, "addicts_with_records": 3, "illegal_users_with_records": 1, "drug_use_locations": 0,
        "drug_offenders_arrested": 0, "plants_destroyed_count": 0, "plants_destroyed_area_m2": 0, "key_route_scope": "none",
        "residents_using_not_exempt": 0, "residents_violating_drug_law": 0, "wanted_drug_fugitives_hiding": 0 });
    // The officer claims type III although the figures say otherwise: a disagreement, listed first.
    let (st, body) = call("PUT", &format!("/api/review/periods/1/communes/{unit}"), &officer, json!({ "version": 0, "figures": figures, "self_key_type": "I", "justification": "Theo sổ theo dõi" }));
    assert_eq!(st, 200, "{body}");
    let id = body["submission"]["id"].as_i64().unwrap();
    assert_eq!(call("POST", &format!("/api/review/submissions/{id}/submit"), &officer, json!({ "version": 1 })).0, 200);

    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{base}/#view=review"));
    sign_in(&d, &reviewer);
    assert_eq!(wait_for(&d, "window.atlas && window.atlas.map !== undefined && window.atlas.review !== undefined"), json!(true), "signed in, the page reloads");
    assert_eq!(d.eval_async(WAIT_READY), json!(true));
    assert_eq!(wait_for(&d, "document.querySelector('#review .rv-queue tbody tr') !== null"), json!(true), "the queue");
    let first = d.eval("const r = document.querySelector('#review .rv-queue tbody tr'); return [Number(r.dataset.unit), r.className];");
    assert_eq!(first[0], json!(unit), "the submitted commune comes first");
    assert_eq!(first[1], json!("rv-disagree"), "its self-assessment disagrees with its figures");
    // The map is coloured by review state: the submitted commune in the submitted colour.
    let colour = d.eval(&format!("const a = window.atlas; return (a.map.getFeatureState({{ source: a.atlas.active, sourceLayer: 'communes', id: {unit} }}) || {{}}).color;"));
    assert_eq!(colour, json!("#fd8d3c"));
    d.eval(&format!("document.querySelector('[data-open=\"{unit}\"]').click();"));
    assert_eq!(wait_for(&d, "document.querySelector('#rv-detail .rv-side') !== null"), json!(true), "the submission beside last year's figures");
    d.screenshot("review-7-queue-and-detail");

    // Returning needs a comment; with one, the commune is returned.
    d.eval("document.getElementById('rv-return').click();");
    assert!(d.eval("return document.getElementById('rv-msg').textContent;").as_str().unwrap().contains("Ghi rõ"));
    d.eval("document.getElementById('rv-comment').value = 'Xã tự xác định loại I không khớp số liệu'; document.getElementById('rv-return').click();");
    assert_eq!(wait_for(&d, &format!("window.atlas.review.queue.find(c => c.unit_id === {unit}).state === 'returned'")), json!(true));

    // The officer corrects the self-assessment and resubmits; the reviewer accepts on the page.
    let (st, body) = call("PUT", &format!("/api/review/periods/1/communes/{unit}"), &officer, json!({ "version": 3, "figures": figures, "self_key_type": "III", "justification": "Đã sửa" }));
    assert_eq!(st, 200, "{body}");
    assert_eq!(call("POST", &format!("/api/review/submissions/{id}/submit"), &officer, json!({ "version": 4 })).0, 200);
    d.eval("window.atlas.review.render();");
    assert_eq!(wait_for(&d, &format!("window.atlas.review.queue.find(c => c.unit_id === {unit}).state === 'submitted' && document.getElementById('rv-accept') !== null")), json!(true));
    d.eval("document.getElementById('rv-accept').click();");
    assert_eq!(wait_for(&d, &format!("window.atlas.review.queue.find(c => c.unit_id === {unit}).state === 'accepted'")), json!(true), "{}", d.eval("return document.getElementById('rv-msg').textContent;"));
    let colour = d.eval(&format!("const a = window.atlas; return (a.map.getFeatureState({{ source: a.atlas.active, sourceLayer: 'communes', id: {unit} }}) || {{}}).color;"));
    assert_eq!(colour, json!("#74c476"), "accepted on the map");
    d.screenshot("review-8-accepted");
    let ev: Value = agent().get(&format!("{base}/api/units/{unit}/evaluation?year=2026")).header("Authorization", &format!("Bearer {admin}")).call().unwrap().body_mut().read_json().unwrap();
    assert!(ev.to_string().contains("\"resident_population\":9000"), "the accepted figures are the commune's row: {ev}");
}

#[test]
fn a_commune_officers_figures_survive_an_expired_session_and_are_saved_after_signing_in_again() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let code: String = {
        let store = commune_atlas::store::Store::open(&db).unwrap();
        let conn = store.connect().unwrap();
        conn.query_row(
            "SELECT code FROM admin_unit WHERE level = 'commune' AND province_code = '98' AND boundary_version_id = (SELECT max(id) FROM boundary_version) ORDER BY code LIMIT 1 OFFSET 7",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let officer = common::add_user(&db, "officer-8", "officer", &code);
    // Sign-ins last 6 seconds on this server.
    let server = common::serve_with(&db, &["--require-login", "--session-ttl", "6s"]);
    let base = server.base.clone();
    let st = agent().post(&format!("{base}/api/review/periods")).header("Authorization", &format!("Bearer {admin}")).send_json(json!({ "year": 2026, "province_code": "98" })).unwrap().status().as_u16();
    assert_eq!(st, 200);

    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.cmd("POST", "/window/rect", json!({ "width": 390, "height": 844 }));
    let officer_signs_in = || {
        sign_in(&d, &officer);
        assert_eq!(wait_for(&d, "document.getElementById('rf-resident_population') !== null"), json!(true), "the officer's form");
    };
    d.goto(&format!("{base}/"));
    officer_signs_in();
    // The session runs out while the officer is still typing.
    d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 7000);");
    d.eval("const i = document.getElementById('rf-resident_population'); i.value = '12345'; i.dispatchEvent(new Event('input', { bubbles: true }));");
    assert_eq!(wait_for(&d, "document.getElementById('rf-msg').textContent.includes('Phiên đăng nhập đã hết')"), json!(true), "the autosave says the session expired and the figures are kept");
    d.screenshot("review-9-session-expired");

    // A reload asks to sign in again; the figures come back from this browser and are saved.
    d.goto(&format!("{base}/"));
    officer_signs_in();
    assert_eq!(d.eval("return document.getElementById('rf-resident_population').value;"), json!("12345"), "nothing typed was lost");
    assert_eq!(d.eval("return document.getElementById('rf-restored') !== null;"), json!(true), "the officer is told their unsaved figures were restored");
    d.eval("document.getElementById('rf-save').click();");
    assert_eq!(wait_for(&d, "document.getElementById('rf-msg').textContent.length > 0 && !document.getElementById('rf-msg').classList.contains('error')"), json!(true), "{}", d.eval("return document.getElementById('rf-msg').textContent;"));
    let units = agent().get(&format!("{base}/api/review/periods/1/queue")).header("Authorization", &format!("Bearer {admin}")).call().unwrap().body_mut().read_json::<Value>().unwrap();
    let mine = units["communes"].as_array().unwrap().iter().find(|c| c["code"] == code.as_str()).cloned().unwrap();
    assert_eq!(mine["submission"]["figures"]["resident_population"], json!(12345), "the draft reached the server: {mine}");
}

#[test]
fn the_provincial_peoples_committee_approves_the_lists_on_the_page_with_an_override_and_downloads_the_annex() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let units: Vec<i64> = common::current_communes(&db, "98").into_iter().take(3).collect();
    let admin = common::add_user(&db, "admin1", "admin", "*");
    let approver = common::add_user(&db, "ubnd-98", "approver", "98");
    let ministry = common::add_user(&db, "bca", "ministry", "*");
    let server = common::serve_with(&db, &["--require-login"]);
    let base = server.base.clone();
    let call = |method: &str, path: &str, body: Value| -> Value {
        let url = format!("{base}{path}");
        let auth = format!("Bearer {admin}");
        let mut r = match method {
            "PUT" => agent().put(&url).header("Authorization", &auth).send_json(body),
            _ => agent().post(&url).header("Authorization", &auth).send_json(body),
        }
        .unwrap();
        let st = r.status().as_u16();
        let v: Value = r.body_mut().read_json().unwrap_or(Value::Null);
        assert_eq!(st, 200, "{method} {path}: {v}");
        v
    };
    call("POST", "/api/review/periods", json!({ "year": 2026, "province_code": "98" }));
    let figures = json!({ "resident_population": 9000, "addicts_with_records": 3, "illegal_users_with_records": 1, "drug_use_locations": 0,
        "drug_offenders_arrested": 0, "plants_destroyed_count": 0, "plants_destroyed_area_m2": 0, "key_route_scope": "none",
        "residents_using_not_exempt": 0, "residents_violating_drug_law": 0, "wanted_drug_fugitives_hiding": 0 });
    // Three communes' figures submitted and accepted (the officer's and reviewer's steps, told elsewhere).
    for &u in &units {
        let s = call("PUT", &format!("/api/review/periods/1/communes/{u}"), json!({ "version": 0, "figures": figures, "self_key_type": "none", "self_drug_free": true }));
        let id = s["submission"]["id"].as_i64().unwrap();
        call("POST", &format!("/api/review/submissions/{id}/submit"), json!({ "version": 1 }));
        call("POST", &format!("/api/review/submissions/{id}/accept"), json!({ "version": 2 }));
    }

    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{base}/#view=review"));
    sign_in(&d, &approver);
    assert_eq!(wait_for(&d, "window.atlas && window.atlas.map !== undefined && window.atlas.review !== undefined"), json!(true));
    assert_eq!(d.eval_async(WAIT_READY), json!(true));
    assert_eq!(wait_for(&d, "window.atlas.approval && window.atlas.approval.lists && document.getElementById('ap-approve') !== null"), json!(true), "the proposal, for the approver");
    let entries = d.eval("return window.atlas.approval.lists.entries.length;");
    assert_eq!(entries, json!(3), "the three accepted communes");
    d.screenshot("approval-1-proposal");

    // Approving without the decision's particulars is refused on the page; an override needs a reason.
    let over = units[1];
    d.eval(&format!("const s = document.querySelector('[data-override=\"{over}\"]'); s.value = 'III'; s.dispatchEvent(new Event('change'));"));
    d.eval("document.getElementById('ap-no').value = '1201/QĐ-UBND'; document.getElementById('ap-signer').value = 'Nguyễn Văn A'; document.getElementById('ap-approve').click();");
    assert!(d.eval("return document.getElementById('ap-msg').textContent;").as_str().unwrap().contains("lý do"), "a reason is asked for");
    d.eval(&format!("const r = document.querySelector('[data-reason=\"{over}\"]'); r.value = 'Theo kết quả kiểm tra thực tế'; r.dispatchEvent(new Event('input'));"));
    d.eval("document.getElementById('ap-approve').click();");
    assert_eq!(wait_for(&d, "window.atlas.approval.lists.approved === true && document.getElementById('ap-decisions') !== null"), json!(true), "{}", d.eval("return document.getElementById('ap-msg').textContent;"));
    d.screenshot("approval-2-approved");

    // The map shows the approved status (the override's type III); the annex lists the three.
    let ch: Value = agent().get(&format!("{base}/api/choropleth?year=2026&metric=status")).header("Authorization", &format!("Bearer {approver}")).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(ch["units"][over.to_string()], json!("type_iii"), "the approved list on the map");
    let href = d.eval("return document.querySelector('#ap-decisions a').getAttribute('href');");
    let pdf = agent().get(&format!("{base}{}", href.as_str().unwrap())).header("Authorization", &format!("Bearer {approver}")).call().unwrap().body_mut().read_to_vec().unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the annex is a PDF");
    let out = std::env::var("ATLAS_SCREENSHOTS").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("approval-annex.pdf"), &pdf).unwrap();
    common::ensure_apt("poppler-utils", "pdftoppm");
    let st = Command::new("pdftoppm").args(["-png", "-r", "60", "-f", "1", "-l", "1"]).arg(out.join("approval-annex.pdf")).arg(out.join("approval-3-annex")).status();
    assert!(st.is_ok_and(|s| s.success()), "pdftoppm renders the annex");
    let text = Command::new("pdftotext").arg(out.join("approval-annex.pdf")).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("1201/QĐ-UBND"), "{text}");
    for &u in &units {
        assert_eq!(d.eval(&format!("return window.atlas.approval.lists.entries.some(e => e.unit_id === {u});")), json!(true), "unit {u} is on the approved lists");
    }
    let codes = d.eval("return window.atlas.approval.lists.entries.map(e => e.code);");
    for c in codes.as_array().unwrap() {
        assert!(text.contains(&format!("({})", c.as_str().unwrap())), "{c} in the annex: {text}");
    }
    // The report to the Ministry, as the approver downloads it: its first page looked at.
    let href = d.eval("return document.querySelector('#ap-report a').getAttribute('href');");
    let pdf = agent().get(&format!("{base}{}", href.as_str().unwrap())).header("Authorization", &format!("Bearer {approver}")).call().unwrap().body_mut().read_to_vec().unwrap();
    std::fs::write(out.join("approval-report.pdf"), &pdf).unwrap();
    let st = Command::new("pdftoppm").args(["-png", "-r", "60"]).arg(out.join("approval-report.pdf")).arg(out.join("approval-4-report")).status();
    assert!(st.is_ok_and(|s| s.success()), "pdftoppm renders the report");

    // The Ministry signs in: province 98 reported, with its decision; the national share.
    let m = Driver::start();
    m.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    m.goto(&format!("{base}/#view=review"));
    sign_in(&m, &ministry);
    assert_eq!(wait_for(&m, "window.atlas && window.atlas.map !== undefined && window.atlas.review !== undefined"), json!(true));
    assert_eq!(m.eval_async(WAIT_READY), json!(true));
    assert_eq!(wait_for(&m, "window.atlas.national && window.atlas.national.national && document.querySelector('.nv-provinces tr[data-province=\"98\"]') !== null"), json!(true), "the national view");
    let reported = m.eval("return document.querySelector('.nv-provinces tr[data-province=\"98\"] td[data-col=\"reported\"]').textContent;");
    assert!(reported.as_str().unwrap().contains("1201/QĐ-UBND"), "98 shows as reported with its decision: {reported}");
    let others = m.eval("return [...document.querySelectorAll('.nv-provinces tbody tr')].filter(r => r.dataset.province !== '98' && r.querySelector('td[data-col=\"reported\"]').textContent.includes('QĐ')).length;");
    assert_eq!(others, json!(0), "no other province has reported");
    // The national map by the approved statuses: the override's commune in type III's colour.
    assert_eq!(wait_for(&m, "window.atlas.lastChoropleth && window.atlas.lastChoropleth.metric === 'status'"), json!(true));
    let painted = m.eval(&format!(
        "const a = window.atlas, ch = a.lastChoropleth;
         return [(a.map.getFeatureState({{ source: a.atlas.active, sourceLayer: 'communes', id: {over} }}) || {{}}).color, ch.legend.find(l => l.key === 'type_iii').color];"
    ));
    assert_eq!(painted[0], painted[1], "the approved type III on the national map");
    m.screenshot("approval-5-national");
}
