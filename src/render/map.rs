//! One static map as SVG: the units of a choropleth, coloured by class, with title, subtitle,
//! legend with counts, scale bar, north arrow, source line and — for the demo — the synthetic
//! data notice. Laid out on an A4 landscape page in CSS pixels (1123 × 794).

use std::fmt::Write;

use crate::analytics::choropleth::Choropleth;
use crate::error::{Error, Result};
use crate::tiles::layer::PolygonLayer;
use crate::tiles::mercator;

use super::DEMO_NOTICE;
use super::output::FONT_FAMILY;

/// Page size in CSS pixels (A4 landscape at 96 dpi).
pub const PAGE: (f64, f64) = (1122.52, 793.7);
/// The map frame: x, y, width, height.
const FRAME: (f64, f64, f64, f64) = (24.0, 78.0, 766.0, 652.0);
const LEGEND_X: f64 = 812.0;

/// The words on a map.
#[derive(Debug, Clone)]
pub struct MapText {
    pub title: String,
    pub subtitle: String,
    pub legend_title: String,
    /// "Nguồn / Source: …" line.
    pub source: String,
    /// Legend labels in English (else Vietnamese).
    pub english: bool,
    /// Print the synthetic-data notice.
    pub demo: bool,
    /// "Communes" / "Số xã" — the legend total's label.
    pub total_label: String,
}

/// XML text escaping.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Break `text` into lines of at most `width` characters at spaces.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// A round length (1, 2 or 5 × 10ⁿ metres) drawn at most `max_px` long.
fn nice_length(metres_per_px: f64, max_px: f64) -> f64 {
    let raw = metres_per_px * max_px;
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    [5.0, 2.0, 1.0].iter().map(|m| m * base).find(|l| *l <= raw).unwrap_or(base)
}

/// Where world coordinates land on the page: the affine map `draw_units` chose for its frame,
/// and the tile zoom whose simplification suits it. Overlays (plan outlines, markers) use it to
/// line up with the drawn units.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    /// World-coordinate origin (min x, min y) of the drawn extent.
    origin: [f64; 2],
    /// CSS pixels per world unit.
    k: f64,
    /// Page position of `origin`.
    offset: [f64; 2],
    pub zoom: u8,
}

impl Projection {
    /// A world point on the page (CSS pixels).
    pub fn px(&self, p: [f64; 2]) -> [f64; 2] {
        [self.offset[0] + (p[0] - self.origin[0]) * self.k, self.offset[1] + (p[1] - self.origin[1]) * self.k]
    }
}

/// Unit `ui`'s outline as SVG path data on the page (rings simplified for the projection's zoom;
/// points closer than 0.15 px to the previous one dropped; degenerate rings left out). Empty when
/// nothing of the unit is big enough to draw.
pub fn unit_path(layer: &PolygonLayer, ui: usize, proj: &Projection) -> String {
    let mut d = String::new();
    for (_, _, ring) in layer.unit_rings(ui, proj.zoom) {
        let mut last = [f64::NAN, f64::NAN];
        let mut n = 0;
        let start = d.len();
        for p in ring.iter().map(|p| proj.px(*p)) {
            if n > 0 && (p[0] - last[0]).abs() < 0.15 && (p[1] - last[1]).abs() < 0.15 {
                continue;
            }
            let _ = write!(d, "{}{:.2} {:.2}", if n == 0 { "M" } else { "L" }, p[0], p[1]);
            last = p;
            n += 1;
        }
        if n < 3 {
            d.truncate(start);
        } else {
            d.push('Z');
        }
    }
    d
}

/// Draw the units of `layer` that `keep` accepts and `ch` classes into `frame` (x, y, w, h),
/// with a scale bar and a north arrow; the units `muted` picks are drawn pale (context around
/// the ones a page is about). The projection it chose is returned for overlays.
pub fn draw_units(
    s: &mut String,
    layer: &PolygonLayer,
    keep: &dyn Fn(i64) -> bool,
    muted: &dyn Fn(i64) -> bool,
    ch: &Choropleth,
    frame: (f64, f64, f64, f64),
) -> Result<Projection> {
    let chosen: Vec<usize> = layer.units.iter().enumerate().filter(|(_, m)| keep(m.id) && ch.units.contains_key(&m.id)).map(|(i, _)| i).collect();
    if chosen.is_empty() {
        return Err(Error::NotFound("no units to draw for this map (check the province and the year)".into()));
    }
    // Extent from a coarse pass, then the detail that suits it.
    let bbox = |z: u8| {
        chosen.iter().flat_map(|&ui| layer.unit_rings(ui, z)).flat_map(|r| r.2).fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, p| {
            [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]
        })
    };
    let b = bbox(6);
    let (fx, fy, fw, fh) = frame;
    let (bw, bh) = ((b[2] - b[0]).max(1e-12), (b[3] - b[1]).max(1e-12));
    let k = (fw - 24.0) / bw.max(bh * (fw - 24.0) / (fh - 24.0));
    // Printed at 300 dpi: about three device pixels per CSS pixel.
    let zoom = ((k * 3.0 / 256.0).log2().round()).clamp(0.0, f64::from(crate::tiles::MAX_ZOOM)) as u8;
    let proj = Projection { origin: [b[0], b[1]], k, offset: [fx + (fw - bw * k) / 2.0, fy + (fh - bh * k) / 2.0], zoom };
    let _ = write!(s, r##"<rect x="{fx}" y="{fy}" width="{fw}" height="{fh}" fill="#eef3f7" stroke="#c8d2da" stroke-width="0.8"/>"##);
    let _ = write!(s, r##"<g id="units" stroke="#ffffff" stroke-width="0.35" stroke-linejoin="round" fill-rule="evenodd">"##);
    for &ui in &chosen {
        let meta = &layer.units[ui];
        let color = ch.color_of(meta.id).unwrap_or("#d9d9d9");
        let d = unit_path(layer, ui, &proj);
        if !d.is_empty() {
            let pale = if muted(meta.id) { r#" fill-opacity="0.4""# } else { "" };
            let _ = write!(s, r#"<path data-unit="{}" fill="{color}"{pale} d="{d}"/>"#, meta.id);
        }
    }
    s.push_str("</g>");
    // North arrow (Web Mercator: north is up).
    let (ax, ay) = (fx + fw - 34.0, fy + 18.0);
    let _ = write!(
        s,
        r##"<g id="north"><path d="M{ax} {ay} L{} {} L{ax} {} L{} {} Z" fill="#333333"/><text x="{ax}" y="{}" font-size="12" font-weight="bold" text-anchor="middle" fill="#333333">N</text></g>"##,
        ax + 8.0,
        ay + 24.0,
        ay + 18.0,
        ax - 8.0,
        ay + 24.0,
        ay + 38.0
    );
    // Scale bar: ground metres per CSS pixel at the map's middle latitude.
    let mid = mercator::to_lonlat([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]);
    let m_per_px = 40_075_016.686 * mid[1].to_radians().cos() / k;
    let len = nice_length(m_per_px, 140.0);
    let px = len / m_per_px;
    let (sx, sy) = (fx + 16.0, fy + fh - 20.0);
    let label = if len >= 1000.0 { format!("{} km", len / 1000.0) } else { format!("{len} m") };
    let _ = write!(
        s,
        r##"<g id="scale"><rect x="{sx}" y="{sy}" width="{px:.1}" height="5" fill="#333333"/><rect x="{sx}" y="{sy}" width="{:.1}" height="5" fill="#ffffff" stroke="#333333" stroke-width="0.6"/><text x="{sx}" y="{}" font-size="10" fill="#333333">0</text><text x="{:.1}" y="{}" font-size="10" text-anchor="end" fill="#333333">{label}</text></g>"##,
        px / 2.0,
        sy - 4.0,
        sx + px,
        sy - 4.0
    );
    Ok(proj)
}

/// The map of `ch` over the units of `layer` that `keep` accepts, as a whole page.
pub fn svg(layer: &PolygonLayer, keep: &dyn Fn(i64) -> bool, ch: &Choropleth, text: &MapText) -> Result<String> {
    let mut s = String::with_capacity(1 << 20);
    let (pw, ph) = PAGE;
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="297mm" height="210mm" viewBox="0 0 {pw} {ph}" font-family="{FONT_FAMILY}">"#
    );
    let _ = write!(s, r##"<rect width="{pw}" height="{ph}" fill="#ffffff"/>"##);
    let _ = write!(s, r##"<text x="24" y="40" font-size="20" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(&text.title));
    let _ = write!(s, r##"<text x="24" y="62" font-size="12" fill="#555555">{}</text>"##, esc(&text.subtitle));
    draw_units(&mut s, layer, keep, &|_| false, ch, FRAME)?;
    // Legend.
    s.push_str(r#"<g id="legend">"#);
    let mut y = 96.0;
    for line in wrap(&text.legend_title, 36) {
        let _ = write!(s, r##"<text x="{LEGEND_X}" y="{y}" font-size="13" font-weight="bold" fill="#1a1a1a">{}</text>"##, esc(&line));
        y += 17.0;
    }
    y += 5.0;
    let mut total = 0;
    for c in &ch.legend {
        let label = if text.english { &c.label_en } else { &c.label_vi };
        let _ = write!(
            s,
            r##"<rect x="{LEGEND_X}" y="{}" width="16" height="12" fill="{}" stroke="#999999" stroke-width="0.5"/><text x="{}" y="{y}" font-size="11" fill="#1a1a1a">{}</text><text x="{}" y="{y}" font-size="11" text-anchor="end" fill="#1a1a1a">{}</text>"##,
            y - 10.0,
            c.color,
            LEGEND_X + 24.0,
            esc(label),
            pw - 24.0,
            c.count
        );
        total += c.count;
        y += 22.0;
    }
    let _ = write!(
        s,
        r##"<line x1="{LEGEND_X}" y1="{}" x2="{}" y2="{}" stroke="#999999" stroke-width="0.5"/><text x="{LEGEND_X}" y="{}" font-size="11" font-weight="bold" fill="#1a1a1a">{}</text><text x="{}" y="{}" font-size="11" font-weight="bold" text-anchor="end" fill="#1a1a1a">{total}</text></g>"##,
        y - 8.0,
        pw - 24.0,
        y - 8.0,
        y + 8.0,
        esc(&text.total_label),
        pw - 24.0,
        y + 8.0
    );
    // Footer.
    let _ = write!(s, r##"<text x="24" y="756" font-size="10" fill="#555555">{}</text>"##, esc(&text.source));
    if text.demo {
        let _ = write!(
            s,
            r##"<text x="24" y="776" font-size="11" font-weight="bold" fill="#b2182b">{DEMO_NOTICE} — not real figures</text>"##
        );
    }
    s.push_str("</svg>");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_legend_titles_wrap_at_spaces() {
        assert_eq!(wrap("Tỷ lệ người nghiện + sử dụng có hồ sơ / dân số (%)", 36), vec!["Tỷ lệ người nghiện + sử dụng có hồ", "sơ / dân số (%)"]);
        assert_eq!(wrap("Chú giải", 36), vec!["Chú giải"]);
    }

    #[test]
    fn scale_bars_have_round_lengths() {
        assert_eq!(nice_length(100.0, 140.0), 10_000.0);
        assert_eq!(nice_length(30.0, 140.0), 2_000.0);
        assert_eq!(nice_length(1.0, 140.0), 100.0);
    }
}
