//! Boundary files as survey offices deliver them — Shapefiles (`.shp` with its `.dbf`, `.prj`,
//! `.cpg`, or all of them in a `.zip`) and GeoPackages — in any CRS [`crate::geo::crs`] knows,
//! turned into the WGS84 GeoJSON the boundary import validates. The CRS comes from the file
//! (`.prj`, `gpkg_spatial_ref_sys`) or `--crs`; a file without one is refused with the flag to
//! add; Vietnamese X/Y (X = northing) is detected and said. DBF text is decoded in the code
//! page its `.cpg` names; text that is not Unicode and has no `.cpg` (TCVN3/VNI) is refused
//! with what to do.

use std::io::{Cursor, Read};
use std::path::Path;

use serde_json::{Map, Value, json};

use super::Input;
use crate::error::{Error, Result};
use crate::geo::crs::{self, Crs};

/// How to read a vector file beyond what it says itself.
#[derive(Debug, Clone, Default)]
pub struct VectorOptions {
    /// The CRS, overriding (or standing in for) the file's.
    pub crs: Option<Crs>,
    /// The file's X is the northing and Y the easting (as Vietnamese documents write them).
    pub swap_xy: bool,
}

/// A vector file converted to GeoJSON, and what conversion did.
pub struct Converted {
    pub geojson: String,
    pub notes: Vec<String>,
}

/// Is this a Shapefile, a zipped Shapefile or a GeoPackage (by name, or a GeoPackage by its
/// SQLite header)?
pub fn is_vector(name: &str, bytes: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".shp") || lower.ends_with(".zip") || lower.ends_with(".gpkg") || bytes.starts_with(b"SQLite format 3\0")
}

fn refuse(file: &str, reason: impl std::fmt::Display) -> Error {
    Error::Refused(format!("{file}: {reason}"))
}

/// Convert `input` to WGS84 GeoJSON.
pub fn to_geojson(input: &Input, opts: &VectorOptions) -> Result<Converted> {
    let lower = input.name.to_ascii_lowercase();
    if lower.ends_with(".gpkg") || input.bytes.starts_with(b"SQLite format 3\0") {
        return gpkg(input, opts);
    }
    let parts = if lower.ends_with(".zip") { zipped(input)? } else { siblings(input)? };
    shapefile(&input.name, &parts, opts)
}

/// The files of one Shapefile.
struct Parts {
    shp: Vec<u8>,
    dbf: Option<Vec<u8>>,
    prj: Option<String>,
    cpg: Option<String>,
}

fn siblings(input: &Input) -> Result<Parts> {
    let path = input.path.as_deref().ok_or_else(|| refuse(&input.name, "a .shp comes with its .dbf and .prj: upload them together as a .zip"))?;
    let read = |ext: &str| -> Option<Vec<u8>> {
        [ext.to_string(), ext.to_ascii_uppercase()].iter().find_map(|e| std::fs::read(path.with_extension(e)).ok())
    };
    Ok(Parts {
        shp: input.bytes.to_vec(),
        dbf: read("dbf"),
        prj: read("prj").map(|b| String::from_utf8_lossy(&b).to_string()),
        cpg: read("cpg").map(|b| String::from_utf8_lossy(&b).trim().to_string()),
    })
}

fn zipped(input: &Input) -> Result<Parts> {
    let mut zip = zip::ZipArchive::new(Cursor::new(&input.bytes[..])).map_err(|e| refuse(&input.name, format!("not a readable ZIP archive: {e}")))?;
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|n| n.to_string())).collect();
    let shp = names.iter().find(|n| n.to_ascii_lowercase().ends_with(".shp")).cloned().ok_or_else(|| refuse(&input.name, "the archive holds no .shp file"))?;
    if names.iter().filter(|n| n.to_ascii_lowercase().ends_with(".shp")).count() > 1 {
        return Err(refuse(&input.name, "the archive holds several .shp files: zip one layer per file"));
    }
    let stem = &shp[..shp.len() - 4];
    let mut read = |ext: &str| -> Result<Option<Vec<u8>>> {
        let Some(name) = names.iter().find(|n| n.len() == stem.len() + 4 && n.starts_with(stem) && n[stem.len()..].eq_ignore_ascii_case(ext)) else {
            return Ok(None);
        };
        let mut f = zip.by_name(name).map_err(|e| refuse(&input.name, format!("{name}: {e}")))?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).map_err(|e| refuse(&input.name, format!("{name}: {e}")))?;
        Ok(Some(out))
    };
    let shp_bytes = read(".shp")?.unwrap_or_default();
    Ok(Parts {
        shp: shp_bytes,
        dbf: read(".dbf")?,
        prj: read(".prj")?.map(|b| String::from_utf8_lossy(&b).to_string()),
        cpg: read(".cpg")?.map(|b| String::from_utf8_lossy(&b).trim().to_string()),
    })
}

/// Which CRS to use: `--crs`, else the file's; refused without either or when unknown.
fn choose_crs(file: &str, given: Option<&Crs>, wkt: Option<&str>, what: &str) -> Result<(Crs, String)> {
    if let Some(c) = given {
        return Ok((c.clone(), format!("CRS {c} (from --crs)")));
    }
    let Some(wkt) = wkt.filter(|w| !w.trim().is_empty()) else {
        return Err(refuse(
            file,
            format!("{what} does not say its coordinate system; add it with --crs (e.g. --crs vn2000-tm3:105.5, --crs EPSG:5897, --crs vn2000-utm48, --crs wgs84)"),
        ));
    };
    match Crs::from_wkt(wkt) {
        Some(c) => Ok((c.clone(), format!("CRS {c} (from the file)"))),
        None => Err(refuse(
            file,
            format!("its coordinate system is not one the atlas converts (WGS 84 or VN-2000, geographic or Transverse Mercator): {}; reproject it, or give --crs", wkt.chars().take(200).collect::<String>()),
        )),
    }
}

/// Converts positions, checking X/Y order on the first one.
struct Positions {
    crs: Crs,
    swap: bool,
    checked: bool,
}

impl Positions {
    fn convert(&mut self, file: &str, x: f64, y: f64) -> Result<[f64; 2]> {
        let (x, y) = if self.swap { (y, x) } else { (x, y) };
        if !self.checked {
            self.checked = true;
            if self.crs.projected() && crs::looks_swapped(x, y) {
                return Err(refuse(
                    file,
                    format!("X = {x:.0} looks like a northing and Y = {y:.0} like an easting (Vietnamese documents write X for the northing); re-run with --swap-xy"),
                ));
            }
            if !self.crs.projected() && (x.abs() > 180.0 || y.abs() > 90.0) {
                return Err(refuse(file, format!("({x}, {y}) is not a longitude/latitude: the file is projected; give its CRS with --crs")));
            }
        }
        let (lon, lat) = self.crs.to_wgs84(x, y);
        // 1e-9° (0.1 mm) is far below any survey's precision and keeps the GeoJSON compact.
        Ok([(lon * 1e9).round() / 1e9, (lat * 1e9).round() / 1e9])
    }
}

fn le_i32(b: &[u8], at: usize) -> Option<i32> {
    b.get(at..at + 4).map(|s| i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}
fn be_i32(b: &[u8], at: usize) -> Option<i32> {
    b.get(at..at + 4).map(|s| i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}
fn le_f64(b: &[u8], at: usize) -> Option<f64> {
    b.get(at..at + 8).map(|s| f64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]))
}

/// Signed area of a ring (positive counter-clockwise) and a containment test, to group a
/// Shapefile's rings into polygons (outer rings clockwise, holes counter-clockwise).
fn signed_area(r: &[[f64; 2]]) -> f64 {
    r.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum::<f64>() / 2.0
}
fn contains(r: &[[f64; 2]], p: [f64; 2]) -> bool {
    let mut inside = false;
    for w in r.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
    }
    inside
}

/// Group rings into polygons: each hole goes to the smallest outer ring containing it.
fn polygons(rings: Vec<Vec<[f64; 2]>>) -> Vec<Vec<Vec<[f64; 2]>>> {
    let (mut outers, mut holes) = (Vec::new(), Vec::new());
    for r in rings {
        if signed_area(&r) <= 0.0 { outers.push(vec![r]) } else { holes.push(r) }
    }
    if outers.is_empty() {
        // Wound the other way throughout: take them as outer rings.
        return holes.into_iter().map(|h| vec![h]).collect();
    }
    for h in holes {
        let Some(p) = h.first().copied() else { continue };
        let best = outers.iter().enumerate().filter(|(_, o)| contains(&o[0], p)).min_by(|a, b| signed_area(&a.1[0]).abs().total_cmp(&signed_area(&b.1[0]).abs())).map(|(i, _)| i);
        match best {
            Some(i) => outers[i].push(h),
            None => outers.push(vec![h]),
        }
    }
    outers
}

fn geometry(polys: Vec<Vec<Vec<[f64; 2]>>>) -> Value {
    if polys.len() == 1 {
        json!({ "type": "Polygon", "coordinates": polys[0] })
    } else {
        json!({ "type": "MultiPolygon", "coordinates": polys })
    }
}

/// The encoding a `.cpg` names ("UTF-8", "1258", "CP1258", "windows-1258" …).
fn encoding(cpg: &str) -> Option<&'static encoding_rs::Encoding> {
    let c = cpg.trim();
    let label = if c.chars().all(|ch| ch.is_ascii_digit()) { format!("windows-{c}") } else { c.replace("CP", "windows-").replace("cp", "windows-") };
    encoding_rs::Encoding::for_label(label.as_bytes()).or_else(|| encoding_rs::Encoding::for_label(c.as_bytes()))
}

/// Read the DBF's records as JSON properties (one map per record, deleted ones `None`).
fn dbf(file: &str, bytes: &[u8], cpg: Option<&str>) -> Result<Vec<Option<Map<String, Value>>>> {
    let bad = |why: &str| refuse(file, format!("the .dbf is damaged: {why}"));
    if bytes.len() < 32 {
        return Err(bad("shorter than its header"));
    }
    let count = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let record_len = u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
    let mut fields = Vec::new();
    let mut at = 32;
    while at + 32 <= header_len && bytes.get(at) != Some(&0x0D) {
        let d = &bytes[at..at + 32];
        let name: String = d[..11].iter().take_while(|b| **b != 0).map(|b| *b as char).collect();
        fields.push((name, d[11], d[16] as usize));
        at += 32;
    }
    let enc = match cpg {
        Some(c) => Some(encoding(c).ok_or_else(|| refuse(file, format!("the .cpg names code page '{c}', which the atlas cannot decode; save the file as UTF-8")))?),
        None => None,
    };
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let start = header_len + i * record_len;
        let rec = bytes.get(start..start + record_len).ok_or_else(|| bad(&format!("record {} is cut short", i + 1)))?;
        if rec[0] == b'*' {
            out.push(None);
            continue;
        }
        let mut props = Map::new();
        let mut pos = 1;
        for (name, ty, len) in &fields {
            let raw = rec.get(pos..pos + len).ok_or_else(|| bad("a field runs past its record"))?;
            pos += len;
            let text = match enc {
                Some(e) => e.decode_without_bom_handling(raw).0.to_string(),
                None => match std::str::from_utf8(raw) {
                    Ok(s) => s.to_string(),
                    Err(_) => {
                        return Err(refuse(
                            file,
                            format!(
                                "record {}, field {name}: the text is not Unicode (UTF-8) and no .cpg names its code page — it may be TCVN3 (ABC) or VNI, \
                                 which cannot be decoded reliably; convert it to Unicode (e.g. Unikey's converter, or QGIS: save as with encoding UTF-8), \
                                 or add a .cpg naming the code page (e.g. 1258)",
                                i + 1
                            ),
                        ));
                    }
                },
            };
            let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string();
            let value = match ty {
                _ if text.is_empty() => Value::Null,
                b'L' => Value::Bool(matches!(text.as_str(), "T" | "t" | "Y" | "y")),
                _ => Value::String(text),
            };
            props.insert(name.clone(), value);
        }
        out.push(Some(props));
    }
    Ok(out)
}

fn shapefile(file: &str, parts: &Parts, opts: &VectorOptions) -> Result<Converted> {
    let (crs, said) = choose_crs(file, opts.crs.as_ref(), parts.prj.as_deref(), "the Shapefile has no .prj: it")?;
    let dbf_bytes = parts.dbf.as_deref().ok_or_else(|| refuse(file, "the Shapefile's .dbf (its attributes: code, name …) is missing"))?;
    let records = dbf(file, dbf_bytes, parts.cpg.as_deref())?;
    let b = &parts.shp;
    if be_i32(b, 0) != Some(9994) {
        return Err(refuse(file, "not a Shapefile (.shp): its header is wrong"));
    }
    let mut pos = Positions { crs, swap: opts.swap_xy, checked: false };
    let mut features = Vec::new();
    let mut at = 100;
    let mut index = 0;
    while at + 8 <= b.len() {
        let len = be_i32(b, at + 4).unwrap_or(0).max(0) as usize * 2;
        let content = at + 8;
        at = content + len;
        let props = records.get(index).cloned().unwrap_or(Some(Map::new()));
        index += 1;
        let Some(props) = props else { continue }; // deleted record
        let shape = le_i32(b, content).unwrap_or(0);
        if shape == 0 {
            continue; // null shape
        }
        if ![5, 15, 25].contains(&shape) {
            return Err(refuse(file, format!("record {index} is shape type {shape}, not a polygon: boundaries need polygons")));
        }
        let (Some(nparts), Some(npoints)) = (le_i32(b, content + 36), le_i32(b, content + 40)) else {
            return Err(refuse(file, format!("record {index} is cut short")));
        };
        let (nparts, npoints) = (nparts.max(0) as usize, npoints.max(0) as usize);
        let parts_at = content + 44;
        let points_at = parts_at + 4 * nparts;
        if points_at + 16 * npoints > b.len() {
            return Err(refuse(file, format!("record {index} is cut short")));
        }
        let starts: Vec<usize> = (0..nparts).map(|i| le_i32(b, parts_at + 4 * i).unwrap_or(0).max(0) as usize).collect();
        let mut rings = Vec::with_capacity(nparts);
        for (i, &s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).copied().unwrap_or(npoints).min(npoints);
            let mut ring = Vec::with_capacity(e.saturating_sub(s));
            for p in s..e {
                let (x, y) = (le_f64(b, points_at + 16 * p).unwrap_or(f64::NAN), le_f64(b, points_at + 16 * p + 8).unwrap_or(f64::NAN));
                ring.push(pos.convert(file, x, y)?);
            }
            rings.push(ring);
        }
        features.push(json!({ "type": "Feature", "properties": props, "geometry": geometry(polygons(rings)) }));
    }
    let n = features.len();
    let geojson = json!({ "type": "FeatureCollection", "features": features }).to_string();
    Ok(Converted { geojson, notes: vec![format!("read {n} polygons from the Shapefile; {said}, converted to WGS 84{}", swapped_note(opts))] })
}

fn swapped_note(opts: &VectorOptions) -> &'static str {
    if opts.swap_xy { " (X and Y swapped, --swap-xy)" } else { "" }
}

/// Parse a WKB Polygon or MultiPolygon (any byte order; Z and M values dropped).
fn wkb(b: &[u8], at: &mut usize, pos: &mut Positions, file: &str) -> Result<Vec<Vec<Vec<[f64; 2]>>>> {
    let cut = || refuse(file, "a geometry blob is cut short");
    let le = *b.get(*at).ok_or_else(cut)? == 1;
    let u32_at = |i: usize| -> Option<u32> {
        let s = b.get(i..i + 4)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(if le { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    };
    let f64_at = |i: usize| -> Option<f64> {
        let s = b.get(i..i + 8)?;
        let a = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]];
        Some(if le { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) })
    };
    let ty = u32_at(*at + 1).ok_or_else(cut)?;
    *at += 5;
    // ISO (1000s) and EWKB-style flags for Z/M.
    let (base, dims) = match ty & 0x0FFF_FFFF {
        t if t >= 3000 => (t - 3000, 4),
        t if t >= 2000 => (t - 2000, 3),
        t if t >= 1000 => (t - 1000, 3),
        t => (t, 2 + usize::from(ty & 0x8000_0000 != 0) + usize::from(ty & 0x4000_0000 != 0)),
    };
    match base {
        3 => {
            let nrings = u32_at(*at).ok_or_else(cut)? as usize;
            *at += 4;
            let mut poly = Vec::with_capacity(nrings);
            for _ in 0..nrings {
                let n = u32_at(*at).ok_or_else(cut)? as usize;
                *at += 4;
                let mut ring = Vec::with_capacity(n);
                for _ in 0..n {
                    let (x, y) = (f64_at(*at).ok_or_else(cut)?, f64_at(*at + 8).ok_or_else(cut)?);
                    *at += 8 * dims;
                    ring.push(pos.convert(file, x, y)?);
                }
                poly.push(ring);
            }
            Ok(vec![poly])
        }
        6 => {
            let n = u32_at(*at).ok_or_else(cut)? as usize;
            *at += 4;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                out.extend(wkb(b, at, pos, file)?);
            }
            Ok(out)
        }
        other => Err(refuse(file, format!("a geometry is WKB type {other}, not a polygon: boundaries need polygons"))),
    }
}

fn gpkg(input: &Input, opts: &VectorOptions) -> Result<Converted> {
    let file = input.name.as_str();
    // SQLite reads from a file: the upload goes to a private temporary one.
    let tmp;
    let path: &Path = match &input.path {
        Some(p) => p,
        None => {
            tmp = tempfile::NamedTempFile::new().map_err(Error::io("a temporary file for the GeoPackage"))?;
            std::fs::write(tmp.path(), &input.bytes).map_err(Error::io(tmp.path()))?;
            tmp.path()
        }
    };
    let db = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| refuse(file, format!("not a readable GeoPackage: {e}")))?;
    let sql_err = |e: rusqlite::Error| refuse(file, format!("not a GeoPackage the atlas can read: {e}"));
    let layers: Vec<(String, String, i64)> = {
        let mut st = db
            .prepare(include_str!("sql/sqlite/gpkg_layers.sql"))
            .map_err(sql_err)?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(sql_err)?.collect::<std::result::Result<_, _>>().map_err(sql_err)?
    };
    let (table, column, srs) = match layers.as_slice() {
        [one] => one.clone(),
        [] => return Err(refuse(file, "the GeoPackage has no feature layer")),
        many => {
            let names: Vec<&str> = many.iter().map(|l| l.0.as_str()).collect();
            return Err(refuse(file, format!("the GeoPackage has {} layers ({}): save the boundary layer on its own", many.len(), names.join(", "))));
        }
    };
    let (org, code, wkt): (Option<String>, Option<i64>, Option<String>) = db
        .query_row(include_str!("sql/sqlite/gpkg_srs.sql"), [srs], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap_or((None, None, None));
    let from_code = org.filter(|o| o.eq_ignore_ascii_case("epsg")).and(code).and_then(|c| Crs::from_epsg(c as u32));
    let (crs, said) = match (&opts.crs, from_code) {
        (None, Some(c)) => {
            let s = format!("CRS {c} (EPSG:{} in the file)", code.unwrap_or_default());
            (c, s)
        }
        _ => choose_crs(file, opts.crs.as_ref(), wkt.as_deref().filter(|w| *w != "undefined"), "the GeoPackage layer")?,
    };
    let sql = crate::store::fill(include_str!("sql/sqlite/gpkg_features.sql"), &[("table", &crate::store::quote_ident(&table))]);
    let mut st = db.prepare(&sql).map_err(sql_err)?;
    let names: Vec<String> = st.column_names().into_iter().map(String::from).collect();
    let geom_at = names.iter().position(|n| n.eq_ignore_ascii_case(&column)).ok_or_else(|| refuse(file, format!("layer {table} has no column {column}")))?;
    let mut pos = Positions { crs, swap: opts.swap_xy, checked: false };
    let mut features = Vec::new();
    let mut rows = st.query([]).map_err(sql_err)?;
    while let Some(row) = rows.next().map_err(sql_err)? {
        let mut props = Map::new();
        let mut geom = None;
        for (i, n) in names.iter().enumerate() {
            let v = row.get_ref(i).map_err(sql_err)?;
            if i == geom_at {
                if let rusqlite::types::ValueRef::Blob(b) = v {
                    geom = Some(b.to_vec());
                }
                continue;
            }
            let value = match v {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(x) => json!(x),
                rusqlite::types::ValueRef::Real(x) => json!(x),
                rusqlite::types::ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).to_string()),
                rusqlite::types::ValueRef::Blob(_) => continue,
            };
            props.insert(n.clone(), value);
        }
        let Some(b) = geom else { continue };
        // GeoPackage binary header: "GP", version, flags (envelope size in bits 1–3).
        if b.len() < 8 || &b[..2] != b"GP" {
            return Err(refuse(file, "a geometry is not in GeoPackage binary form"));
        }
        let envelope = match (b[3] >> 1) & 0x07 {
            0 => 0,
            1 => 32,
            2 | 3 => 48,
            4 => 64,
            _ => return Err(refuse(file, "a geometry has an invalid envelope code")),
        };
        if b[3] & 0x10 != 0 {
            continue; // empty geometry
        }
        let mut at = 8 + envelope;
        let polys = wkb(&b, &mut at, &mut pos, file)?;
        features.push(json!({ "type": "Feature", "properties": props, "geometry": geometry(polys) }));
    }
    let n = features.len();
    let geojson = json!({ "type": "FeatureCollection", "features": features }).to_string();
    Ok(Converted { geojson, notes: vec![format!("read {n} polygons from GeoPackage layer '{table}'; {said}, converted to WGS 84{}", swapped_note(opts))] })
}
