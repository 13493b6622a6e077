//! `commune-atlas serve`: open (or create from the demo) the store and serve HTTP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use commune_atlas::access::users;
use commune_atlas::api::auth::AuthConfig;
use commune_atlas::api::{self, AppState};
use commune_atlas::import::ImportOptions;
use commune_atlas::store::{DEMO_DATASET, Store};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub bind: SocketAddr,
    /// Do not create the demo store when --db does not exist; fail instead.
    #[arg(long)]
    pub no_demo: bool,
    /// Snap neighbouring units within this many degrees before building shared arcs, for every
    /// boundary version (default: each version's own --snap-tolerance given at import).
    #[arg(long, value_name = "DEGREES")]
    pub snap_tolerance: Option<f64>,
    /// Memory the server may use, in MB, split into DuckDB's memory limit (30 %), the tile
    /// cache (30 %) and the cache of computed answers (10 %); the rest is for the tile layers,
    /// SQL sandboxes and requests in flight.
    #[arg(long, default_value_t = 600, value_name = "MB")]
    pub memory_budget: usize,
    /// Memory for encoded tiles, in MB, instead of 30 % of --memory-budget (0 turns the tile
    /// cache off, e.g. to benchmark rendering).
    #[arg(long, value_name = "MB")]
    pub tile_cache_mb: Option<usize>,
    /// Render every tile with data of every layer down to this zoom in the background after
    /// start (for viewers who see everything), so first visits find them ready; it stops early
    /// once half the tile cache is used. /api/health shows how far it is.
    #[arg(long, default_value_t = 10, value_name = "ZOOM")]
    pub prerender_zoom: u8,
    /// Do not render tiles ahead of time.
    #[arg(long)]
    pub no_prerender: bool,
    /// Require sign-in even for the demo on a loopback address (always required otherwise).
    #[arg(long)]
    pub require_login: bool,
    /// Serve as a read-only replica: plans, imports and user changes are refused (route them to
    /// the primary); maps, dashboards, SQL and exports work.
    #[arg(long)]
    pub read_only: bool,
    /// Requests per second each signed-in user may make (0: no limit); bursts up to 4× that.
    /// Tiles have their own budget (--tile-rate-limit).
    #[arg(long, default_value_t = 100.0, value_name = "N")]
    pub rate_limit: f64,
    /// Tile requests per second each signed-in user may make (0: no limit); bursts up to 4×
    /// that. A budget of its own, so panning a map quickly never spends the API budget.
    #[arg(long, default_value_t = 500.0, value_name = "N")]
    pub tile_rate_limit: f64,
    /// How long a browser sign-in lasts: a number with s, m or h ("12h", "30m", "90s"). After it,
    /// the user signs in again; a commune officer's unsaved figures stay in their browser.
    #[arg(long, default_value = "12h", value_name = "DURATION", value_parser = parse_duration)]
    pub session_ttl: std::time::Duration,
}

/// "90s", "30m", "12h" (a bare number is seconds).
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (n, unit) = s.find(|c: char| !c.is_ascii_digit()).map_or((s, ""), |i| s.split_at(i));
    let n: u64 = n.parse().map_err(|_| format!("'{s}' is not a duration: write e.g. 90s, 30m or 12h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        other => return Err(format!("unknown unit '{other}' in '{s}': use s, m or h")),
    };
    if secs == 0 {
        return Err("a session must last at least a second".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

pub fn run(db: &Path, args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let fresh = !db.exists();
    if fresh && args.no_demo {
        anyhow::bail!("no store at {} and --no-demo given; import data first or drop --no-demo", db.display());
    }
    let store = Store::open(db)?;
    if fresh {
        eprintln!("no store at {}: creating it from the embedded synthetic demo data …", db.display());
        let opts = ImportOptions { actor: "demo".into(), ..ImportOptions::default() };
        let loaded = commune_atlas::demo::load(&store, &opts).and_then(|reports| {
            store.set_meta("dataset", DEMO_DATASET)?;
            store.checkpoint()?;
            Ok(reports)
        });
        match loaded {
            Ok(reports) => {
                let rows: u64 = reports.iter().map(|r| r.rows).sum();
                eprintln!("demo store ready: {} imports, {rows} rows", reports.len());
            }
            Err(e) => {
                drop(store);
                let _ = std::fs::remove_file(db);
                let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
                return Err(e).context("building the demo store failed (the partial file was removed)");
            }
        }
    }
    let demo = store.is_demo()?;
    // Safe defaults: only the synthetic demo on a loopback address may be served without sign-in.
    let login = args.require_login || !args.bind.ip().is_loopback() || !demo;
    if login && !users::any_enabled(&store)? {
        let why = if !demo {
            "this store holds your data"
        } else if !args.bind.ip().is_loopback() {
            "the address is reachable from other machines"
        } else {
            "--require-login was given"
        };
        anyhow::bail!(
            "refusing to serve {} on {}: {why}, so everyone must sign in, and the store has no users yet.\n\
             Create an admin (the command prints their token), then start serve again:\n  \
             commune-atlas --db {} users add NAME --role admin --scope '*'\n\
             (To try the demo without accounts, serve it on 127.0.0.1 without --require-login.)",
            db.display(),
            args.bind,
            db.display()
        );
    }
    let api::Loaded { refreshed, snapshot, analytics_time, tiles, tiles_time } = api::load(&store, args.snap_tolerance)?;
    if let Some(r) = refreshed {
        eprintln!("classified {} commune-years with the current rules in {:.2} s", r.classified, r.seconds);
    }
    let budget = args.memory_budget;
    let tile_cache_mb = args.tile_cache_mb.unwrap_or(budget * 3 / 10);
    let tiles = tiles.with_cache_bytes(tile_cache_mb << 20);
    if std::env::var_os("ATLAS_DUCKDB_MEMORY").is_none() {
        store.set_memory_limit_mb(budget * 3 / 10)?;
    }
    let layers = tiles.layers();
    eprintln!(
        "built {} tile layers ({} features) in {:.2} s; analytics snapshot in {:.2} s",
        layers.len(),
        layers.iter().map(|l| l.features).sum::<usize>(),
        tiles_time.as_secs_f64(),
        analytics_time.as_secs_f64()
    );
    let auth = AuthConfig {
        required: login,
        rate_per_sec: args.rate_limit,
        burst: args.rate_limit * 4.0,
        tile_rate_per_sec: args.tile_rate_limit,
        read_only: args.read_only,
        session_ttl: args.session_ttl,
    };
    let state = AppState::new(Arc::new(store), demo, snapshot, tiles, auth)?;
    state.answers.set_budget((budget / 10) << 20);
    eprintln!(
        "memory budget {budget} MB: DuckDB {} MB, tile cache {tile_cache_mb} MB, answers {} MB",
        if std::env::var_os("ATLAS_DUCKDB_MEMORY").is_some() { "ATLAS_DUCKDB_MEMORY".to_string() } else { (budget * 3 / 10).to_string() },
        budget / 10
    );
    if !args.no_prerender && tile_cache_mb > 0 {
        let st = state.clone();
        let zoom = args.prerender_zoom;
        std::thread::Builder::new()
            .name("prerender".into())
            .spawn(move || {
                let t = Instant::now();
                st.tiles().prerender(st.all_scope.as_ref(), zoom, &st.prerender);
                let p = &st.prerender;
                tracing::info!(tiles = p.done.load(std::sync::atomic::Ordering::Relaxed), seconds = t.elapsed().as_secs_f64(), "tiles rendered ahead to zoom {zoom}");
            })
            .context("starting the tile prerender thread")?;
    }
    // Blocking work (renders, DuckDB, files) is bounded by semaphores; a small blocking pool
    // keeps a burst from growing hundreds of threads (and their memory).
    let runtime = tokio::runtime::Builder::new_multi_thread().max_blocking_threads(64).enable_all().build()?;
    runtime.block_on(api::serve(state, args.bind, |addr| {
        eprintln!(
            "commune-atlas serving {} on http://{addr}/ ({}; {}; ready in {:.2} s)",
            db.display(),
            if demo { "synthetic demo data" } else { "your data" },
            if login { "sign-in required" } else { "demo mode, no sign-in" },
            started.elapsed().as_secs_f64()
        );
    }))
    .with_context(|| format!("serving on {}", args.bind))?;
    Ok(())
}
