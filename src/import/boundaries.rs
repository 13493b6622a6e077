//! `import boundaries`: a GeoJSON FeatureCollection of Polygon/MultiPolygon units becomes a
//! boundary version (or one level of it).
//!
//! Checked per feature: geometry type, closed rings of at least 4 positions, finite coordinates
//! within lon/lat range, non-empty code and name, a known unit type, codes unique in the file.
//! Ring orientation is fixed to RFC 7946 silently. Invalid geometry (self-intersecting rings,
//! overlapping parts …) is refused, or repaired with `repair`.

use std::collections::{HashMap, HashSet};

use ::geo::{Coord, LineString, MultiPolygon, Polygon};
use chrono::NaiveDate;
use duckdb::types::Value;
use duckdb::{Connection, ToSql, params};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::json_position::Lines;
use super::progress::Progress;
use super::{ImportOptions, ImportReport, Input, Kind, Reporter, Written};
use crate::error::{Error, Result};
use crate::geo as geom;
use crate::store::Store;
use crate::text;
use crate::vocab::Level;

/// Which feature properties hold what. Defaults match `../shared/realdata` and the demo data.
#[derive(Debug, Clone)]
pub struct PropertyNames {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub province_code: String,
    pub province_name: String,
    pub district_code: String,
    pub district_name: String,
}

impl Default for PropertyNames {
    fn default() -> Self {
        PropertyNames {
            code: "code".into(),
            name: "name".into(),
            unit_type: "type".into(),
            province_code: "province_code".into(),
            province_name: "province_name".into(),
            district_code: "district_code".into(),
            district_name: "district_name".into(),
        }
    }
}

/// What to import the file as.
#[derive(Debug, Clone)]
pub struct BoundaryOptions {
    /// Boundary version name, e.g. `vn2025`.
    pub version: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub level: Level,
    /// `QD124_2004`, `QD19_2025`, `synthetic` or `other`; default from `valid_from`.
    pub code_system: Option<String>,
    /// Free text recorded with the version (licence, origin).
    pub source: Option<String>,
    /// Repair invalid geometry instead of refusing the file.
    pub repair: bool,
    /// Snapping tolerance (degrees) the tile engine and the derived levels use for this version;
    /// 0 for exact data, `None` to choose it from the data ([`crate::geo::snap::estimate`]).
    pub snap_tolerance: Option<f64>,
    pub props: PropertyNames,
}

/// Unit ids are `version id × UNIT_ID_STRIDE + ordinal`.
pub const UNIT_ID_STRIDE: i64 = 1_000_000;

/// A feature that passed every check (or a unit the atlas derived, see [`super::derived`]).
pub(super) struct Unit {
    /// 1-based feature index in the file.
    pub feature: u64,
    pub code: String,
    pub name: String,
    pub unit_type: &'static str,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    pub geometry: MultiPolygon<f64>,
    pub measures: geom::Measures,
    pub repaired: bool,
    /// Built by dissolving the version's communes, not imported.
    pub derived: bool,
    pub properties: String,
}

#[derive(Deserialize)]
struct TopLevel<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    features: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct RawFeature<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    properties: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(borrow)]
    geometry: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    coordinates: Option<&'a RawValue>,
}

pub fn import_boundaries(
    store: &Store,
    input: &Input,
    b: &BoundaryOptions,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    if b.version.trim().is_empty() {
        return Err(Error::InvalidArgument("--version must name the boundary version, e.g. vn2025".into()));
    }
    if let Some(t) = b.snap_tolerance
        && !(0.0..0.01).contains(&t)
    {
        return Err(Error::InvalidArgument(format!("--snap-tolerance must be between 0 and 0.01 degrees, not {t}")));
    }
    if let Some(to) = b.valid_to
        && to < b.valid_from
    {
        return Err(Error::InvalidArgument(format!("--valid-to {to} is before --valid-from {}", b.valid_from)));
    }
    let code_system = b.code_system.clone().unwrap_or_else(|| {
        if b.valid_from >= NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default() { "QD19_2025" } else { "QD124_2004" }
            .to_string()
    });
    if !matches!(code_system.as_str(), "QD124_2004" | "QD19_2025" | "synthetic" | "other") {
        return Err(Error::InvalidArgument(format!(
            "--code-system must be QD124_2004, QD19_2025, synthetic or other, not '{code_system}'"
        )));
    }
    super::run(store, Kind::Boundaries, input, opts, |conn| {
        let mut rep = opts.reporter(&input.name);
        let t0 = std::time::Instant::now();
        let units = parse(input, b, opts, &mut rep)?;
        rep.check()?;
        tracing::debug!(units = units.len(), parse_s = t0.elapsed().as_secs_f64(), "validated; writing");
        let notes: Vec<String> = units
            .iter()
            .filter(|u| u.repaired)
            .map(|u| format!("repaired unit {} ({}), feature {}", u.code, u.name, text::thousands(u.feature)))
            .collect();
        let (written, replaced, derived) = write(conn, &units, b, &code_system, opts.replace, &input.name)?;
        let notes = notes.into_iter().chain(derived).collect();
        Ok(Written::new(written, replaced, notes, &mut rep))
    })
}

/// Check a GeoJSON boundary file without a store: parsing, properties, codes, geometry validity
/// (and repair with `b.repair`) as [`import_boundaries`] does. Returns the units that pass.
pub fn check_geojson(input: &Input, b: &BoundaryOptions) -> Result<usize> {
    let mut rep = Reporter::new(&input.name);
    let units = parse(input, b, &ImportOptions::default(), &mut rep)?;
    rep.check()?;
    Ok(units.len())
}

fn parse(input: &Input, b: &BoundaryOptions, opts: &ImportOptions, rep: &mut Reporter) -> Result<Vec<Unit>> {
    let text = match std::str::from_utf8(&input.bytes) {
        Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
        Err(e) => {
            rep.fatal(1, 0, format!("not valid UTF-8 near byte {}; GeoJSON must be UTF-8", e.valid_up_to()));
            return Ok(Vec::new());
        }
    };
    let top: TopLevel = match serde_json::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            rep.fatal(e.line() as u64, e.column() as u64, format!("not valid JSON: {e}"));
            return Ok(Vec::new());
        }
    };
    if top.kind.as_deref() != Some("FeatureCollection") {
        rep.fatal(1, 1, "expected a GeoJSON FeatureCollection (\"type\": \"FeatureCollection\")");
        return Ok(Vec::new());
    }
    let features = top.features.unwrap_or_default();
    if features.is_empty() {
        rep.fatal(1, 1, "the FeatureCollection has no features");
    }
    let lines = Lines::new(text);
    let parsed = parse_features(&features, &lines, b, opts, rep);
    let mut units = Vec::with_capacity(features.len());
    let mut codes: HashMap<String, u64> = HashMap::new();
    for (raw, parsed) in features.iter().zip(parsed) {
        if let Some(u) = parsed {
            let feature = u.feature;
            if let Some(first) = codes.insert(u.code.clone(), u.feature) {
                let (line, col) = lines.of(raw);
                rep.at_feature(
                    feature,
                    line,
                    col,
                    format!("duplicate code '{}' ({}); first used by feature {}", u.code, u.name, text::thousands(first)),
                );
                continue;
            }
            units.push(u);
        }
    }
    Ok(units)
}

/// Check every feature, on every core: contiguous chunks, each with its own reporter, merged in
/// file order. The main thread draws the progress bar.
fn parse_features(features: &[&RawValue], lines: &Lines, b: &BoundaryOptions, opts: &ImportOptions, rep: &mut Reporter) -> Vec<Option<Unit>> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let chunk = features.len().div_ceil(threads).max(4);
    let done = AtomicU64::new(0);
    let file = rep.file.clone();
    let mut progress = Progress::new(opts.progress, features.len() as u64, "checking");
    let results: Vec<(Vec<Option<Unit>>, Reporter)> = std::thread::scope(|scope| {
        let handles: Vec<_> = features
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let (done, file) = (&done, &file);
                scope.spawn(move || {
                    let mut r = Reporter::new(file.clone());
                    let out = part
                        .iter()
                        .enumerate()
                        .map(|(i, raw)| {
                            let u = parse_feature(raw, (c * chunk + i) as u64 + 1, lines, b, &mut r);
                            done.fetch_add(1, Ordering::Relaxed);
                            u
                        })
                        .collect();
                    (out, r)
                })
            })
            .collect();
        let mut shown = 0;
        while opts.progress && handles.iter().any(|h| !h.is_finished()) {
            let now = done.load(Ordering::Relaxed);
            progress.inc(now - shown);
            shown = now;
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        progress.inc(done.load(Ordering::Relaxed) - shown);
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    progress.finish();
    let mut out = Vec::with_capacity(features.len());
    for (units, r) in results {
        rep.absorb(r);
        out.extend(units);
    }
    out
}

fn prop_text(props: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<String> {
    match props.get(key)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_feature(raw: &RawValue, feature: u64, lines: &Lines, b: &BoundaryOptions, rep: &mut Reporter) -> Option<Unit> {
    let (line, col) = lines.of(raw);
    let f: RawFeature = match serde_json::from_str(raw.get()) {
        Ok(f) => f,
        Err(e) => {
            rep.at_feature(feature, line, col, format!("not a GeoJSON Feature: {e}"));
            return None;
        }
    };
    if f.kind.as_deref() != Some("Feature") {
        rep.at_feature(feature, line, col, "expected an object with \"type\": \"Feature\"");
        return None;
    }
    let props = f.properties.unwrap_or_default();
    let p = &b.props;
    let code = prop_text(&props, &p.code);
    let name = prop_text(&props, &p.name);
    let label = format!(
        "unit {} ({})",
        code.as_deref().unwrap_or("without code"),
        name.as_deref().unwrap_or("without name")
    );
    let mut ok = true;
    if code.is_none() {
        rep.at_feature(feature, line, col, format!("{label}: property '{}' (the unit code) is missing or empty; use --code-prop to name another", p.code));
        ok = false;
    }
    if name.is_none() {
        rep.at_feature(feature, line, col, format!("{label}: property '{}' (the unit name) is missing or empty; use --name-prop to name another", p.name));
        ok = false;
    }
    let type_text = prop_text(&props, &p.unit_type);
    let unit_type = unit_type(b.level, type_text.as_deref(), name.as_deref().unwrap_or(""));
    if unit_type.is_none() {
        rep.at_feature(feature, 
            line,
            col,
            format!(
                "{label}: cannot tell the unit type from property '{}' ({}) or the name; expected {}",
                p.unit_type,
                type_text.as_deref().unwrap_or("absent"),
                match b.level {
                    Level::Commune => "Xã, Phường, Thị trấn or Đặc khu",
                    Level::District => "Huyện, Quận, Thị xã or Thành phố",
                    Level::Province => "Tỉnh or Thành phố",
                }
            ),
        );
        ok = false;
    }
    let Some(graw) = f.geometry else {
        rep.at_feature(feature, line, col, format!("{label}: geometry is missing or null"));
        return None;
    };
    let geometry = parse_geometry(graw, feature, lines, &label, rep)?;
    let geometry = geom::orient_rfc7946(geometry);
    let (gline, gcol) = lines.of(graw);
    let problems = geom::invalidity(&geometry);
    let mut repaired = false;
    let geometry = if problems.is_empty() {
        geometry
    } else if b.repair {
        match geom::repair(&geometry) {
            Ok(fixed) => {
                repaired = true;
                fixed
            }
            Err(e) => {
                rep.at_feature(feature, gline, gcol, format!("{label}: invalid geometry ({}) and {e}", problems.join("; ")));
                return None;
            }
        }
    } else {
        rep.at_feature(feature, 
            gline,
            gcol,
            format!(
                "{label}: invalid geometry: {}; fix it at the source or re-run with --repair",
                problems.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
            ),
        );
        return None;
    };
    let Some(measures) = geom::measures(&geometry) else {
        rep.at_feature(feature, gline, gcol, format!("{label}: the geometry has no area (no polygon with a ring); its bounding box, area and label point cannot be computed"));
        return None;
    };
    if !ok {
        return None;
    }
    let mut province_code = prop_text(&props, &p.province_code);
    let mut province_name = prop_text(&props, &p.province_name);
    if b.level == Level::Province {
        province_code = province_code.or_else(|| code.clone());
        province_name = province_name.or_else(|| name.clone());
    }
    Some(Unit {
        feature,
        code: code?,
        name: name?,
        unit_type: unit_type?,
        province_code,
        province_name,
        district_code: prop_text(&props, &p.district_code),
        district_name: prop_text(&props, &p.district_name),
        geometry,
        measures,
        repaired,
        derived: false,
        properties: serde_json::Value::Object(props).to_string(),
    })
}

/// Map a type property (or, failing that, the name's prefix) to the schema's unit type.
pub(super) fn unit_type(level: Level, type_text: Option<&str>, name: &str) -> Option<&'static str> {
    let table: &[(&str, &'static str)] = match level {
        Level::Commune => &[("xa", "xa"), ("phuong", "phuong"), ("thitran", "thi_tran"), ("dackhu", "dac_khu")],
        Level::District => &[("huyen", "huyen"), ("quan", "quan"), ("thixa", "thi_xa"), ("thanhpho", "thanh_pho")],
        Level::Province => &[("tinh", "tinh"), ("thanhpho", "thanh_pho_tw"), ("thanhphotw", "thanh_pho_tw")],
    };
    if let Some(t) = type_text {
        let k = text::key(t);
        return table.iter().find(|(word, _)| *word == k).map(|(_, ty)| *ty);
    }
    // From the name: longest matching prefix, so "Thị xã" is not read as "Thị …" + "xã".
    let folded = text::key(name);
    table.iter().filter(|(word, _)| folded.starts_with(word)).max_by_key(|(word, _)| word.len()).map(|(_, ty)| *ty)
}

fn parse_geometry(graw: &RawValue, feature: u64, lines: &Lines, label: &str, rep: &mut Reporter) -> Option<MultiPolygon<f64>> {
    let (gline, gcol) = lines.of(graw);
    let g: RawGeometry = match serde_json::from_str(graw.get()) {
        Ok(g) => g,
        Err(e) => {
            rep.at_feature(feature, gline, gcol, format!("{label}: geometry is not a GeoJSON geometry object: {e}"));
            return None;
        }
    };
    let Some(coords) = g.coordinates else {
        rep.at_feature(feature, gline, gcol, format!("{label}: geometry has no coordinates"));
        return None;
    };
    let polygons: Vec<Vec<&RawValue>> = match g.kind.as_deref() {
        Some("Polygon") => match serde_json::from_str::<Vec<&RawValue>>(coords.get()) {
            Ok(rings) => vec![rings],
            Err(e) => {
                rep.at_feature(feature, gline, gcol, format!("{label}: Polygon coordinates must be an array of rings: {e}"));
                return None;
            }
        },
        Some("MultiPolygon") => match serde_json::from_str::<Vec<Vec<&RawValue>>>(coords.get()) {
            Ok(p) => p,
            Err(e) => {
                rep.at_feature(feature, gline, gcol, format!("{label}: MultiPolygon coordinates must be an array of polygons: {e}"));
                return None;
            }
        },
        other => {
            rep.at_feature(feature, 
                gline,
                gcol,
                format!("{label}: geometry type {} is not allowed; units must be Polygon or MultiPolygon", other.unwrap_or("(none)")),
            );
            return None;
        }
    };
    let multi = polygons.len() > 1;
    let mut out = Vec::with_capacity(polygons.len());
    let mut ok = true;
    for (pi, rings) in polygons.iter().enumerate() {
        if rings.is_empty() {
            rep.at_feature(feature, gline, gcol, format!("{label}: polygon {} has no rings", pi + 1));
            ok = false;
            continue;
        }
        let mut parsed = Vec::with_capacity(rings.len());
        for (ri, rraw) in rings.iter().enumerate() {
            let (line, col) = lines.of(rraw);
            let what = match (multi, ri) {
                (true, 0) => format!("{label}: polygon {}, exterior ring", pi + 1),
                (true, _) => format!("{label}: polygon {}, hole {}", pi + 1, ri),
                (false, 0) => format!("{label}: exterior ring"),
                (false, _) => format!("{label}: hole {ri}"),
            };
            match parse_ring(rraw) {
                Ok(r) => parsed.push(r),
                Err(reason) => {
                    rep.at_feature(feature, line, col, format!("{what}: {reason}"));
                    ok = false;
                }
            }
        }
        if parsed.len() == rings.len() {
            let mut it = parsed.into_iter();
            if let Some(ext) = it.next() {
                out.push(Polygon::new(ext, it.collect()));
            }
        }
    }
    ok.then_some(MultiPolygon(out))
}

fn parse_ring(raw: &RawValue) -> Result<LineString<f64>, String> {
    let positions: Vec<Vec<serde_json::Number>> =
        serde_json::from_str(raw.get()).map_err(|e| format!("a ring must be an array of [lon, lat] positions: {e}"))?;
    let mut coords = Vec::with_capacity(positions.len());
    for (i, p) in positions.iter().enumerate() {
        if p.len() < 2 {
            return Err(format!("position {} has {} number(s); expected [lon, lat]", i + 1, p.len()));
        }
        let (x, y) = (p[0].as_f64().unwrap_or(f64::NAN), p[1].as_f64().unwrap_or(f64::NAN));
        if !x.is_finite() || !y.is_finite() {
            return Err(format!("position {} is not a finite number pair", i + 1));
        }
        if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
            return Err(format!(
                "position {} [{x}, {y}] is outside lon −180…180 / lat −90…90 (is the file in EPSG:4326, lon before lat?)",
                i + 1
            ));
        }
        coords.push(Coord { x, y });
    }
    if coords.len() < 4 {
        return Err(format!("has {} positions; a ring needs at least 4 (first = last)", coords.len()));
    }
    if coords.first() != coords.last() {
        return Err(format!(
            "is not closed: first position [{}, {}] differs from last [{}, {}]",
            coords[0].x,
            coords[0].y,
            coords[coords.len() - 1].x,
            coords[coords.len() - 1].y
        ));
    }
    Ok(LineString(coords))
}

/// Create or extend the boundary version and write the units, then derive the levels the
/// version lacks; returns (written, replaced, notes). Every unit handed in is written, or the
/// import fails: nothing is skipped.
fn write(
    conn: &Connection,
    units: &[Unit],
    b: &BoundaryOptions,
    code_system: &str,
    replace: bool,
    file: &str,
) -> Result<(u64, u64, Vec<String>)> {
    let version_id = upsert_version(conn, b, code_system)?;
    let old = existing_units(conn, version_id, b.level)?;
    let replaced = clear_for_replacement(conn, units, b, &old, replace, file)?;
    // An imported level takes the place of a derived one.
    super::derived::clear(conn, version_id, b.level)?;
    let ids = allocate_ids(conn, units, b, version_id, &old)?;
    let t0 = std::time::Instant::now();
    append_units(conn, units, &ids, b.level, version_id, code_system)?;
    let t1 = t0.elapsed();
    let fresh: Vec<(i64, &Unit)> = ids.iter().copied().zip(units).collect();
    let level = super::derived::coverage(conn, version_id, b.level, &fresh)?;
    let mut notes = Vec::new();
    if b.snap_tolerance.is_none() {
        notes.push(choose_tolerance(conn, version_id, &level)?);
    }
    let t2 = t0.elapsed();
    let communes = if b.level == Level::Commune { level } else { super::derived::coverage(conn, version_id, Level::Commune, &[])? };
    notes.extend(super::derived::derive(conn, version_id, code_system, &communes)?);
    tracing::debug!(append_s = t1.as_secs_f64(), tolerance_s = (t2 - t1).as_secs_f64(), derive_s = (t0.elapsed() - t2).as_secs_f64(), "boundaries written");
    Ok((units.len() as u64, replaced, notes))
}

const CTX: &str = "writing boundaries";

/// Choose the version's snap tolerance from its units of `level` (all of them, this file's and
/// earlier ones'); it never shrinks, as the other levels may need it. Returns what to tell the user.
fn choose_tolerance(conn: &Connection, version_id: i32, level: &[super::derived::Member]) -> Result<String> {
    let units: Vec<&[geom::topology::RingIn]> = level.iter().map(|m| m.rings.as_slice()).collect();
    let t = std::time::Instant::now();
    let e = geom::snap::estimate(&units);
    tracing::debug!(estimate_s = t.elapsed().as_secs_f64(), "snap tolerance estimated");
    let tolerance: f64 = conn
        .query_row(include_str!("sql/version_set_tolerance.sql"), params![e.tolerance, version_id], |r| r.get(0))
        .map_err(Error::store(CTX))?;
    Ok(if e.tolerance == 0.0 {
        format!(
            "snap tolerance {tolerance}°: the boundaries are topologically exact ({} of {} vertices on shared boundaries meet their neighbour exactly)",
            text::thousands(e.exact as u64),
            text::thousands(e.near as u64)
        )
    } else {
        format!(
            "snap tolerance {tolerance:e}° chosen from the data: of {} vertices on shared boundaries {} meet their neighbour exactly, \
             {} miss by up to the tolerance and are snapped in tiles and derived outlines, {} miss by more and are left as they are \
             (--snap-tolerance overrides)",
            text::thousands(e.near as u64),
            text::thousands(e.exact as u64),
            text::thousands((e.near - e.exact - e.beyond) as u64),
            text::thousands(e.beyond as u64)
        )
    })
}

/// The version's id: a new version, or an existing one with the same `valid_from` that this file
/// adds a level to (its end, source and tolerance then follow this import).
fn upsert_version(conn: &Connection, b: &BoundaryOptions, code_system: &str) -> Result<i32> {
    let existing: Option<(i32, String)> = conn
        .query_row(include_str!("sql/version_by_name.sql"), [&b.version], |r| Ok((r.get(0)?, r.get(1)?)))
        .map(Some)
        .or_else(|e| if matches!(e, duckdb::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
        .map_err(Error::store(CTX))?;
    match existing {
        Some((_, from)) if from != b.valid_from.to_string() => Err(Error::Refused(format!(
            "boundary version '{}' already exists with valid-from {from}, not {}; \
             use the same date to add a level to it, or another --version name",
            b.version, b.valid_from
        ))),
        Some((id, _)) => {
            conn.execute(include_str!("sql/version_update.sql"), params![b.valid_to, b.source, b.snap_tolerance.unwrap_or(0.0), id])
                .map_err(Error::store(CTX))?;
            Ok(id)
        }
        None => conn
            .query_row(
                include_str!("sql/version_insert.sql"),
                params![b.version, b.valid_from, b.valid_to, code_system, b.source, b.snap_tolerance.unwrap_or(0.0)],
                |r| r.get(0),
            )
            .map_err(Error::store(CTX)),
    }
}

/// A unit already stored at this level of the version: its id and province.
struct Existing {
    unit_id: i64,
    province_code: Option<String>,
}

/// The units already in this version at this level (imported ones), by code.
fn existing_units(conn: &Connection, version_id: i32, level: Level) -> Result<HashMap<String, Existing>> {
    let mut stmt = conn.prepare(include_str!("sql/unit_ids_of_level.sql")).map_err(Error::store(CTX))?;
    let rows = stmt
        .query_map(params![version_id, level], |r| Ok((r.get(0)?, Existing { unit_id: r.get(1)?, province_code: r.get(2)? })))
        .map_err(Error::store(CTX))?;
    rows.collect::<std::result::Result<_, _>>().map_err(Error::store(CTX))
}

/// Make room for the file's units. A file covers the provinces its units name (all of the level
/// when a unit names none): units of other provinces stay, so a version can be imported one
/// province file at a time. Units of covered provinces, or with the file's codes, are refused
/// without `replace`; with it, they are deleted (their ids are reused by code) unless stored
/// data refers to a unit the file drops. Returns how many units are replaced.
fn clear_for_replacement(
    conn: &Connection,
    units: &[Unit],
    b: &BoundaryOptions,
    old: &HashMap<String, Existing>,
    replace: bool,
    file: &str,
) -> Result<u64> {
    let whole_level = units.iter().any(|u| u.province_code.is_none());
    let covered: HashSet<&str> = units.iter().filter_map(|u| u.province_code.as_deref()).collect();
    let new_codes: HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let mut replaced: Vec<(&str, &Existing)> = old
        .iter()
        .filter(|(code, e)| {
            whole_level || new_codes.contains(code.as_str()) || e.province_code.as_deref().is_some_and(|p| covered.contains(p))
        })
        .map(|(c, e)| (c.as_str(), e))
        .collect();
    replaced.sort_by_key(|(_, e)| e.unit_id);
    if replaced.is_empty() {
        return Ok(0);
    }
    if !replace {
        let mut provinces: Vec<&str> = replaced.iter().filter_map(|(_, e)| e.province_code.as_deref()).collect();
        provinces.sort_unstable();
        provinces.dedup();
        return Err(Error::Refused(format!(
            "{file}: boundary version '{}' already holds {} {} unit(s) {}; nothing was imported. \
             Re-run with --replace to replace them (unit ids are kept for unchanged codes; units of other provinces stay).",
            b.version,
            replaced.len(),
            b.level,
            if provinces.is_empty() { "this file covers".to_string() } else { format!("of province {}", provinces.join(", ")) }
        )));
    }
    let vanishing: Vec<i64> = replaced.iter().filter(|(c, _)| !new_codes.contains(c)).map(|(_, e)| e.unit_id).collect();
    let used = referenced(conn, &vanishing)?;
    if !used.is_empty() {
        return Err(Error::Refused(format!(
            "{file}: the new file drops unit(s) that stored data refers to ({}); nothing was imported. \
             Delete or re-import that data first, or keep those units.",
            used.join(", ")
        )));
    }
    let ids = Value::List(replaced.iter().map(|(_, e)| Value::BigInt(e.unit_id)).collect());
    conn.execute(include_str!("sql/units_delete_level.sql"), [ids]).map_err(Error::store(CTX))?;
    Ok(replaced.len() as u64)
}

/// One id per unit, in order: the old id of the same code, else the next free ordinal of the
/// version (`version id × UNIT_ID_STRIDE + ordinal`).
fn allocate_ids(conn: &Connection, units: &[Unit], b: &BoundaryOptions, version_id: i32, old: &HashMap<String, Existing>) -> Result<Vec<i64>> {
    let base = i64::from(version_id) * UNIT_ID_STRIDE;
    let mut next: i64 = conn
        .query_row(include_str!("sql/unit_last_ordinal.sql"), params![i64::from(version_id), UNIT_ID_STRIDE], |r| r.get(0))
        .map_err(Error::store(CTX))?;
    next = next.max(old.values().map(|e| e.unit_id - base).max().unwrap_or(0));
    units
        .iter()
        .map(|u| match old.get(&u.code) {
            Some(e) => Ok(e.unit_id),
            None => {
                next += 1;
                if next >= UNIT_ID_STRIDE {
                    return Err(Error::Refused(format!("boundary version '{}' would exceed {UNIT_ID_STRIDE} units", b.version)));
                }
                Ok(base + next)
            }
        })
        .collect()
}

/// The columns of `admin_unit` a boundary import fills, in the order [`unit_row`] gives them.
const UNIT_COLUMNS: [&str; 24] = [
    "unit_id", "boundary_version_id", "code", "code_system", "name", "unit_type", "level", "province_code", "province_name",
    "district_code", "district_name", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", "area_km2", "label_lon", "label_lat",
    "part_count", "vertex_count", "repaired", "derived", "source_properties",
];

/// One unit's values for [`UNIT_COLUMNS`].
fn unit_row(u: &Unit, unit_id: i64, version_id: i32, level: Level, code_system: &str) -> [Value; 24] {
    let text = |s: &str| Value::Text(s.to_string());
    let opt = |s: &Option<String>| s.as_deref().map_or(Value::Null, text);
    let m = &u.measures;
    [
        Value::BigInt(unit_id),
        Value::Int(version_id),
        text(&u.code),
        text(code_system),
        text(&u.name),
        text(u.unit_type),
        text(level.as_str()),
        opt(&u.province_code),
        opt(&u.province_name),
        opt(&u.district_code),
        opt(&u.district_name),
        Value::Text(geom::to_geojson(&u.geometry)),
        Value::Double(m.bbox.min_lon),
        Value::Double(m.bbox.min_lat),
        Value::Double(m.bbox.max_lon),
        Value::Double(m.bbox.max_lat),
        Value::Double(m.area_km2),
        Value::Double(m.label.0),
        Value::Double(m.label.1),
        Value::Int(i32::try_from(m.parts).unwrap_or(i32::MAX)),
        Value::Int(i32::try_from(m.vertices).unwrap_or(i32::MAX)),
        Value::Boolean(u.repaired),
        Value::Boolean(u.derived),
        text(&u.properties),
    ]
}

pub(super) fn append_units(conn: &Connection, units: &[Unit], ids: &[i64], level: Level, version_id: i32, code_system: &str) -> Result<()> {
    let mut app = conn.appender_with_columns("admin_unit", &UNIT_COLUMNS).map_err(Error::store(CTX))?;
    for (u, id) in units.iter().zip(ids) {
        let values = unit_row(u, *id, version_id, level, code_system);
        let params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
        app.append_row(params.as_slice()).map_err(Error::store(CTX))?;
    }
    app.flush().map_err(Error::store(CTX))
}

/// Codes of the given units that indicators, crosswalk, recognitions or quotas refer to.
fn referenced(conn: &Connection, ids: &[i64]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = "checking references to replaced units";
    let list = Value::List(ids.iter().map(|i| Value::BigInt(*i)).collect());
    let mut stmt = conn.prepare(include_str!("sql/units_referenced.sql")).map_err(Error::store(ctx))?;
    let rows = stmt.query_map([list], |r| r.get::<_, String>(0)).map_err(Error::store(ctx))?;
    rows.collect::<Result<_, _>>().map_err(Error::store(ctx))
}
