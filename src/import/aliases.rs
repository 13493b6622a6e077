//! Header and value aliases for tabular imports, kept as data in `data/import/aliases.toml`:
//! the Vietnamese and English names of every column (domain.md §5.2 and the other imports'
//! columns), the coded values people write ("Liên tỉnh", "Loại II", "Có"), and the columns that
//! carry nothing to store ("STT", "Ghi chú"). Everything is matched on [`crate::text::key`]: case,
//! diacritics, spaces and punctuation ignored.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::text::key;

const ALIASES_TOML: &str = include_str!("../../data/import/aliases.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    ignore: Vec<String>,
    columns: HashMap<String, ColumnEntry>,
    #[serde(default)]
    values: HashMap<String, HashMap<String, Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnEntry {
    names: Vec<String>,
    values: Option<String>,
}

/// The alias tables, indexed for matching.
#[derive(Debug)]
pub struct Aliases {
    /// Column key → its names as written in the file (first: the template's Vietnamese header).
    names: HashMap<String, Vec<String>>,
    /// Matching key of a name → the column keys it may mean.
    by_key: HashMap<String, Vec<String>>,
    /// Column key → the value table it uses.
    value_table: HashMap<String, String>,
    /// Value table → matching key of a spelling → stored value.
    values: HashMap<String, HashMap<String, String>>,
    ignore: Vec<String>,
}

impl Aliases {
    /// The embedded tables (parsed once).
    pub fn embedded() -> Result<&'static Aliases> {
        static CELL: OnceLock<std::result::Result<Aliases, String>> = OnceLock::new();
        CELL.get_or_init(|| Aliases::parse(ALIASES_TOML).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Corrupt(format!("data/import/aliases.toml: {e}")))
    }

    /// Parse an alias file.
    pub fn parse(text: &str) -> Result<Aliases> {
        let file: File = toml::from_str(text).map_err(|e| Error::InvalidArgument(format!("aliases: {e}")))?;
        let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
        let mut names = HashMap::new();
        let mut value_table = HashMap::new();
        for (column, entry) in file.columns {
            for n in entry.names.iter().map(String::as_str).chain([column.as_str()]) {
                let cols = by_key.entry(key(n)).or_default();
                if !cols.contains(&column) {
                    cols.push(column.clone());
                }
            }
            if let Some(t) = entry.values {
                if !file.values.contains_key(&t) {
                    return Err(Error::InvalidArgument(format!("aliases: column {column} uses values.{t}, which is not defined")));
                }
                value_table.insert(column.clone(), t);
            }
            names.insert(column, entry.names);
        }
        let values = file
            .values
            .into_iter()
            .map(|(table, spellings)| {
                let mut m = HashMap::new();
                for (stored, written) in spellings {
                    m.insert(key(&stored), stored.clone());
                    for w in written {
                        m.insert(key(&w), stored.clone());
                    }
                }
                (table, m)
            })
            .collect();
        Ok(Aliases { names, by_key, value_table, values, ignore: file.ignore.iter().map(|s| key(s)).collect() })
    }

    /// The column keys a header may mean (empty when unknown).
    pub fn columns_for(&self, header: &str) -> &[String] {
        self.by_key.get(&key(header)).map_or(&[], Vec::as_slice)
    }

    /// Is this a header of a column with nothing to store ("STT", "Ghi chú")?
    pub fn is_ignored(&self, header: &str) -> bool {
        let k = key(header);
        !k.is_empty() && self.ignore.contains(&k)
    }

    /// The Vietnamese header the template writes for `column`.
    pub fn vietnamese(&self, column: &str) -> Option<&str> {
        self.names.get(column).and_then(|n| n.first()).map(String::as_str)
    }

    /// The stored value a written value of `column` means, when the column has a value table
    /// (`bool` for yes/no columns) and the spelling is in it.
    pub fn value(&self, column: &str, bool_column: bool, raw: &str) -> Option<&str> {
        let table = match self.value_table.get(column) {
            Some(t) => t.as_str(),
            None if bool_column => "bool",
            None => return None,
        };
        self.values.get(table)?.get(&key(raw)).map(String::as_str)
    }

    /// The value tables' stored values (for the test that they are valid spellings).
    pub fn stored_values(&self, column: &str) -> Vec<&str> {
        let Some(t) = self.value_table.get(column) else { return Vec::new() };
        let mut v: Vec<&str> = self.values.get(t).map(|m| m.values().map(String::as_str).collect()).unwrap_or_default();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Every name known for any column (English keys and aliases), for suggestions.
    pub fn all_names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names.iter().flat_map(|(col, names)| names.iter().map(String::as_str).chain([col.as_str()]).map(move |n| (n, col.as_str())))
    }
}

/// The columns whose names are closest to `header` (at most three, closest first), each with
/// its closest name: `("illegal_users_with_records", "'Người sử dụng …' (illegal_users_with_records)")`.
pub fn closest(aliases: &Aliases, header: &str, allowed: &dyn Fn(&str) -> bool) -> Vec<(String, String)> {
    let k = key(header);
    if k.is_empty() {
        return Vec::new();
    }
    let mut best: HashMap<&str, (usize, &str)> = HashMap::new();
    for (n, col) in aliases.all_names().filter(|(_, col)| allowed(col)) {
        let d = edit_distance(&k, &key(n));
        if d <= 3.max(k.chars().count() / 3) && best.get(col).is_none_or(|(bd, _)| d < *bd) {
            best.insert(col, (d, n));
        }
    }
    let mut scored: Vec<(usize, &str, &str)> = best.into_iter().map(|(col, (d, n))| (d, col, n)).collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, col, n)| (col.to_string(), if n == col { format!("'{col}'") } else { format!("'{n}' ({col})") }))
        .collect()
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_without_case_or_diacritics() {
        let a = Aliases::embedded().unwrap();
        assert_eq!(a.columns_for("SỐ NGƯỜI NGHIỆN CÓ HỒ SƠ QUẢN LÝ"), ["addicts_with_records"]);
        assert_eq!(a.columns_for("so nguoi nghien co ho so quan ly"), ["addicts_with_records"]);
        assert_eq!(a.columns_for("Dân số"), ["resident_population"]);
        assert_eq!(a.columns_for("resident_population"), ["resident_population"]);
        assert!(a.is_ignored("Ghi chú"));
        assert!(a.columns_for("Cột lạ").is_empty());
    }

    #[test]
    fn coded_values_translate() {
        let a = Aliases::embedded().unwrap();
        assert_eq!(a.value("key_route_scope", false, "Liên tỉnh"), Some("inter_provincial"));
        assert_eq!(a.value("key_route_scope", false, "XUYÊN QUỐC GIA"), Some("transnational"));
        assert_eq!(a.value("reported_key_type", false, "Loại II"), Some("II"));
        assert_eq!(a.value("self_registered", true, "Có"), Some("true"));
        assert_eq!(a.value("unit_name", false, "Có"), None);
    }

    #[test]
    fn a_misspelled_header_has_a_closest_name() {
        let a = Aliases::embedded().unwrap();
        let c = closest(a, "Dân sốô", &|_| true);
        assert_eq!(c.first().map(|(col, _)| col.as_str()), Some("resident_population"), "{c:?}");
    }
}
