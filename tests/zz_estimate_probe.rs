mod common;
#[test]
fn probe() {
    for f in ["vn2025_commune_p82_dong_thap.geojson", "pre2025_gadm41_commune_p87_dong_thap.geojson"] {
        let Some(p) = common::realdata(f) else { return };
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let mut units = Vec::new();
        for feat in v["features"].as_array().unwrap() {
            let g = feat["geometry"].to_string();
            let polys = commune_atlas::geo::stored::polygons(&g).unwrap();
            units.push(commune_atlas::geo::topology::rings_of(&polys));
        }
        let e = commune_atlas::geo::snap::estimate(&units);
        let r = commune_atlas::geo::snap::snap(&mut units, e.tolerance);
        let t = commune_atlas::geo::topology::Topology::build(&units);
        let all: Vec<usize> = (0..units.len()).collect();
        let d = commune_atlas::geo::dissolve::dissolve(&t, &all);
        eprintln!("{f}: tol {} moved {} inserted {}; {} polygons, rings {:?}", e.tolerance, r.moved(), r.inserted(), d.len(), d.iter().map(|p| p.len()).collect::<Vec<_>>());
        let mp = geo::MultiPolygon(d.iter().map(|p| geo::Polygon::new(p[0].iter().map(|c| geo::Coord{x:c[0],y:c[1]}).collect(), p[1..].iter().map(|r| r.iter().map(|c| geo::Coord{x:c[0],y:c[1]}).collect()).collect())).collect());
        for pr in commune_atlas::geo::invalidity(&mp).iter().take(8) { eprintln!("   {pr}"); }
        // unit-level validity after snapping
        let mut bad = 0;
        for (i, u) in units.iter().enumerate() {
            let polys: Vec<Vec<Vec<[f64;2]>>> = { let mut m: std::collections::BTreeMap<u32, Vec<Vec<[f64;2]>>> = Default::default(); for r in u { let mut pts = r.points.clone(); pts.push(pts[0]); m.entry(r.part).or_default().push(pts);} m.into_values().collect() };
            let mp = geo::MultiPolygon(polys.iter().map(|p| geo::Polygon::new(p[0].iter().map(|c| geo::Coord{x:c[0],y:c[1]}).collect(), p[1..].iter().map(|r| r.iter().map(|c| geo::Coord{x:c[0],y:c[1]}).collect()).collect())).collect());
            let inv = commune_atlas::geo::invalidity(&mp);
            if !inv.is_empty() { bad += 1; if bad < 2 { eprintln!("   unit {i} after snap: {}", inv[0]);
                for r in u { for (k, q) in r.points.iter().enumerate() { if (q[0]-105.90192).abs() < 2e-3 && (q[1]-10.35755).abs() < 2e-3 { eprintln!("      part {} hole {} #{k} {:?}", r.part, r.hole, q); } } } } }
        }
        eprintln!("   {bad} units invalid after snapping");
    }
}
