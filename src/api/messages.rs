//! The server's messages in Vietnamese. The library says what went wrong in English, with the
//! values that matter filled in ("plan 7 changed meanwhile; reload it and retry"). An error answer
//! also carries the message in Vietnamese (`error.messages.vi`, and `reason_vi` beside each
//! problem's `reason`) when the catalogue [`messages.vi.toml`](messages.vi.toml) has it. The web
//! client shows the one in the page's language.
//!
//! The catalogue is data a translator edits. Each entry is a message as the server writes it,
//! with `{name}` where a value goes, and its Vietnamese with the same names, in any order — or
//! fewer, where a value is English prose (a role's description). The first entry that matches
//! wins. A message the catalogue does not have is answered in English only. A test checks that
//! every entry still matches a message in the source, and that the Vietnamese names no value
//! the English does not have.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Deserialize)]
struct Catalogue {
    message: Vec<Entry>,
    /// Values written in English words (a state, a step), in Vietnamese, by the value's name.
    #[serde(default)]
    value: HashMap<String, HashMap<String, String>>,
}

#[derive(Deserialize)]
struct Entry {
    en: String,
    vi: String,
}

/// A template cut at its `{name}`s: the literal text between them, and the names in order.
struct Template {
    /// One more than `names`: the text before the first value, between values, after the last.
    texts: Vec<String>,
    names: Vec<String>,
}

impl Template {
    fn parse(s: &str) -> Template {
        let (mut texts, mut names, mut rest) = (Vec::new(), Vec::new(), s);
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
            texts.push(rest[..open].to_string());
            names.push(rest[open + 1..close].to_string());
            rest = &rest[close + 1..];
        }
        texts.push(rest.to_string());
        Template { texts, names }
    }

    /// The values of `message` if it is this template: each value runs to the first place the
    /// template's next text appears (no backtracking: a value holding that text splits early and
    /// the match fails, so the message stays English); the last value runs to the closing text.
    /// An empty value is no match.
    fn values<'m>(&self, message: &'m str) -> Option<Vec<&'m str>> {
        let mut rest = message.strip_prefix(self.texts[0].as_str())?;
        let mut values = Vec::with_capacity(self.names.len());
        for (i, next) in self.texts[1..].iter().enumerate() {
            let last = i + 2 == self.texts.len();
            let at = if last {
                let at = rest.len().checked_sub(next.len())?;
                (rest.is_char_boundary(at) && rest[at..] == **next).then_some(at)?
            } else if next.is_empty() {
                return None; // two values side by side cannot be told apart
            } else {
                rest.find(next.as_str())?
            };
            if at == 0 {
                return None; // every value says something
            }
            values.push(&rest[..at]);
            rest = &rest[at + next.len()..];
        }
        rest.is_empty().then_some(values)
    }
}

struct Translation {
    en: Template,
    vi: Template,
}

struct Vietnamese {
    messages: Vec<Translation>,
    values: HashMap<String, HashMap<String, String>>,
}

static VI: LazyLock<Vietnamese> = LazyLock::new(|| {
    let text = include_str!("messages.vi.toml");
    let Ok(c) = toml::from_str::<Catalogue>(text) else {
        // The catalogue is part of the build; its own test reports what is wrong with it.
        tracing::error!("src/api/messages.vi.toml does not parse: error messages stay in English");
        return Vietnamese { messages: Vec::new(), values: HashMap::new() };
    };
    let messages = c.message.iter().map(|e| Translation { en: Template::parse(&e.en), vi: Template::parse(&e.vi) }).collect();
    Vietnamese { messages, values: c.value }
});

impl Vietnamese {
    /// A value of the message, said in Vietnamese if the glossary has it under `name` (a list
    /// "a or b" word by word), else as it is (a number, a name, a code).
    fn value<'a>(&'a self, name: &str, v: &'a str) -> std::borrow::Cow<'a, str> {
        let Some(g) = self.values.get(name) else { return v.into() };
        if let Some(said) = g.get(v) {
            return said.as_str().into();
        }
        let parts: Option<Vec<&str>> = v.split(" or ").map(|p| g.get(p).map(String::as_str)).collect();
        match parts {
            Some(p) if p.len() > 1 => p.join(" hoặc ").into(),
            _ => v.into(),
        }
    }
}

/// `message` in Vietnamese, when the catalogue has it.
pub fn vi(message: &str) -> Option<String> {
    let c = &*VI;
    c.messages.iter().find_map(|t| {
        let values = t.en.values(message)?;
        let by_name: HashMap<&str, &str> = t.en.names.iter().map(String::as_str).zip(values).collect();
        let mut out = t.vi.texts[0].clone();
        for (name, text) in t.vi.names.iter().zip(&t.vi.texts[1..]) {
            out.push_str(&c.value(name, by_name.get(name.as_str())?));
            out.push_str(text);
        }
        Some(out)
    })
}

/// Beside each problem's `reason` in `problems` (serialized [`crate::import::Problems`]), its
/// Vietnamese as `reason_vi`, where the catalogue has it: a refused input's and a skipped row's.
pub fn add_reasons_vi(problems: &mut serde_json::Value) {
    for p in problems.get_mut("items").and_then(serde_json::Value::as_array_mut).into_iter().flatten() {
        if let Some(said) = p.get("reason").and_then(serde_json::Value::as_str).and_then(vi) {
            p["reason_vi"] = said.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        toml::from_str(include_str!("messages.vi.toml")).expect("messages.vi.toml parses")
    }

    #[test]
    fn a_message_with_values_is_said_in_vietnamese_with_the_same_values() {
        assert_eq!(vi("no plan with id 42").as_deref(), Some("Không có kế hoạch nào mã 42."));
        assert_eq!(
            vi("commune 1207 is not in plan 3").as_deref(),
            Some("Xã 1207 không có trong kế hoạch 3."),
        );
        assert_eq!(vi("a plan needs a name").as_deref(), Some("Kế hoạch cần có tên."));
        // Not in the catalogue, or only its beginning: English only.
        assert_eq!(vi("something nobody wrote"), None);
        assert_eq!(vi("a plan needs a name, and more"), None);
    }

    #[test]
    fn values_in_english_words_are_said_by_the_glossary_and_a_list_word_by_word() {
        let m = "more than 50 tile requests per second from gis; retry shortly";
        assert_eq!(vi(m).as_deref(), Some("gis đã gửi quá 50 ô bản đồ mỗi giây; hãy thử lại sau giây lát."));
        let m = "cannot submit a submission that is accepted (only one that is draft or returned)";
        assert_eq!(vi(m).as_deref(), Some("Không thể nộp hồ sơ đang ở trạng thái đã được chấp nhận (chỉ được với hồ sơ bản nháp hoặc bị trả lại)."));
        // A value the glossary does not know stays as it is.
        let m = "cannot submit a submission that is lost (only one that is draft or lost)";
        assert_eq!(vi(m).as_deref(), Some("Không thể nộp hồ sơ đang ở trạng thái lost (chỉ được với hồ sơ draft or lost)."));
        let m = "plan 4 is approved; only a draft's communes can change";
        assert_eq!(vi(m).as_deref(), Some("Kế hoạch 4 đã duyệt; chỉ kế hoạch dự thảo mới sửa được danh sách xã."));
    }

    #[test]
    fn a_value_may_hold_spaces_and_the_vietnamese_may_put_values_in_another_order() {
        let t = Template::parse("the {year} lists of {province} are not approved yet: approve them first");
        assert_eq!(t.values("the 2026 lists of Tỉnh Bắc Sơn are not approved yet: approve them first"), Some(vec!["2026", "Tỉnh Bắc Sơn"]));
        assert_eq!(
            vi("the 2026 lists of Tỉnh Bắc Sơn are not approved yet: approve them first").as_deref(),
            Some("Danh sách năm 2026 của Tỉnh Bắc Sơn chưa được phê duyệt: hãy phê duyệt trước."),
        );
    }

    #[test]
    fn every_entry_names_only_its_english_values_and_is_a_message_the_source_still_writes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut source = String::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    source.push_str(&std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        // A format string's text between its values, wherever the source breaks its lines.
        let source = source.replace("\\\n", "").split_whitespace().collect::<Vec<_>>().join(" ");
        let mut seen = std::collections::HashSet::new();
        for e in catalogue().message {
            assert!(seen.insert(e.en.clone()), "{:?} is in the catalogue twice", e.en);
            let (en, vi) = (Template::parse(&e.en), Template::parse(&e.vi));
            for name in &vi.names {
                assert!(en.names.contains(name), "{:?} names {{{name}}}, which {:?} does not have", e.vi, e.en);
            }
            for name in &en.names {
                let dropped = !vi.names.contains(name);
                assert!(!dropped || name == "grants", "{:?} leaves out {{{name}}} of {:?}", e.vi, e.en);
            }
            for text in en.texts.iter().map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| t.len() >= 3) {
                assert!(source.contains(&text), "{:?}: the source no longer writes {text:?}", e.en);
            }
        }
    }
}
