//! What the API accepts, stated once. Each parameter's rule is checked by
//! the server and written into the OpenAPI document from the same
//! constants (the same regular expressions, enums and limits), so that a
//! client generated from the document sends only requests the server takes
//! as well formed, and the server takes nothing the document forbids.
//!
//! - Days are `YYYY-MM-DD` from [`FIRST_DAY`] to [`LAST_DAY`]. Days computed
//!   from them (a window's baseline, the week before for the pace, a
//!   chart's 90 days) stay on the calendar; they are computed with checked
//!   arithmetic, and a day that could not be represented would be a 400
//!   naming the parameter it came from.
//! - A query names only its route's parameters, each once: anything else is
//!   a 400 naming it. The checked query, in name order, is what the answer
//!   cache keys on.
//! - The patterns use only what JSON Schema's (ECMA 262), Python's and
//!   Rust's regular expressions read alike: classes, `{m,n}`, `(?:…)`, `|`.

use std::borrow::Cow;
use std::sync::LazyLock;

use phuxanh_domain::Day;
use regex::Regex;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{RefOr, Required};

use crate::ApiError;

/// The first day a request may name: twenty years before counting starts
/// (`Day::EPOCH`, 2020-01-01), room for baselines and charts.
pub const FIRST_DAY: &str = "2000-01-01";
/// The last day a request may name.
pub const LAST_DAY: &str = "2100-12-31";

/// A day as `YYYY-MM-DD` in the years `$years`, with the months' lengths
/// and the leap days `$leap` (years of 2000–2100: 2000 is one, 2100 is
/// not). Unanchored.
macro_rules! day_pattern {
    ($years:literal, $leap:literal) => {
        concat!(
            "(?:",
            $years,
            "-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
            "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8])",
            ")|",
            $leap,
            "-02-29)"
        )
    };
}

/// `HH:MM`, 00:00 to 23:59.
macro_rules! hh_mm {
    () => {
        "(?:[01][0-9]|2[0-3]):[0-5][0-9]"
    };
}

/// A day from [`FIRST_DAY`] to [`LAST_DAY`].
pub const DATE: &str = concat!(
    "^",
    day_pattern!("(?:20[0-9]{2}|2100)", "20(?:[02468][048]|[13579][26])"),
    "$"
);

/// An event's time, in 2020 (when counting starts, `Day::EPOCH`) to 2100:
/// a bare day (local midnight), a local `YYYY-MM-DD HH:MM[:SS]` (or with
/// `T`), or RFC 3339 with `Z` or an offset.
pub const TIME: &str = concat!(
    "^",
    day_pattern!("(?:20[2-9][0-9]|2100)", "20(?:[2468][048]|[3579][26])"),
    "(?:[ T]",
    hh_mm!(),
    "(?::[0-5][0-9])?|T",
    hh_mm!(),
    ":[0-5][0-9](?:[.][0-9]{1,9})?(?:Z|[+-]",
    hh_mm!(),
    "))?$"
);

/// A unit's code as `UnitCode::parse` takes it, untrimmed: GSO codes (2, 3
/// or 5 digits) and the codes a province gives its villages.
pub const UNIT_CODE: &str = "^[A-Za-z0-9._-]{1,32}$";

/// A team's or a session's code as `FieldCode` takes it.
pub const FIELD_CODE: &str = "^[A-Za-z0-9._-]{1,40}$";

/// An event id: 1 to 64 printable ASCII characters, not beginning or ending
/// with a space (the ledger's ids may be any printable text of 64 bytes; the
/// API keeps to ASCII so that 64 characters are 64 bytes). Ids beginning
/// with [`SNAPSHOT_PREFIX`] are refused too (a `not` in the document).
pub const EVENT_ID: &str = "^[!-~](?:[ -~]{0,62}[!-~])?$";

/// Reserved for the events a status snapshot implies.
pub const SNAPSHOT_PREFIX: &str = "snapshot:";

/// Text with something besides white space (Rust's `char::is_whitespace`,
/// which is what trimming removes).
pub const NOT_BLANK: &str =
    "[^\\t\\n\\x0B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

/// A 12-digit personal identification number: a province-of-birth code,
/// a sex/century digit 0–5, then 8 digits.
pub static CITIZEN_ID: LazyLock<String> = LazyLock::new(|| {
    let provinces: Vec<String> = phuxanh_domain::citizen::BIRTH_PROVINCE_CODES
        .iter()
        .map(|c| format!("{c:03}"))
        .collect();
    format!("^(?:{})[0-5][0-9]{{8}}$", provinces.join("|"))
});

/// The most a count parameter (`top`, `bottom`) may ask for.
pub const MAX_COUNT: u32 = 100_000;

/// One of the patterns above, compiled once.
pub struct Pattern(LazyLock<Regex>);

macro_rules! pattern {
    ($name:ident, $source:expr) => {
        pub static $name: Pattern = Pattern(LazyLock::new(|| {
            Regex::new($source).expect("the pattern compiles")
        }));
    };
}

pattern!(TIME_RE, TIME);
pattern!(UNIT_CODE_RE, UNIT_CODE);
pattern!(FIELD_CODE_RE, FIELD_CODE);
pattern!(EVENT_ID_RE, EVENT_ID);
pattern!(NOT_BLANK_RE, NOT_BLANK);
pattern!(CITIZEN_ID_RE, CITIZEN_ID.as_str());

impl Pattern {
    pub fn matches(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

/// What a parameter's value must be.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// A day, [`DATE`].
    Day,
    /// `true` or `false`.
    Flag,
    /// A whole number from 1 to [`MAX_COUNT`].
    Count,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A unit's code, [`UNIT_CODE`].
    UnitCode,
    /// A team's or session's code, [`FIELD_CODE`].
    FieldCode,
    /// Any text of `min` to `max` characters.
    Text { min: usize, max: usize },
}

impl Rule {
    /// Whether `value` is one this rule takes, and why not.
    pub fn check(self, value: &str) -> Result<(), String> {
        match self {
            // What DATE takes, without running it on every request: the
            // shape, a real day, the range (tested to agree).
            Rule::Day if is_day_in_range(value) => Ok(()),
            Rule::Day => Err(match value.parse::<Day>() {
                Ok(_) => format!("{value} is outside the days taken, {FIRST_DAY} to {LAST_DAY}"),
                Err(_) => format!("'{value}' is not a day in the form YYYY-MM-DD"),
            }),
            Rule::Flag if matches!(value, "true" | "false") => Ok(()),
            Rule::Flag => Err(format!("'{value}' is not true or false")),
            Rule::Count => match value.parse::<u32>() {
                Ok(n)
                    if value.bytes().all(|b| b.is_ascii_digit())
                        && (1..=MAX_COUNT).contains(&n) =>
                {
                    Ok(())
                }
                _ => Err(format!("'{value}' is not a count from 1 to {MAX_COUNT}")),
            },
            Rule::OneOf(words) if words.contains(&value) => Ok(()),
            Rule::OneOf(words) => Err(format!("'{value}' is not one of {}", words.join(", "))),
            Rule::UnitCode if UNIT_CODE_RE.matches(value) => Ok(()),
            Rule::UnitCode => Err(format!(
                "unit code '{value}' is not 1 to 32 letters, digits, '-', '_' or '.'"
            )),
            Rule::FieldCode if FIELD_CODE_RE.matches(value) => Ok(()),
            Rule::FieldCode => Err(format!(
                "code '{value}' is not 1 to 40 letters, digits, '-', '_' or '.'"
            )),
            Rule::Text { min, max } => {
                let n = value.chars().count();
                if (min..=max).contains(&n) {
                    Ok(())
                } else {
                    Err(format!("'{value}' is not {min} to {max} characters long"))
                }
            }
        }
    }

    /// A value this rule takes, for the document's examples.
    fn example(self) -> serde_json::Value {
        match self {
            Rule::Day => "2023-11-14".into(),
            Rule::Flag => true.into(),
            Rule::Count => 10.into(),
            Rule::OneOf(words) => words[0].into(),
            Rule::UnitCode => "83".into(),
            Rule::FieldCode => "TCT1".into(),
            Rule::Text { .. } => "60 ngày đêm".into(),
        }
    }

    /// The JSON Schema of the values this rule takes.
    pub fn schema(self) -> Schema {
        let string = || ObjectBuilder::new().schema_type(Type::String);
        match self {
            Rule::Day => date(),
            Rule::Flag => ObjectBuilder::new().schema_type(Type::Boolean).into(),
            Rule::Count => ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(MAX_COUNT))
                .into(),
            Rule::OneOf(words) => string().enum_values(Some(words.iter().copied())).into(),
            Rule::UnitCode => string().pattern(Some(UNIT_CODE)).into(),
            Rule::FieldCode => string().pattern(Some(FIELD_CODE)).into(),
            Rule::Text { min, max } => string()
                .min_length((min > 0).then_some(min))
                .max_length(Some(max))
                .into(),
        }
    }
}

/// Whether `value` is one [`DATE`] takes.
fn is_day_in_range(value: &str) -> bool {
    let b = value.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    shaped
        && value
            .parse::<Day>()
            .is_ok_and(|_| (FIRST_DAY..=LAST_DAY).contains(&value))
}

/// The schema of a day: `format: date` and the exact pattern.
pub fn date() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(DATE))
        .into()
}

/// One parameter of a route.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub rule: Rule,
    pub required: bool,
    pub description: &'static str,
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug)]
pub enum Slot {
    Path(Param),
    Query(Param),
    /// At most one of these query parameters: in the document, one object
    /// parameter (`name`) exploded into its properties, at most one of them.
    AtMostOne {
        name: &'static str,
        description: &'static str,
        params: &'static [Param],
    },
}

/// The query parameters among `slots`.
fn query_params(slots: &'static [Slot]) -> impl Iterator<Item = &'static Param> {
    slots.iter().flat_map(|s| match s {
        Slot::Path(_) => &[][..],
        Slot::Query(p) => std::slice::from_ref(p),
        Slot::AtMostOne { params, .. } => params,
    })
}

/// The document's parameters for `slots`.
pub fn parameters(slots: &'static [Slot]) -> Vec<Parameter> {
    let param = |p: &Param, place: ParameterIn| {
        ParameterBuilder::new()
            .name(p.name)
            .parameter_in(place)
            .required(if p.required {
                Required::True
            } else {
                Required::False
            })
            .description(Some(p.description))
            .schema(Some(p.rule.schema()))
            .example(Some(p.rule.example()))
            .build()
    };
    slots
        .iter()
        .map(|s| match s {
            Slot::Path(p) => param(p, ParameterIn::Path),
            Slot::Query(p) => param(p, ParameterIn::Query),
            Slot::AtMostOne {
                name,
                description,
                params,
            } => {
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .additional_properties(Some(AdditionalProperties::FreeForm(false)))
                    .max_properties(Some(1));
                for p in params.iter() {
                    object = object.property(p.name, RefOr::T(p.rule.schema()));
                }
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(*description))
                    .style(Some(ParameterStyle::Form))
                    .explode(Some(true))
                    .schema(Some(object.build()))
                    .build()
            }
        })
        .collect()
}

/// Declares a route's parameters: a type the OpenAPI document takes
/// (`params(ProgressParams)`) and the slots the handler checks against.
macro_rules! route_params {
    ($($(#[$doc:meta])* $name:ident = [$($slot:expr),* $(,)?];)*) => {$(
        $(#[$doc])*
        pub(crate) struct $name;
        impl $name {
            pub(crate) const SLOTS: &'static [$crate::contract::Slot] = &[$($slot),*];
        }
        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                $crate::contract::parameters(Self::SLOTS)
            }
        }
    )*};
}
pub(crate) use route_params;

/// A request's query, checked against its route's parameters: only known
/// ones, each valid and given once, the required ones there; kept in name
/// order.
#[derive(Debug)]
pub struct Query(Vec<(&'static str, String)>);

impl Query {
    pub fn parse(raw: Option<&str>, slots: &'static [Slot]) -> Result<Query, ApiError> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let Some(p) = query_params(slots).find(|p| p.name == name) else {
                let known: Vec<&str> = query_params(slots).map(|p| p.name).collect();
                let takes = match known.as_slice() {
                    [] => "no parameters".to_string(),
                    known => format!("only {}", known.join(", ")),
                };
                return Err(ApiError::invalid(
                    Cow::Owned(name.to_string()),
                    format!("unknown parameter '{name}': this route takes {takes}"),
                ));
            };
            if pairs.iter().any(|(n, _)| *n == p.name) {
                return Err(ApiError::invalid(
                    p.name,
                    format!("'{}' is given twice", p.name),
                ));
            }
            p.rule
                .check(&value)
                .map_err(|e| ApiError::invalid(p.name, e))?;
            pairs.push((p.name, value.into_owned()));
        }
        for s in slots {
            match s {
                Slot::Query(p) if p.required && !pairs.iter().any(|(n, _)| *n == p.name) => {
                    return Err(ApiError::invalid(
                        p.name,
                        format!("'{}' is required", p.name),
                    ));
                }
                Slot::AtMostOne { params, .. } => {
                    let given: Vec<&str> = params
                        .iter()
                        .filter(|p| pairs.iter().any(|(n, _)| *n == p.name))
                        .map(|p| p.name)
                        .collect();
                    if let [_, second, ..] = given.as_slice() {
                        return Err(ApiError::invalid(
                            *second,
                            format!("give at most one of {}", given.join(", ")),
                        ));
                    }
                }
                _ => {}
            }
        }
        pairs.sort_unstable_by_key(|(n, _)| *n);
        Ok(Query(pairs))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A checked value parsed into its type.
    pub fn parsed<T: std::str::FromStr<Err = String>>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|v| v.parse().map_err(|e| ApiError::invalid(name, e)))
            .transpose()
    }

    pub fn flag(&self, name: &str) -> bool {
        self.get(name) == Some("true")
    }

    /// `name=value&…` in name order: the same for every spelling of the
    /// same request.
    pub fn canonical(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.0.iter().map(|(n, v)| (*n, v.as_str())))
            .finish()
    }
}

/// `day` moved by `n` days, or a 400 naming the parameter it came from
/// when that is off the calendar.
pub fn shifted(day: Day, n: i32, from: &'static str) -> Result<Day, ApiError> {
    day.checked_plus_days(n)
        .ok_or_else(|| ApiError::invalid(from, format!("{n} days from {day} is off the calendar")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The server checks days without it (`is_day_in_range`); the document
    // gives it; these tests hold the two to each other.
    pattern!(DATE_RE, DATE);

    /// Every day from a month before the range to a month after it: the
    /// pattern takes exactly the real days within it.
    #[test]
    fn the_date_pattern_is_exactly_the_days_of_the_range() {
        let (first, last): (Day, Day) = (FIRST_DAY.parse().unwrap(), LAST_DAY.parse().unwrap());
        let mut day = first.plus_days(-31);
        let mut taken = 0;
        while day <= last.plus_days(31) {
            let inside = first <= day && day <= last;
            assert_eq!(DATE_RE.matches(&day.to_string()), inside, "{day}");
            taken += i32::from(inside);
            day = day.plus_days(1);
        }
        assert_eq!(taken, last.days_since(first) + 1);
        for bad in [
            "2023-02-29",
            "2100-02-29",
            "2023-04-31",
            "2023-13-01",
            "2023-1-01",
            " 2023-01-01",
            "2023-01-01 ",
            "",
        ] {
            assert!(!DATE_RE.matches(bad), "{bad}");
            assert!(Rule::Day.check(bad).is_err(), "{bad}");
        }
        let mut day = first.plus_days(-31);
        while day <= last.plus_days(31) {
            let s = day.to_string();
            assert_eq!(Rule::Day.check(&s).is_ok(), DATE_RE.matches(&s), "{s}");
            day = day.plus_days(1);
        }
        assert!(DATE_RE.matches("2000-02-29") && DATE_RE.matches("2096-02-29"));
        assert!(
            Rule::Day
                .check("9999-12-31")
                .unwrap_err()
                .contains("outside")
        );
    }

    proptest! {
        /// Whatever the time pattern takes, the events parser reads, on a
        /// day of 2019 (offsets may take it back a day) to 2101.
        #[test]
        fn every_time_the_pattern_takes_parses(s in prop::string::string_regex(&TIME[1..TIME.len() - 1]).unwrap()) {
            prop_assert!(TIME_RE.matches(&s));
            let at = s.parse::<phuxanh_domain::Instant>();
            prop_assert!(at.is_ok(), "{}", s);
            let year = at.unwrap().day().year();
            prop_assert!((2019..=2101).contains(&year), "{}", s);
        }

        /// The time pattern's days are the real days of 2020–2100.
        #[test]
        fn the_time_pattern_takes_the_days_of_2020_to_2100(n in 0..40_000i32) {
            let day = Day::EPOCH.plus_days(n - 400);
            let inside = Day::EPOCH <= day && day.to_string().as_str() <= LAST_DAY;
            prop_assert_eq!(TIME_RE.matches(&day.to_string()), inside, "{}", day);
            prop_assert_eq!(TIME_RE.matches(&format!("{day} 09:30")), inside, "{}", day);
        }

        /// The day check is the date pattern, on near-days and anything.
        #[test]
        fn the_day_check_is_the_date_pattern(s in "[0-9+ -]{8,11}|20[0-9]{2}-[0-9]{2}-[0-9]{2}|.{0,12}") {
            prop_assert_eq!(Rule::Day.check(&s).is_ok(), DATE_RE.matches(&s), "{:?}", s);
        }

        /// Whatever the citizen pattern takes is an ID; whatever else of
        /// 12 digits it refuses is not one.
        #[test]
        fn the_citizen_pattern_is_exactly_the_ids(s in "[0-9]{12}") {
            prop_assert_eq!(CITIZEN_ID_RE.matches(&s), phuxanh_domain::CitizenId::parse(&s).is_ok());
        }

        /// An id the pattern takes is one the ledger takes, unless it is
        /// reserved.
        #[test]
        fn every_event_id_the_pattern_takes_parses(s in "[ -~]{1,70}") {
            let ours = EVENT_ID_RE.matches(&s) && !s.starts_with(SNAPSHOT_PREFIX);
            if ours {
                let id = phuxanh_domain::EventId::parse(&s);
                prop_assert_eq!(id.map(|id| id.as_str().to_owned()), Ok(s.clone()));
            }
            prop_assert_eq!(EVENT_ID_RE.matches(&s), s.len() <= 64 && s.trim() == s);
        }

        /// Text the not-blank pattern refuses is text trimming empties.
        #[test]
        fn not_blank_is_what_trimming_keeps(s in "\\PC{0,8}|[ \\t\\u{85}\\u{a0}\\u{3000}\\u{2000}-\\u{200b}x]{0,4}") {
            prop_assert_eq!(NOT_BLANK_RE.matches(&s), !s.trim().is_empty(), "{:?}", s);
        }
    }

    #[test]
    fn queries_take_only_their_parameters() {
        const SLOTS: &[Slot] = &[
            Slot::Query(Param {
                name: "as_of",
                rule: Rule::Day,
                required: false,
                description: "",
            }),
            Slot::AtMostOne {
                name: "show",
                description: "",
                params: &[
                    Param {
                        name: "top",
                        rule: Rule::Count,
                        required: false,
                        description: "",
                    },
                    Param {
                        name: "bottom",
                        rule: Rule::Count,
                        required: false,
                        description: "",
                    },
                ],
            },
        ];
        let q = Query::parse(Some("top=3&as_of=2023-11-14"), SLOTS).unwrap();
        assert_eq!(q.canonical(), "as_of=2023-11-14&top=3");
        assert_eq!(
            Query::parse(Some("as_of=2023-11-14&top=3"), SLOTS)
                .unwrap()
                .canonical(),
            q.canonical()
        );
        for (raw, field) in [
            ("x=1", "x"),
            ("as_of=2023-11-14&as_of=2023-11-15", "as_of"),
            ("as_of=", "as_of"),
            ("as_of=9999-12-31", "as_of"),
            ("top=1&bottom=2", "bottom"),
            ("top=0", "top"),
            ("top=%2B3", "top"),
            ("top=100001", "top"),
        ] {
            let e = Query::parse(Some(raw), SLOTS).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{raw}");
        }
    }
}
