//! The server's messages in Vietnamese. The library says what went wrong in English, with the
//! values that matter filled in ("plan 7 changed meanwhile; reload it and retry"). An error answer
//! also carries the message in Vietnamese (`error.messages.vi`, and `reason_vi` beside each
//! problem's `reason`) when the catalogue [`messages.vi.toml`](messages.vi.toml) has it. The web
//! client shows the one in the page's language.
//!
//! The catalogue is data a translator edits. Each entry is a message as the server writes it,
//! with `{name}` where a value goes, and its Vietnamese with the same names, in any order. A
//! message the catalogue does not have is answered in English only. A test checks that every
//! entry still matches a message in the source, and that the names agree.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Deserialize)]
struct Catalogue {
    message: Vec<Entry>,
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

    /// The values of `message` if it is this template: each value is the shortest text that lets
    /// the rest match (the template's last value takes what is left).
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

static VI: LazyLock<Vec<Translation>> = LazyLock::new(|| {
    let text = include_str!("messages.vi.toml");
    let Ok(c) = toml::from_str::<Catalogue>(text) else {
        // The catalogue is part of the build; its own test reports what is wrong with it.
        tracing::error!("src/api/messages.vi.toml does not parse: error messages stay in English");
        return Vec::new();
    };
    c.message.iter().map(|e| Translation { en: Template::parse(&e.en), vi: Template::parse(&e.vi) }).collect()
});

/// `message` in Vietnamese, when the catalogue has it.
pub fn vi(message: &str) -> Option<String> {
    VI.iter().find_map(|t| {
        let values = t.en.values(message)?;
        let by_name: HashMap<&str, &str> = t.en.names.iter().map(String::as_str).zip(values).collect();
        let mut out = t.vi.texts[0].clone();
        for (name, text) in t.vi.names.iter().zip(&t.vi.texts[1..]) {
            out.push_str(by_name.get(name.as_str())?);
            out.push_str(text);
        }
        Some(out)
    })
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
    fn a_value_may_hold_spaces_and_the_vietnamese_may_put_values_in_another_order() {
        let t = Template::parse("the {year} lists of {province} are not approved yet: approve them first");
        assert_eq!(t.values("the 2026 lists of Tỉnh Bắc Sơn are not approved yet: approve them first"), Some(vec!["2026", "Tỉnh Bắc Sơn"]));
        assert_eq!(
            vi("the 2026 lists of Tỉnh Bắc Sơn are not approved yet: approve them first").as_deref(),
            Some("Danh sách năm 2026 của Tỉnh Bắc Sơn chưa được phê duyệt: hãy phê duyệt trước."),
        );
    }

    #[test]
    fn every_entry_has_the_same_names_in_both_languages_and_is_a_message_the_source_still_writes() {
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
            let mut a = en.names.clone();
            let mut b = vi.names.clone();
            a.sort();
            b.sort();
            assert_eq!(a, b, "{:?} and {:?} name different values", e.en, e.vi);
            for text in en.texts.iter().map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| t.len() >= 3) {
                assert!(source.contains(&text), "{:?}: the source no longer writes {text:?}", e.en);
            }
        }
    }
}
