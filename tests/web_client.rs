//! The web client people trust, in headless Chromium against a real server: a year slider moved
//! quickly never leaves the map on an old year; a proxy's HTML 502 and a cut network show the
//! error banner and recover; the whole leader's path works from the keyboard alone; a sign-in
//! refused for too many attempts says so; the server's refusals come in the page's language; the
//! first map downloads no other view's module (and one
//! asked for offline comes when retried); axe-core finds no serious or critical violation on any
//! view, in either language, for any role.

mod common;

use common::browser::*;
use serde_json::{Value, json};

/// Fetch a JSON answer of the server (as the demo user, or with `token`).
fn get(base: &str, path: &str, token: Option<&str>) -> Value {
    let mut req = agent().get(&format!("{base}{path}"));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    req.call().unwrap().body_mut().read_json().unwrap()
}

/// The colour each rendered commune has in the page (feature-state), by id.
const RENDERED_COLOURS: &str = "const a = window.atlas; const out = {}; for (const f of a.map.queryRenderedFeatures({ layers: ['fill:' + a.atlas.active] })) \
    out[f.id] = (a.map.getFeatureState({ source: a.atlas.active, sourceLayer: 'communes', id: f.id }) || {}).color || null; return out;";

fn open_page(d: &Driver, url: &str) {
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(url);
    assert_eq!(d.eval_async(WAIT_READY), json!(true), "the page loads and the map becomes idle");
}

#[test]
fn the_year_slider_moved_quickly_across_five_years_ends_on_the_last_years_map_and_legend_even_when_older_answers_come_late() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let years: Vec<i64> = get(&base, "/api/health", None)["years"].as_array().unwrap().iter().filter_map(Value::as_i64).collect();
    assert!(years.len() >= 6, "the demo spans enough years: {years:?}");
    let start = years[years.len() - 6];
    let path: Vec<i64> = years[years.len() - 5..].to_vec();
    let last = *path.last().unwrap();
    let d = Driver::start();
    open_page(&d, &format!("{base}/#view=status&year={start}"));
    // Answers for every year but the last are held back 1.5 s (and the browser is not let to
    // abort them), so they arrive after the last year's answer.
    d.eval(&format!(
        "window.__late = 0; const orig = window.fetch.bind(window);
         window.fetch = (url, init = {{}}) => {{
           const m = /\\/api\\/choropleth\\?.*year=(\\d+)/.exec(String(url));
           if (m && Number(m[1]) !== {last}) {{ const {{ signal, ...rest }} = init;
             return new Promise((r) => setTimeout(r, 1500)).then(() => orig(url, rest)).finally(() => {{ window.__late += 1; }}); }}
           return orig(url, init); }};"
    ));
    // The slider dragged through five years, resting long enough on each that its request goes out.
    for y in &path {
        d.eval(&format!("const s = document.getElementById('year'); s.value = {y}; s.dispatchEvent(new Event('input'));"));
        std::thread::sleep(std::time::Duration::from_millis(220));
    }
    assert_eq!(wait_for(&d, "window.__late >= 4"), json!(true), "the older years' answers did arrive (late)");
    d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 300);");
    d.eval_async(WAIT_IDLE);
    let shown = d.eval("return [Number(document.getElementById('year').value), document.getElementById('year-value').textContent, window.atlas.lastChoropleth.year, Number(document.getElementById('legend-title').dataset.year), window.atlas.state.year];");
    assert_eq!(shown, json!([last, last.to_string(), last, last, last]), "slider, its label, the map's answer and the legend all show {last}");
    // The map's colours are the last year's, commune by commune.
    let api = get(&base, &format!("/api/choropleth?year={last}&metric=status"), None);
    let colour: std::collections::HashMap<String, String> =
        api["legend"].as_array().unwrap().iter().map(|c| (c["key"].as_str().unwrap().to_string(), c["color"].as_str().unwrap().to_string())).collect();
    let rendered = d.eval(RENDERED_COLOURS);
    let rendered = rendered.as_object().unwrap();
    assert!(rendered.len() > 50, "communes rendered: {}", rendered.len());
    for (id, got) in rendered {
        let want = api["units"].get(id.as_str()).map(|k| colour.get(k.as_str().unwrap_or("")).cloned().unwrap_or_else(|| "#d9d9d9".into()));
        assert_eq!(got.as_str().map(str::to_string), want, "commune {id}");
    }
    let legend = d.eval("return Object.fromEntries([...document.querySelectorAll('#legend .legend-item[data-key]')].map(e => [e.dataset.key, Number(e.querySelector('.count').textContent.replace(/\\D/g, ''))]));");
    for c in api["legend"].as_array().unwrap() {
        assert_eq!(legend[c["key"].as_str().unwrap()], c["count"], "legend count of {}", c["key"]);
    }
    d.screenshot("trust-01-slider-last-year");
}

/// The server's own words in the page's language: a refusal the catalogue knows reaches a
/// Vietnamese page in Vietnamese and an English page in English, through the one fetch layer.
#[test]
fn a_servers_refusal_is_shown_in_the_pages_language() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let d = Driver::start();
    open_page(&d, &format!("{}/#view=status", server.base));
    // The page's own fetch layer (the module instance the page runs, by its preloaded URL).
    let ask = "const done = arguments[arguments.length - 1];
        const href = [...document.querySelectorAll('link[rel=modulepreload]')].map((l) => l.href).find((h) => h.endsWith('/js/net.js'));
        import(href).then((net) => net.api('/api/plans/987654')).then(() => done('answered'), (e) => done([e.status, e.code, e.message]));";
    assert_eq!(d.eval_async(ask), json!([404, "not_found", "Không có kế hoạch nào mã 987654."]));
    d.eval("document.getElementById('lang').click();");
    assert_eq!(wait_for(&d, "document.documentElement.lang === 'en'"), json!(true));
    assert_eq!(d.eval_async(ask), json!([404, "not_found", "no plan with id 987654"]));
}

#[test]
fn a_proxys_html_502_shows_the_error_banner_with_retry_and_a_network_cut_and_restore_recovers() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let d = Driver::start();
    open_page(&d, &format!("{base}/#view=status&year=2025"));

    // A gateway's HTML error page for the next choropleth.
    d.eval("const orig = window.fetch.bind(window); window.__fail502 = 1;
        window.fetch = (url, init) => { if (window.__fail502 > 0 && String(url).includes('/api/choropleth')) { window.__fail502 -= 1;
          return Promise.resolve(new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', { status: 502, headers: { 'content-type': 'text/html' } })); }
          return orig(url, init); };");
    d.eval("const s = document.getElementById('year'); s.value = 2024; s.dispatchEvent(new Event('change'));");
    assert_eq!(wait_for(&d, "!document.getElementById('banner').hidden"), json!(true), "the banner shows");
    let banner = d.eval("return [document.getElementById('banner-text').textContent, document.getElementById('banner-retry').hidden, document.getElementById('banner').getAttribute('role')];");
    let text = banner[0].as_str().unwrap();
    assert!(text.contains("502") && text.contains("Thử lại"), "the banner says what failed and what to do: {text}");
    assert!(!text.contains("Unexpected token") && !text.contains("JSON"), "no parser error reaches the person: {text}");
    assert_eq!((&banner[1], &banner[2]), (&json!(false), &json!("alert")), "a Retry button, announced as an alert");
    d.screenshot("trust-02-banner-502");
    // Retry: the same request again, now answered; the banner goes, the map shows 2024.
    d.eval("document.getElementById('banner-retry').click();");
    assert_eq!(wait_for(&d, "document.getElementById('banner').hidden && window.atlas.lastChoropleth.year === 2024"), json!(true), "retry recovers");

    // The network cut: the banner says so; restored, the page recovers on its own.
    d.network(0, 10_000_000, true);
    d.eval("const s = document.getElementById('year'); s.value = 2023; s.dispatchEvent(new Event('change'));");
    assert_eq!(wait_for(&d, "!document.getElementById('banner').hidden && document.getElementById('banner').dataset.kind === 'network'"), json!(true), "offline is said");
    let text = d.eval("return document.getElementById('banner-text').textContent;");
    assert!(text.as_str().unwrap().contains("Không kết nối được tới máy chủ"), "{text}");
    assert_eq!(d.eval("return window.atlas.lastChoropleth.year;"), json!(2024), "the map keeps what it had");
    d.screenshot("trust-03-offline");
    d.network(0, 10_000_000, false);
    // Back online: the browser's `online` event retries; the Retry button does the same if the
    // event does not come.
    let back = d.eval_async("const done = arguments[arguments.length - 1]; const t0 = Date.now();
        (function w() { if (document.getElementById('banner').hidden && window.atlas.lastChoropleth.year === 2023) done('online event');
          else if (Date.now() - t0 > 4000) { document.getElementById('banner-retry').click(); done('retry'); } else setTimeout(w, 100); })();");
    eprintln!("recovered by: {back}");
    assert_eq!(wait_for(&d, "document.getElementById('banner').hidden && window.atlas.lastChoropleth.year === 2023"), json!(true), "restored, the map shows 2023");
    assert_eq!(wait_for(&d, "Number(document.getElementById('legend-title').dataset.year) === 2023"), json!(true));
}

#[test]
fn the_first_map_downloads_no_other_views_module_and_a_view_opened_offline_loads_when_retried() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let d = Driver::start();
    open_page(&d, &format!("{}/#view=status&year=2025", server.base));
    const MODULES: &str = "return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.includes('/js/')).map((p) => p.split('/js/')[1]);";
    let loaded = d.eval(MODULES);
    let has = |m: &str| loaded.as_array().unwrap().iter().any(|p| p == m);
    for first in ["app.js", "map.js", "net.js", "inbox.js"] {
        assert!(has(first), "{first} is part of the first view: {loaded}");
    }
    for later in ["plans.js", "console.js", "importer.js", "review.js", "approval.js", "national.js", "dashboard.js", "form.js", "dialog.js"] {
        assert!(!has(later), "{later} is not downloaded for the status map: {loaded}");
    }
    // The dashboard asked for with the network cut: the banner says that part of the page did
    // not come, and Retry (the network back) brings it.
    d.network(0, 10_000_000, true);
    d.eval("document.querySelector('.views button[data-view=dashboard]').click();");
    assert_eq!(wait_for(&d, "!document.getElementById('banner').hidden && document.getElementById('banner').dataset.kind === 'network'"), json!(true), "the banner says what failed");
    let text = d.eval("return document.getElementById('banner-text').textContent;");
    assert!(text.as_str().unwrap().contains("Không tải được phần này của trang"), "{text}");
    d.network(0, 10_000_000, false);
    d.eval("if (!document.getElementById('banner').hidden) document.getElementById('banner-retry').click();");
    assert_eq!(wait_for(&d, "document.querySelector('#dashboard section.province') !== null && document.getElementById('banner').hidden"), json!(true), "the dashboard shows once the network is back");
    let after = d.eval(MODULES);
    assert!(after.as_array().unwrap().iter().any(|p| p.as_str().is_some_and(|p| p.starts_with("dashboard.js"))), "{after}");
}

#[test]
fn a_leader_walks_from_the_status_map_to_a_commune_to_a_new_plan_and_adds_a_commune_with_the_keyboard_alone() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve(&dir.path().join("atlas.duckdb"));
    let base = server.base.clone();
    let d = Driver::start();
    open_page(&d, &format!("{base}/"));
    let commune = get(&base, "/api/search?q=xa", None)["results"].as_array().unwrap().iter().find(|r| r["level"] == "commune").cloned().expect("a commune to find");
    let name = commune["name"].as_str().unwrap().to_string();
    let unit = commune["unit_id"].as_i64().unwrap();

    // Status map → search (a combobox): type, ↓ through the results, Enter opens the commune.
    d.tab_to("#search", 40);
    d.type_text(&name);
    assert_eq!(wait_for(&d, "document.getElementById('search').getAttribute('aria-expanded') === 'true'"), json!(true), "results open");
    let results = d.eval("return [...document.querySelectorAll('#search-results li[data-i]')].map(li => li.firstChild.textContent.trim());");
    let at = results.as_array().unwrap().iter().position(|r| r == name.as_str()).expect("the commune is among the results");
    for _ in 0..=at {
        d.press(&[key::DOWN]);
    }
    let active = d.eval("const id = document.getElementById('search').getAttribute('aria-activedescendant'); return id ? document.getElementById(id).firstChild.textContent.trim() : null;");
    assert_eq!(active.as_str(), Some(name.as_str()), "↓ highlights the commune (aria-activedescendant)");
    d.press(&[key::ENTER]);
    assert_eq!(wait_for(&d, &format!("window.atlas.state.unit === {unit} && document.getElementById('panel-name') && document.getElementById('panel-name').textContent === {name:?}")), json!(true), "the commune panel opens");
    assert_eq!(wait_for(&d, "document.activeElement && document.activeElement.id === 'panel-name'"), json!(true), "the focus moves to the panel");
    d.screenshot("trust-04-keyboard-panel");

    // Back to the view tabs (one tab stop), → to Plans.
    for _ in 0..80 {
        if d.eval("return document.activeElement && document.activeElement.getAttribute('role') === 'tab';") == json!(true) {
            break;
        }
        d.shift_tab();
    }
    assert_eq!(d.eval("return document.activeElement.id;"), json!("tab-status"), "the selected tab is the tab stop");
    let mut view = String::new();
    for _ in 0..8 {
        d.press(&[key::RIGHT]);
        view = d.eval("return window.atlas.state.view;").as_str().unwrap().to_string();
        if view == "plans" {
            break;
        }
    }
    assert_eq!(view, "plans", "→ moves through the tabs and selects");
    assert_eq!(d.eval("return document.activeElement.id + ' ' + document.activeElement.getAttribute('aria-selected');"), json!("tab-plans true"));
    assert_eq!(wait_for(&d, "document.getElementById('plan-new') && document.querySelector('#cand-table button.add, #cand-table')"), json!(true));

    // A new plan through its dialog: name typed over the suggestion, quota checked as typed.
    d.tab_to("#plan-new", 40);
    d.press(&[key::ENTER]);
    assert_eq!(wait_for(&d, "document.querySelector('dialog.dialog[open]') && document.activeElement.name === 'name'"), json!(true), "the dialog opens on the name");
    d.type_text("Kế hoạch bàn phím");
    d.press(&[key::TAB]);
    d.eval("document.activeElement.select();");
    d.press(&["0"]);
    let invalid = d.eval("return [document.activeElement.name, document.activeElement.getAttribute('aria-invalid'), document.activeElement.getAttribute('aria-describedby') && document.getElementById(document.activeElement.getAttribute('aria-describedby')).textContent];");
    assert_eq!((&invalid[0], &invalid[1]), (&json!("quota"), &json!("true")), "a quota of 0 is refused as it is typed: {invalid}");
    assert!(invalid[2].as_str().unwrap().contains('1'), "the message says the least quota: {invalid}");
    d.press(&["\u{E003}", "12"]); // Backspace, then 12
    assert_eq!(d.eval("return document.activeElement.getAttribute('aria-invalid');"), json!("false"));
    d.screenshot("trust-05-plan-dialog");
    d.press(&[key::ENTER]);
    assert_eq!(wait_for(&d, "!document.querySelector('dialog.dialog') && window.atlas.plans.plan && window.atlas.plans.plan.status === 'draft' && document.querySelector('#cand-table button.add')"), json!(true), "the plan is created and opened");
    let plan = d.eval("return [window.atlas.plans.plan.plan_id, window.atlas.plans.plan.name, window.atlas.plans.plan.quota];");
    assert_eq!((&plan[1], &plan[2]), (&json!("Kế hoạch bàn phím"), &json!(12)));
    let plan_id = plan[0].as_i64().unwrap();

    // Add a candidate with its button (a click on a row no longer adds anything).
    d.tab_to("#cand-table button.add", 80);
    let adding = d.eval("return Number(document.activeElement.closest('tr').dataset.unit);").as_i64().unwrap();
    d.press(&[key::ENTER]);
    assert_eq!(wait_for(&d, "window.atlas.plans.plan.communes.length === 1"), json!(true), "Enter on Add adds the commune");
    let stored = get(&base, &format!("/api/plans/{plan_id}"), None);
    assert_eq!(stored["communes"].as_array().unwrap().iter().map(|c| c["unit_id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![adding], "the server holds it");
    assert_eq!(d.eval("return document.activeElement.tagName;"), json!("BUTTON"), "the focus stays in the table");
    // A click on a candidate row is not an add.
    d.eval("const tr = [...document.querySelectorAll('#cand-table tr[data-unit]')].find(r => r.querySelector('button.add')); tr.querySelector('td').click();");
    d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 600);");
    assert_eq!(d.eval("return window.atlas.plans.plan.communes.length;"), json!(1), "a row click adds nothing");

    // Remove it (×) and undo, from the keyboard.
    d.tab_to("#plan-communes button.rm", 80);
    d.press(&[key::ENTER]);
    assert_eq!(wait_for(&d, "window.atlas.plans.plan.communes.length === 0 && document.querySelector('#toast button') && !document.getElementById('toast').hidden"), json!(true), "removed, with Undo offered");
    d.tab_to("#toast button", 200);
    d.press(&[key::ENTER]);
    assert_eq!(wait_for(&d, "window.atlas.plans.plan.communes.length === 1"), json!(true), "Undo puts it back");
    let stored = get(&base, &format!("/api/plans/{plan_id}"), None);
    assert_eq!(stored["communes"].as_array().unwrap().len(), 1);
    d.screenshot("trust-06-keyboard-plan");
}

#[test]
fn a_sign_in_refused_for_too_many_attempts_says_too_many_attempts() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let token = common::add_user(&db, "xem-99", "viewer", "99");
    let server = common::serve_with(&db, &["--require-login"]);
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{}/", server.base));
    assert_eq!(wait_for(&d, "!document.getElementById('login').hidden"), json!(true));
    let try_token = |t: &str| -> String {
        d.eval("document.getElementById('login-error').textContent = '';");
        d.eval(&format!("document.getElementById('login-token').value = '{t}'; document.querySelector('#login form').requestSubmit();"));
        let said = wait_for(&d, "document.getElementById('login-error').textContent || (document.getElementById('user-name') && 'signed in')");
        said.as_str().unwrap().to_string()
    };
    let wrong = try_token("cat_wrong");
    assert!(wrong.contains("không hợp lệ"), "a wrong token is said to be invalid: {wrong}");
    let mut said = wrong;
    for _ in 0..12 {
        said = try_token("cat_wrong_again");
        if said.contains("Quá nhiều") {
            break;
        }
    }
    assert!(said.contains("Quá nhiều lần đăng nhập sai"), "after repeated failures: {said}");
    d.screenshot("trust-07-too-many-sign-ins");
    // Even the right token waits now (guessing is not rewarded); the server says how long.
    let r = agent().post(&format!("{}/api/session", server.base)).send_json(json!({ "token": token })).unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=6).contains(&wait), "Retry-After {wait}");
}

/// axe on every view a role is offered, in Vietnamese and English.
fn axe_walk(base: &str, role: &str, token: Option<&str>) -> Vec<String> {
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    d.goto(&format!("{base}/#year=2025"));
    let mut found = Vec::new();
    if let Some(t) = token {
        // The sign-in form itself, first.
        assert_eq!(wait_for(&d, "!document.getElementById('login').hidden"), json!(true));
        found.extend(d.axe_serious().into_iter().map(|v| format!("{role}/sign-in/vi: {v}")));
        sign_in(&d, t);
    }
    assert_eq!(wait_for(&d, "window.atlas && window.atlas.ready && (window.atlas.form || window.atlas.map)"), json!(true), "{role}: the page starts");
    let ready = d.eval_async("const done = arguments[arguments.length - 1]; window.atlas.ready.then(() => done(true)).catch((e) => done('error: ' + e.message));");
    assert_eq!(ready, json!(true), "{role}");
    let officer = d.eval("return !!window.atlas.form;") == json!(true);
    let views: Vec<String> = if officer {
        vec!["form".into()]
    } else {
        let v = d.eval("return [...document.querySelectorAll('.views button')].filter(b => !b.hidden).map(b => b.dataset.view);");
        v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
    };
    for lang in ["vi", "en"] {
        if lang == "en" {
            d.eval("document.getElementById('lang').click();");
        }
        for view in &views {
            if !officer {
                d.eval(&format!("document.querySelector('.views button[data-view={view}]').click();"));
            }
            // Settled: no request under way, nothing loading.
            wait_for(&d, "!document.querySelector('.loading') && document.getElementById('busy').hidden");
            d.eval_async("const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 700);");
            if view == "status" || view == "conversion" {
                // The map's table too.
                d.eval("const b = document.getElementById('table-toggle'); if (b && document.getElementById('map-table').hidden) b.click();");
                wait_for(&d, "document.getElementById('map-table-rows') || document.querySelector('#map-table .empty')");
            }
            for v in d.axe_serious() {
                found.push(format!("{role}/{view}/{lang}: {v}"));
            }
            if view == "status" || view == "conversion" {
                d.eval("const b = document.getElementById('table-toggle'); if (b && !document.getElementById('map-table').hidden) b.click();");
            }
        }
    }
    if !officer {
        d.screenshot(&format!("trust-axe-{role}"));
    }
    found
}

fn axe_roles(roles: &[(&str, &str)]) {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo_store(dir.path());
    let tokens: Vec<(String, String)> = roles.iter().map(|(role, scope)| (role.to_string(), common::add_user(&db, &format!("axe-{role}"), role, scope))).collect();
    let server = common::serve_with(&db, &["--require-login"]);
    let mut found = Vec::new();
    for (role, token) in &tokens {
        found.extend(axe_walk(&server.base, role, Some(token)));
    }
    assert!(found.is_empty(), "axe-core {AXE_VERSION}: serious or critical violations:\n{}", found.join("\n"));
}

#[test]
fn axe_finds_no_serious_violation_on_any_view_in_either_language_for_officers_viewers_reviewers_and_approvers() {
    axe_roles(&[("officer", "99"), ("viewer", "99"), ("reviewer", "99"), ("approver", "99")]);
}

#[test]
fn axe_finds_no_serious_violation_on_any_view_in_either_language_for_the_ministry_leaders_analysts_and_admins() {
    axe_roles(&[("ministry", "*"), ("leader", "99"), ("analyst", "*"), ("admin", "*")]);
}
