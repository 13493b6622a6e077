//! Writing the generated world as ordinary import files (GeoJSON, CSV) plus `manifest.toml`.
//! One feature per line so that diffs between seeds or versions stay readable.

use std::path::Path;

use ::geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::json;

use super::outline;
use super::story::{self, Stories};
use super::{Scale, UnitDef, World};
use crate::error::{Error, Result};

/// Boundary version names and validity, per scale.
pub fn version_names(scale: Scale) -> (String, String) {
    (format!("{}-2019", scale.as_str()), format!("{}-2025", scale.as_str()))
}

/// A unit's outline in lon/lat, rounded, without consecutive duplicates, rings closed.
pub fn unit_geometry(world: &World, u: &UnitDef) -> MultiPolygon<f64> {
    let shape = outline::shape(&world.mesh, &u.cells, world.seed, &world.calm, world.detail);
    let polys = shape
        .polygons
        .iter()
        .map(|rings| {
            let mut rs = rings.iter().map(|ring| {
                let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ring.len() + 1);
                for p in ring {
                    let q = world.lonlat(*p);
                    let c = Coord { x: q[0], y: q[1] };
                    if pts.last() != Some(&c) {
                        pts.push(c);
                    }
                }
                while pts.len() > 1 && pts.first() == pts.last() {
                    pts.pop();
                }
                if let Some(&first) = pts.first() {
                    pts.push(first);
                }
                LineString(pts)
            });
            let ext = rs.next().unwrap_or_else(|| LineString(Vec::new()));
            Polygon::new(ext, rs.collect())
        })
        .collect();
    MultiPolygon(polys)
}

fn feature_line(out: &mut String, u: &UnitDef, g: &MultiPolygon<f64>, post: bool) {
    let mut props = json!({
        "code": u.code,
        "name": u.name,
        "type": u.type_label,
        "level": u.level,
        "province_code": u.province_code,
        "province_name": u.province_name,
    });
    if let Some(d) = &u.district_code {
        props["district_code"] = json!(d);
        props["district_name"] = json!(u.district_name);
    }
    props["population"] = json!(u.population);
    if post && u.level == crate::vocab::Level::Commune {
        props["predecessor_codes"] = json!(u.predecessors);
    }
    props["synthetic"] = json!(true);
    out.push_str(r#"{"type":"Feature","properties":"#);
    out.push_str(&props.to_string());
    out.push_str(r#","geometry":"#);
    out.push_str(&crate::geo::to_geojson(g));
    out.push('}');
}

fn metadata(world: &World, what: &str) -> serde_json::Value {
    json!({
        "synthetic": true,
        "notice": "SYNTHETIC DEMO DATA — fictional units, names, codes and figures; not real boundaries or statistics.",
        "generator": format!("commune-atlas demo generate --seed {} --scale {}", world.seed, world.scale.as_str()),
        "content": what,
        "crs": "EPSG:4326 lon/lat, RFC 7946 winding (exterior counter-clockwise, holes clockwise)",
    })
}

fn collection(world: &World, units: &[UnitDef], post: bool, what: &str) -> Result<String> {
    let mut out = String::with_capacity(units.len() * 4096);
    out.push_str(r#"{"type":"FeatureCollection","metadata":"#);
    out.push_str(&metadata(world, what).to_string());
    out.push_str(",\"features\":[\n");
    let mut invalid = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let g = unit_geometry(world, u);
        let problems = crate::geo::invalidity(&g);
        if !problems.is_empty() {
            invalid.push(format!("{} {}: {}", u.code, u.name, problems.join("; ")));
        }
        if i > 0 {
            out.push_str(",\n");
        }
        feature_line(&mut out, u, &g, post);
    }
    out.push_str("\n]}\n");
    if !invalid.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "generated {what} has invalid geometry (a generator bug; try another seed): {}",
            invalid.join(" | ")
        )));
    }
    Ok(out)
}

fn csv(header: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(r).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn routes(world: &World) -> String {
    let coords: Vec<[f64; 2]> = world.route.iter().map(|p| world.lonlat(*p)).collect();
    let bc = world.lonlat(world.border_crossing);
    let mut meta = metadata(world, "key drug routes (tuyến trọng điểm)");
    meta["border_crossing"] = json!({ "name": "Cửa khẩu X (tổng hợp)", "coordinates": bc });
    let fc = json!({
        "type": "FeatureCollection",
        "metadata": meta,
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": "Tuyến trọng điểm QL-X (tổng hợp)",
                    "route_scope": "transnational",
                    "synthetic": true
                },
                "geometry": { "type": "LineString", "coordinates": coords }
            }
        ]
    });
    let mut s = fc.to_string();
    s.push('\n');
    s
}

fn manifest(world: &World) -> String {
    let (v1, v2) = version_names(world.scale);
    format!(
        r#"# SYNTHETIC demo dataset, generated by `commune-atlas demo generate --seed {seed} --scale {scale}`.
# Fictional units, names, codes and figures. `serve` imports these files in this order through the
# ordinary importers when it creates a new store.
title = "commune-atlas synthetic demo data (seed {seed}, {scale} scale)"
synthetic = true

[[step]]
kind = "boundaries"
file = "provinces_2019.geojson"
version = "{v1}"
valid_from = 2019-01-01
valid_to = 2025-06-30
level = "province"
code_system = "synthetic"
source = "synthetic demo data (commune-atlas demo generate)"

[[step]]
kind = "boundaries"
file = "districts_2019.geojson"
version = "{v1}"
valid_from = 2019-01-01
valid_to = 2025-06-30
level = "district"
code_system = "synthetic"

[[step]]
kind = "boundaries"
file = "communes_2019.geojson"
version = "{v1}"
valid_from = 2019-01-01
valid_to = 2025-06-30
level = "commune"
code_system = "synthetic"

[[step]]
kind = "boundaries"
file = "provinces_2025.geojson"
version = "{v2}"
valid_from = 2025-07-01
level = "province"
code_system = "synthetic"
source = "synthetic demo data (commune-atlas demo generate)"

[[step]]
kind = "boundaries"
file = "communes_2025.geojson"
version = "{v2}"
valid_from = 2025-07-01
level = "commune"
code_system = "synthetic"

[[step]]
kind = "crosswalk"
file = "crosswalk_2025.csv"
effective_date = 2025-07-01

[[step]]
kind = "indicators"
file = "indicators.csv"

[[step]]
kind = "recognitions"
file = "recognitions.csv"

[[step]]
kind = "quotas"
file = "quotas.csv"

[[step]]
kind = "targets"
file = "targets.csv"

[[step]]
kind = "routes"
file = "key_routes.geojson"

[[step]]
kind = "province_routes"
file = "province_routes.csv"
"#,
        seed = world.seed,
        scale = world.scale.as_str()
    )
}

/// Write every file; returns (file name, bytes) in writing order.
pub fn all(world: &World, st: &Stories, out: &Path) -> Result<Vec<(String, u64)>> {
    let mut files: Vec<(String, String)> = vec![
        ("provinces_2019.geojson".into(), collection(world, &world.pre.provinces, false, "provinces before 2025-07-01")?),
        ("districts_2019.geojson".into(), collection(world, &world.pre.districts, false, "districts before 2025-07-01")?),
        ("communes_2019.geojson".into(), collection(world, &world.pre.communes, false, "communes before 2025-07-01")?),
        ("provinces_2025.geojson".into(), collection(world, &world.post.provinces, true, "provinces from 2025-07-01")?),
        ("communes_2025.geojson".into(), collection(world, &world.post.communes, true, "communes from 2025-07-01")?),
    ];
    let xw_rows: Vec<Vec<String>> = world
        .links
        .iter()
        .map(|l| {
            let (o, n) = (&world.pre.communes[l.old], &world.post.communes[l.new]);
            vec![
                o.code.clone(),
                o.name.clone(),
                o.province_code.clone(),
                n.code.clone(),
                n.name.clone(),
                n.province_code.clone(),
                if l.full { "full" } else { "partial" }.to_string(),
                format!("{}", l.weight_population),
                format!("{}", l.weight_area),
                "synthetic: shares of the old commune's cells".to_string(),
            ]
        })
        .collect();
    files.push((
        "crosswalk_2025.csv".into(),
        csv(
            &[
                "old_code",
                "old_name",
                "old_province_code",
                "new_code",
                "new_name",
                "new_province_code",
                "relation",
                "weight_population",
                "weight_area",
                "weight_source",
            ],
            &xw_rows,
        )?,
    ));
    files.push(("indicators.csv".into(), csv(story::INDICATOR_HEADER, &st.indicators)?));
    files.push(("recognitions.csv".into(), csv(story::RECOGNITION_HEADER, &st.recognitions)?));
    files.push(("quotas.csv".into(), csv(story::QUOTA_HEADER, &st.quotas)?));
    files.push(("targets.csv".into(), csv(story::TARGET_HEADER, &st.targets)?));
    files.push(("key_routes.geojson".into(), routes(world)));
    files.push(("province_routes.csv".into(), csv(story::PROVINCE_ROUTE_HEADER, &st.province_routes)?));
    files.push(("manifest.toml".into(), manifest(world)));
    let mut written = Vec::new();
    for (name, text) in files {
        let path = out.join(&name);
        std::fs::write(&path, text.as_bytes()).map_err(Error::io(&path))?;
        written.push((name, text.len() as u64));
    }
    Ok(written)
}
