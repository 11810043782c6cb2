//! Administrative units: their codes and levels.
//!
//! Official units carry GSO codes, all digits and zero-padded (province 2,
//! district 3, commune 5). Villages and other units a province adds itself
//! carry codes of their own, which must not look like a GSO code.

use std::fmt;
use std::str::FromStr;

use crate::Padded;

/// A unit's code: 1 to 32 characters among ASCII letters, digits, `-`, `_`, `.`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<UnitCode, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("unit code is empty".into());
        }
        if s.len() > 32 {
            return Err(format!("unit code '{s}' is longer than 32 characters"));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(format!(
                "unit code '{s}' has '{c}': use letters, digits, '-', '_' or '.'"
            ));
        }
        Ok(UnitCode(s.to_owned()))
    }

    /// Parses a code from a file column known to hold codes of `level`.
    /// A spreadsheet that stored the column as numbers dropped the leading
    /// zeros of GSO codes (`1` for province `01`, `4` for commune `00004`);
    /// when `level` has a GSO width and the value is all digits and
    /// shorter, the zeros are put back. Village codes are read as written.
    pub fn parse_file(s: &str, level: UnitLevel) -> Result<Padded<UnitCode>, String> {
        let s = s.trim();
        match level.gso_digits() {
            Some(width)
                if !s.is_empty() && s.len() < width && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Ok(Padded::ZerosRestored(UnitCode(format!("{s:0>width$}"))))
            }
            _ => UnitCode::parse(s).map(Padded::AsWritten),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GSO level this code's shape is reserved for, if it has that shape
    /// (all digits, 2, 3 or 5 long).
    pub fn gso_level(&self) -> Option<UnitLevel> {
        if !self.0.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match self.0.len() {
            2 => Some(UnitLevel::Province),
            3 => Some(UnitLevel::District),
            5 => Some(UnitLevel::Commune),
            _ => None,
        }
    }
}

impl FromStr for UnitCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        UnitCode::parse(s)
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for UnitCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The level of a unit in the administrative tree.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum UnitLevel {
    Province,
    District,
    Commune,
    Village,
}

impl UnitLevel {
    pub const ALL: [UnitLevel; 4] = [
        UnitLevel::Province,
        UnitLevel::District,
        UnitLevel::Commune,
        UnitLevel::Village,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Province => "province",
            UnitLevel::District => "district",
            UnitLevel::Commune => "commune",
            UnitLevel::Village => "village",
        }
    }

    /// How many digits a GSO code of this level has; villages have codes
    /// of their own.
    pub fn gso_digits(self) -> Option<usize> {
        match self {
            UnitLevel::Province => Some(2),
            UnitLevel::District => Some(3),
            UnitLevel::Commune => Some(5),
            UnitLevel::Village => None,
        }
    }

    /// The Vietnamese word, for reports.
    pub fn vietnamese(self) -> &'static str {
        match self {
            UnitLevel::Province => "tỉnh",
            UnitLevel::District => "huyện",
            UnitLevel::Commune => "xã",
            UnitLevel::Village => "thôn",
        }
    }

    /// Whether a unit of this level may sit directly under one of `parent`.
    /// The 2025 structure has no districts, so communes may sit under
    /// provinces; villages sit under communes.
    pub fn may_sit_under(self, parent: Option<UnitLevel>) -> bool {
        matches!(
            (self, parent),
            (UnitLevel::Province, None)
                | (UnitLevel::District, Some(UnitLevel::Province))
                | (
                    UnitLevel::Commune,
                    Some(UnitLevel::Province | UnitLevel::District)
                )
                | (UnitLevel::Village, Some(UnitLevel::Commune))
        )
    }
}

impl FromStr for UnitLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "province" => Ok(UnitLevel::Province),
            "district" => Ok(UnitLevel::District),
            "commune" => Ok(UnitLevel::Commune),
            "village" => Ok(UnitLevel::Village),
            other => Err(format!(
                "level '{other}' is not one of province, district, commune, village"
            )),
        }
    }
}

impl fmt::Display for UnitLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for UnitLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse() {
        assert_eq!(UnitCode::parse(" 83 ").unwrap().as_str(), "83");
        assert_eq!(
            UnitCode::parse("83").unwrap().gso_level(),
            Some(UnitLevel::Province)
        );
        assert_eq!(
            UnitCode::parse("28756").unwrap().gso_level(),
            Some(UnitLevel::Commune)
        );
        assert_eq!(UnitCode::parse("28756-T01").unwrap().gso_level(), None);
        assert!(UnitCode::parse("").is_err());
        assert!(UnitCode::parse("a b").unwrap_err().contains("' '"));
        assert!(UnitCode::parse(&"9".repeat(33)).is_err());
    }

    #[test]
    fn codes_that_lost_their_leading_zeros_are_restored() {
        use UnitLevel::*;
        let read = |s, level| {
            UnitCode::parse_file(s, level).map(|p| match p {
                Padded::AsWritten(c) => Padded::AsWritten(c.0),
                Padded::ZerosRestored(c) => Padded::ZerosRestored(c.0),
            })
        };
        assert_eq!(read("1", Province), Ok(Padded::ZerosRestored("01".into())));
        assert_eq!(read("1", District), Ok(Padded::ZerosRestored("001".into())));
        assert_eq!(
            read(" 4 ", Commune),
            Ok(Padded::ZerosRestored("00004".into()))
        );
        assert_eq!(
            read("28756", Commune),
            Ok(Padded::AsWritten("28756".into()))
        );
        // Not all digits, or already long enough: as written.
        assert_eq!(read("1a", Commune), Ok(Padded::AsWritten("1a".into())));
        assert_eq!(
            read("123456", Commune),
            Ok(Padded::AsWritten("123456".into()))
        );
        assert_eq!(read("12", Village), Ok(Padded::AsWritten("12".into())));
        assert!(read("", Commune).is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn a_gso_code_without_its_zeros_is_restored(
                level in proptest::sample::select(&[UnitLevel::Province, UnitLevel::District, UnitLevel::Commune][..]),
                n in 1u32..100_000,
            ) {
                let width = level.gso_digits().unwrap();
                prop_assume!(n < 10u32.pow(width as u32));
                let code = format!("{n:0width$}");
                let read = UnitCode::parse_file(&n.to_string(), level).unwrap();
                let restored = matches!(read, Padded::ZerosRestored(_));
                let read = read.into_inner();
                prop_assert_eq!(read.as_str(), code.as_str());
                prop_assert_eq!(read.gso_level(), Some(level));
                prop_assert_eq!(restored, code != n.to_string());
            }

            #[test]
            fn garbage_codes_are_refused_with_a_reason(s in "\\PC{0,40}") {
                for level in UnitLevel::ALL {
                    if let Err(e) = UnitCode::parse_file(&s, level) {
                        prop_assert!(e.starts_with("unit code"), "{}", e);
                    }
                }
            }
        }
    }

    #[test]
    fn tree_shape() {
        use UnitLevel::*;
        assert!(Province.may_sit_under(None));
        assert!(Commune.may_sit_under(Some(Province)));
        assert!(Village.may_sit_under(Some(Commune)));
        assert!(!Village.may_sit_under(Some(District)));
        assert!(!District.may_sit_under(None));
    }
}
