//! Driving the web client in headless Chromium through WebDriver (chromedriver), for the browser
//! tests: installs Debian's chromium and chromium-driver when missing, starts a session, runs
//! scripts, clicks and types like a person, and saves screenshots to `target/screenshots/` (or
//! $ATLAS_SCREENSHOTS).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Proc(pub Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Make sure Chromium and ChromeDriver exist, installing the Debian packages if needed. The tests
/// of this file run in parallel: one installs while the others wait (apt allows one at a time),
/// and apt itself waits for a lock another process holds.
pub fn ensure_chromium() {
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let have = |p: &str| std::path::Path::new(p).exists();
    if have("/usr/bin/chromium") && have("/usr/bin/chromedriver") {
        return;
    }
    eprintln!("installing chromium and chromium-driver (Debian packages) for the browser tests …");
    let apt = |args: &[&str]| {
        let st = Command::new("apt-get")
            .args(["-o", "DPkg::Lock::Timeout=600"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
        assert!(st.is_ok_and(|s| s.success()), "apt-get {args:?} failed: the browser tests need chromium and chromium-driver");
    };
    apt(&["update", "-q"]);
    apt(&["install", "-y", "-q", "chromium", "chromium-driver"]);
    assert!(have("/usr/bin/chromium") && have("/usr/bin/chromedriver"));
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A minimal WebDriver client.
pub struct Driver {
    pub url: String,
    pub session: String,
    _proc: Proc,
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(120))).build().into()
}

impl Driver {
    pub fn start() -> Driver {
        let port = free_port();
        let proc = Proc(
            Command::new("/usr/bin/chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while agent().get(&format!("{url}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                         "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let resp: Value = agent().post(&format!("{url}/session")).send_json(&caps).unwrap().body_mut().read_json().unwrap();
        let session = resp["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {resp}")).to_string();
        Driver { url, session, _proc: proc }
    }

    pub fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{}", self.url, self.session, path);
        let mut resp = if method == "GET" { agent().get(&url).call().unwrap() } else { agent().post(&url).send_json(&body).unwrap() };
        let v: Value = resp.body_mut().read_json().unwrap();
        if let Some(err) = v["value"].get("error") {
            panic!("WebDriver {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url }));
    }

    /// Run async JS: the script's last argument is the callback.
    pub fn eval_async(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/async", json!({ "script": script, "args": [] }))
    }

    pub fn eval(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", json!({ "script": script, "args": [] }))
    }

    /// `eval` that reports a WebDriver error instead of panicking (a page between documents).
    pub fn try_eval(&self, script: &str) -> Result<Value, String> {
        let url = format!("{}/session/{}/execute/sync", self.url, self.session);
        let mut resp = agent().post(&url).send_json(json!({ "script": script, "args": [] })).map_err(|e| e.to_string())?;
        let v: Value = resp.body_mut().read_json().map_err(|e| e.to_string())?;
        match v["value"].get("error") {
            Some(err) => Err(format!("{err}: {}", v["value"]["message"])),
            None => Ok(v["value"].clone()),
        }
    }

    pub fn screenshot(&self, name: &str) {
        let b64 = self.cmd("GET", "/screenshot", Value::Null);
        let bytes = decode_base64(b64.as_str().unwrap());
        let dir = std::env::var("ATLAS_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
        eprintln!("screenshot: {}", dir.join(format!("{name}.png")).display());
    }
}

/// WebDriver key codes (the W3C spec's private-use characters).
pub mod key {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SPACE: &str = "\u{E00D}";
    pub const LEFT: &str = "\u{E012}";
    pub const UP: &str = "\u{E013}";
    pub const RIGHT: &str = "\u{E014}";
    pub const DOWN: &str = "\u{E015}";
}

impl Driver {
    /// Press keys on whatever has the focus, one after the other (each key down then up); a
    /// string that is not a key code is typed character by character.
    pub fn press(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for k in keys {
            for c in k.chars() {
                actions.push(json!({ "type": "keyDown", "value": c.to_string() }));
                actions.push(json!({ "type": "keyUp", "value": c.to_string() }));
            }
        }
        self.cmd("POST", "/actions", json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }));
    }

    /// Type `text` into the focused element (WebDriver's element send-keys: any Unicode text,
    /// Vietnamese included, as key events).
    pub fn type_text(&self, text: &str) {
        let active = self.cmd("GET", "/element/active", Value::Null);
        let id = active.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("a focused element").to_string();
        self.cmd("POST", &format!("/element/{id}/value"), json!({ "text": text }));
    }

    /// Shift+Tab: the focus goes back one stop.
    pub fn shift_tab(&self) {
        self.cmd("POST", "/actions", json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": key::SHIFT }, { "type": "keyDown", "value": key::TAB },
            { "type": "keyUp", "value": key::TAB }, { "type": "keyUp", "value": key::SHIFT }] }] }));
    }

    /// Press Tab until the focused element matches `selector` (at most `max` times); the
    /// elements passed on the way, as `tag#id.class` strings.
    pub fn tab_to(&self, selector: &str, max: usize) -> Vec<String> {
        let mut passed = Vec::new();
        for _ in 0..max {
            self.press(&[key::TAB]);
            let here = self.eval("const e = document.activeElement; return e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') : '';");
            passed.push(here.as_str().unwrap_or("").to_string());
            if self.eval(&format!("return !!document.activeElement && document.activeElement.matches({selector:?});")) == json!(true) {
                return passed;
            }
        }
        panic!("Tab never reached {selector} in {max} presses: {passed:?}");
    }

    /// Chromium's network emulation (the ChromeDriver extension): `latency_ms` added per
    /// request, `bytes_per_sec` down and up, or no network at all.
    pub fn network(&self, latency_ms: u64, bytes_per_sec: u64, offline: bool) {
        let url = format!("{}/session/{}/chromium/network_conditions", self.url, self.session);
        let body = json!({ "network_conditions": { "offline": offline, "latency": latency_ms, "download_throughput": bytes_per_sec, "upload_throughput": bytes_per_sec } });
        let mut r = agent().post(&url).send_json(&body).unwrap();
        let v: Value = r.body_mut().read_json().unwrap();
        assert!(v["value"].get("error").is_none(), "network conditions: {v}");
    }

    /// Run axe-core on the page (WCAG 2.0–2.2 A and AA rules); the violations of impact
    /// serious or critical, each as `rule: target … (summary)`.
    pub fn axe_serious(&self) -> Vec<String> {
        if self.eval("return typeof window.axe;") != json!("object") {
            // The script runs through WebDriver (not the page's CSP), defining window.axe.
            self.eval(&format!("{}\n; return true;", axe_source()));
        }
        let out = self.eval_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })
               .then((r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .flatMap((v) => v.nodes.slice(0, 5).map((n) => v.id + ': ' + n.target.join(' ') + ' (' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240) + ')'))))
               .catch((e) => done(['axe failed: ' + e.message]));",
        );
        out.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect()
    }
}

/// The axe-core version the accessibility checks run.
pub const AXE_VERSION: &str = "4.10.3";

/// axe-core's browser script, installed from npm into the target directory (once) when missing.
pub fn axe_source() -> String {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = INSTALL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("npm-axe-{AXE_VERSION}"));
    let script = dir.join("node_modules/axe-core/axe.min.js");
    if !script.exists() {
        if Command::new("npm").arg("--version").output().is_err() {
            eprintln!("installing npm (Debian package) for axe-core …");
            let st = Command::new("apt-get").args(["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "npm"]).env("DEBIAN_FRONTEND", "noninteractive").status();
            assert!(st.is_ok_and(|s| s.success()), "apt-get install npm failed: the accessibility checks need npm to fetch axe-core");
        }
        std::fs::create_dir_all(&dir).unwrap();
        let st = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
            .arg(&dir)
            .arg(format!("axe-core@{AXE_VERSION}"))
            .status();
        assert!(st.is_ok_and(|s| s.success()) && script.exists(), "npm install axe-core@{AXE_VERSION} failed");
    }
    std::fs::read_to_string(script).unwrap()
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = agent().delete(&format!("{}/session/{}", self.url, self.session)).call();
    }
}

pub fn decode_base64(s: &str) -> Vec<u8> {
    let table = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|c| u32::from(table(*c))).collect();
        let n = v.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (x << (18 - 6 * i)));
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// Wait until `window.atlas.ready` resolved and the map is idle.
pub const WAIT_READY: &str = "const done = arguments[arguments.length - 1];
  window.atlas.ready.then(() => { const m = window.atlas.map; if (m.loaded() && m.areTilesLoaded()) done(true); else m.once('idle', () => done(true)); })
  .catch(e => done('error: ' + e.message));";

pub const WAIT_IDLE: &str = "const done = arguments[arguments.length - 1];
  setTimeout(() => { const m = window.atlas.map; if (m.areTilesLoaded() && !m.isMoving()) done(true); else m.once('idle', () => done(true)); }, 400);";

/// Click the map canvas at an offset from its centre (a real pointer click).
pub fn click_map(d: &Driver, dx: i64, dy: i64) {
    let canvas = d.cmd("POST", "/element", json!({ "using": "css selector", "value": "#map canvas" }));
    let element = canvas.as_object().unwrap().values().next().unwrap().clone();
    d.cmd("POST", "/actions", json!({ "actions": [{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": [
        { "type": "pointerMove", "duration": 0, "origin": { "element-6066-11e4-a52e-4f735466cecf": element }, "x": dx, "y": dy },
        { "type": "pointerDown", "button": 0 }, { "type": "pause", "duration": 50 }, { "type": "pointerUp", "button": 0 } ] }] }));
}

/// Sign in on the login form the page shows (it reloads signed in).
pub fn sign_in(d: &Driver, token: &str) {
    assert_eq!(wait_for(d, "!document.getElementById('login').hidden"), json!(true), "the login form");
    d.eval(&format!("window.__beforeSignIn = true; document.getElementById('login-token').value = '{token}'; document.querySelector('#login form').requestSubmit();"));
    // Signed in, the page reloads: wait for the new document, so that nothing waits in the old
    // one (a script waiting across the reload never returns).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Ok(v) = d.try_eval("return window.__beforeSignIn !== true && document.readyState === 'complete';")
            && v == json!(true)
        {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the page did not reload after signing in");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Poll `condition` (a JS expression) in the page until it holds, for up to a minute: its value
/// (`true` for an element or object), or `timeout: …`.
pub fn wait_for(d: &Driver, condition: &str) -> Value {
    d.eval_async(&format!(
        "const done = arguments[arguments.length - 1]; const t0 = Date.now();
         const tick = () => {{ let v; try {{ v = ({condition}); }} catch (e) {{ v = false; }}
           if (v) done(typeof v === 'object' ? true : v); else if (Date.now() - t0 > 60000) done('timeout: ' + {condition:?}); else setTimeout(tick, 100); }};
         tick();"
    ))
}

