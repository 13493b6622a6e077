//! A user's province scope, resolved to the units and province codes it covers.
//!
//! A user is scoped to province codes of the current boundaries (or to all provinces). Scope
//! follows the crosswalk backwards, so the history of a commune across the 2025 reform stays
//! visible: a pre-reform commune is in scope when any of the communes it became is, and a
//! pre-reform province (or district) is in scope when every one of its communes is. Everything
//! else — units, tiles, figures, plans, SQL rows — is out of scope and never leaves the server.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::error::{Error, Result};
use crate::hash::Fnv;
use crate::vocab::{Level, Relation};

/// One unit as scope resolution sees it.
#[derive(Debug, Clone, Copy)]
pub struct UnitRef<'a> {
    pub id: i64,
    pub level: Level,
    pub code: &'a str,
    pub province_code: Option<&'a str>,
}

impl UnitRef<'_> {
    /// The province a unit belongs to (a province unit belongs to itself).
    fn province(&self) -> Option<&str> {
        if self.level == Level::Province { Some(self.province_code.unwrap_or(self.code)) } else { self.province_code }
    }
}

/// What a user may see.
#[derive(Debug, Clone)]
pub struct Scope {
    /// `*` or the comma-separated codes as stored.
    pub spec: String,
    /// `None`: every province.
    codes: Option<BTreeSet<String>>,
    units: HashSet<i64>,
    /// 0 for every province; otherwise a hash of the spec (part of cache keys).
    pub key: u64,
}

/// Validate a scope as typed by an admin: `*`/`all`, or province codes separated by commas.
pub fn normalise(spec: &str) -> Result<String> {
    let s = spec.trim();
    if s == "*" || s.eq_ignore_ascii_case("all") {
        return Ok("*".into());
    }
    let mut codes: Vec<&str> = s.split(',').map(str::trim).filter(|c| !c.is_empty()).collect();
    if codes.is_empty() || codes.iter().any(|c| !c.chars().all(|ch| ch.is_ascii_alphanumeric())) {
        return Err(Error::InvalidArgument(format!(
            "scope '{spec}' is not valid: give province codes (e.g. 98,99), commune codes for a commune officer (e.g. 98002,98005), or * for every province"
        )));
    }
    codes.sort_unstable();
    codes.dedup();
    Ok(codes.join(","))
}

impl Scope {
    /// Every province.
    pub fn all() -> Scope {
        Scope { spec: "*".into(), codes: None, units: HashSet::new(), key: 0 }
    }

    /// Resolve a stored scope over the store's units and the crosswalk (old unit → new units).
    pub fn resolve<'a>(spec: &str, units: impl IntoIterator<Item = UnitRef<'a>>, successors: &HashMap<i64, Vec<(i64, Relation)>>) -> Scope {
        if spec == "*" {
            return Scope::all();
        }
        let given: BTreeSet<String> = spec.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
        let units: Vec<UnitRef> = units.into_iter().collect();
        let province_of: HashMap<i64, Option<&str>> = units.iter().map(|u| (u.id, u.province())).collect();
        // Provinces by their code; communes (a commune officer's scope) by theirs.
        let mut inside: HashSet<i64> = units
            .iter()
            .filter(|u| u.province().is_some_and(|p| given.contains(p)) || (u.level == Level::Commune && given.contains(u.code)))
            .map(|u| u.id)
            .collect();
        let named_communes: HashSet<i64> = units.iter().filter(|u| u.level == Level::Commune && given.contains(u.code)).map(|u| u.id).collect();
        // Communes that became in-scope communes.
        let via_crosswalk: Vec<i64> = units
            .iter()
            .filter(|u| u.level == Level::Commune && !inside.contains(&u.id))
            .filter(|u| {
                successors.get(&u.id).is_some_and(|next| {
                    next.iter().any(|(n, _)| named_communes.contains(n) || province_of.get(n).copied().flatten().is_some_and(|p| given.contains(p)))
                })
            })
            .map(|u| u.id)
            .collect();
        inside.extend(via_crosswalk);
        // Old provinces whose communes are all in scope now.
        let mut communes_of: HashMap<&str, (usize, usize)> = HashMap::new();
        for u in units.iter().filter(|u| u.level == Level::Commune) {
            if let Some(p) = u.province() {
                let e = communes_of.entry(p).or_default();
                e.0 += 1;
                e.1 += usize::from(inside.contains(&u.id));
            }
        }
        let mut codes = given.clone();
        for (p, (total, held)) in &communes_of {
            if *total > 0 && total == held {
                codes.insert((*p).to_string());
            }
        }
        inside.extend(units.iter().filter(|u| u.province().is_some_and(|p| codes.contains(p))).map(|u| u.id));
        let mut h = Fnv::default();
        h.write(spec.as_bytes());
        Scope { spec: spec.to_string(), codes: Some(codes), units: inside, key: h.finish() | 1 }
    }

    pub fn is_all(&self) -> bool {
        self.codes.is_none()
    }

    /// May the user see this unit?
    pub fn unit(&self, id: i64) -> bool {
        self.codes.is_none() || self.units.contains(&id)
    }

    /// May the user see figures of this province (for province-level rows: progress, quotas, plans)?
    pub fn province(&self, code: Option<&str>) -> bool {
        match &self.codes {
            None => true,
            Some(c) => code.is_some_and(|p| c.contains(p)),
        }
    }

    /// The province codes in scope (`None` = all), for SQL filters.
    pub fn codes(&self) -> Option<&BTreeSet<String>> {
        self.codes.as_ref()
    }

    /// Unit ids in scope (empty when the scope is every province).
    pub fn unit_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.units.iter().copied()
    }

    /// A message for a refused out-of-scope request.
    pub fn refuse(&self, what: &str) -> Error {
        Error::Forbidden(format!("{what} is outside your scope (provinces {}); ask an admin to widen it", self.spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u<'a>(id: i64, level: Level, code: &'a str, p: &'a str) -> UnitRef<'a> {
        UnitRef { id, level, code, province_code: Some(p) }
    }

    #[test]
    fn a_scope_follows_the_crosswalk_back_to_the_provinces_that_merged_into_it() {
        // Old provinces 97 and 98 merged into new 98; old 96 split between new 98 and 99.
        let units = [
            u(1, Level::Province, "97", "97"),
            u(2, Level::Commune, "c1", "97"),
            u(3, Level::Province, "96", "96"),
            u(4, Level::Commune, "c4", "96"),
            u(5, Level::Commune, "c5", "96"),
            u(10, Level::Province, "98", "98"),
            u(11, Level::Commune, "n1", "98"),
            u(20, Level::Province, "99", "99"),
            u(21, Level::Commune, "n2", "99"),
        ];
        let successors: HashMap<i64, Vec<(i64, Relation)>> =
            [(2, vec![(11, Relation::Full)]), (4, vec![(11, Relation::Full)]), (5, vec![(21, Relation::Full)])].into_iter().collect();
        let s = Scope::resolve("98", units, &successors);
        assert!(s.unit(11) && s.unit(10) && s.unit(2) && s.unit(1), "98, its commune, old 97 and its commune");
        assert!(s.unit(4), "the old commune of 96 that became part of 98");
        assert!(!s.unit(5) && !s.unit(3), "the rest of 96 and 96 itself stay out");
        assert!(!s.unit(20) && !s.unit(21));
        assert!(s.province(Some("97")) && s.province(Some("98")) && !s.province(Some("96")) && !s.province(Some("99")));
        assert!(Scope::all().unit(21) && Scope::all().province(None));
    }

    #[test]
    fn scopes_are_validated_and_normalised() {
        assert_eq!(normalise(" 99, 98 ,98").unwrap(), "98,99");
        assert_eq!(normalise("ALL").unwrap(), "*");
        assert!(normalise("98;drop").is_err());
        assert!(normalise("").is_err());
    }
}
