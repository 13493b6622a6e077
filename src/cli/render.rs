//! `commune-atlas render`: a static map to a file (SVG, PNG at 300 dpi, or PDF).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use commune_atlas::analytics::choropleth::Spec;
use commune_atlas::render::{self, Format, MapRequest};
use commune_atlas::store::Store;
use commune_atlas::tiles::TileService;

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// status, conversion, key_type or indicator.
    #[arg(long, default_value = "status")]
    pub view: commune_atlas::render::View,
    /// Year (default: the latest with data).
    #[arg(long)]
    pub year: Option<i32>,
    /// Conversion: the earlier year (default: year − 1).
    #[arg(long)]
    pub from: Option<i32>,
    /// Only this province (code).
    #[arg(long)]
    pub province: Option<String>,
    /// Indicator view: the indicator or rate.
    #[arg(long)]
    pub metric: Option<String>,
    /// Indicator view: quantile, equal, jenks or custom.
    #[arg(long)]
    pub method: Option<commune_atlas::analytics::choropleth::Method>,
    /// Indicator view: number of classes.
    #[arg(long)]
    pub classes: Option<usize>,
    /// vi or en.
    #[arg(long, default_value = "vi")]
    pub lang: String,
    /// Output file: .svg, .png (300 dpi) or .pdf (A4 landscape).
    pub out: PathBuf,
}

/// What drawing a map or a report needs from the store.
pub(super) struct Drawing {
    pub store: Store,
    pub snapshot: commune_atlas::analytics::Snapshot,
    pub tiles: TileService,
    pub units: commune_atlas::store::Directory,
}

impl Drawing {
    pub fn load(db: &Path) -> anyhow::Result<Drawing> {
        if !db.exists() {
            anyhow::bail!("no store at {}", db.display());
        }
        let store = Store::open(db)?;
        let rules = commune_atlas::rules::Rules::embedded()?;
        let (_, snapshot) = commune_atlas::analytics::up_to_date(&store, &rules)?;
        let tiles = TileService::load(&store, None)?;
        let units = commune_atlas::store::Directory::load(&store)?;
        Ok(Drawing { store, snapshot, tiles, units })
    }

    /// A province's name by its code.
    pub fn province_name(&self, code: &str) -> Option<String> {
        self.units.province_name(code).map(String::from)
    }
}

pub fn run(db: &Path, a: RenderArgs) -> anyhow::Result<()> {
    let ext = a.out.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = Format::parse(ext).context("choose the output by its extension: .svg, .png or .pdf")?;
    let started = std::time::Instant::now();
    let Drawing { store, snapshot, tiles, units } = Drawing::load(db)?;
    let demo = store.is_demo()?;
    let req = MapRequest {
        view: a.view,
        spec: Spec { year: a.year, from: a.from, metric: a.metric.clone(), method: a.method, classes: a.classes, ..Spec::default() },
        province: a.province.clone(),
        english: a.lang == "en",
        format,
    };
    let province_name = |code: &str| units.province_name(code).map(String::from);
    let bytes = render::render(&snapshot, &tiles, &req, &|_| true, &province_name, demo)?;
    std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
    println!("wrote {} ({:.1} KB) in {:.2} s", a.out.display(), bytes.len() as f64 / 1024.0, started.elapsed().as_secs_f64());
    Ok(())
}
