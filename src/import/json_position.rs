//! Positions in a JSON input: `serde_json::value::RawValue`s borrowed from the text know where
//! they start, so problems in GeoJSON files can name the line and column of the feature or ring.

use serde_json::value::RawValue;

/// Maps byte offsets in the input to 1-based line and column (in characters).
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }
    /// Line and column where `raw` (borrowed from the text) starts.
    pub fn of(&self, raw: &RawValue) -> (u64, u64) {
        let offset = (raw.get().as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self.starts[line - 1];
        let col = self.text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line as u64, col as u64)
    }
}
