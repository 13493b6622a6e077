//! PMTiles export: every tile of a layer up to a zoom, written into one PMTiles v3 archive
//! (<https://github.com/protomaps/PMTiles>) — the way to serve thousands of viewers from a CDN or
//! object storage without this server. Tiles are the live endpoint's bytes (the same rendering,
//! the same gzip), stored pre-compressed; identical tiles (open sea, whole-commune interiors)
//! are stored once.

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use pmtiles::{Compression, PmTilesWriter, TileCoord, TileId, TileType};
use serde_json::json;

use super::layer::BUFFER;
use super::{Everything, LayerEntry, MAX_ZOOM, TileService, mercator};
use crate::error::{Error, Result};

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportReport {
    pub layer: String,
    pub max_zoom: u8,
    /// Tiles rendered (empty ones are not stored).
    pub tiles: usize,
    pub bytes: u64,
    pub seconds: f64,
}

/// The tiles of zoom `z` that can hold anything of the layer (its bounds plus the tile buffer).
fn candidates(layer: &LayerEntry, z: u8) -> Vec<(u32, u32)> {
    let b = layer.bounds;
    let (a, c) = (mercator::to_world(b[0], b[3]), mercator::to_world(b[2], b[1]));
    let pad = BUFFER / f64::from(1u32 << z);
    let (x0, y0, x1, y1) = mercator::tile_range(z, [a[0] - pad, a[1] - pad, c[0] + pad, c[1] + pad]);
    (x0..=x1).flat_map(|x| (y0..=y1).map(move |y| (x, y))).collect()
}

/// Write every non-empty tile of `layer` from zoom 0 to `max_zoom` into `out`.
pub fn export(layer: &LayerEntry, max_zoom: u8, out: &Path, attribution: &str, mut progress: impl FnMut(u8, usize)) -> Result<ExportReport> {
    let started = Instant::now();
    if max_zoom > MAX_ZOOM {
        return Err(Error::InvalidArgument(format!("--maxzoom must be at most {MAX_ZOOM}")));
    }
    let b = layer.bounds;
    let metadata = json!({
        "name": layer.id,
        "description": format!("{} of boundary version {} (commune-atlas)", layer.name, layer.version.as_deref().unwrap_or("-")),
        "attribution": attribution,
        "version": layer.tag,
        "vector_layers": layer.vector_layers(max_zoom),
    });
    let tmp = out.with_extension("pmtiles.partial");
    let file = std::fs::File::create(&tmp).map_err(Error::io(&tmp))?;
    let fail = |e: pmtiles::PmtError| Error::Internal(format!("writing {}: {e}", out.display()));
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .internal_compression(Compression::Gzip)
        .min_zoom(0)
        .max_zoom(max_zoom)
        .bounds(b[0], b[1], b[2], b[3])
        .center((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
        .center_zoom(max_zoom.min(7))
        .metadata(metadata.to_string())
        .create(BufWriter::new(file))
        .map_err(fail)?;
    let mut tiles = 0;
    for z in 0..=max_zoom {
        // Hilbert order (increasing tile id) keeps the directory compact and reads sequential.
        let mut coords: Vec<(u64, TileCoord)> = candidates(layer, z)
            .into_iter()
            .filter_map(|(x, y)| TileCoord::new(z, x, y).ok())
            .map(|c| (TileId::from(c).value(), c))
            .collect();
        coords.sort_unstable_by_key(|c| c.0);
        for (_, c) in coords {
            if let Some(t) = TileService::encode(layer, z, c.x(), c.y(), &Everything) {
                writer.add_tile(c, &t.gzip).map_err(fail)?;
                tiles += 1;
            }
        }
        progress(z, tiles);
    }
    writer.finalize().map_err(fail)?;
    std::fs::rename(&tmp, out).map_err(Error::io(out))?;
    let bytes = std::fs::metadata(out).map_err(Error::io(out))?.len();
    Ok(ExportReport { layer: layer.id.clone(), max_zoom, tiles, bytes, seconds: started.elapsed().as_secs_f64() })
}
