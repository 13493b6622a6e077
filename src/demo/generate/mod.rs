//! `commune-atlas demo generate`: a deterministic synthetic country, topologically exact.
//!
//! One Voronoi tessellation (Poisson-disc seeds, Lloyd-relaxed) covers the land; cells are
//! grouped into communes → districts → provinces for the pre-reform vintage, and communes are
//! merged (and a few split) into the post-reform vintage, as on 1 July 2025. Every unit's outline
//! is the union of its cells, so every boundary between two units — at every level, in both
//! vintages — is the very same sequence of vertices on both sides. Indicators, recognitions,
//! quotas and targets tell a story an analyst can find (see [`story`]).
//!
//! Everything is derived from the seed with [`rng::Rng`]; the same seed gives byte-identical files.

pub mod mesh;
mod names;
pub mod outline;
mod partition;
pub mod rng;
pub mod story;
mod write;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use self::mesh::Mesh;
use self::names::Namer;
use self::rng::{Rng, fractal_noise};
use crate::error::{Error, Result};
use crate::vocab::Level;

/// How big a country to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 3 provinces, ~25 districts, ~700 communes before the reform; committed under `data/demo/`.
    Demo,
    /// 63 → 34 provinces, ~10,000 → ~3,321 communes; for benchmarks, never committed.
    National,
}

impl std::str::FromStr for Scale {
    type Err = Error;
    fn from_str(s: &str) -> Result<Scale> {
        match s {
            "demo" => Ok(Scale::Demo),
            "national" => Ok(Scale::National),
            other => Err(Error::InvalidArgument(format!("--scale must be demo or national, not '{other}'"))),
        }
    }
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Demo => "demo",
            Scale::National => "national",
        }
    }
}

/// Sizes that differ between scales.
struct Params {
    width_km: f64,
    height_km: f64,
    cell_r_km: f64,
    lon0: f64,
    lat0: f64,
    provinces: usize,
    districts: usize,
    communes: usize,
    provinces_after: usize,
    communes_after: usize,
    province_code_base: usize,
    district_code_base: usize,
    commune_code_base: usize,
    /// Levels of boundary detail added (removed) from the default (each doubles or halves the
    /// vertices of an edge).
    detail: i32,
}

impl Params {
    fn of(scale: Scale) -> Params {
        match scale {
            Scale::Demo => Params {
                width_km: 185.0,
                height_km: 175.0,
                cell_r_km: 2.35,
                lon0: 105.95,
                lat0: 20.35,
                provinces: 3,
                districts: 25,
                communes: 700,
                provinces_after: 2,
                communes_after: 210,
                province_code_base: 97,
                district_code_base: 975,
                commune_code_base: 90001,
                detail: 0,
            },
            Scale::National => Params {
                width_km: 620.0,
                height_km: 600.0,
                cell_r_km: 2.45,
                lon0: 104.2,
                lat0: 14.6,
                provinces: 63,
                districts: 705,
                communes: 10_000,
                provinces_after: 34,
                communes_after: 3_321,
                province_code_base: 1,
                district_code_base: 100,
                commune_code_base: 40001,
                detail: -1,
            },
        }
    }
}

/// An administrative unit of either vintage, as a set of mesh cells.
#[derive(Debug, Clone)]
pub struct UnitDef {
    pub code: String,
    pub name: String,
    /// Vietnamese type label as written in source files: Xã, Phường, Thị trấn, Đặc khu, Huyện …
    pub type_label: &'static str,
    pub level: Level,
    pub province_code: String,
    pub province_name: String,
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    pub cells: Vec<usize>,
    /// Population on 1 July 2025 (the reform date), from the cells.
    pub population: i64,
    /// Index into [`story::SCENARIOS`] (provinces and communes).
    pub scenario: usize,
    /// Codes of pre-reform communes overlapping this post-reform commune.
    pub predecessors: Vec<String>,
}

/// One boundary vintage.
#[derive(Debug, Clone, Default)]
pub struct Vintage {
    pub provinces: Vec<UnitDef>,
    pub districts: Vec<UnitDef>,
    pub communes: Vec<UnitDef>,
}

/// A crosswalk link between a pre-reform and a post-reform commune.
#[derive(Debug, Clone)]
pub struct Link {
    pub old: usize,
    pub new: usize,
    pub full: bool,
    pub weight_population: f64,
    pub weight_area: f64,
}

/// Everything generated.
pub struct World {
    pub seed: u64,
    pub scale: Scale,
    pub mesh: Mesh,
    pub cell_pop: Vec<i64>,
    /// Pressure field of drug activity per cell (route, border crossing, noise).
    pub cell_pressure: Vec<f64>,
    pub route: Vec<[f64; 2]>,
    pub border_crossing: [f64; 2],
    pub pre: Vintage,
    pub post: Vintage,
    pub links: Vec<Link>,
    /// Codes of the shapes that break naive code.
    pub specials: Specials,
    /// Voronoi edges drawn straight because their wiggle made some unit invalid.
    pub calm: HashSet<(usize, usize)>,
    /// Extra levels of boundary detail ([`outline::edge_points`]): the national set matches the
    /// vertex density of real boundaries (≈ 136 vertices per commune), so tile sizes measured on
    /// it mean something.
    pub detail: i32,
    lon0: f64,
    lat0: f64,
}

/// The deliberately awkward units.
#[derive(Debug, Clone, Default)]
pub struct Specials {
    /// Pre-reform island district (huyện đảo) that becomes a special zone (đặc khu).
    pub island_district: Option<String>,
    /// A ward completely surrounded by another commune (that commune has a hole).
    pub enclave: Option<String>,
    /// A long, thin commune along a river mouth.
    pub sliver: Option<String>,
}

/// What `generate` wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub files: Vec<(String, u64)>,
    pub communes_before: usize,
    pub communes_after: usize,
    pub districts: usize,
    pub provinces_before: usize,
    pub provinces_after: usize,
    pub indicator_rows: usize,
    pub seconds: f64,
}

impl World {
    /// Plane kilometres → rounded lon/lat (1e-5°, about 1 m).
    pub fn lonlat(&self, p: [f64; 2]) -> [f64; 2] {
        let k_lon = 111.320 * self.lat0.to_radians().cos();
        let lon = self.lon0 + p[0] / k_lon;
        let lat = self.lat0 + p[1] / 110.574;
        [(lon * 1e5).round() / 1e5, (lat * 1e5).round() / 1e5]
    }

    /// Cell area in km² (plane).
    pub fn cell_area(&self, c: usize) -> f64 {
        self.mesh.cells[c].as_ref().map_or(0.0, |x| x.area)
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Distance from `p` to a polyline.
pub fn dist_to_polyline(p: [f64; 2], line: &[[f64; 2]]) -> f64 {
    line.windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len2 = dx * dx + dy * dy;
            let t = if len2 == 0.0 { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) };
            dist(p, [a[0] + t * dx, a[1] + t * dy])
        })
        .fold(f64::INFINITY, f64::min)
}

/// Generate the world for `seed` at `scale`.
pub fn build(seed: u64, scale: Scale) -> World {
    let p = Params::of(scale);
    let (w, h, r) = (p.width_km, p.height_km, p.cell_r_km);
    let mut rng = Rng::derive(seed, "mesh");

    // Seeds, relaxed twice; then a river estuary of dense seeds for the sliver commune.
    let hull = mesh::hull_seeds(&mut rng, w, h, r);
    let n_hull = hull.len();
    let mut seeds = hull;
    seeds.extend(mesh::poisson_disc(&mut rng, w, h, r));
    let mut m = Mesh::build(seeds, n_hull, w, h);
    for _ in 0..2 {
        m = m.relaxed();
    }
    let coast_seed = Rng::derive(seed, "coast").next_u64();
    let is_land = |q: [f64; 2]| -> bool {
        let (u, v) = (q[0] / w, q[1] / h);
        // The coast runs along the east and south-east with bays and capes; the land borders
        // (west, north, south) are irregular too, never the straight edge of the domain.
        let coast = 0.66 + 0.2 * (v - 0.5) - u + 0.45 * fractal_noise(coast_seed, u * 2.8, v * 2.8, 5);
        let border = u.min(v).min(1.0 - v) - 0.06 - 0.05 * fractal_noise(coast_seed ^ 0x5EED, u * 5.0, v * 5.0, 4);
        coast > 0.0 && border > 0.0
    };
    let river = river_line(&is_land, w, h);
    let (seeds, sliver_seeds) = with_river(&m.seeds, n_hull, &river, r);
    let m = Mesh::build(seeds, n_hull, w, h);

    // Land: the mask, islands offshore, and the river cells.
    let mut rng = Rng::derive(seed, "islands");
    let n_islands = if scale == Scale::Demo { 5 } else { 40 };
    let mut islands: Vec<([f64; 2], f64)> = Vec::new();
    for i in 0..n_islands * 20 {
        if islands.len() == n_islands {
            break;
        }
        let c = [rng.range(0.05 * w, 0.97 * w), rng.range(0.05 * h, 0.95 * h)];
        let radius = if i == 0 { 2.6 * r } else { rng.range(0.9, 1.8) * r };
        let offshore = !is_land(c) && (0..16).all(|k| {
            let a = k as f64 * std::f64::consts::TAU / 16.0;
            !is_land([c[0] + 3.5 * r * a.cos(), c[1] + 3.5 * r * a.sin()])
        });
        let near_coast = (0..16).any(|k| {
            let a = k as f64 * std::f64::consts::TAU / 16.0;
            is_land([c[0] + 9.0 * r * a.cos(), c[1] + 9.0 * r * a.sin()])
        });
        if offshore && near_coast && islands.iter().all(|(o, rr)| dist(*o, c) > rr + radius + 3.0 * r) {
            islands.push((c, radius));
        }
    }
    let sliver_set: HashSet<usize> = sliver_seeds.iter().copied().collect();
    let land: Vec<usize> = (0..m.seeds.len())
        .filter(|&i| m.cells[i].is_some())
        .filter(|&i| {
            let s = m.seeds[i];
            let inside = s[0] > 0.5 * r && s[1] > 0.5 * r && s[0] < w - 0.5 * r && s[1] < h - 0.5 * r;
            inside && (is_land(s) || sliver_set.contains(&i) || islands.iter().any(|(c, rr)| dist(*c, s) < *rr))
        })
        .collect();

    // Route: from a border crossing on the northern land border down to the coast.
    let north_land: Vec<f64> = (1..40).map(|k| k as f64 / 40.0 * w).filter(|&x| is_land([x, 0.85 * h])).collect();
    let bx = north_land.get(north_land.len() / 3).copied().unwrap_or(0.3 * w);
    // The crossing sits on the northern land border: the northernmost land point above bx.
    let by = (0..200).map(|k| h - k as f64 * 0.25).find(|&y| is_land([bx, y]) && is_land([bx, y - r])).unwrap_or(0.9 * h);
    let border_crossing = [bx, by];
    let mut route = vec![border_crossing];
    let mut cur = border_crossing;
    let mut rng_route = Rng::derive(seed, "route");
    for _ in 0..12 {
        let next = [cur[0] + rng_route.range(0.02, 0.07) * w, cur[1] - 0.075 * h];
        route.push(next);
        if !is_land(next) {
            break;
        }
        cur = next;
    }

    // Populations (integers, 1 July 2025) and the pressure field.
    let capitals_rng_seed = Rng::derive(seed, "pop").next_u64();
    let mut rng = Rng::derive(seed, "pop-cells");
    let mut cell_pop = vec![0i64; m.seeds.len()];
    let mut cell_pressure = vec![0.0; m.seeds.len()];
    let press_seed = Rng::derive(seed, "pressure").next_u64();
    for &c in &land {
        let s = m.seeds[c];
        let area = m.cells[c].as_ref().map_or(0.0, |x| x.area);
        let urban = (fractal_noise(capitals_rng_seed, s[0] / 40.0, s[1] / 40.0, 2) - 0.35).max(0.0) * 14.0;
        let density = 210.0 * (1.0 + urban) * (0.35 * rng.normal()).exp();
        cell_pop[c] = (density * area).round().max(60.0) as i64;
        let d_route = dist_to_polyline(s, &route);
        let d_border = dist(s, border_crossing);
        cell_pressure[c] = (0.18
            + 1.55 * (-d_route / 11.0).exp()
            + 1.4 * (-d_border / 16.0).exp()
            + 0.22 * fractal_noise(press_seed, s[0] / 25.0, s[1] / 25.0, 3))
        .max(0.02);
    }

    let mut world = World {
        seed,
        scale,
        mesh: m,
        cell_pop,
        cell_pressure,
        route,
        border_crossing,
        pre: Vintage::default(),
        post: Vintage::default(),
        links: Vec::new(),
        specials: Specials::default(),
        calm: HashSet::new(),
        detail: p.detail,
        lon0: p.lon0,
        lat0: p.lat0,
    };
    let special_island = islands.first().map(|(c, _)| *c);
    build_pre(&mut world, &p, &land, &sliver_seeds, special_island);
    build_post(&mut world, &p);
    story::assign_scenarios(&mut world);
    settle(&mut world);
    world
}

/// Straighten the edges of every unit whose wiggled, rounded outline is invalid (a wiggle can
/// cross a close neighbouring edge in a narrow neck), until every unit of every level is valid.
fn settle(world: &mut World) {
    for _ in 0..6 {
        let mut fix: Vec<(usize, usize)> = Vec::new();
        let all = world.pre.provinces.iter().chain(&world.pre.districts).chain(&world.pre.communes);
        for u in all.chain(&world.post.provinces).chain(&world.post.communes) {
            let g = write::unit_geometry(world, u);
            if !crate::geo::invalidity(&g).is_empty() {
                fix.extend(outline::boundary_edges(&world.mesh, &u.cells));
            }
        }
        if fix.is_empty() {
            return;
        }
        world.calm.extend(fix);
    }
}

/// A river from inland to the coast, ending at its mouth: the last stretch gets dense seeds.
fn river_line(is_land: &dyn Fn([f64; 2]) -> bool, w: f64, h: f64) -> Vec<[f64; 2]> {
    let y = 0.42 * h;
    let mut x = 0.25 * w;
    let mut pts = vec![[x, y]];
    while x < w && is_land([x + 1.0, y + 0.06 * (x - 0.25 * w)]) {
        x += 1.0;
        pts.push([x, y + 0.06 * (x - 0.25 * w)]);
    }
    // Keep the last 26 km before the mouth.
    let keep = pts.len().saturating_sub(26);
    pts.split_off(keep)
}

/// Insert three parallel lines of dense seeds along the river (removing ordinary seeds too
/// close to it). The middle line's cells form a long, thin "river-mouth sliver".
fn with_river(seeds: &[[f64; 2]], n_hull: usize, river: &[[f64; 2]], r: f64) -> (Vec<[f64; 2]>, Vec<usize>) {
    let d = 0.22 * r;
    let mut out: Vec<[f64; 2]> = seeds[..n_hull].to_vec();
    out.extend(seeds[n_hull..].iter().copied().filter(|s| dist_to_polyline(*s, river) > 0.9 * r));
    let mut middle = Vec::new();
    let step = 0.45 * r;
    let total: f64 = river.windows(2).map(|w| dist(w[0], w[1])).sum();
    let n = (total / step).floor() as usize;
    let mut acc = Vec::new();
    for k in 0..=n {
        let t = k as f64 * step;
        // Walk the polyline to distance t.
        let mut rem = t;
        for wdw in river.windows(2) {
            let l = dist(wdw[0], wdw[1]);
            if rem <= l || std::ptr::eq(wdw, river.windows(2).last().unwrap_or(wdw)) {
                let f = if l > 0.0 { (rem / l).min(1.0) } else { 0.0 };
                let (dx, dy) = ((wdw[1][0] - wdw[0][0]) / l.max(1e-9), (wdw[1][1] - wdw[0][1]) / l.max(1e-9));
                let p = [wdw[0][0] + f * (wdw[1][0] - wdw[0][0]), wdw[0][1] + f * (wdw[1][1] - wdw[0][1])];
                acc.push((p, [-dy, dx]));
                break;
            }
            rem -= l;
        }
    }
    for (k, (p, nrm)) in acc.iter().enumerate() {
        middle.push(out.len());
        out.push(*p);
        let jitter = if k % 2 == 0 { 0.12 } else { -0.12 } * step;
        out.push([p[0] + nrm[0] * d + jitter * nrm[1], p[1] + nrm[1] * d - jitter * nrm[0]]);
        out.push([p[0] - nrm[0] * d + jitter * nrm[1], p[1] - nrm[1] * d - jitter * nrm[0]]);
    }
    (out, middle)
}

/// Partition possibly disconnected `cells` into about `k` regions: each connected component gets
/// a share of `k` proportional to its size (at least one).
fn partition_any(mesh: &Mesh, cells: &[usize], k: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let comps = partition::components(mesh, cells);
    let total: usize = comps.iter().map(Vec::len).sum();
    let mut out = Vec::new();
    for comp in comps {
        let kk = ((k as f64 * comp.len() as f64 / total.max(1) as f64).round() as usize).max(1);
        out.extend(partition::grow(mesh, &comp, kk, rng, &|_| 1.0));
    }
    out
}

/// Attach every island component of `cells` (all components but the largest) to the region
/// holding the nearest mainland cell.
fn attach_islands(mesh: &Mesh, regions: &mut [Vec<usize>], islands: &[Vec<usize>]) {
    let centroid = |c: usize| mesh.cells[c].as_ref().map_or(mesh.seeds[c], |x| x.centroid);
    for isl in islands {
        let ic = centroid(isl[0]);
        let best = regions
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| r.iter().map(move |&c| (ri, c)))
            .min_by(|a, b| dist(centroid(a.1), ic).total_cmp(&dist(centroid(b.1), ic)).then(a.1.cmp(&b.1)));
        if let Some((ri, _)) = best {
            regions[ri].extend(isl.iter().copied());
            regions[ri].sort_unstable();
        }
    }
}

fn build_pre(world: &mut World, p: &Params, land: &[usize], sliver: &[usize], special: Option<[f64; 2]>) {
    let mesh = &world.mesh;
    let mut rng = Rng::derive(world.seed, "pre");
    let mut namer_p = Namer::new(Rng::derive(world.seed, "province-names"));
    let (mainland, islands, special_cells) = split_land(mesh, land, special);
    let provinces = province_cells(mesh, &mainland, &islands, p, &mut rng);
    let special_province = special_cells.as_ref().map(|sc| nearest_province(mesh, &provinces, sc));
    let mut b = PreBuild {
        seed: world.seed,
        mesh,
        cell_pop: &world.cell_pop,
        p,
        sliver: sliver.iter().copied().collect(),
        sliver_len: sliver.len(),
        total_cells: provinces.iter().map(Vec::len).sum(),
        commune_code: p.commune_code_base,
        district_code: p.district_code_base,
        sliver_done: false,
        enclave_done: false,
        pre: Vintage::default(),
        specials: Specials::default(),
    };
    for (pi, pcells) in provinces.iter().enumerate() {
        let island = if special_province == Some(pi) { special_cells.as_ref() } else { None };
        b.province(pi, pcells, island, &mut namer_p, &mut rng);
    }
    let PreBuild { pre, specials, .. } = b;
    world.pre = pre;
    world.specials = specials;
    clamp_commune_populations(world);
    for u in world.pre.provinces.iter_mut().chain(&mut world.pre.districts).chain(&mut world.pre.communes) {
        u.population = u.cells.iter().map(|&c| world.cell_pop[c]).sum();
    }
}

/// The mainland, the other islands, and the island nearest `special` (the future special zone).
fn split_land(mesh: &Mesh, land: &[usize], special: Option<[f64; 2]>) -> (Vec<usize>, Vec<Vec<usize>>, Option<Vec<usize>>) {
    let comps = partition::components(mesh, land);
    let mainland = comps[0].clone();
    let mut islands: Vec<Vec<usize>> = comps[1..].to_vec();
    let special_idx = special.and_then(|c| {
        islands
            .iter()
            .enumerate()
            .min_by(|a, b| dist(mesh.seeds[a.1[0]], c).total_cmp(&dist(mesh.seeds[b.1[0]], c)))
            .map(|(i, _)| i)
    });
    let special_cells = special_idx.map(|i| islands.remove(i));
    (mainland, islands, special_cells)
}

/// The pre-reform provinces' cells, ordered north → south, west → east (for stable codes).
fn province_cells(mesh: &Mesh, mainland: &[usize], islands: &[Vec<usize>], p: &Params, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut provinces = partition::grow(mesh, mainland, p.provinces, rng, &|_| 1.0);
    attach_islands(mesh, &mut provinces, islands);
    provinces.sort_by(|a, b| {
        let ca = mesh.seeds[a[0]];
        let cb = mesh.seeds[b[0]];
        cb[1].total_cmp(&ca[1]).then(ca[0].total_cmp(&cb[0]))
    });
    provinces
}

/// The province nearest the island `cells`.
fn nearest_province(mesh: &Mesh, provinces: &[Vec<usize>], cells: &[usize]) -> usize {
    let c = mesh.seeds[cells[0]];
    let gap = |p: &Vec<usize>| p.iter().map(|&x| dist(mesh.seeds[x], c)).fold(f64::INFINITY, f64::min);
    (0..provinces.len()).min_by(|&a, &b| gap(&provinces[a]).total_cmp(&gap(&provinces[b]))).unwrap_or(0)
}

/// How a group of a district's cells became a pre-reform commune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carve {
    Normal,
    /// The long, thin commune along the river mouth.
    Sliver,
    /// The ward surrounded by another commune.
    Enclave,
}

/// The pre-reform vintage under construction: province by province, district by district.
struct PreBuild<'a> {
    seed: u64,
    mesh: &'a Mesh,
    cell_pop: &'a [i64],
    p: &'a Params,
    sliver: HashSet<usize>,
    sliver_len: usize,
    total_cells: usize,
    commune_code: usize,
    district_code: usize,
    sliver_done: bool,
    enclave_done: bool,
    pre: Vintage,
    specials: Specials,
}

impl PreBuild<'_> {
    /// One province: its districts (and the island district, when it gets it), then itself.
    fn province(&mut self, pi: usize, pcells: &[usize], island: Option<&Vec<usize>>, namer_p: &mut Namer, rng: &mut Rng) {
        let (mesh, p) = (self.mesh, self.p);
        let pcode = format!("{:02}", p.province_code_base + pi);
        let pbase = namer_p.base();
        let (ptype, pname) = if pi % 5 == 1 { ("Thành phố", format!("Thành phố {pbase}")) } else { ("Tỉnh", format!("Tỉnh {pbase}")) };
        let mut namer_d = Namer::new(Rng::derive(self.seed, &format!("district-names-{pcode}")));
        let mut namer_c = Namer::new(Rng::derive(self.seed, &format!("commune-names-{pcode}")));
        let mut all_cells = pcells.to_vec();
        let k_d = ((p.districts as f64 * pcells.len() as f64 / self.total_cells as f64).round() as usize).max(2);
        let pcomps = partition::components(mesh, pcells);
        let mut districts = partition::grow(mesh, &pcomps[0], k_d, rng, &|_| 1.0);
        attach_islands(mesh, &mut districts, &pcomps[1..]);
        districts.sort_by(|a, b| a[0].cmp(&b[0]));
        let mut district_list: Vec<(Vec<usize>, bool)> = districts.into_iter().map(|d| (d, false)).collect();
        if let Some(sc) = island {
            district_list.push((sc.clone(), true));
            all_cells.extend(sc.iter().copied());
        }
        // The district holding the province's most populous cell is its city.
        let capital_cell = pcells.iter().copied().max_by_key(|&c| (self.cell_pop[c], c)).unwrap_or(pcells[0]);
        let province = (pcode.clone(), pname.clone());
        for (dcells, island_district) in &district_list {
            self.district(&province, dcells, *island_district, dcells.contains(&capital_cell), &mut namer_d, &mut namer_c, rng);
        }
        all_cells.sort_unstable();
        self.pre.provinces.push(unit(pcode.clone(), pname.clone(), ptype, Level::Province, &province, None, all_cells));
    }

    /// One district: its type and name, its communes, then itself.
    #[allow(clippy::too_many_arguments)]
    fn district(&mut self, province: &(String, String), dcells: &[usize], island_district: bool, city: bool, namer_d: &mut Namer, namer_c: &mut Namer, rng: &mut Rng) {
        let dcode = format!("{:03}", self.district_code);
        self.district_code += 1;
        let dbase = namer_d.base();
        let (dtype, dname) = if island_district {
            ("Huyện", format!("Huyện {dbase}"))
        } else if city {
            ("Thành phố", format!("Thành phố {dbase}"))
        } else if rng.chance(0.1) {
            ("Thị xã", format!("Thị xã {dbase}"))
        } else {
            ("Huyện", format!("Huyện {dbase}"))
        };
        let groups = self.commune_groups(dcells, island_district, city, rng);
        if island_district {
            self.specials.island_district = Some(dcode.clone());
        }
        let district = Some((dcode.clone(), dname.clone()));
        for (k, (cells, carve)) in groups.into_iter().enumerate() {
            let code = format!("{:05}", self.commune_code);
            match carve {
                Carve::Enclave => self.specials.enclave = Some(code.clone()),
                Carve::Sliver => self.specials.sliver = Some(code.clone()),
                Carve::Normal => {}
            }
            let base = namer_c.base();
            let urban = city && (k % 3 != 2 || carve == Carve::Enclave);
            let label = match carve {
                Carve::Enclave => "Phường",
                _ if island_district => "Xã",
                _ if urban || dtype == "Thị xã" && k % 2 == 0 => "Phường",
                _ if k == 0 && dtype == "Huyện" => "Thị trấn",
                _ => "Xã",
            };
            self.pre.communes.push(unit(code, format!("{label} {base}"), label, Level::Commune, province, district.clone(), cells));
            self.commune_code += 1;
        }
        self.pre.districts.push(unit(dcode.clone(), dname.clone(), dtype, Level::District, province, district, dcells.to_vec()));
    }

    /// A district's cells cut into communes: the sliver first (if it runs through here), then
    /// the rest partitioned, with one enclave ward cut out of a large commune once.
    fn commune_groups(&mut self, dcells: &[usize], island_district: bool, city: bool, rng: &mut Rng) -> Vec<(Vec<usize>, Carve)> {
        let (mesh, p, cell_pop) = (self.mesh, self.p, self.cell_pop);
        let mut rest: Vec<usize> = dcells.to_vec();
        let mut groups: Vec<(Vec<usize>, Carve)> = Vec::new();
        if !self.sliver_done {
            let here: Vec<usize> = dcells.iter().copied().filter(|c| self.sliver.contains(c)).collect();
            if here.len() * 2 >= self.sliver_len {
                let comp = partition::components(mesh, &here).into_iter().next().unwrap_or_default();
                rest.retain(|c| !comp.contains(c));
                groups.push((comp, Carve::Sliver));
                self.sliver_done = true;
            }
        }
        let k_c = if island_district {
            2.min(rest.len())
        } else {
            ((p.communes as f64 * dcells.len() as f64 / self.total_cells as f64).round() as usize).max(3)
        };
        let mut communes = if island_district {
            partition_any(mesh, &rest, k_c, rng)
        } else {
            // Big components (the mainland part, or both banks when the sliver cuts the
            // district) are partitioned; small ones (islands) join the nearest commune.
            let rcomps = partition::components(mesh, &rest);
            let (mut big, mut small) = (Vec::new(), Vec::new());
            for (i, c) in rcomps.into_iter().enumerate() {
                if i == 0 || c.len() >= 6 { big.push(c) } else { small.push(c) }
            }
            let big_total: usize = big.iter().map(Vec::len).sum();
            let mut cs = Vec::new();
            for comp in &big {
                let kk = ((k_c as f64 * comp.len() as f64 / big_total.max(1) as f64).round() as usize).max(1);
                // Smaller communes where people are dense.
                cs.extend(partition::grow(mesh, comp, kk, rng, &|c| 1.0 + (cell_pop[c] as f64 / 4000.0).min(6.0)));
            }
            attach_islands(mesh, &mut cs, &small);
            cs
        };
        // An enclave: an interior cell of a large commune becomes a ward of its own.
        if !self.enclave_done && !island_district && (city || self.district_code >= p.district_code_base + 3) {
            let found = communes.iter().enumerate().filter(|(_, cs)| cs.len() >= 4).find_map(|(ci, cs)| {
                let set: HashSet<usize> = cs.iter().copied().collect();
                cs.iter().find(|&&c| mesh.neighbors(c).all(|n| set.contains(&n))).map(|&inner| (ci, inner))
            });
            if let Some((ci, inner)) = found {
                communes[ci].retain(|&c| c != inner);
                groups.push((vec![inner], Carve::Enclave));
                self.enclave_done = true;
            }
        }
        groups.extend(communes.into_iter().map(|cs| (cs, Carve::Normal)));
        groups
    }
}

/// A unit definition before populations and scenarios are known.
fn unit(
    code: String,
    name: String,
    type_label: &'static str,
    level: Level,
    province: &(String, String),
    district: Option<(String, String)>,
    cells: Vec<usize>,
) -> UnitDef {
    let (district_code, district_name) = district.map_or((None, None), |(c, n)| (Some(c), Some(n)));
    UnitDef {
        code,
        name,
        type_label,
        level,
        province_code: province.0.clone(),
        province_name: province.1.clone(),
        district_code,
        district_name,
        cells,
        population: 0,
        scenario: 0,
        predecessors: Vec::new(),
    }
}

/// Keep every pre-reform commune between 2,000 and 40,000 inhabitants by scaling its cells.
fn clamp_commune_populations(world: &mut World) {
    for u in &world.pre.communes {
        let total: i64 = u.cells.iter().map(|&c| world.cell_pop[c]).sum();
        let target = total.clamp(2_000, 40_000);
        if target != total && total > 0 {
            let f = target as f64 / total as f64;
            for &c in &u.cells {
                world.cell_pop[c] = ((world.cell_pop[c] as f64 * f).round() as i64).max(1);
            }
        }
    }
}

/// Merge groups greedily until `target` remain: the smallest group joins its smallest neighbour,
/// never exceeding `max_members` members. `frozen` groups never merge. Returns member lists.
fn merge_groups(
    members: Vec<Vec<usize>>,
    group_cells: &dyn Fn(&[usize]) -> Vec<usize>,
    mesh: &Mesh,
    area: &dyn Fn(usize) -> f64,
    frozen: &HashSet<usize>,
    target: usize,
    max_members: usize,
) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<usize, Vec<usize>> = members.into_iter().enumerate().collect();
    let mut owner: HashMap<usize, usize> = HashMap::new();
    let mut garea: HashMap<usize, f64> = HashMap::new();
    for (&g, m) in &groups {
        let cells = group_cells(m);
        garea.insert(g, cells.iter().map(|&c| area(c)).sum());
        for c in cells {
            owner.insert(c, g);
        }
    }
    let mut frozen_groups: HashSet<usize> = frozen.clone();
    while groups.len() > target {
        let mut order: Vec<usize> = groups.keys().copied().filter(|g| !frozen_groups.contains(g)).collect();
        order.sort_by(|a, b| garea[a].total_cmp(&garea[b]).then(a.cmp(b)));
        let mut merged = false;
        for g in order {
            let cells = group_cells(&groups[&g]);
            let mut nbrs: Vec<usize> = cells
                .iter()
                .flat_map(|&c| mesh.neighbors(c))
                .filter_map(|n| owner.get(&n).copied())
                .filter(|&o| o != g && !frozen_groups.contains(&o))
                .filter(|o| groups[o].len() + groups[&g].len() <= max_members)
                .collect();
            nbrs.sort_unstable();
            nbrs.dedup();
            let Some(&best) = nbrs.iter().min_by(|a, b| garea[a].total_cmp(&garea[b]).then(a.cmp(b))) else {
                frozen_groups.insert(g);
                continue;
            };
            let moved = groups.remove(&g).unwrap_or_default();
            for c in group_cells(&moved) {
                owner.insert(c, best);
            }
            let a = garea.remove(&g).unwrap_or(0.0);
            *garea.entry(best).or_insert(0.0) += a;
            if let Some(t) = groups.get_mut(&best) {
                t.extend(moved);
                t.sort_unstable();
            }
            merged = true;
            break;
        }
        if !merged {
            break;
        }
    }
    groups.into_values().collect()
}

fn build_post(world: &mut World, p: &Params) {
    let mesh = &world.mesh;
    let pre = &world.pre;
    let area = |c: usize| mesh.cells[c].as_ref().map_or(0.0, |x| x.area);

    // Provinces: merge old provinces into `provinces_after` groups (at most 3 per group).
    let prov_members: Vec<Vec<usize>> = (0..pre.provinces.len()).map(|i| vec![i]).collect();
    let prov_cells = |m: &[usize]| m.iter().flat_map(|&i| pre.provinces[i].cells.iter().copied()).collect::<Vec<_>>();
    let new_provinces = merge_groups(prov_members, &prov_cells, mesh, &area, &HashSet::new(), p.provinces_after, 3);

    let mut namer = Namer::new(Rng::derive(world.seed, "post-commune-names"));
    let mut rng = Rng::derive(world.seed, "post");
    let ratio = pre.communes.len() as f64 / p.communes_after as f64;
    let mut post = Vintage::default();
    // Cell → old commune.
    let cell_old: HashMap<usize, usize> =
        pre.communes.iter().enumerate().flat_map(|(i, u)| u.cells.iter().map(move |&c| (c, i))).collect();
    for members in &new_provinces {
        // The new province keeps the code and name of its largest member.
        let keeper = *members
            .iter()
            .max_by(|&&a, &&b| {
                let aa: f64 = pre.provinces[a].cells.iter().map(|&c| area(c)).sum();
                let ab: f64 = pre.provinces[b].cells.iter().map(|&c| area(c)).sum();
                aa.total_cmp(&ab).then(b.cmp(&a))
            })
            .unwrap_or(&members[0]);
        let province = (pre.provinces[keeper].code.clone(), pre.provinces[keeper].name.clone());
        let codes: HashSet<&str> = members.iter().map(|&i| pre.provinces[i].code.as_str()).collect();
        let olds: Vec<usize> = (0..pre.communes.len()).filter(|&i| codes.contains(pre.communes[i].province_code.as_str())).collect();
        let (start, frozen, island_group) = merge_start(world, &olds);
        let target = ((olds.len() as f64 / ratio).round() as usize).max(frozen.len() + 1);
        let old_cells = |m: &[usize]| m.iter().flat_map(|&i| pre.communes[i].cells.iter().copied()).collect::<Vec<_>>();
        let groups = merge_groups(start, &old_cells, mesh, &area, &frozen, target, 5);
        let new_cells = split_some_old_communes(world, &groups, &olds, &island_group, &mut rng);
        for (g, cells) in groups.iter().zip(new_cells) {
            let is_island = g.iter().any(|o| island_group.contains(o));
            post.communes.push(post_commune(world, &province, g.len(), is_island, cells, &cell_old, &mut namer));
        }
        let mut pcells: Vec<usize> = members.iter().flat_map(|&i| pre.provinces[i].cells.iter().copied()).collect();
        pcells.sort_unstable();
        let mut u = unit(province.0.clone(), province.1.clone(), pre.provinces[keeper].type_label, Level::Province, &province, None, pcells);
        u.population = u.cells.iter().map(|&c| world.cell_pop[c]).sum();
        u.predecessors = members.iter().map(|&i| pre.provinces[i].code.clone()).collect();
        post.provinces.push(u);
    }
    post.provinces.sort_by(|a, b| a.code.cmp(&b.code));
    post.communes.sort_by(|a, b| a.province_code.cmp(&b.province_code).then(a.code.cmp(&b.code)));
    let links = crosswalk_links(world, &post);
    world.post = post;
    world.links = links;
}

/// The groups old communes start merging from: the island district as one frozen group (it
/// becomes one special zone), the enclave and the sliver frozen alone, every other commune alone.
/// Returns the groups, which are frozen, and the island district's old communes.
fn merge_start(world: &World, olds: &[usize]) -> (Vec<Vec<usize>>, HashSet<usize>, Vec<usize>) {
    let pre = &world.pre;
    let island_district = world.specials.island_district.clone();
    let keep_whole: Vec<Option<String>> = vec![world.specials.enclave.clone(), world.specials.sliver.clone()];
    let island_group: Vec<usize> =
        olds.iter().copied().filter(|&o| island_district.is_some() && pre.communes[o].district_code == island_district).collect();
    let mut start: Vec<Vec<usize>> = Vec::new();
    let mut frozen = HashSet::new();
    if !island_group.is_empty() {
        frozen.insert(start.len());
        start.push(island_group.clone());
    }
    for &o in olds {
        if island_group.contains(&o) {
            continue;
        }
        if keep_whole.contains(&Some(pre.communes[o].code.clone())) {
            frozen.insert(start.len());
        }
        start.push(vec![o]);
    }
    (start, frozen, island_group)
}

/// New communes as cell sets, after moving one cell of about 6 % of the old communes to a
/// neighbouring new commune (an old commune split between two new ones), where that keeps
/// every piece connected.
fn split_some_old_communes(world: &World, groups: &[Vec<usize>], olds: &[usize], island_group: &[usize], rng: &mut Rng) -> Vec<Vec<usize>> {
    let (mesh, pre) = (&world.mesh, &world.pre);
    let old_cells = |m: &[usize]| m.iter().flat_map(|&i| pre.communes[i].cells.iter().copied()).collect::<Vec<_>>();
    let mut new_cells: Vec<Vec<usize>> = groups.iter().map(|g| old_cells(g)).collect();
    let frozen_cells: HashSet<usize> = groups
        .iter()
        .filter(|g| g.len() == 1 || g.iter().any(|o| island_group.contains(o)))
        .flat_map(|g| old_cells(g))
        .collect();
    let mut owner: HashMap<usize, usize> = HashMap::new();
    for (gi, cs) in new_cells.iter().enumerate() {
        for &c in cs {
            owner.insert(c, gi);
        }
    }
    for &o in olds {
        let u = &pre.communes[o];
        if u.cells.len() < 3 || !rng.chance(0.06) || u.cells.iter().any(|c| frozen_cells.contains(c)) {
            continue;
        }
        let from = owner[&u.cells[0]];
        let candidate = u.cells.iter().find_map(|&c| {
            mesh.neighbors(c)
                .filter_map(|n| owner.get(&n).copied())
                .find(|&g| g != from && !new_cells[g].iter().any(|x| frozen_cells.contains(x)))
                .map(|g| (c, g))
        });
        let Some((cell, to)) = candidate else { continue };
        let mut src: Vec<usize> = new_cells[from].iter().copied().filter(|&x| x != cell).collect();
        src.sort_unstable();
        let mut dst = new_cells[to].clone();
        dst.push(cell);
        dst.sort_unstable();
        let rest_of_old: Vec<usize> = u.cells.iter().copied().filter(|&x| x != cell).collect();
        if partition::components(mesh, &src).len() == 1
            && partition::components(mesh, &dst).len() == partition::components(mesh, &new_cells[to]).len()
            && partition::components(mesh, &rest_of_old).len() == 1
        {
            new_cells[from] = src;
            new_cells[to] = dst;
            owner.insert(cell, to);
        }
    }
    new_cells
}

/// One post-reform commune from its cells: the code of its largest predecessor; its name that
/// predecessor's when it is one old commune whole, else a new one; a special zone for the island
/// district; wards where most predecessors were wards; no more towns (thị trấn).
fn post_commune(
    world: &World,
    province: &(String, String),
    members: usize,
    is_island: bool,
    cells: Vec<usize>,
    cell_old: &HashMap<usize, usize>,
    namer: &mut Namer,
) -> UnitDef {
    let pre = &world.pre;
    let area = |c: usize| world.mesh.cells[c].as_ref().map_or(0.0, |x| x.area);
    // Predecessors: old communes overlapping the new one, largest share first.
    let mut shares: BTreeMap<usize, f64> = BTreeMap::new();
    for &c in &cells {
        *shares.entry(cell_old[&c]).or_insert(0.0) += area(c);
    }
    let mut preds: Vec<(usize, f64)> = shares.into_iter().collect();
    preds.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let largest = &pre.communes[preds[0].0];
    let urban = preds.iter().filter(|(o, _)| pre.communes[*o].type_label == "Phường").count() * 2 > preds.len();
    let (label, name) = if is_island {
        ("Đặc khu", format!("Đặc khu {}", namer.base()))
    } else if members == 1 {
        (largest.type_label, largest.name.clone())
    } else if urban {
        ("Phường", format!("Phường {}", namer.base()))
    } else {
        ("Xã", format!("Xã {}", namer.base()))
    };
    let label = if label == "Thị trấn" { "Xã" } else { label };
    let name = name.replacen("Thị trấn ", "Xã ", 1);
    let mut u = unit(largest.code.clone(), name, label, Level::Commune, province, None, cells);
    u.population = u.cells.iter().map(|&c| world.cell_pop[c]).sum();
    u.predecessors = preds.iter().map(|(o, _)| pre.communes[*o].code.clone()).collect();
    u
}

/// Crosswalk links from cell overlap, with population and area weights.
fn crosswalk_links(world: &World, post: &Vintage) -> Vec<Link> {
    let area = |c: usize| world.mesh.cells[c].as_ref().map_or(0.0, |x| x.area);
    let mut links = Vec::new();
    let new_of_cell: HashMap<usize, usize> =
        post.communes.iter().enumerate().flat_map(|(i, u)| u.cells.iter().map(move |&c| (c, i))).collect();
    for (oi, u) in world.pre.communes.iter().enumerate() {
        let mut by_new: BTreeMap<usize, (i64, f64)> = BTreeMap::new();
        for &c in &u.cells {
            let e = by_new.entry(new_of_cell[&c]).or_insert((0, 0.0));
            e.0 += world.cell_pop[c];
            e.1 += area(c);
        }
        let total_area: f64 = u.cells.iter().map(|&c| area(c)).sum();
        let full = by_new.len() == 1;
        for (ni, (pop, a)) in by_new {
            links.push(Link { old: oi, new: ni, full, weight_population: pop as f64 / u.population as f64, weight_area: a / total_area });
        }
    }
    links
}

/// Generate and write every file of the dataset into `out`.
pub fn generate(seed: u64, scale: Scale, out: &Path) -> Result<Summary> {
    let started = Instant::now();
    let world = build(seed, scale);
    let stories = story::tell(&world);
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let files = write::all(&world, &stories, out)?;
    Ok(Summary {
        files,
        communes_before: world.pre.communes.len(),
        communes_after: world.post.communes.len(),
        districts: world.pre.districts.len(),
        provinces_before: world.pre.provinces.len(),
        provinces_after: world.post.provinces.len(),
        indicator_rows: stories.indicators.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
