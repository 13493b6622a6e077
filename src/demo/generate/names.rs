//! Fictional Vietnamese-style place names (with diacritics), unique where they must be.

use std::collections::HashSet;

use super::rng::Rng;

const FIRST: &[&str] = &[
    "Tân", "An", "Phú", "Long", "Vĩnh", "Bình", "Hòa", "Thạnh", "Mỹ", "Hưng", "Phước", "Thuận", "Lộc", "Quang",
    "Minh", "Hải", "Sơn", "Thủy", "Lâm", "Hà", "Kim", "Đức", "Thành", "Cát", "Hồng", "Gia", "Xuân", "Thanh",
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Yên", "Khánh", "Phong", "Tiên", "Ngọc", "Hiệp", "Quảng", "Đại",
    "Thái", "Hoàng", "Nghĩa", "Thọ", "Cẩm", "Lạc", "Đồng", "Vạn", "Châu",
];
const SECOND: &[&str] = &[
    "Phú", "An", "Hòa", "Lợi", "Thịnh", "Bình", "Lộc", "Phước", "Hưng", "Điền", "Thạnh", "Sơn", "Hải", "Lâm",
    "Giang", "Xuân", "Trung", "Mỹ", "Tân", "Đông", "Tây", "Nam", "Bắc", "Thuận", "Khê", "Linh", "Quang",
    "Long", "Thành", "Tiến", "Vinh", "Phong", "Yên", "Hà", "Đức", "Cường", "Hợp", "Lạc", "Lương", "Nguyên",
    "Châu", "Ninh", "Định", "Tường", "Hiệp", "Thái", "Kiều", "Dương",
];
const THIRD: &[&str] = &["Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Mới"];

/// Draws names that are unique among those already given out by this namer.
pub struct Namer {
    rng: Rng,
    used: HashSet<String>,
}

impl Namer {
    pub fn new(rng: Rng) -> Namer {
        Namer { rng, used: HashSet::new() }
    }

    /// A two-syllable base name (three after many collisions), e.g. "Tân Phú" or "Hòa Lạc Đông".
    pub fn base(&mut self) -> String {
        for attempt in 0..400 {
            let a = *self.rng.pick(FIRST);
            let b = *self.rng.pick(SECOND);
            if a == b {
                continue;
            }
            let name =
                if attempt < 200 { format!("{a} {b}") } else { format!("{a} {b} {}", self.rng.pick(THIRD)) };
            if self.used.insert(name.clone()) {
                return name;
            }
        }
        let n = self.used.len();
        let name = format!("{} {}", self.rng.pick(FIRST), n);
        self.used.insert(name.clone());
        name
    }
}
