//! Small text helpers for Vietnamese names: accent folding for matching and search.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_names() {
        assert_eq!(fold("Xã Tân Phú Đông"), "xa tan phu dong");
        assert_eq!(key("Thịtrấn"), key("Thị trấn"));
        assert_eq!(key("ĐẶC KHU"), "dackhu");
    }
}
