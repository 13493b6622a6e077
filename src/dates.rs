//! Dates as the rule and manifest files write them: TOML dates (`2025-07-01`) or strings
//! (`"2025-07-01"`), for serde's `deserialize_with`.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Date(toml::value::Datetime),
    Text(String),
}

fn parse<E: serde::de::Error>(raw: Raw) -> Result<NaiveDate, E> {
    let text = match raw {
        Raw::Date(d) => d.to_string(),
        Raw::Text(s) => s,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| E::custom(format!("expected a date YYYY-MM-DD, got {text}")))
}

pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    parse(Raw::deserialize(d)?)
}

pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<Raw>::deserialize(d)?.map(parse).transpose()
}
