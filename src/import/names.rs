//! Finding communes by name when a file has names instead of codes: within the row's province
//! (`--province` or a province column), in the boundary version valid on the row's date,
//! tolerant of the prefixes people write (Xã / X. / Phường / P. / Thị trấn / TT / Đặc khu),
//! case, diacritics, spacing, leading zeros ("Phường 01") and the former name of a renamed
//! commune. An ambiguous or unknown name is a problem listing the candidates: never a guess.

use std::collections::HashMap;

use chrono::NaiveDate;
use duckdb::Connection;

use super::aliases::edit_distance;
use super::columns::ColumnSpec;
use super::tabular_file::{ColumnMap, RawTable, Record, parse_date};
use super::units::{VersionSpan, load_versions, no_version_reason, version_at};
use super::{Reporter, TableOptions};
use crate::error::{Error, Result};
use crate::text::fold;

/// A name split into the unit type its prefix says (if any) and the matching key of the rest.
fn split_name(s: &str) -> (Option<&'static str>, String) {
    let folded = fold(s).replace(['.', ',', '-', '_', '(', ')'], " ");
    let words: Vec<&str> = folded.split_whitespace().collect();
    let (ty, rest): (Option<&'static str>, &[&str]) = match words.as_slice() {
        ["thi", "tran", rest @ ..] if !rest.is_empty() => (Some("thi_tran"), rest),
        ["dac", "khu", rest @ ..] if !rest.is_empty() => (Some("dac_khu"), rest),
        ["xa" | "x", rest @ ..] if !rest.is_empty() => (Some("xa"), rest),
        ["phuong" | "p", rest @ ..] if !rest.is_empty() => (Some("phuong"), rest),
        ["tt", rest @ ..] if !rest.is_empty() => (Some("thi_tran"), rest),
        ["dk", rest @ ..] if !rest.is_empty() => (Some("dac_khu"), rest),
        all => (None, all),
    };
    let key = rest
        .iter()
        .map(|w| if w.chars().all(|c| c.is_ascii_digit()) { w.trim_start_matches('0').to_string() } else { w.to_string() })
        .collect::<String>();
    (ty, key)
}

/// The matching key of a province or district name without its prefix.
fn area_key(s: &str) -> String {
    let folded = fold(s).replace(['.', ',', '-', '_'], " ");
    let words: Vec<&str> = folded.split_whitespace().collect();
    let rest: &[&str] = match words.as_slice() {
        ["thanh", "pho", rest @ ..] | ["thi", "xa", rest @ ..] if !rest.is_empty() => rest,
        ["tinh" | "tp" | "huyen" | "quan" | "tx" | "h" | "q", rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    rest.concat()
}

struct Named {
    code: String,
    name: String,
    unit_type: String,
    /// The type the name's own prefix says ("Phường …"), which a file's type property may not.
    name_type: Option<&'static str>,
    district: Option<String>,
    /// Keys of the name and of former names.
    keys: Vec<String>,
}

/// The communes of every version, by version and province, for name lookup.
pub struct NameIndex {
    versions: Vec<VersionSpan>,
    /// (version, province code) → communes.
    units: HashMap<(i32, String), Vec<Named>>,
    /// version → (province code, name, key of the name).
    provinces: HashMap<i32, Vec<(String, String, String)>>,
}

impl NameIndex {
    pub fn load(conn: &Connection) -> Result<NameIndex> {
        let ctx = "loading commune names";
        let versions = load_versions(conn)?;
        let mut former: HashMap<(i32, String), Vec<String>> = HashMap::new();
        let mut stmt = conn.prepare(include_str!("sql/unit_former_names.sql")).map_err(Error::store(ctx))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))).map_err(Error::store(ctx))?;
        for row in rows {
            let (v, code, old) = row.map_err(Error::store(ctx))?;
            former.entry((v, code)).or_default().push(split_name(&old).1);
        }
        let mut units: HashMap<(i32, String), Vec<Named>> = HashMap::new();
        let mut provinces: HashMap<i32, Vec<(String, String, String)>> = HashMap::new();
        let mut stmt = conn.prepare(include_str!("sql/unit_names.sql")).map_err(Error::store(ctx))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(Error::store(ctx))?;
        for row in rows {
            let (v, code, name, unit_type, pcode, pname, district) = row.map_err(Error::store(ctx))?;
            let Some(pcode) = pcode else { continue };
            let list = provinces.entry(v).or_default();
            if !list.iter().any(|(c, _, _)| *c == pcode) {
                let pname = pname.unwrap_or_default();
                let k = area_key(&pname);
                list.push((pcode.clone(), pname, k));
            }
            let (name_type, own) = split_name(&name);
            let mut keys = vec![own];
            keys.extend(former.remove(&(v, code.clone())).unwrap_or_default());
            units.entry((v, pcode)).or_default().push(Named { code, name, unit_type, name_type, district, keys });
        }
        for list in units.values_mut() {
            list.sort_by(|a, b| a.code.cmp(&b.code));
        }
        Ok(NameIndex { versions, units, provinces })
    }

    fn province(&self, version: &VersionSpan, raw: &str) -> Result<String, String> {
        let list = self.provinces.get(&version.id).map_or(&[][..], Vec::as_slice);
        let raw = raw.trim();
        if let Some((c, _, _)) = list.iter().find(|(c, _, _)| c == raw || c.trim_start_matches('0') == raw.trim_start_matches('0')) {
            return Ok(c.clone());
        }
        let k = area_key(raw);
        if let Some((c, _, _)) = list.iter().find(|(_, _, pk)| *pk == k) {
            return Ok(c.clone());
        }
        let mut known: Vec<String> = list.iter().map(|(c, n, _)| format!("{c} {n}")).collect();
        known.sort();
        Err(format!(
            "unknown province '{raw}' in boundary version '{}' (known: {}); give its code with --province or in the province column",
            version.name,
            known.into_iter().take(40).collect::<Vec<_>>().join(", ")
        ))
    }

    /// The communes (code, name) of `province` (code or name) in the version valid on `date`,
    /// with the version's name and the province's code and name.
    pub fn communes(&self, province: &str, date: NaiveDate) -> Result<(String, String, String, Vec<(String, String)>), String> {
        let Some(version) = version_at(&self.versions, date) else {
            return Err(no_version_reason(&self.versions, date));
        };
        let pcode = self.province(version, province)?;
        let pname = self.provinces.get(&version.id).and_then(|l| l.iter().find(|(c, _, _)| *c == pcode)).map(|(_, n, _)| n.clone()).unwrap_or_default();
        let list = self.units.get(&(version.id, pcode.clone())).map_or(&[][..], Vec::as_slice).iter().map(|u| (u.code.clone(), u.name.clone())).collect();
        Ok((version.name.clone(), pcode, pname, list))
    }

    /// The code of the commune `name` of `province` on `date` (with the former district when
    /// given), or why there is not exactly one.
    pub fn resolve(&self, name: &str, province: &str, district: Option<&str>, date: NaiveDate) -> Result<String, String> {
        let Some(version) = version_at(&self.versions, date) else {
            return Err(no_version_reason(&self.versions, date));
        };
        let pcode = self.province(version, province)?;
        let communes = self.units.get(&(version.id, pcode.clone())).map_or(&[][..], Vec::as_slice);
        let (ty, k) = split_name(name);
        let mut found: Vec<&Named> = communes.iter().filter(|u| u.keys.contains(&k)).collect();
        if found.len() > 1
            && let Some(ty) = ty
        {
            let typed: Vec<&Named> = found.iter().copied().filter(|u| u.name_type.map_or(u.unit_type == ty, |t| t == ty)).collect();
            if !typed.is_empty() {
                found = typed;
            }
        }
        if found.len() > 1
            && let Some(d) = district.filter(|d| !d.trim().is_empty())
        {
            let dk = area_key(d);
            let within: Vec<&Named> = found.iter().copied().filter(|u| u.district.as_deref().is_some_and(|x| area_key(x) == dk)).collect();
            if within.is_empty() {
                return Err(format!("'{name}' matches {} communes of province {pcode}, none in district '{d}': {}", found.len(), listing(&found)));
            }
            found = within;
        }
        match found.as_slice() {
            [one] => Ok(one.code.clone()),
            [] => {
                let mut near: Vec<(usize, &Named)> = communes.iter().map(|u| (edit_distance(&k, &u.keys[0]), u)).filter(|(d, _)| *d <= 2.max(k.len() / 4)).collect();
                near.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code.cmp(&b.1.code)));
                let near: Vec<&Named> = near.into_iter().take(3).map(|(_, u)| u).collect();
                let hint = if near.is_empty() { String::new() } else { format!("; closest: {}", listing(&near)) };
                Err(format!(
                    "no commune named '{name}' in province {pcode} (boundary version '{}', valid on {date}){hint}",
                    version.name
                ))
            }
            many => Err(format!(
                "'{name}' matches {} communes of province {pcode}: {}; add the code (a 'Mã xã' column){}",
                many.len(),
                listing(many),
                if many.iter().any(|u| u.district.is_some()) { " or the former district (a 'Huyện' column)" } else { "" }
            )),
        }
    }
}

fn listing(units: &[&Named]) -> String {
    units
        .iter()
        .map(|u| match &u.district {
            Some(d) => format!("{} {} ({d})", u.code, u.name),
            None => format!("{} {}", u.code, u.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replace the names of a file without codes by codes: a `unit_code` column is added (problems
/// shown at the name's cell) and rows whose name cannot be resolved are reported and dropped.
pub fn fill_codes(conn: &Connection, specs: &[ColumnSpec], table: &mut RawTable, map: &mut ColumnMap, opts: &TableOptions, rep: &mut Reporter) -> Result<()> {
    let Some(k_code) = specs.iter().position(|s| s.name == "unit_code") else { return Ok(()) };
    let Some(i_name) = map.name else { return Ok(()) };
    let index = NameIndex::load(conn)?;
    let rules = crate::rules::Rules::embedded()?;
    let at = |name: &str| specs.iter().position(|s| s.name == name).and_then(|k| map.index[k]);
    let (i_ref, i_year) = (at("reference_date"), at("year").or_else(|| at("year_covered")));
    let field = |r: &Record, i: Option<usize>| i.and_then(|i| r.fields.get(i).cloned().flatten());
    let mut codes: Vec<Option<String>> = Vec::with_capacity(table.records.len());
    let mut failed = std::collections::HashSet::new();
    for r in &table.records {
        let col = |i: Option<usize>| i.map_or(0, |i| i as u64 + 1);
        let Some(name) = field(r, Some(i_name)) else {
            rep.at(r.line, col(Some(i_name)), "no commune code or name on this row");
            failed.insert(r.line);
            codes.push(None);
            continue;
        };
        let Some(province) = field(r, map.province).or_else(|| opts.province.clone()) else {
            rep.at(r.line, col(map.province.or(Some(i_name))), format!("'{name}': no province — give --province, or add a province column ('Tỉnh')"));
            failed.insert(r.line);
            codes.push(None);
            continue;
        };
        // The commune is the one of the version valid on the row's date: its reference date,
        // else the end of its year's assessment period.
        let date = field(r, i_ref).and_then(|d| parse_date(&d)).or_else(|| {
            let y: i32 = field(r, i_year)?.parse().ok()?;
            let period = rules.for_year(None, y).map_or(crate::rules::Period::CALENDAR, |s| s.period());
            Some(period.of(y).1)
        });
        let Some(date) = date else {
            rep.at(r.line, col(i_year.or(i_ref)), format!("'{name}': no year or reference date to find the commune's boundary version (give --year)"));
            failed.insert(r.line);
            codes.push(None);
            continue;
        };
        match index.resolve(&name, &province, field(r, map.district).as_deref(), date) {
            Ok(code) => codes.push(Some(code)),
            Err(reason) => {
                rep.at(r.line, col(Some(i_name)), reason);
                failed.insert(r.line);
                codes.push(None);
            }
        }
    }
    for (r, code) in table.records.iter_mut().zip(codes) {
        r.fields.push(code);
    }
    table.header.push("unit_code".into());
    table.candidates.push(Vec::new());
    map.index[k_code] = Some(table.header.len() - 1);
    map.shown[k_code] = i_name as u64 + 1;
    let resolved = table.records.len() - failed.len();
    table.records.retain(|r| !failed.contains(&r.line));
    table.notes.push(format!("communes found by name: {resolved} of {}", resolved + failed.len()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_case_and_zeros_do_not_matter() {
        assert_eq!(split_name("Xã Tân Thành"), (Some("xa"), "tanthanh".into()));
        assert_eq!(split_name("X. Tân Thành"), (Some("xa"), "tanthanh".into()));
        assert_eq!(split_name("TÂN THÀNH"), (None, "tanthanh".into()));
        assert_eq!(split_name("P. Hồng Hà"), (Some("phuong"), "hongha".into()));
        assert_eq!(split_name("TT Cao Lộc"), (Some("thi_tran"), "caoloc".into()));
        assert_eq!(split_name("Thị trấn Cao Lộc"), (Some("thi_tran"), "caoloc".into()));
        assert_eq!(split_name("Đặc khu Vân Đồn"), (Some("dac_khu"), "vandon".into()));
        assert_eq!(split_name("Phường 01"), split_name("phường 1"));
        assert_eq!(area_key("Tỉnh Đồng Tháp"), area_key("Đồng Tháp"));
        assert_eq!(area_key("TP. Hồ Chí Minh"), area_key("Thành phố Hồ Chí Minh"));
    }
}
