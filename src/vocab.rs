//! The closed vocabularies of the domain — administrative levels, key route scopes, recognition
//! kinds and actions, plan lifecycle, data quality — as enums. Their spellings exist only at the
//! edges (SQL, JSON, TOML, CSV), where [`vocabulary!`] parses them once: every enum it makes
//! reads and writes itself through serde, `FromStr`/`Display` and DuckDB (`ToSql`/`FromSql`),
//! so a misspelt value is refused where it enters, with the list of the valid ones.
//!
//! Vocabularies that belong to one module live there, made with the same macro: map statuses
//! and key types in [`crate::rules`], the choropleth method in [`crate::analytics::choropleth`],
//! roles in [`crate::access`].

/// A closed vocabulary: `vocabulary! { /// doc  pub enum Level ("level") { Province = "province", … } }`.
/// The string after the name is what a refusal calls the value ("unknown level 'x': use …").
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every spelling, in declaration order (for validating text at the edge).
            pub const SPELLINGS: &'static [&'static str] = &[$($text),+];

            /// The value as written in SQL, JSON and files.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The valid spellings, for messages: `a, b or c`.
            pub fn spellings() -> String {
                match Self::SPELLINGS.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    Some((last, _)) => (*last).to_string(),
                    None => String::new(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<$name> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::Error::InvalidArgument(format!(
                        "unknown {} '{other}': use {}", $what, $name::spellings()
                    ))),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<$name, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(|e: $crate::Error| <D::Error as ::serde::de::Error>::custom(e))
            }
        }

        impl ::duckdb::ToSql for $name {
            fn to_sql(&self) -> ::duckdb::Result<::duckdb::types::ToSqlOutput<'_>> {
                Ok(::duckdb::types::ToSqlOutput::Borrowed(::duckdb::types::ValueRef::Text(self.as_str().as_bytes())))
            }
        }

        impl ::duckdb::types::FromSql for $name {
            fn column_result(value: ::duckdb::types::ValueRef<'_>) -> ::duckdb::types::FromSqlResult<$name> {
                let text = value.as_str()?;
                text.parse().map_err(|e: $crate::Error| ::duckdb::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

crate::vocabulary! {
    /// An administrative level. Districts exist only before the 1 July 2025 reform.
    pub enum Level ("level") { Province = "province", District = "district", Commune = "commune" }
}

impl Level {
    /// The plural used for tile layers and aliases: `provinces`, `districts`, `communes`.
    pub const fn plural(self) -> &'static str {
        match self {
            Level::Province => "provinces",
            Level::District => "districts",
            Level::Commune => "communes",
        }
    }

    /// The level whose plural is `plural`.
    pub fn from_plural(plural: &str) -> Option<Level> {
        Level::ALL.iter().copied().find(|l| l.plural() == plural)
    }
}

crate::vocabulary! {
    /// Whether, and on which kind of key complex drug route, a commune lies (domain.md §1.2,
    /// §5.2): a designation by the authorities, imported with the indicators.
    pub enum RouteScope ("key route scope") {
        None = "none", IntraProvincial = "intra_provincial", InterProvincial = "inter_provincial",
        Transnational = "transnational", Unknown = "unknown",
    }
}

crate::vocabulary! {
    /// What an official act (`recognition_event.status_type`) recognises or classifies.
    pub enum RecognitionKind ("recognition status type") {
        /// "Không ma túy" under Decision 28/2025.
        DrugFree2025 = "khong_ma_tuy_2025",
        /// The pre-2025 "không có tệ nạn ma túy" — another legal category.
        NoDrugViceLegacy = "khong_co_te_nan_legacy",
        /// A province's own "sạch về ma túy" label.
        CleanProvincial = "sach_ve_ma_tuy_provincial",
        /// An officially reported key type (the value says which).
        KeyTypeOfficial = "key_type_official",
    }
}

crate::vocabulary! {
    /// A key type as an authority reported it (`indicator.reported_key_type`, or the value of a
    /// `key_type_official` recognition event), kept apart from the computed one.
    pub enum ReportedKeyType ("reported key type") {
        I = "I",
        II = "II",
        III = "III",
        /// Has drug vice but is not a key area (the pre-2025 class "có tệ nạn ma túy").
        NonKeyWithDrugs = "non_key_with_drugs",
        None = "none",
    }
}

crate::vocabulary! {
    /// What an official act does.
    pub enum RecognitionAction ("recognition action") { Recognize = "recognize", Maintain = "maintain", Revoke = "revoke", Classify = "classify" }
}

crate::vocabulary! {
    /// Where an indicator row's figures come from (domain.md §5.2). Apportioned rows are
    /// estimates and never feed the official classification.
    pub enum DataQuality ("data quality") { Official = "official", Press = "press", Estimate = "estimate", Apportioned = "apportioned" }
}

crate::vocabulary! {
    /// How an old unit relates to a new one across a boundary change (`unit_crosswalk.relation`).
    pub enum Relation ("crosswalk relation") {
        Full = "full", Partial = "partial", Merge = "merge",
        Split = "split", Rename = "rename", Unchanged = "unchanged",
    }
}

impl Relation {
    /// The whole old unit went into the new one (its counts move without apportioning).
    pub const fn whole(self) -> bool {
        matches!(self, Relation::Full | Relation::Merge | Relation::Rename | Relation::Unchanged)
    }
}

crate::vocabulary! {
    /// A conversion plan's lifecycle: draft → submitted → approved → closed (submitted may go
    /// back to draft).
    pub enum PlanStatus ("plan status") { Draft = "draft", Submitted = "submitted", Approved = "approved", Closed = "closed" }
}

impl PlanStatus {
    /// May a plan move from `self` to `to`?
    pub const fn may_become(self, to: PlanStatus) -> bool {
        use PlanStatus::*;
        matches!((self, to), (Draft, Submitted) | (Submitted, Draft) | (Submitted, Approved) | (Approved, Closed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vocabulary_reads_and_writes_one_spelling_and_names_the_others_when_refusing() {
        assert_eq!("inter_provincial".parse::<RouteScope>().unwrap(), RouteScope::InterProvincial);
        assert_eq!(RouteScope::Transnational.to_string(), "transnational");
        let e = "liên tỉnh".parse::<RouteScope>().unwrap_err().to_string();
        assert!(e.contains("unknown key route scope 'liên tỉnh'") && e.contains("intra_provincial, inter_provincial"), "{e}");
        assert_eq!(serde_json::to_string(&Level::Commune).unwrap(), "\"commune\"");
        assert_eq!(serde_json::from_str::<Level>("\"district\"").unwrap(), Level::District);
        assert!(serde_json::from_str::<Level>("\"ward\"").is_err());
        assert_eq!(Level::from_plural("provinces"), Some(Level::Province));
        assert!(PlanStatus::Submitted.may_become(PlanStatus::Draft) && !PlanStatus::Draft.may_become(PlanStatus::Approved));
    }
}
