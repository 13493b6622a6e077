//! The synthetic demo dataset: deterministic, topologically exact at every level, conserving
//! population through the crosswalk, telling its story, and importing cleanly.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use commune_atlas::demo::generate::{self, Scale, story};
use commune_atlas::import::ImportOptions;
use commune_atlas::store::Store;
use geo::{Area, Length};
use serde_json::Value;

fn generate_into(seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    generate::generate(seed, Scale::Demo, dir.path()).expect("generate");
    dir
}

fn read_fc(dir: &Path, name: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
    assert_eq!(v["metadata"]["synthetic"], true, "{name} says it is synthetic");
    v["features"].as_array().unwrap().clone()
}

type Pt = (u64, u64);

fn pt(c: &Value) -> Pt {
    (c[0].as_f64().unwrap().to_bits(), c[1].as_f64().unwrap().to_bits())
}

/// Rings of a feature as vertex lists (closing vertex dropped).
fn rings(f: &Value) -> Vec<Vec<Pt>> {
    let g = &f["geometry"];
    let polys: Vec<&Value> = match g["type"].as_str().unwrap() {
        "Polygon" => vec![&g["coordinates"]],
        _ => g["coordinates"].as_array().unwrap().iter().collect(),
    };
    polys
        .into_iter()
        .flat_map(|p| p.as_array().unwrap().iter())
        .map(|r| {
            let mut v: Vec<Pt> = r.as_array().unwrap().iter().map(pt).collect();
            v.pop();
            v
        })
        .collect()
}

fn geometry(f: &Value) -> geo::MultiPolygon<f64> {
    commune_atlas::geo::from_geojson(&f["geometry"].to_string()).unwrap()
}

#[test]
fn the_same_seed_gives_byte_identical_files_and_another_seed_does_not() {
    let (a, b, c) = (generate_into(11), generate_into(11), generate_into(12));
    let mut names: Vec<String> =
        std::fs::read_dir(a.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert!(names.len() >= 11, "{names:?}");
    for n in &names {
        let (x, y) = (std::fs::read(a.path().join(n)).unwrap(), std::fs::read(b.path().join(n)).unwrap());
        assert!(x == y, "{n} differs between two runs with seed 11");
    }
    let differs = names.iter().any(|n| std::fs::read(a.path().join(n)).ok() != std::fs::read(c.path().join(n)).ok());
    assert!(differs, "seed 12 must give different files");
}

#[test]
fn the_committed_demo_is_exactly_what_the_generator_writes() {
    let fresh = generate_into(2025);
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    for e in std::fs::read_dir(fresh.path()).unwrap() {
        let name = e.unwrap().file_name();
        let (x, y) = (std::fs::read(fresh.path().join(&name)).unwrap(), std::fs::read(committed.join(&name)).unwrap_or_default());
        assert!(
            x == y,
            "data/demo/{} is stale: regenerate with `commune-atlas demo generate --seed 2025 --scale demo --out data/demo`",
            name.to_string_lossy()
        );
    }
}

/// Every boundary segment of `units` has its reverse in exactly one other unit (an interior
/// edge) or lies, in the same direction, on the outline of `outer` (the coast or a land border).
fn assert_exact_coverage(units: &[Value], outer: &[Value], what: &str) {
    let mut forward: HashMap<(Pt, Pt), usize> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for r in rings(u) {
            for k in 0..r.len() {
                let seg = (r[k], r[(k + 1) % r.len()]);
                assert!(forward.insert(seg, i).is_none(), "{what}: a segment is used twice in the same direction (overlap)");
            }
        }
    }
    let mut outline: HashMap<(Pt, Pt), usize> = HashMap::new();
    for u in outer {
        for r in rings(u) {
            for k in 0..r.len() {
                *outline.entry((r[k], r[(k + 1) % r.len()])).or_default() += 1;
            }
        }
    }
    let mut interior = 0;
    for (&(a, b), &i) in &forward {
        match forward.get(&(b, a)) {
            Some(&j) => {
                assert_ne!(i, j, "{what}: a unit's edge runs back over itself");
                interior += 1;
            }
            None => assert!(outline.contains_key(&(a, b)), "{what}: an edge has no neighbour and is not on the outline"),
        }
    }
    for seg in outline.keys() {
        assert!(forward.contains_key(seg), "{what}: part of the outline belongs to no unit (a gap)");
    }
    assert!(interior > 1000, "{what}: expected many shared edges, got {interior}");
}

#[test]
fn neighbours_share_identical_edges_and_units_tile_their_parents_exactly() {
    let d = generate_into(2025);
    let communes = read_fc(d.path(), "communes_2019.geojson");
    let districts = read_fc(d.path(), "districts_2019.geojson");
    let provinces = read_fc(d.path(), "provinces_2019.geojson");
    let communes25 = read_fc(d.path(), "communes_2025.geojson");
    let provinces25 = read_fc(d.path(), "provinces_2025.geojson");
    assert_exact_coverage(&communes, &provinces, "communes 2019");
    assert_exact_coverage(&districts, &provinces, "districts 2019");
    assert_exact_coverage(&communes25, &provinces25, "communes 2025");

    // Areas: children sum to their parent to 1e-9.
    let area = |f: &Value| geometry(f).unsigned_area();
    let check = |children: &[Value], parents: &[Value], key: &str, what: &str| {
        let mut sums: BTreeMap<String, f64> = BTreeMap::new();
        for c in children {
            *sums.entry(c["properties"][key].as_str().unwrap().to_string()).or_default() += area(c);
        }
        for p in parents {
            let code = p["properties"]["code"].as_str().unwrap();
            let (a, s) = (area(p), sums[code]);
            assert!(((s - a) / a).abs() < 1e-9, "{what}: {code} children sum {s} vs parent {a}");
        }
    };
    check(&communes, &provinces, "province_code", "communes → provinces 2019");
    check(&communes, &districts, "district_code", "communes → districts 2019");
    check(&districts, &provinces, "province_code", "districts → provinces 2019");
    check(&communes25, &provinces25, "province_code", "communes → provinces 2025");

    // Every geometry is valid; the awkward shapes are there.
    for f in communes.iter().chain(&communes25).chain(&districts).chain(&provinces) {
        let p = commune_atlas::geo::invalidity(&geometry(f));
        assert!(p.is_empty(), "{}: {p:?}", f["properties"]["code"]);
    }
    let holes = communes.iter().filter(|f| geometry(f).0.iter().any(|p| !p.interiors().is_empty())).count();
    let multis = communes.iter().filter(|f| geometry(f).0.len() > 1).count();
    let dac_khu: Vec<&Value> = communes25.iter().filter(|f| f["properties"]["type"] == "Đặc khu").collect();
    assert!(holes >= 1, "an enclave makes a commune with a hole");
    assert!(multis >= 1, "coastal communes with islands are MultiPolygons");
    assert_eq!(dac_khu.len(), 1, "one island-only special zone");
    assert!(rings(dac_khu[0]).len() >= 1);
    // Thinness: area / perimeter² is 0.08 for a circle, 0.06 for a square, 0.005 for a 50 × 1 strip.
    let thin = communes.iter().any(|f| {
        let g = geometry(f);
        let perimeter: f64 = g.0.iter().map(|p| geo::Euclidean.length(p.exterior())).sum();
        g.0.len() == 1 && g.unsigned_area() / (perimeter * perimeter) < 0.01
    });
    assert!(thin, "a long thin river-mouth sliver commune exists");
    let vertices: Vec<usize> = communes.iter().map(|f| rings(f).iter().map(Vec::len).sum()).collect();
    let mut sorted = vertices.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    assert!((100..=500).contains(&median), "median vertices per commune {median}");
}

#[test]
fn population_is_conserved_through_the_crosswalk() {
    let d = generate_into(2025);
    let pop = |name: &str| -> HashMap<String, f64> {
        read_fc(d.path(), name)
            .iter()
            .map(|f| (f["properties"]["code"].as_str().unwrap().to_string(), f["properties"]["population"].as_f64().unwrap()))
            .collect()
    };
    let (old, new) = (pop("communes_2019.geojson"), pop("communes_2025.geojson"));
    let mut through: HashMap<String, f64> = HashMap::new();
    let mut weights: HashMap<String, (f64, f64)> = HashMap::new();
    let mut rdr = csv::Reader::from_path(d.path().join("crosswalk_2025.csv")).unwrap();
    let mut partial = 0;
    for r in rdr.deserialize::<HashMap<String, String>>() {
        let r = r.unwrap();
        let w: f64 = r["weight_population"].parse().unwrap();
        let wa: f64 = r["weight_area"].parse().unwrap();
        *through.entry(r["new_code"].clone()).or_default() += old[&r["old_code"]] * w;
        let e = weights.entry(r["old_code"].clone()).or_default();
        e.0 += w;
        e.1 += wa;
        partial += usize::from(r["relation"] == "partial");
    }
    assert!(partial >= 4, "some old communes are split between two new ones ({partial} partial links)");
    for (code, (wp, wa)) in &weights {
        assert!((wp - 1.0).abs() < 1e-9 && (wa - 1.0).abs() < 1e-9, "weights of {code} sum to {wp}, {wa}");
    }
    assert_eq!(through.len(), new.len());
    for (code, p) in &new {
        assert!(((through[code] - p) / p).abs() < 1e-9, "{code}: {} through the crosswalk vs {p}", through[code]);
    }
}

#[test]
fn the_story_holds_drug_free_shares_follow_the_scenarios() {
    let world = generate::build(2025, Scale::Demo);
    let st = story::tell(&world);
    // Realised shares: recognised / communes, per province and year, against the scenario.
    let mut seen_scenarios = std::collections::HashSet::new();
    for (code, year, recognised, total) in &st.drug_free {
        let prov = world.pre.provinces.iter().chain(&world.post.provinces).find(|p| &p.code == code).unwrap();
        let vintage = if *year >= story::REFORM_YEAR { &world.post.provinces } else { &world.pre.provinces };
        let scenario = vintage.iter().find(|p| &p.code == code).unwrap_or(prov).scenario;
        seen_scenarios.insert(scenario);
        let want = story::SCENARIOS[scenario].shares[(*year - story::FIRST_YEAR) as usize];
        // In 2026 two approved communes of the lagging province lapse (not approved again).
        let lapsed = if *year == story::LAST_YEAR && scenario == 1 { 2.0 } else { 0.0 };
        let got = (*recognised as f64 + lapsed) / *total as f64;
        // Tolerance: rounding to whole communes.
        assert!((got - want).abs() <= 0.5 / *total as f64 + 1e-12, "{code} {year}: {got:.3} vs scenario {want}");
    }
    assert_eq!(seen_scenarios.len(), 3, "converting, lagging and relapsing provinces all appear");
    // The converting province reaches ≈20 % in 2025 and ≈30 % in 2026.
    let conv: Vec<&(String, i32, usize, usize)> = st.drug_free.iter().filter(|(c, y, _, _)| {
        *y >= 2025 && world.post.provinces.iter().any(|p| &p.code == c && p.scenario == 0)
    }).collect();
    assert_eq!(conv.len(), 2);
    for (_, y, r, t) in conv {
        let share = *r as f64 / *t as f64;
        let want = if *y == 2025 { 0.20 } else { 0.30 };
        assert!((share - want).abs() < 0.02, "converting province {y}: {share}");
    }
    // Hotspots cluster on the route: communes near it carry more drug-use locations.
    let header = story::INDICATOR_HEADER;
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (near, far): (Vec<&Vec<String>>, Vec<&Vec<String>>) =
        st.indicators.iter().partition(|r| matches!(r[col("key_route_scope")].as_str(), "inter_provincial" | "transnational"));
    let mean = |rows: &[&Vec<String>]| rows.iter().map(|r| r[col("drug_use_locations")].parse::<f64>().unwrap()).sum::<f64>() / rows.len() as f64;
    assert!(!near.is_empty() && mean(&near) > 2.0 * mean(&far), "near route {} vs elsewhere {}", mean(&near), mean(&far));
}

#[test]
fn the_generated_files_import_through_the_normal_importer_with_zero_errors() {
    let d = generate_into(99);
    let db = tempfile::tempdir().unwrap();
    let store = Store::open(db.path().join("a.duckdb")).unwrap();
    let reports = commune_atlas::demo::load_dir(&store, d.path(), &ImportOptions::default()).expect("imports cleanly");
    assert_eq!(reports.len(), 12);
    let conn = store.connect().unwrap();
    let (versions, years): (i64, i64) = conn
        .query_row("SELECT (SELECT count(*) FROM boundary_version), (SELECT count(DISTINCT year) FROM indicator)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((versions, years), (2, 8));
    // 2024 rows are on pre-reform communes, 2025 rows on post-reform ones — even where a new
    // commune reuses an old code.
    let wrong: i64 = conn
        .query_row(
            "SELECT count(*) FROM indicator_v WHERE (year < 2025 AND boundary_version <> 'demo-2019')
                                             OR (year >= 2025 AND boundary_version <> 'demo-2025')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wrong, 0);
    assert!(common::count(&store, "unit_crosswalk") > 600);
}
