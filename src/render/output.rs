//! SVG → PNG (300 dpi) and PDF, with the embedded fonts.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};

/// Output formats of a static map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
    Pdf,
}

impl Format {
    pub fn parse(ext: &str) -> Result<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "svg" => Ok(Format::Svg),
            "png" => Ok(Format::Png),
            "pdf" => Ok(Format::Pdf),
            other => Err(Error::InvalidArgument(format!("a map is svg, png or pdf, not '{other}'"))),
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
            Format::Pdf => "application/pdf",
        }
    }
}

/// The family every text element uses.
pub const FONT_FAMILY: &str = crate::fonts::FAMILY;

fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(crate::fonts::REGULAR.to_vec());
        db.load_font_data(crate::fonts::BOLD.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

fn tree(svg: &str) -> Result<usvg::Tree> {
    let opt = usvg::Options { font_family: FONT_FAMILY.into(), fontdb: fonts(), ..usvg::Options::default() };
    usvg::Tree::from_str(svg, &opt).map_err(|e| Error::InvalidArgument(format!("the map SVG does not parse: {e}")))
}

/// Rasterise at `dpi` (the SVG is laid out in CSS pixels, 96 per inch).
pub fn png(svg: &str, dpi: f32) -> Result<Vec<u8>> {
    let t = tree(svg)?;
    let scale = dpi / 96.0;
    let size = t.size();
    let (w, h) = ((size.width() * scale).round() as u32, (size.height() * scale).round() as u32);
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or_else(|| Error::InvalidArgument(format!("cannot make a {w}×{h} image")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&t, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| Error::InvalidArgument(format!("encoding PNG: {e}")))
}

/// A one-page PDF of the SVG's size, text embedded (subset fonts).
pub fn pdf(svg: &str) -> Result<Vec<u8>> {
    let t = tree(svg)?;
    svg2pdf::to_pdf(&t, svg2pdf::ConversionOptions::default(), svg2pdf::PageOptions { dpi: 96.0 })
        .map_err(|e| Error::InvalidArgument(format!("converting to PDF: {e}")))
}
