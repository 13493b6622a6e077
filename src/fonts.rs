//! The embedded open fonts (DejaVu Sans regular and bold, `data/fonts/`, with their licence):
//! one copy in the binary for the static maps ([`crate::render`]) and the map's label glyphs
//! ([`crate::tiles::glyphs`]), so printed and on-screen maps letter Vietnamese names alike.

/// Family name shared by both faces.
pub const FAMILY: &str = "DejaVu Sans";
/// DejaVu Sans (regular).
pub const REGULAR: &[u8] = include_bytes!("../data/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub const BOLD: &[u8] = include_bytes!("../data/fonts/DejaVuSans-Bold.ttf");
