//! Label glyphs for the web map: MapLibre asks for `/fonts/{fontstack}/{start}-{end}.pbf` and gets
//! the 256 code points of that range from the embedded DejaVu Sans ([`crate::fonts`]) as signed
//! distance fields in the glyphs protobuf (the format of node-fontnik and Martin). Made here, on
//! first request, from the font's outlines: no glyph files to ship, no remote glyph server — the
//! map must work air-gapped — and the Vietnamese letters (Latin Extended Additional, U+1E00–1EFF,
//! plus the combining marks) come out of the same font as the printed maps.
//!
//! A range asked for by the catalogue's URL carries only what the map's labels draw in that font
//! ([`LabelGlyphs`]): labels are unit names, so the letters of the names each font labels (bold
//! for provinces, regular for communes and districts: [`label_font`]) and the digits. The bold
//! ranges of the first national view shrink to the letters of 34 province names, which a
//! 1.6 Mbit/s provincial link feels on the first map. Any other URL (another style's) gets the
//! whole range.
//!
//! Conventions MapLibre expects: glyphs rasterised at 24 px with a 3 px border; a pixel stores
//! `255 − 255·(d/8 + 0.25)`, clamped, where `d` is the signed distance in pixels to the outline
//! (negative inside), so the edge sits at 191; `left` is the bitmap's left bearing and `top` its
//! top relative to the font's ascender, both in pixels.

use ttf_parser::{Face, OutlineBuilder};

use super::mvt::{bytes_field, key, varint, zigzag};
use crate::fonts;

/// Pixel size glyphs are drawn at.
pub const SIZE: f64 = 24.0;
/// Border around each bitmap, pixels.
pub const BORDER: i32 = 3;
/// Distance covered by the field, pixels.
const RADIUS: f64 = 8.0;
/// Share of the value range outside the edge (edge = 255 · (1 − CUTOFF)).
const CUTOFF: f64 = 0.25;

/// Font stacks this server draws, by the name a style's `text-font` uses.
pub const FONTSTACKS: [&str; 2] = ["DejaVu Sans", "DejaVu Sans Bold"];

/// The font the labels of a level's units are drawn in (the web map, the OGC styles and the
/// glyph ranges all take it from here).
pub fn label_font(level: crate::vocab::Level) -> &'static str {
    match level {
        crate::vocab::Level::Province => FONTSTACKS[1],
        crate::vocab::Level::District | crate::vocab::Level::Commune => FONTSTACKS[0],
    }
}

/// Why a glyph range cannot be served.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GlyphError {
    #[error("unknown font stack '{0}': this server has {FONTSTACKS:?}")]
    UnknownFont(String),
    #[error("glyph range must be START-END with START a multiple of 256 up to 65280 and END = START + 255, got '{0}'")]
    BadRange(String),
}

/// The first font of a comma-separated stack that this server has: its name and bytes.
fn font_of(stack: &str) -> Result<(&'static str, &'static [u8]), GlyphError> {
    stack
        .split(',')
        .map(str::trim)
        .find_map(|name| match name {
            "DejaVu Sans" | "DejaVu Sans Book" => Some((FONTSTACKS[0], fonts::REGULAR)),
            "DejaVu Sans Bold" => Some((FONTSTACKS[1], fonts::BOLD)),
            _ => None,
        })
        .ok_or_else(|| GlyphError::UnknownFont(stack.to_string()))
}

/// The font a stack is served by (its first font this server has), by name.
pub fn font_name(stack: &str) -> Result<&'static str, GlyphError> {
    font_of(stack).map(|(name, _)| name)
}

/// A range's first code point: a multiple of 256 up to 65280.
fn check_start(start: u32) -> Result<u32, GlyphError> {
    if start % 256 == 0 && start <= 65280 { Ok(start) } else { Err(GlyphError::BadRange(format!("{start}-{}", start.saturating_add(255)))) }
}

/// `0-255` → 0; anything but an aligned 256-code-point range is an error.
pub fn parse_range(range: &str) -> Result<u32, GlyphError> {
    let bad = || GlyphError::BadRange(range.to_string());
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let (start, end) = (a.parse::<u32>().map_err(|_| bad())?, b.parse::<u32>().map_err(|_| bad())?);
    let start = check_start(start).map_err(|_| bad())?;
    if end != start + 255 {
        return Err(bad());
    }
    Ok(start)
}

/// The code points glyph ranges are drawn with: every glyph of the font, or only what labels
/// can need. `tag` names the set (glyph URLs carry it, so a browser may keep a range for good).
#[derive(Debug, Clone, PartialEq)]
pub struct Repertoire {
    /// Sorted, without repeats; `None`: everything the font has.
    points: Option<Vec<u32>>,
    tag: String,
}

impl Repertoire {
    /// Every glyph the font has.
    pub fn everything() -> Repertoire {
        Repertoire { points: None, tag: "all".into() }
    }

    /// What labels of these names draw: every character the names use, the space and the
    /// digits (a name with a number in it).
    pub fn for_labels<'a>(names: impl IntoIterator<Item = &'a str>) -> Repertoire {
        let mut points: Vec<u32> = std::iter::once(u32::from(' ')).chain(u32::from('0')..=u32::from('9')).collect();
        points.extend(names.into_iter().flat_map(str::chars).map(u32::from).filter(|&c| c > 0x20));
        points.sort_unstable();
        points.dedup();
        let mut h = crate::hash::Fnv::default();
        for p in &points {
            h.write(&p.to_le_bytes());
        }
        Repertoire { points: Some(points), tag: format!("{:08x}", h.finish() & 0xffff_ffff) }
    }

    /// Whether `cp` is drawn.
    pub fn has(&self, cp: u32) -> bool {
        self.points.as_ref().is_none_or(|p| p.binary_search(&cp).is_ok())
    }

    /// The set's name in glyph URLs (`?v=`).
    pub fn tag(&self) -> &str {
        &self.tag
    }
}

/// What each font's labels draw ([`Repertoire::for_labels`] of the names it labels), under one
/// tag for the glyph URL (`?v=`): a new letter in any name is a new URL.
#[derive(Debug, Clone)]
pub struct LabelGlyphs {
    fonts: Vec<(&'static str, std::sync::Arc<Repertoire>)>,
    tag: String,
}

impl LabelGlyphs {
    /// From the names each font labels: `(font, name)` pairs, the font one of [`FONTSTACKS`].
    pub fn new<'a>(labels: impl IntoIterator<Item = (&'static str, &'a str)>) -> LabelGlyphs {
        let mut names: Vec<(&'static str, Vec<&'a str>)> = FONTSTACKS.iter().map(|f| (*f, Vec::new())).collect();
        for (font, name) in labels {
            if let Some((_, list)) = names.iter_mut().find(|(f, _)| *f == font) {
                list.push(name);
            }
        }
        let fonts: Vec<_> = names.into_iter().map(|(f, list)| (f, std::sync::Arc::new(Repertoire::for_labels(list)))).collect();
        let mut h = crate::hash::Fnv::default();
        for (f, r) in &fonts {
            h.write(f.as_bytes());
            h.write(r.tag.as_bytes());
        }
        LabelGlyphs { fonts, tag: format!("{:08x}", h.finish() & 0xffff_ffff) }
    }

    /// What the labels drawn in `stack` (its first font this server has) need.
    pub fn of(&self, stack: &str) -> Result<std::sync::Arc<Repertoire>, GlyphError> {
        let name = font_name(stack)?;
        Ok(self.fonts.iter().find(|(f, _)| *f == name).map(|(_, r)| r.clone()).unwrap_or_else(|| std::sync::Arc::new(Repertoire::for_labels([]))))
    }

    /// The name of these sets in glyph URLs (`?v=`).
    pub fn tag(&self) -> &str {
        &self.tag
    }
}

/// One glyph as the protobuf carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub id: u32,
    /// `(width + 6) × (height + 6)` distance values, rows top to bottom; empty for blank glyphs.
    pub bitmap: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub left: i32,
    pub top: i32,
    pub advance: u32,
}

/// The glyphs protobuf for `stack` and the range starting at `start`, with the glyphs of
/// `repertoire` the font has (a stack is served by its first known font, under that font's
/// name). Tens of milliseconds: the server keeps what it made ([`crate::api`]'s fonts).
pub fn draw_range(stack: &str, start: u32, repertoire: &Repertoire) -> Result<Vec<u8>, GlyphError> {
    let ((name, font), start) = (font_of(stack)?, check_start(start)?);
    Ok(encode_range(font, name, start, repertoire))
}

fn encode_range(font: &[u8], name: &str, start: u32, repertoire: &Repertoire) -> Vec<u8> {
    let glyphs = match Face::parse(font, 0) {
        Ok(face) => (start..=start + 255).filter(|&cp| repertoire.has(cp)).filter_map(|cp| draw(&face, cp)).collect(),
        Err(_) => Vec::new(), // the embedded fonts parse (unit-tested); never panic on a request
    };
    let mut stack_msg = Vec::new();
    bytes_field(&mut stack_msg, 1, name.as_bytes());
    bytes_field(&mut stack_msg, 2, format!("{start}-{}", start + 255).as_bytes());
    for g in &glyphs {
        let mut m = Vec::with_capacity(g.bitmap.len() + 16);
        key(&mut m, 1, 0);
        varint(&mut m, u64::from(g.id));
        if !g.bitmap.is_empty() {
            bytes_field(&mut m, 2, &g.bitmap);
        }
        for (field, v) in [(3, g.width), (4, g.height)] {
            key(&mut m, field, 0);
            varint(&mut m, u64::from(v));
        }
        for (field, v) in [(5, g.left), (6, g.top)] {
            key(&mut m, field, 0);
            varint(&mut m, u64::from(zigzag(v)));
        }
        key(&mut m, 7, 0);
        varint(&mut m, u64::from(g.advance));
        bytes_field(&mut stack_msg, 3, &m);
    }
    let mut out = Vec::with_capacity(stack_msg.len() + 8);
    bytes_field(&mut out, 1, &stack_msg);
    out
}

/// The outline as straight segments in pixels (y up), curves flattened.
#[derive(Default)]
struct Segments {
    scale: f64,
    pen: [f64; 2],
    start: [f64; 2],
    segs: Vec<([f64; 2], [f64; 2])>,
}

impl Segments {
    fn to(&mut self, p: [f64; 2]) {
        if p != self.pen {
            self.segs.push((self.pen, p));
        }
        self.pen = p;
    }
    fn px(&self, x: f32, y: f32) -> [f64; 2] {
        [f64::from(x) * self.scale, f64::from(y) * self.scale]
    }
}

/// Largest distance a flattened curve may stray from the true one, pixels.
const FLATNESS: f64 = 0.05;

/// Pieces to cut a curve into so no chord strays more than [`FLATNESS`]: a quadratic's
/// deviation after `n` cuts is |p0 − 2c + p| / (4n²); a cubic's is bounded likewise by its
/// larger second difference.
fn pieces(second_difference: [f64; 2]) -> u32 {
    let dev = second_difference[0].hypot(second_difference[1]) / 4.0;
    ((dev / FLATNESS).sqrt().ceil() as u32).clamp(1, 32)
}

impl OutlineBuilder for Segments {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close();
        self.pen = self.px(x, y);
        self.start = self.pen;
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.px(x, y);
        self.to(p);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (p0, c, p) = (self.pen, self.px(x1, y1), self.px(x, y));
        let n = pieces([p0[0] - 2.0 * c[0] + p[0], p0[1] - 2.0 * c[1] + p[1]]);
        for i in 1..=n {
            let t = f64::from(i) / f64::from(n);
            let u = 1.0 - t;
            self.to([u * u * p0[0] + 2.0 * u * t * c[0] + t * t * p[0], u * u * p0[1] + 2.0 * u * t * c[1] + t * t * p[1]]);
        }
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (p0, c1, c2, p) = (self.pen, self.px(x1, y1), self.px(x2, y2), self.px(x, y));
        let d1 = [p0[0] - 2.0 * c1[0] + c2[0], p0[1] - 2.0 * c1[1] + c2[1]];
        let d2 = [c1[0] - 2.0 * c2[0] + p[0], c1[1] - 2.0 * c2[1] + p[1]];
        let n = pieces(if d1[0].hypot(d1[1]) > d2[0].hypot(d2[1]) { [3.0 * d1[0], 3.0 * d1[1]] } else { [3.0 * d2[0], 3.0 * d2[1]] });
        for i in 1..=n {
            let t = f64::from(i) / f64::from(n);
            let u = 1.0 - t;
            let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            self.to([a * p0[0] + b * c1[0] + c * c2[0] + d * p[0], a * p0[1] + b * c1[1] + c * c2[1] + d * p[1]]);
        }
    }
    fn close(&mut self) {
        let s = self.start;
        self.to(s);
    }
}

/// Beyond this distance (pixels) from the outline every value is clamped (0 outside, 255 inside,
/// which saturates at 2 px), so farther segments need not be measured.
const REACH: f64 = RADIUS * (1.0 - CUTOFF);

/// Signed distance (pixels, negative inside by the non-zero rule) from `p` to the outline,
/// capped at ±[`REACH`].
fn signed_distance(p: [f64; 2], segs: &[([f64; 2], [f64; 2])]) -> f64 {
    let mut best = REACH * REACH;
    let mut winding = 0i32;
    for &(a, b) in segs {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let cross = dx * (p[1] - a[1]) - (p[0] - a[0]) * dy;
        if a[1] <= p[1] && b[1] > p[1] && cross > 0.0 {
            winding += 1;
        } else if b[1] <= p[1] && a[1] > p[1] && cross < 0.0 {
            winding -= 1;
        }
        if p[0] < a[0].min(b[0]) - REACH || p[0] > a[0].max(b[0]) + REACH || p[1] < a[1].min(b[1]) - REACH || p[1] > a[1].max(b[1]) + REACH {
            continue;
        }
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
        let (ex, ey) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
        best = best.min(ex * ex + ey * ey);
    }
    let d = best.sqrt();
    if winding != 0 { -d } else { d }
}

/// Draw code point `cp`; None when the font has no glyph for it.
pub fn draw(face: &Face, cp: u32) -> Option<Glyph> {
    let id = face.glyph_index(char::from_u32(cp)?)?;
    let scale = SIZE / f64::from(face.units_per_em());
    let advance = (f64::from(face.glyph_hor_advance(id).unwrap_or(0)) * scale).round() as u32;
    let ascender = (f64::from(face.ascender()) * scale).round() as i32;
    let mut outline = Segments { scale, ..Segments::default() };
    let Some(bbox) = face.outline_glyph(id, &mut outline) else {
        // A blank glyph (space): metrics only.
        return Some(Glyph { id: cp, bitmap: Vec::new(), width: 0, height: 0, left: 0, top: -ascender, advance });
    };
    outline.close();
    let x0 = (f64::from(bbox.x_min) * scale).floor() as i32;
    let x1 = (f64::from(bbox.x_max) * scale).ceil() as i32;
    let y0 = (f64::from(bbox.y_min) * scale).floor() as i32;
    let y1 = (f64::from(bbox.y_max) * scale).ceil() as i32;
    let (w, h) = ((x1 - x0).max(1), (y1 - y0).max(1));
    let (bw, bh) = (w + 2 * BORDER, h + 2 * BORDER);
    let mut bitmap = Vec::with_capacity((bw * bh) as usize);
    for row in 0..bh {
        for col in 0..bw {
            let p = [f64::from(x0 - BORDER + col) + 0.5, f64::from(y1 + BORDER - row) - 0.5];
            let d = signed_distance(p, &outline.segs);
            bitmap.push((255.0 - 255.0 * (d / RADIUS + CUTOFF)).round().clamp(0.0, 255.0) as u8);
        }
    }
    Some(Glyph { id: cp, bitmap, width: w as u32, height: h as u32, left: x0, top: y1 - ascender, advance })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(bytes: &[u8]) -> Face<'_> {
        Face::parse(bytes, 0).expect("the embedded font parses")
    }

    #[test]
    fn ranges_must_be_aligned_blocks_of_256() {
        assert_eq!(parse_range("0-255"), Ok(0));
        assert_eq!(parse_range("7680-7935"), Ok(7680));
        for bad in ["0-256", "1-256", "65536-65791", "a-b", "0", "-1-254"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_fonts_are_refused_and_stacks_fall_back_to_a_known_font() {
        let all = Repertoire::everything();
        assert!(matches!(draw_range("Arial Unicode MS", 0, &all), Err(GlyphError::UnknownFont(_))));
        assert_eq!(font_name("Noto Sans,DejaVu Sans"), Ok("DejaVu Sans"), "a stack is served by its first known font");
        assert_eq!(draw_range("Noto Sans,DejaVu Sans", 0, &all).unwrap(), draw_range("DejaVu Sans", 0, &all).unwrap());
        assert!(matches!(draw_range("DejaVu Sans", 7, &all), Err(GlyphError::BadRange(_))));
    }

    #[test]
    fn a_letter_is_inside_at_its_centre_and_outside_at_the_border() {
        // 'l' is a single vertical bar: its middle column is inside, the border is far outside.
        let f = face(fonts::REGULAR);
        let g = draw(&f, 'l' as u32).expect("DejaVu has l");
        let (bw, bh) = (g.width as i32 + 2 * BORDER, g.height as i32 + 2 * BORDER);
        assert_eq!(g.bitmap.len(), (bw * bh) as usize);
        let at = |c: i32, r: i32| g.bitmap[(r * bw + c) as usize];
        assert!(at(bw / 2, bh / 2) > 191, "inside is above the edge value");
        assert!(at(0, 0) < 191 && at(bw - 1, bh - 1) < 191, "the border is outside");
        assert!(g.advance > 0 && g.top <= 0, "{g:?}");
    }

    #[test]
    fn vietnamese_letters_are_drawn_and_taller_than_their_base() {
        // ệ (U+1EC7) carries a circumflex above and a dot below: taller than e, same advance.
        let f = face(fonts::REGULAR);
        let (e, e_hat_dot) = (draw(&f, 'e' as u32).unwrap(), draw(&f, 0x1EC7).unwrap());
        assert!(e_hat_dot.height > e.height + 4, "{e:?} {e_hat_dot:?}");
        assert!(e_hat_dot.top > e.top, "the circumflex rises above e");
        assert_eq!(e.advance, e_hat_dot.advance);
        let space = draw(&f, ' ' as u32).unwrap();
        assert!(space.bitmap.is_empty() && space.advance > 0);
    }

    #[test]
    fn a_range_is_one_fontstack_message_with_every_glyph_the_font_has() {
        let pbf = draw_range("DejaVu Sans", 7680, &Repertoire::everything()).unwrap();
        // glyphs { stacks = 1 { name = 1, range = 2, glyphs = 3 … } }
        assert_eq!(pbf[0], 0x0a);
        let body = String::from_utf8_lossy(&pbf);
        assert!(body.contains("DejaVu Sans") && body.contains("7680-7935"));
        let f = face(fonts::REGULAR);
        let expected = (7680..=7935).filter(|&cp| char::from_u32(cp).and_then(|c| f.glyph_index(c)).is_some()).count();
        assert!(expected > 200, "DejaVu covers Latin Extended Additional");
        assert_eq!(count_glyphs(&pbf), expected);
    }

    #[test]
    fn label_ranges_carry_the_letters_of_the_names_and_the_digits() {
        // A name with a letter outside Vietnamese (ŋ, U+014B) gets it; other letters do not come.
        let rep = Repertoire::for_labels(["Phường Bến Thành", "Xã Buôn ŋa"]);
        assert!(rep.has('ờ' as u32) && rep.has('ế' as u32) && rep.has('ã' as u32) && rep.has('B' as u32), "the names' letters");
        assert!(!rep.has('ỹ' as u32) && !rep.has('Q' as u32), "no letter no name uses");
        assert!(rep.has(0x14B) && !rep.has(0x14A), "ŋ from a name, not its capital Ŋ");
        assert!(rep.has('7' as u32) && rep.has(' ' as u32), "digits and the space always");
        assert_ne!(rep.tag(), Repertoire::for_labels(["Phường Bến Thành"]).tag(), "a new letter is a new set");
        assert_eq!(rep.tag(), Repertoire::for_labels(["Xã Buôn ŋa", "Phường Bến Thành", "Xã Buôn ŋa"]).tag(), "the same letters, the same set");
        // The range of ạ … ỹ: only ờ and ế of its 256.
        let (all, labels) = (draw_range("DejaVu Sans", 7680, &Repertoire::everything()).unwrap(), draw_range("DejaVu Sans", 7680, &rep).unwrap());
        assert_eq!(count_glyphs(&labels), 2);
        assert!(labels.len() * 20 < all.len(), "{} vs {} bytes", labels.len(), all.len());
        // Latin Extended-A and -B: only ư (of Phường) and ŋ.
        assert_eq!(count_glyphs(&draw_range("DejaVu Sans", 256, &rep).unwrap()), 2);
    }

    #[test]
    fn each_font_draws_the_letters_of_the_names_it_labels() {
        use crate::vocab::Level;
        let (bold, regular) = (label_font(Level::Province), label_font(Level::Commune));
        assert_ne!(bold, regular, "provinces stand out");
        let labels = LabelGlyphs::new([(bold, "Quảng Ninh"), (regular, "Phường Hạ Long"), (regular, "Xã Đầm Hà")]);
        let (b, r) = (labels.of("DejaVu Sans Bold").unwrap(), labels.of("DejaVu Sans, Noto Sans").unwrap());
        assert!(b.has('ả' as u32) && !b.has('Đ' as u32), "bold: the province's letters only");
        assert!(r.has('Đ' as u32) && r.has('ạ' as u32) && !r.has('ả' as u32), "regular: the communes'");
        assert!(labels.of("Comic Sans").is_err());
        let renamed = LabelGlyphs::new([(bold, "Quảng Ninh"), (regular, "Phường Hạ Long"), (regular, "Xã Đầm Hà"), (regular, "Xã Ỹ")]);
        assert_ne!(labels.tag(), renamed.tag(), "a new letter in any font is a new URL");
    }

    /// Glyph messages (field 3, wire type 2) directly inside the one fontstack message.
    fn count_glyphs(pbf: &[u8]) -> usize {
        let mut count = 0;
        let mut i = 1;
        let (len, n) = read_varint(&pbf[i..]);
        i += n;
        assert_eq!(i + len as usize, pbf.len());
        while i < pbf.len() {
            let tag = pbf[i];
            i += 1;
            let (len, n) = read_varint(&pbf[i..]);
            i += n + len as usize;
            if tag == 0x1a {
                count += 1;
            }
        }
        count
    }

    fn read_varint(b: &[u8]) -> (u64, usize) {
        let (mut v, mut shift) = (0u64, 0);
        for (i, &byte) in b.iter().enumerate() {
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return (v, i + 1);
            }
            shift += 7;
        }
        (v, b.len())
    }
}
