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
    usvg::Tree::from_str(svg, &opt).map_err(|e| Error::Internal(format!("the map SVG does not parse: {e}")))
}

/// Rasterise at `dpi` (the SVG is laid out in CSS pixels, 96 per inch).
pub fn png(svg: &str, dpi: f32) -> Result<Vec<u8>> {
    let t = tree(svg)?;
    let scale = dpi / 96.0;
    let size = t.size();
    let (w, h) = ((size.width() * scale).round() as u32, (size.height() * scale).round() as u32);
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or_else(|| Error::Internal(format!("cannot make a {w}×{h} image")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&t, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| Error::Internal(format!("encoding PNG: {e}")))
}

/// A one-page PDF of the SVG's size, text embedded (subset fonts).
pub fn pdf(svg: &str) -> Result<Vec<u8>> {
    pdf_pages(&[svg])
}

/// A PDF with one page per SVG, each page the size of its SVG (CSS pixels at 96 dpi → points),
/// text embedded (subset fonts, per page).
pub fn pdf_pages<S: AsRef<str>>(svgs: &[S]) -> Result<Vec<u8>> {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref};
    if svgs.is_empty() {
        return Err(Error::InvalidArgument("a PDF needs at least one page".into()));
    }
    let mut alloc = Ref::new(1);
    let (catalog, tree) = (alloc.bump(), alloc.bump());
    let mut pdf = Pdf::new();
    let mut pages = Vec::with_capacity(svgs.len());
    for svg in svgs {
        let t = self::tree(svg.as_ref())?;
        let (chunk, root) = svg2pdf::to_chunk(&t, svg2pdf::ConversionOptions::default()).map_err(|e| Error::Internal(format!("converting to PDF: {e}")))?;
        // The chunk numbers its objects from 1; move them after the ones already written.
        let mut map = std::collections::HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        let root = *map.get(&root).ok_or_else(|| Error::Internal("converting to PDF: the SVG has no root object".into()))?;
        let (page, content) = (alloc.bump(), alloc.bump());
        // The XObject is one point square: scale it to the page.
        let (w, h) = (t.size().width() * 0.75, t.size().height() * 0.75);
        let mut p = pdf.page(page);
        p.media_box(Rect::new(0.0, 0.0, w, h)).parent(tree).contents(content);
        p.resources().x_objects().pair(Name(b"S"), root);
        p.finish();
        let mut c = Content::new();
        c.transform([w, 0.0, 0.0, h, 0.0, 0.0]).x_object(Name(b"S"));
        pdf.stream(content, &c.finish());
        pdf.extend(&chunk);
        pages.push(page);
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).count(pages.len() as i32).kids(pages);
    Ok(pdf.finish())
}
