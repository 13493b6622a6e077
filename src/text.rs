//! Small text helpers: accent folding of Vietnamese names for matching and search, and whole
//! numbers written with thousands separators for messages.

/// Lower-case `s` and strip Vietnamese diacritics (`Thị trấn` → `thi tran`, `Đặc khu` → `dac khu`).
pub fn fold(s: &str) -> String {
    s.chars().flat_map(|c| c.to_lowercase()).map(base_letter).collect()
}

/// The unaccented base of a Vietnamese letter (lower case), or the letter itself.
fn base_letter(c: char) -> char {
    const GROUPS: &[(char, &str)] = &[
        ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
        ('e', "èéẻẽẹêềếểễệ"),
        ('i', "ìíỉĩị"),
        ('o', "òóỏõọôồốổỗộơờớởỡợ"),
        ('u', "ùúủũụưừứửữự"),
        ('y', "ỳýỷỹỵ"),
        ('d', "đ"),
    ];
    GROUPS.iter().find(|(_, set)| set.contains(c)).map_or(c, |(b, _)| *b)
}

/// `fold`, then drop everything but letters and digits: `"Thịtrấn"` and `"Thị trấn"` both give
/// `"thitran"`.
pub fn key(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// `n` with a comma between thousands (`10482` → `10,482`), as messages to people write counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_names() {
        assert_eq!(fold("Xã Tân Phú Đông"), "xa tan phu dong");
        assert_eq!(key("Thịtrấn"), key("Thị trấn"));
        assert_eq!(key("ĐẶC KHU"), "dackhu");
    }

    #[test]
    fn writes_thousands_with_commas() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(10_482), "10,482");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}

/// A typed-in text as a spreadsheet cell: one starting like a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return) gets a leading apostrophe, so opening a CSV in a spreadsheet shows the text
/// instead of running it.
pub fn spreadsheet_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}
