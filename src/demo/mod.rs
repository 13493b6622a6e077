//! The embedded demo dataset (`data/demo/`), compiled into the binary so that `serve` works on a
//! fresh clone. `manifest.toml` lists the files in import order with their import options; they
//! go through the ordinary importers — the demo has no back door into the store.

pub mod generate;

use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::import::{self, BoundaryOptions, CrosswalkOptions, ImportOptions, ImportReport, Input, Kind, PropertyNames};
use crate::store::Store;

/// `data/demo/` as built into the binary.
pub static DEMO_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/data/demo");

/// `data/demo/manifest.toml`.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub title: String,
    /// Always true for the shipped demo: every view labels the data as synthetic.
    pub synthetic: bool,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

/// One import of the manifest.
#[derive(Debug, Deserialize)]
pub struct Step {
    pub kind: crate::import::Kind,
    pub file: String,
    pub version: Option<String>,
    #[serde(default, deserialize_with = "crate::dates::optional")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::dates::optional")]
    pub valid_to: Option<NaiveDate>,
    pub level: Option<crate::vocab::Level>,
    pub code_system: Option<String>,
    pub source: Option<String>,
    #[serde(default, deserialize_with = "crate::dates::optional")]
    pub effective_date: Option<NaiveDate>,
}

/// Parse a manifest.
pub fn parse_manifest(text: &str) -> Result<Manifest> {
    toml::from_str(text).map_err(|e| Error::InvalidArgument(format!("manifest.toml: {e}")))
}

/// The embedded manifest.
pub fn manifest() -> Result<Manifest> {
    let file = DEMO_DIR
        .get_file("manifest.toml")
        .ok_or_else(|| Error::NotFound("data/demo/manifest.toml is missing from the build".into()))?;
    parse_manifest(file.contents_utf8().unwrap_or_default())
}

/// Import the embedded demo dataset into `store` (which should be empty).
pub fn load(store: &Store, opts: &ImportOptions) -> Result<Vec<ImportReport>> {
    let m = manifest()?;
    load_with(store, &m, opts, |name| {
        DEMO_DIR.get_file(name).map(|f| (format!("data/demo/{name}"), f.contents().to_vec()))
    })
}

/// Import a dataset directory written by `demo generate` (its `manifest.toml` and files).
pub fn load_dir(store: &Store, dir: &std::path::Path, opts: &ImportOptions) -> Result<Vec<ImportReport>> {
    let path = dir.join("manifest.toml");
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let m = parse_manifest(&text)?;
    load_with(store, &m, opts, |name| {
        let p = dir.join(name);
        std::fs::read(&p).ok().map(|b| (p.display().to_string(), b))
    })
}

/// Run the manifest's imports in order; `read` gives a file's display name and bytes.
fn load_with(
    store: &Store,
    m: &Manifest,
    opts: &ImportOptions,
    read: impl Fn(&str) -> Option<(String, Vec<u8>)>,
) -> Result<Vec<ImportReport>> {
    let mut reports = Vec::new();
    for step in &m.steps {
        let (name, bytes) =
            read(&step.file).ok_or_else(|| Error::NotFound(format!("dataset file {} is missing", step.file)))?;
        let input = Input::from_bytes(name, &bytes);
        let report = match step.kind {
            Kind::Boundaries => {
                let b = BoundaryOptions {
                    version: step.version.clone().unwrap_or_else(|| "demo".into()),
                    valid_from: step.valid_from.ok_or_else(|| missing(step, "valid_from"))?,
                    valid_to: step.valid_to,
                    level: step.level.unwrap_or(crate::vocab::Level::Commune),
                    code_system: step.code_system.clone(),
                    source: step.source.clone(),
                    repair: false,
                    snap_tolerance: Some(0.0),
                    props: PropertyNames::default(),
                };
                import::import_boundaries(store, &input, &b, opts)?
            }
            Kind::Indicators => import::import_indicators(store, &input, opts)?,
            Kind::Crosswalk => {
                let mut xw = CrosswalkOptions::default();
                if let Some(d) = step.effective_date {
                    xw.effective_date = d;
                }
                import::import_crosswalk(store, &input, &xw, opts)?
            }
            Kind::Recognitions => import::import_recognitions(store, &input, opts)?,
            Kind::Quotas => import::import_quotas(store, &input, opts)?,
            Kind::Targets => import::import_targets(store, &input, opts)?,
            Kind::Routes => import::import_routes(store, &input, opts)?,
            Kind::ProvinceRoutes => import::import_province_routes(store, &input, opts)?,
        };
        reports.push(report);
    }
    Ok(reports)
}

fn missing(step: &Step, field: &str) -> Error {
    Error::InvalidArgument(format!("manifest: step for {} needs {field}", step.file))
}
