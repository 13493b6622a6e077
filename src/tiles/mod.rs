//! Vector tiles: the in-memory atlas of every boundary version and level, zoom-banded shared-arc
//! simplification, MVT 2.1 encoding and a bounded tile cache.
//!
//! Layer ids are `{level}.{version}` — `communes.demo-2025`, `provinces.demo-2019`,
//! `districts.demo-2019` — plus `routes` (key drug routes) and the aliases `communes`,
//! `districts`, `provinces` for the newest version that has that level.
//!
//! Pipeline per layer, built once at start-up:
//! lon/lat → Web Mercator world units → shared arcs ([`topology`]) → each arc simplified per
//! zoom band ([`simplify`]) → an R-tree over unit parts ([`layer`]). Per tile: the R-tree finds
//! the units, rings are rebuilt from the band's arcs, clipped with a buffer ([`clip`]), quantised
//! and encoded ([`mvt`]), gzipped and cached ([`cache`]) under the layer's content hash, so a
//! re-imported version can never be served from stale entries. From a zoom per level
//! ([`layer::label_min_zoom`]) a tile also carries `<level>_label`: each unit's label point, in
//! the one tile that holds it; [`glyphs`] draws the font MapLibre letters those labels with.
//! Key routes are cut once along the newest communes, so a scoped user's route tiles carry only
//! the stretches inside their communes ([`layer::LineLayer`]).

pub mod archive;
pub mod cache;
pub mod clip;
pub mod glyphs;
pub mod gzip;
pub mod layer;
pub mod mercator;
pub mod mvt;
pub mod simplify;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use duckdb::Connection;

use self::cache::{Encoded, TileCache};
use self::layer::{LineLayer, LonLatPolygons, PolygonLayer, UnitMeta};
use crate::error::{Error, Result};
use crate::hash::Fnv;
use crate::store::Store;
use crate::vocab::{Level, RouteScope};

/// Highest zoom tiles are made for (clients over-zoom beyond it).
pub const MAX_ZOOM: u8 = 14;
/// Cache budget in bytes.
pub const CACHE_BYTES: usize = 192 << 20;

/// What a layer draws.
pub enum Kind {
    Polygons(PolygonLayer),
    Lines(LineLayer),
}

/// A built layer and what TileJSON says about it.
pub struct LayerEntry {
    pub id: String,
    /// Layer name inside tiles: `communes`, `districts`, `provinces`, `routes`.
    pub name: String,
    pub version: Option<String>,
    pub kind: Kind,
    /// Content hash of the layer's source rows: part of every cache key and ETag.
    pub hash: u64,
    /// `hash` as the 16 hex digits clients are given (`?v=`), made once.
    pub tag: String,
    /// [west, south, east, north] in degrees.
    pub bounds: [f64; 4],
    pub features: usize,
    pub build_seconds: f64,
    /// `valid_from` of the layer's boundary version (aliases pick the newest).
    pub valid_from: Option<String>,
    /// The level of a polygon layer (`None` for key routes).
    pub level: Option<Level>,
    /// What snapping changed: vertices moved, inserted, units touched.
    pub snapped: (usize, usize, usize),
    /// The tolerance the layer was snapped with (degrees; 0: exact data, or key routes).
    pub snap_tolerance: f64,
}

/// Unit parts a tile may meet and still be rendered where it is asked for (on an async worker):
/// a few dozen rings clip and encode in tens of microseconds, less than handing the render to
/// another thread and waking the answer costs. Heavier tiles (low zooms, dense cities) render
/// on the blocking pool.
pub const LIGHT_PARTS: usize = 48;

impl LayerEntry {
    /// A tile that renders quickly enough to render in place ([`LIGHT_PARTS`]); line layers
    /// simplify per tile, so never.
    pub fn light(&self, z: u32, x: u32, y: u32) -> bool {
        match &self.kind {
            Kind::Polygons(p) => z <= u32::from(MAX_ZOOM) && p.meets_at_most(z as u8, x, y, LIGHT_PARTS),
            Kind::Lines(_) => false,
        }
    }

    /// Everything the layer draws, in world coordinates `[min_x, min_y, max_x, max_y]`.
    pub fn world_bbox(&self) -> [f64; 4] {
        match &self.kind {
            Kind::Polygons(p) => p.bbox,
            Kind::Lines(l) => l.bbox,
        }
    }

    /// The cache key of tile z/x/y of this layer for the units `filter` keeps.
    fn key(&self, filter: &dyn UnitFilter, z: u8, x: u32, y: u32) -> cache::Key {
        (self.hash ^ filter.key(), cache::pack(z, x, y))
    }

    /// Field names and types, for TileJSON `vector_layers`.
    pub fn fields(&self) -> Vec<(&'static str, &'static str)> {
        match self.kind {
            Kind::Polygons(_) => vec![("code", "String"), ("name", "String"), ("province", "String")],
            Kind::Lines(_) => vec![("name", "String"), ("route_scope", "String")],
        }
    }

    /// The tile's layers: polygons (and, from [`layer::label_min_zoom`], `<name>_label` points) or
    /// lines; empty when nothing falls in the tile.
    fn render(&self, z: u8, x: u32, y: u32, filter: &dyn UnitFilter) -> Vec<mvt::LayerBuilder> {
        match &self.kind {
            Kind::Polygons(p) => p.render(z, x, y, &|id| filter.keep(id)),
            Kind::Lines(l) => l.render(z, x, y, filter).into_iter().collect(),
        }
    }

    /// TileJSON `vector_layers` entries: the layer itself and, for polygons, its label points.
    pub fn vector_layers(&self, max_zoom: u8) -> Vec<serde_json::Value> {
        let fields = |f: Vec<(&str, &str)>| f.into_iter().map(|(k, t)| (k.to_string(), serde_json::Value::String(t.to_string()))).collect::<serde_json::Map<_, _>>();
        let named_from = layer::label_min_zoom(&self.name).min(max_zoom);
        let mut out = vec![serde_json::json!({
            "id": self.name,
            "description": match self.kind {
                Kind::Polygons(_) => format!("{} ({} features); feature id = unit id; code, name and province from zoom {named_from} (below it the feature id alone: the unit id, which /api/labels names)", self.name, self.features),
                Kind::Lines(_) => format!("{} ({} features); feature id = unit id", self.name, self.features),
            },
            "minzoom": 0,
            "maxzoom": max_zoom,
            "fields": fields(self.fields()),
        })];
        if matches!(self.kind, Kind::Polygons(_)) {
            out.push(serde_json::json!({
                "id": format!("{}_label", self.name),
                "description": format!("label point of each {} feature, in the one tile that holds it; feature id = unit id", self.name),
                "minzoom": layer::label_min_zoom(&self.name).min(max_zoom),
                "maxzoom": max_zoom,
                "fields": fields(self.fields()),
            }));
        }
        out
    }
}

/// Tile coordinates from URL path segments (`y` may end in `.mvt` or `.pbf`); the range against
/// the pyramid is checked when the tile is made.
pub fn parse_coords(z: &str, x: &str, y_file: &str) -> std::result::Result<(u32, u32, u32), String> {
    let y = tile_stem(y_file);
    let num = |s: &str, what: &str| s.parse::<u32>().map_err(|_| format!("tile {what} must be a non-negative integer, got '{s}'"));
    Ok((num(z, "zoom")?, num(x, "x")?, num(y, "y")?))
}

/// The last segment of a tile URL without its `.mvt` or `.pbf` ending.
pub fn tile_stem(segment: &str) -> &str {
    segment.strip_suffix(".mvt").or_else(|| segment.strip_suffix(".pbf")).unwrap_or(segment)
}

/// Which units a tile may show (a user's scope): polygons of those units, and the stretches of
/// line layers inside them. `key` tells cache entries of different filters apart (0 =
/// everything).
pub trait UnitFilter: Sync {
    fn keep(&self, unit_id: i64) -> bool;
    fn key(&self) -> u64;
    /// Keeps every unit: lines are drawn whole, also where they leave every unit.
    fn everything(&self) -> bool;
}

/// Every unit.
pub struct Everything;

impl UnitFilter for Everything {
    fn keep(&self, _: i64) -> bool {
        true
    }
    fn key(&self) -> u64 {
        0
    }
    fn everything(&self) -> bool {
        true
    }
}

/// The alias `communes`, `districts` or `provinces`: that level's layer of the newest boundary
/// version (latest `valid_from`).
fn newest<'a>(layers: &'a BTreeMap<String, Arc<LayerEntry>>, alias: &str) -> Option<&'a Arc<LayerEntry>> {
    let level = Level::from_plural(alias)?;
    layers.values().filter(|l| l.level == Some(level)).max_by(|a, b| a.valid_from.cmp(&b.valid_from))
}

/// Why a tile cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("no tile layer named '{0}'")]
    UnknownLayer(String),
    #[error("tile {z}/{x}/{y} is outside the pyramid (zoom 0–{max}, x and y below 2^zoom)")]
    OutOfRange { z: u32, x: u32, y: u32, max: u8 },
}

/// How far rendering every tile ahead of time has come ([`TileService::prerender`]).
#[derive(Debug, Default)]
pub struct Prerender {
    /// Tiles rendered (or found cached) so far.
    pub done: std::sync::atomic::AtomicU64,
    /// Tiles to render up to the target zoom.
    pub total: std::sync::atomic::AtomicU64,
    /// The zoom being rendered now.
    pub zoom: std::sync::atomic::AtomicU8,
    /// The deepest zoom asked for.
    pub target: std::sync::atomic::AtomicU8,
    /// Stopped before the target because the cache would have been more than half full.
    pub stopped_at_budget: std::sync::atomic::AtomicBool,
    pub finished: std::sync::atomic::AtomicBool,
    pub started: std::sync::atomic::AtomicBool,
}

impl Prerender {
    /// For `/api/health`.
    pub fn describe(&self) -> serde_json::Value {
        use std::sync::atomic::Ordering::Relaxed;
        serde_json::json!({
            "started": self.started.load(Relaxed),
            "finished": self.finished.load(Relaxed),
            "tiles_done": self.done.load(Relaxed),
            "tiles_total": self.total.load(Relaxed),
            "zoom": self.zoom.load(Relaxed),
            "target_zoom": self.target.load(Relaxed),
            "stopped_at_budget": self.stopped_at_budget.load(Relaxed),
        })
    }
}

/// The tiles of a layer worth rendering ahead at zoom `z`: every tile of its extent where a unit
/// (or a line) lies.
fn tiles_with_data(layer: &LayerEntry, z: u8) -> Vec<(u32, u32)> {
    let (x0, y0, x1, y1) = mercator::tile_range(z, layer.world_bbox());
    let mut out = Vec::new();
    for x in x0..=x1 {
        for y in y0..=y1 {
            let keep = match &layer.kind {
                Kind::Polygons(p) => !p.units_meeting(mercator::tile_bounds(z, x, y)).is_empty(),
                Kind::Lines(_) => true,
            };
            if keep {
                out.push((x, y));
            }
        }
    }
    out
}

/// How big a zoom's tiles are: every non-empty tile of a layer at one zoom, rendered for
/// everyone (no scope), raw and gzipped. For size reports and the tile-size budget.
#[derive(Debug, Clone, Default)]
pub struct ZoomSizes {
    pub zoom: u8,
    pub tiles: usize,
    pub max_raw: usize,
    /// Where the largest raw tile is (x, y).
    pub max_raw_at: (u32, u32),
    pub sum_raw: usize,
    pub max_gzip: usize,
    pub sum_gzip: usize,
}

impl ZoomSizes {
    /// The column heads of [`ZoomSizes`]' `Display` row.
    pub const HEADER: &'static str = "zoom  tiles  largest raw    mean raw  largest gzip   mean gzip";

    pub fn mean_raw(&self) -> f64 {
        self.sum_raw as f64 / self.tiles.max(1) as f64
    }
    pub fn mean_gzip(&self) -> f64 {
        self.sum_gzip as f64 / self.tiles.max(1) as f64
    }
}

/// One row of a size report: zoom, tiles, largest and mean raw, largest and mean gzip (KB).
impl std::fmt::Display for ZoomSizes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kb = |b: f64| b / 1024.0;
        write!(
            f,
            "z{:<3} {:>6} {:>9.1} KB {:>8.1} KB {:>10.1} KB {:>8.1} KB",
            self.zoom,
            self.tiles,
            kb(self.max_raw as f64),
            kb(self.mean_raw()),
            kb(self.max_gzip as f64),
            kb(self.mean_gzip())
        )
    }
}

/// Render every tile of `layer` with data at zoom `z` (on every core) and measure them.
pub fn zoom_sizes(layer: &LayerEntry, z: u8) -> ZoomSizes {
    let tiles = tiles_with_data(layer, z);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(16);
    let chunk = tiles.len().div_ceil(threads).max(1);
    let parts: Vec<ZoomSizes> = std::thread::scope(|s| {
        let handles: Vec<_> = tiles
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut out = ZoomSizes { zoom: z, ..ZoomSizes::default() };
                    for &(x, y) in part {
                        let Some(t) = TileService::encode(layer, z, x, y, &Everything) else { continue };
                        out.tiles += 1;
                        out.sum_raw += t.raw.len();
                        out.sum_gzip += t.gzip.len();
                        if t.raw.len() > out.max_raw {
                            out.max_raw = t.raw.len();
                            out.max_raw_at = (x, y);
                        }
                        out.max_gzip = out.max_gzip.max(t.gzip.len());
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    parts.into_iter().fold(ZoomSizes { zoom: z, ..ZoomSizes::default() }, |mut a, b| {
        a.tiles += b.tiles;
        a.sum_raw += b.sum_raw;
        a.sum_gzip += b.sum_gzip;
        if b.max_raw > a.max_raw {
            a.max_raw = b.max_raw;
            a.max_raw_at = b.max_raw_at;
        }
        a.max_gzip = a.max_gzip.max(b.max_gzip);
        a
    })
}

/// A tile being rendered: whoever asks for it meanwhile waits for that one render.
type InFlight = Arc<std::sync::OnceLock<Option<Arc<Encoded>>>>;

/// Every layer, the aliases and the cache.
pub struct TileService {
    layers: RwLock<BTreeMap<String, Arc<LayerEntry>>>,
    cache: TileCache,
    /// Tiles being rendered now, by cache key (single flight: concurrent misses of one tile
    /// render it once).
    inflight: std::sync::Mutex<std::collections::HashMap<cache::Key, InFlight>>,
    /// Tiles rendered since start (misses, not answers).
    renders: std::sync::atomic::AtomicU64,
    /// The glyphs labels of these layers draw (their names' letters, per font).
    repertoire: RwLock<Arc<glyphs::LabelGlyphs>>,
}

/// The label glyphs of `layers`: the letters of every unit name, in its level's font.
fn repertoire_of(layers: &BTreeMap<String, Arc<LayerEntry>>) -> glyphs::LabelGlyphs {
    glyphs::LabelGlyphs::new(layers.values().filter_map(|l| match (&l.kind, l.level) {
        (Kind::Polygons(p), Some(level)) => Some(p.units.iter().map(move |u| (glyphs::label_font(level), u.name.as_str()))),
        _ => None,
    }).flatten())
}

/// A layer to build: id, tile layer name, version id and name, level.
struct Spec {
    id: String,
    version_id: i32,
    version: String,
    valid_from: String,
    level: Level,
    snap: f64,
}

fn load_units(conn: &Connection, s: &Spec) -> Result<(Vec<UnitMeta>, Vec<LonLatPolygons>, u64)> {
    let ctx = format!("loading {} for tiles", s.id);
    let mut stmt = conn.prepare(include_str!("sql/layer_units.sql")).map_err(Error::store(ctx.clone()))?;
    let mut rows = stmt.query(duckdb::params![s.version_id, s.level]).map_err(Error::store(ctx.clone()))?;
    let mut metas = Vec::new();
    let mut geoms = Vec::new();
    let mut hash = Fnv::default();
    hash.write(s.id.as_bytes());
    while let Some(r) = rows.next().map_err(Error::store(ctx.clone()))? {
        let id: i64 = r.get(0).map_err(Error::store(ctx.clone()))?;
        let code: String = r.get(1).map_err(Error::store(ctx.clone()))?;
        let name: String = r.get(2).map_err(Error::store(ctx.clone()))?;
        let province: Option<String> = r.get(3).map_err(Error::store(ctx.clone()))?;
        let (lon, lat): (f64, f64) = (r.get(4).map_err(Error::store(ctx.clone()))?, r.get(5).map_err(Error::store(ctx.clone()))?);
        let text: String = r.get(6).map_err(Error::store(ctx.clone()))?;
        for part in [id.to_string().as_bytes(), code.as_bytes(), name.as_bytes(), text.as_bytes()] {
            hash.write(part);
            hash.write(&[0]);
        }
        let polys = crate::geo::stored::polygons(&text).map_err(|e| Error::Corrupt(format!("unit {id} geometry: {e}")))?;
        metas.push(UnitMeta { id, code, name, province, label: mercator::to_world(lon, lat) });
        geoms.push(polys);
    }
    Ok((metas, geoms, hash.finish()))
}

fn bounds_of(world: [f64; 4]) -> [f64; 4] {
    let a = mercator::to_lonlat([world[0], world[3]]);
    let b = mercator::to_lonlat([world[2], world[1]]);
    [a[0], a[1], b[0], b[1]]
}

fn build_layer(conn: &Connection, s: &Spec, snap_tol: f64) -> Result<LayerEntry> {
    let started = Instant::now();
    let (metas, geoms, hash) = load_units(conn, s)?;
    let loaded = started.elapsed();
    let features = metas.len();
    let (layer, report) = PolygonLayer::build(s.level.plural(), metas, geoms, snap_tol);
    tracing::debug!(layer = %s.id, load_s = loaded.as_secs_f64(), build_s = (started.elapsed() - loaded).as_secs_f64(), "tile layer built");
    let bounds = bounds_of(layer.bbox);
    Ok(LayerEntry {
        id: s.id.clone(),
        name: s.level.plural().to_string(),
        version: Some(s.version.clone()),
        kind: Kind::Polygons(layer),
        hash,
        tag: format!("{hash:016x}"),
        bounds,
        features,
        build_seconds: started.elapsed().as_secs_f64(),
        valid_from: Some(s.valid_from.clone()),
        level: Some(s.level),
        snapped: (report.moved(), report.inserted(), report.units_changed()),
        snap_tolerance: snap_tol,
    })
}

fn routes_layer(conn: &Connection, communes: Option<&PolygonLayer>) -> Result<Option<LayerEntry>> {
    let ctx = "loading key routes for tiles";
    let started = Instant::now();
    let mut stmt = conn.prepare(include_str!("sql/routes.sql")).map_err(Error::store(ctx))?;
    let mut rows = stmt.query([]).map_err(Error::store(ctx))?;
    let mut lines = Vec::new();
    let mut hash = Fnv::default();
    hash.write(b"routes");
    while let Some(r) = rows.next().map_err(Error::store(ctx))? {
        let id: i64 = r.get(0).map_err(Error::store(ctx))?;
        let name: String = r.get(1).map_err(Error::store(ctx))?;
        let scope: RouteScope = r.get(2).map_err(Error::store(ctx))?;
        let text: String = r.get(3).map_err(Error::store(ctx))?;
        hash.write(text.as_bytes());
        let parts = crate::geo::stored::lines(&text).map_err(|e| Error::Corrupt(format!("route {id} geometry: {e}")))?;
        for p in parts {
            lines.push((id, name.clone(), scope.as_str().to_string(), p));
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let features = lines.len();
    let mut layer = LineLayer::build("routes", lines);
    if let Some(c) = communes {
        let t = Instant::now();
        layer.clip_to_units(c);
        tracing::debug!(routes = layer.lines.len(), pieces = layer.pieces.len(), seconds = t.elapsed().as_secs_f64(), "key routes cut along the communes");
    }
    let bounds = bounds_of(layer.bbox);
    let hash = hash.finish();
    Ok(Some(LayerEntry {
        id: "routes".into(),
        name: "routes".into(),
        version: None,
        kind: Kind::Lines(layer),
        hash,
        tag: format!("{hash:016x}"),
        bounds,
        features,
        build_seconds: started.elapsed().as_secs_f64(),
        valid_from: None,
        level: None,
        snapped: (0, 0, 0),
        snap_tolerance: 0.0,
    }))
}

impl TileService {
    /// Build every layer of the store (in parallel, one thread per core). Neighbours are snapped
    /// within each boundary version's `snap_tolerance` (see [`snap`]), or `snap_tol` for all
    /// versions when given.
    pub fn load(store: &Store, snap_tol: Option<f64>) -> Result<TileService> {
        let conn = store.connect()?;
        let versions = crate::store::queries::boundary_versions(&conn)?;
        let mut specs = Vec::new();
        for v in &versions {
            for (level, n) in [(Level::Commune, v.units.commune), (Level::District, v.units.district), (Level::Province, v.units.province)] {
                if n > 0 {
                    specs.push(Spec {
                        id: format!("{}.{}", level.plural(), v.name),
                        version_id: v.id,
                        version: v.name.clone(),
                        valid_from: v.valid_from.clone(),
                        snap: snap_tol.unwrap_or(v.snap_tolerance),
                        level,
                    });
                }
            }
        }
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(specs.len().max(1));
        let mut built: Vec<Result<LayerEntry>> = Vec::new();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let specs = &specs;
                    scope.spawn(move || -> Vec<Result<LayerEntry>> {
                        let conn = match store.connect() {
                            Ok(c) => c,
                            Err(e) => return vec![Err(e)],
                        };
                        specs.iter().skip(t).step_by(threads).map(|s| build_layer(&conn, s, s.snap)).collect()
                    })
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(v) => built.extend(v),
                    Err(_) => built.push(Err(Error::Internal("a tile layer build thread panicked".into()))),
                }
            }
        });
        let mut layers = BTreeMap::new();
        for b in built {
            let e = b?;
            layers.insert(e.id.clone(), Arc::new(e));
        }
        // Routes are cut along the newest communes, for scoped tiles.
        let communes = newest(&layers, "communes").and_then(|l| match &l.kind {
            Kind::Polygons(p) => Some(p),
            Kind::Lines(_) => None,
        });
        if let Some(r) = routes_layer(&conn, communes)? {
            layers.insert(r.id.clone(), Arc::new(r));
        }
        let repertoire = RwLock::new(Arc::new(repertoire_of(&layers)));
        Ok(TileService { layers: RwLock::new(layers), cache: TileCache::new(CACHE_BYTES), inflight: Default::default(), renders: Default::default(), repertoire })
    }

    /// Build the layers anew from the store (after a boundary import), with the tolerance each
    /// version recorded, and empty the cache; requests keep being answered meanwhile.
    pub fn reload(&self, store: &Store) -> Result<()> {
        let fresh = TileService::load(store, None)?;
        let layers = fresh.layers.into_inner().unwrap_or_else(|p| p.into_inner());
        *self.repertoire.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(repertoire_of(&layers));
        *self.layers.write().unwrap_or_else(|p| p.into_inner()) = layers;
        self.cache.clear();
        Ok(())
    }

    /// The glyphs the labels of the layers served now draw, per font.
    pub fn repertoire(&self) -> Arc<glyphs::LabelGlyphs> {
        self.repertoire.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Use a tile cache of `bytes` (0 turns caching off: every tile is rendered anew).
    pub fn with_cache_bytes(mut self, bytes: usize) -> TileService {
        self.cache = TileCache::new(bytes);
        self
    }

    /// A layer by id or alias (`communes` = the newest version's communes).
    pub fn layer(&self, id: &str) -> Option<Arc<LayerEntry>> {
        let layers = self.layers.read().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = layers.get(id) {
            return Some(l.clone());
        }
        newest(&layers, id).cloned()
    }

    /// Every layer.
    pub fn layers(&self) -> Vec<Arc<LayerEntry>> {
        self.layers.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// The tile z/x/y of a layer, every unit in it: `Ok(None)` for an empty tile.
    pub fn tile(&self, id: &str, z: u32, x: u32, y: u32) -> std::result::Result<Option<Arc<Encoded>>, TileError> {
        let layer = self.layer(id).ok_or_else(|| TileError::UnknownLayer(id.to_string()))?;
        self.tile_of(&layer, z, x, y, &Everything)
    }

    /// The tile z/x/y of an already resolved layer with the units `filter` keeps (cached per
    /// filter key).
    pub fn tile_of(
        &self,
        layer: &LayerEntry,
        z: u32,
        x: u32,
        y: u32,
        filter: &dyn UnitFilter,
    ) -> std::result::Result<Option<Arc<Encoded>>, TileError> {
        if z > u32::from(MAX_ZOOM) || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
            return Err(TileError::OutOfRange { z, x, y, max: MAX_ZOOM });
        }
        let z = z as u8;
        let key = layer.key(filter, z, x, y);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        // Single flight: the first miss renders, the others wait for its result.
        let cell = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            // Looked up again under the lock: a render that finished since the lookup above
            // put its tile in the cache before it left `inflight`.
            if let Some(hit) = self.cache.get(&key) {
                return Ok(hit);
            }
            inflight.entry(key).or_default().clone()
        };
        let tile = cell
            .get_or_init(|| {
                self.renders.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let t = Self::encode(layer, z, x, y, filter);
                self.cache.put(key, t.clone());
                t
            })
            .clone();
        let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        if inflight.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            inflight.remove(&key);
        }
        Ok(tile)
    }

    /// A cached tile, without rendering: `None` on a miss (the caller renders it off the async
    /// workers with [`TileService::tile_of`]).
    pub fn cached(&self, layer: &LayerEntry, z: u32, x: u32, y: u32, filter: &dyn UnitFilter) -> Option<Option<Arc<Encoded>>> {
        if z > u32::from(MAX_ZOOM) {
            return None;
        }
        self.cache.get(&layer.key(filter, z as u8, x, y))
    }

    /// Tiles rendered so far (cache misses; concurrent misses of one tile count once).
    pub fn renders(&self) -> u64 {
        self.renders.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The cache's byte budget.
    pub fn cache_budget(&self) -> usize {
        self.cache.budget()
    }

    /// Render ahead of time every tile with data of every layer, for the units `filter` keeps,
    /// from zoom 0 down to `max_zoom`, zoom by zoom, so the first visitors find them cached. Stops
    /// after a zoom that fills more than half the cache (deeper tiles render on demand), and
    /// when the layers are replaced meanwhile (a boundary import). Meant for a background thread.
    pub fn prerender(&self, filter: &dyn UnitFilter, max_zoom: u8, progress: &Prerender) {
        use std::sync::atomic::Ordering::Relaxed;
        let max_zoom = max_zoom.min(MAX_ZOOM);
        progress.target.store(max_zoom, Relaxed);
        progress.started.store(true, Relaxed);
        let layers = self.layers();
        let plan: Vec<(u8, Vec<(Arc<LayerEntry>, Vec<(u32, u32)>)>)> =
            (0..=max_zoom).map(|z| (z, layers.iter().map(|l| (l.clone(), tiles_with_data(l, z))).collect())).collect();
        let total: usize = plan.iter().flat_map(|(_, ls)| ls.iter().map(|(_, t)| t.len())).sum();
        progress.total.store(total as u64, Relaxed);
        for (z, per_layer) in plan {
            progress.zoom.store(z, Relaxed);
            for (layer, tiles) in per_layer {
                for (x, y) in tiles {
                    // Replaced layers (a boundary import): these tiles would never be asked for.
                    if self.layer(&layer.id).is_none_or(|l| !Arc::ptr_eq(&l, &layer)) {
                        progress.finished.store(true, Relaxed);
                        return;
                    }
                    let _ = self.tile_of(&layer, u32::from(z), x, y, filter);
                    progress.done.fetch_add(1, Relaxed);
                }
            }
            if self.cache.stats().1 * 2 > self.cache.budget() {
                progress.stopped_at_budget.store(z < max_zoom, Relaxed);
                break;
            }
        }
        progress.finished.store(true, Relaxed);
    }

    /// Render, encode and gzip one tile (no cache).
    pub fn encode(layer: &LayerEntry, z: u8, x: u32, y: u32, filter: &dyn UnitFilter) -> Option<Arc<Encoded>> {
        let built = layer.render(z, x, y, filter);
        if built.is_empty() {
            return None;
        }
        let mut raw = mvt::tile(built);
        let (mut gzip, crc) = gzip::gzip(&raw);
        // The cache keeps these for hours and counts their lengths: a grown vector's spare
        // capacity (up to as much again) would be memory the budget does not see.
        raw.shrink_to_fit();
        gzip.shrink_to_fit();
        // The layer's content hash and the scope already change with any change of data; the
        // body's CRC-32 and length (computed for the gzip trailer anyway) tell tiles apart.
        let mut h = Fnv::default();
        h.write(&(layer.hash ^ filter.key()).to_le_bytes());
        h.write(&crc.to_le_bytes());
        h.write(&(raw.len() as u64).to_le_bytes());
        let h = h.finish();
        let value = |s: String| axum::http::HeaderValue::from_str(&s).unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"0\""));
        Some(Arc::new(Encoded { raw: raw.into(), gzip: gzip.into(), etag: value(format!("\"{h:016x}\"")), etag_gzip: value(format!("\"{h:016x}-gzip\"")) }))
    }

    /// Cached tiles and their bytes.
    pub fn cache_stats(&self) -> (usize, usize) {
        self.cache.stats()
    }
}
