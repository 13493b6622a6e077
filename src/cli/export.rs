//! `commune-atlas export pmtiles …`: tiles that leave the server.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use anyhow::Context;
use commune_atlas::analytics::choropleth::{self, Spec};
use commune_atlas::access::Scope;
use commune_atlas::sql::export::{self, Dataset, Format};
use commune_atlas::store::Store;
use commune_atlas::tiles::{TileService, archive};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write a layer's vector tiles into one PMTiles archive, for a CDN or object storage.
    #[command(after_help = "Examples:\n  \
commune-atlas export pmtiles --layer communes --maxzoom 12 --choropleths site/data communes.pmtiles\n  \
commune-atlas export pmtiles --layer communes --version demo-2019 --maxzoom 10 communes-2019.pmtiles\n\n\
The tiles are byte for byte the ones GET /tiles/{layer}/{z}/{x}/{y}.mvt serves (gzip). Serve the file \
from any static host with HTTP range requests and read it with the PMTiles protocol for MapLibre; put \
the choropleth JSON (GET /api/choropleth?…) beside it as static files. The archive holds every unit of \
the layer: only export what every reader may see.")]
    Pmtiles(PmtilesArgs),

    /// Write a dataset as Parquet (units: GeoParquet), CSV, JSON or GeoJSON, with the store's column types.
    #[command(after_help = "Datasets: units, indicators, classification, conversion, progress, crosswalk, recognitions.\n\n\
The file is the one GET /api/export/{dataset}.{format} answers a national user: the same relation, \
order and column types.\n\n\
Examples:\n  \
commune-atlas export data units units.parquet            # GeoParquet 1.0: geometry as WKB, CRS84\n  \
commune-atlas export data indicators indicators.parquet\n  \
commune-atlas export data classification status.csv\n\n\
Read them with DuckDB (FROM 'units.parquet'), pandas / geopandas (read_parquet), Spark \
(spark.read.parquet) or Trino; QGIS opens the GeoParquet and GeoJSON.")]
    Data(DataArgs),
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// The dataset: units, indicators, classification, conversion, progress, crosswalk or recognitions.
    pub dataset: Dataset,
    /// The file to write; its extension (.parquet, .csv, .json, .geojson) picks the format.
    pub out: PathBuf,
    /// parquet, csv, json or geojson (overrides the extension).
    #[arg(long)]
    pub format: Option<Format>,
}

#[derive(Debug, Args)]
pub struct PmtilesArgs {
    /// communes, districts, provinces or routes.
    #[arg(long, default_value = "communes")]
    pub layer: String,
    /// Boundary version (default: the newest that has the layer).
    #[arg(long)]
    pub version: Option<String>,
    /// Highest zoom to include (clients over-zoom beyond it).
    #[arg(long, default_value_t = 12)]
    pub maxzoom: u8,
    /// Also write the choropleth JSON (status, key type, conversion for every year with data)
    /// into this directory, to serve as static files beside the archive.
    #[arg(long, value_name = "DIR")]
    pub choropleths: Option<PathBuf>,
    /// The archive to write.
    pub out: PathBuf,
}

pub fn run(db: &Path, cmd: ExportCommand) -> anyhow::Result<()> {
    match cmd {
        ExportCommand::Data(a) => {
            if !db.exists() {
                anyhow::bail!("no store at {}", db.display());
            }
            let format = match a.format {
                Some(f) => f,
                None => a.out.extension().and_then(|e| e.to_str()).unwrap_or("parquet").to_ascii_lowercase().parse::<Format>()
                    .context("choose the format by the file's extension (.parquet, .csv, .json, .geojson) or with --format")?,
            };
            let store = Store::open(db)?;
            let r = export::write(&store, a.dataset, format, &Scope::all(), &[], &a.out)?;
            println!("wrote {} rows of {} to {} ({}, {:.1} MB)", r.rows, r.dataset, a.out.display(), r.format, r.bytes as f64 / 1e6);
            Ok(())
        }
        ExportCommand::Pmtiles(a) => {
            if !db.exists() {
                anyhow::bail!("no store at {}", db.display());
            }
            let store = Store::open(db)?;
            let demo = store.is_demo()?;
            let tiles = TileService::load(&store, None)?;
            let id = match &a.version {
                Some(v) if a.layer != "routes" => format!("{}.{v}", a.layer),
                _ => a.layer.clone(),
            };
            let layer = tiles.layer(&id).ok_or_else(|| {
                let known: Vec<String> = tiles.layers().iter().map(|l| l.id.clone()).collect();
                anyhow::anyhow!("no tile layer '{id}'; layers: {}", known.join(", "))
            })?;
            let attribution = if demo { "commune-atlas — SYNTHETIC demo data / dữ liệu minh họa" } else { "commune-atlas" };
            let r = archive::export(&layer, a.maxzoom, &a.out, attribution, |z, n| eprintln!("  zoom {z:>2}: {n} tiles so far"))?;
            if let Some(dir) = &a.choropleths {
                std::fs::create_dir_all(dir)?;
                let rules = commune_atlas::rules::Rules::embedded()?;
                let (_, snapshot) = commune_atlas::analytics::up_to_date(&store, &rules)?;
                let version = layer.version.clone();
                let mut n = 0;
                for year in snapshot.years() {
                    for metric in ["status", "key_type", "conversion"] {
                        let spec = Spec { year: Some(year), metric: Some(metric.into()), ..Spec::default() };
                        let Ok(c) = choropleth::compute(&snapshot, &spec, &|_| true) else { continue };
                        if version.as_deref().is_some_and(|v| v != c.boundary_version) {
                            continue; // another boundary version's units: not in this archive
                        }
                        let file = dir.join(format!("{metric}-{year}.json"));
                        std::fs::write(&file, serde_json::to_vec(&c)?).with_context(|| format!("writing {}", file.display()))?;
                        n += 1;
                    }
                }
                println!("wrote {n} choropleth files to {}", dir.display());
            }
            println!(
                "wrote {} tiles of {} (z0–{}) to {} ({:.1} MB) in {:.2} s",
                r.tiles,
                r.layer,
                r.max_zoom,
                a.out.display(),
                r.bytes as f64 / 1e6,
                r.seconds
            );
            Ok(())
        }
    }
}
