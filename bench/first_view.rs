//! The web client's first view on a slow link: how long until the status map is drawn with its
//! legend, and how many bytes and requests that takes, in headless Chromium (a fresh profile:
//! nothing cached), then on a second visit (the browser's cache warm).
//!
//! The link is a throttling proxy in front of the server, so every byte the page, its worker
//! (tiles) and its modules fetch crosses it: 1.6 Mbit/s shared down and up, 150 ms round trip
//! (75 ms each way), as provincial offices see. It also counts the bytes and connections.
//!
//! Then the same first visit with no link limit: the floor of this machine itself.
//!
//! `cargo bench --bench first_view` (add `-- --rate 200000 --rtt 150` to change the link, or
//! `-- --server http://127.0.0.1:8080` to measure a server already running, e.g. another build).

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::browser::*;
use serde_json::{Value, json};

/// One direction of the link: bytes per second shared by every connection, one-way delay.
struct Link {
    rate: f64,
    delay: Duration,
    /// When the link is next free to carry a byte.
    free_at: Mutex<Instant>,
    bytes: AtomicU64,
}

impl Link {
    fn new(rate: f64, delay: Duration) -> Arc<Link> {
        Arc::new(Link { rate, delay, free_at: Mutex::new(Instant::now()), bytes: AtomicU64::new(0) })
    }

    /// When a chunk of `n` bytes that entered at `at` has fully crossed the link.
    fn reserve(&self, n: usize, at: Instant) -> Instant {
        let mut free = self.free_at.lock().unwrap_or_else(|p| p.into_inner());
        let start = (*free).max(at + self.delay);
        let done = start + Duration::from_secs_f64(n as f64 / self.rate);
        *free = done;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        done
    }
}

/// Carry `from` → `to` over `link`: a reader stamps each chunk, a writer delivers it when the
/// link has carried it.
fn pump(mut from: TcpStream, mut to: TcpStream, link: Arc<Link>) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let l = link.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let due = l.reserve(n, Instant::now());
                    if tx.send((due, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (due, chunk) in rx {
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

struct Proxy {
    port: u16,
    down: Arc<Link>,
    up: Arc<Link>,
    connections: Arc<AtomicU64>,
}

fn proxy(target: &str, rate: f64, rtt: Duration) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (down, up) = (Link::new(rate, rtt / 2), Link::new(rate, rtt / 2));
    let connections = Arc::new(AtomicU64::new(0));
    let target = target.to_string();
    let (d, u, c) = (down.clone(), up.clone(), connections.clone());
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&target) else { continue };
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            c.fetch_add(1, Ordering::Relaxed);
            pump(client.try_clone().unwrap(), server.try_clone().unwrap(), u.clone());
            pump(server, client, d.clone());
        }
    });
    Proxy { port, down, up, connections }
}

/// Open the status view and wait until the map is drawn with its legend; what it took.
fn visit(d: &Driver, url: &str, reload: bool) -> Value {
    if reload {
        d.cmd("POST", "/refresh", json!({}));
    } else {
        d.goto(url);
    }
    let drawn = d.eval_async(
        "const done = arguments[arguments.length - 1];
         const ok = () => { const a = window.atlas; return a && a.map && a.lastChoropleth && document.getElementById('legend-total') && a.map.loaded() && a.map.areTilesLoaded(); };
         (function w() { if (ok()) done(performance.now()); else setTimeout(w, 20); })();",
    );
    let page = d.eval(
        "const nav = performance.getEntriesByType('navigation')[0]; const res = performance.getEntriesByType('resource');
         const all = [nav, ...res]; const kind = (e) => e.name.includes('/tiles/') ? 'tiles' : e.name.includes('/api/') ? 'api' : e.name.includes('/fonts/') ? 'glyphs' : 'static';
         const by = {}; for (const e of all) { const k = kind(e); by[k] = by[k] || { requests: 0, transferred: 0 }; by[k].requests += 1; by[k].transferred += e.transferSize; }
         const largest = [...all].sort((a, b) => b.transferSize - a.transferSize).slice(0, 8).map((e) => [new URL(e.name).pathname, e.transferSize, e.decodedBodySize, Math.round(e.startTime), Math.round(e.responseEnd)]);
         const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('atlas:')).map((m) => [m.name, Math.round(m.startTime)]);
         return { marks, requests: all.length, transferred: all.reduce((s, e) => s + e.transferSize, 0), by, largest, tiles: window.atlas.tileRequests };",
    );
    json!({ "drawn_ms": drawn, "page": page })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: f64| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default);
    let (rate, rtt) = (arg("--rate", 200_000.0), Duration::from_millis(arg("--rtt", 150.0) as u64));
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let given = args.iter().position(|a| a == "--server").and_then(|i| args.get(i + 1)).cloned();
    let (_server, base) = match given {
        Some(url) => (None, url.trim_end_matches('/').to_string()),
        None => {
            let s = common::serve(&dir.path().join("atlas.duckdb"));
            let base = s.base.clone();
            (Some(s), base)
        }
    };
    let target = base.trim_start_matches("http://").to_string();
    // Warm the server (the first tiles render once): what is measured is the link and the page.
    let warm = Driver::start();
    warm.cmd("POST", "/timeouts", json!({ "script": 120_000 }));
    let _ = visit(&warm, &format!("{base}/#view=status"), false);
    drop(warm);

    println!("first view of the status map, demo data; link {:.2} Mbit/s, {} ms round trip", rate * 8.0 / 1e6, rtt.as_millis());
    let p = proxy(&target, rate, rtt);
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 300_000 }));
    let url = format!("http://127.0.0.1:{}/#view=status", p.port);
    for (visit_no, reload) in [("first visit (nothing cached)", false), ("second visit (browser cache warm)", true)] {
        let (down0, up0, conn0) = (p.down.bytes.load(Ordering::Relaxed), p.up.bytes.load(Ordering::Relaxed), p.connections.load(Ordering::Relaxed));
        let t0 = Instant::now();
        let r = visit(&d, &url, reload);
        let wall = t0.elapsed();
        let down = p.down.bytes.load(Ordering::Relaxed) - down0;
        let up = p.up.bytes.load(Ordering::Relaxed) - up0;
        let conns = p.connections.load(Ordering::Relaxed) - conn0;
        println!("\n{visit_no}:");
        println!("  map and legend drawn after {:.2} s (navigation start; {:.2} s wall clock)", r["drawn_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0, wall.as_secs_f64());
        println!("  over the link: {:.0} KB down, {:.0} KB up, {conns} connections", down as f64 / 1024.0, up as f64 / 1024.0);
        println!("  page requests: {} (+{} tile requests from the map's worker), {:.0} KB transferred as the page counts it", r["page"]["requests"], r["page"]["tiles"], r["page"]["transferred"].as_f64().unwrap_or(0.0) / 1024.0);
        for (k, v) in r["page"]["by"].as_object().unwrap() {
            println!("    {k:8} {:>3} requests {:>7.0} KB", v["requests"], v["transferred"].as_f64().unwrap_or(0.0) / 1024.0);
        }
        let marks: Vec<String> = r["page"]["marks"].as_array().into_iter().flatten().map(|m| format!("{} {} ms", m[0].as_str().unwrap_or("?").trim_start_matches("atlas:"), m[1])).collect();
        println!("  the page's own marks: {}", marks.join(" · "));
        println!("  largest (transferred / decoded, started → done):");
        for e in r["page"]["largest"].as_array().into_iter().flatten() {
            let kb = |v: &Value| v.as_f64().unwrap_or(0.0) / 1024.0;
            println!("    {:>6.1} / {:>6.1} KB  {:>5} → {:>5} ms  {}", kb(&e[1]), kb(&e[2]), e[3], e[4], e[0].as_str().unwrap_or("?"));
        }
        if !reload {
            println!("  the link alone: {:.2} s to carry those bytes at {:.2} Mbit/s", down as f64 / rate, rate * 8.0 / 1e6);
        }
    }
    drop(d);

    // What the same first visit takes with no link limit: this machine's own floor (parsing,
    // laying out and drawing in software WebGL), which no saving of bytes goes below.
    let fast = proxy(&target, 1e10, Duration::ZERO);
    let d = Driver::start();
    d.cmd("POST", "/timeouts", json!({ "script": 300_000 }));
    let r = visit(&d, &format!("http://127.0.0.1:{}/#view=status", fast.port), false);
    println!("\nsame first visit with no link limit (this machine's floor): drawn after {:.2} s", r["drawn_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0);
}
