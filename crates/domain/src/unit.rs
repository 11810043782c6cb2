//! Administrative units: their codes and levels.
//!
//! Official units carry GSO codes, all digits and zero-padded (province 2,
//! district 3, commune 5). Villages and other units a province adds itself
//! carry codes of their own, which must not look like a GSO code.

use std::fmt;
use std::str::FromStr;

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
    fn tree_shape() {
        use UnitLevel::*;
        assert!(Province.may_sit_under(None));
        assert!(Commune.may_sit_under(Some(Province)));
        assert!(Village.may_sit_under(Some(Commune)));
        assert!(!Village.may_sit_under(Some(District)));
        assert!(!District.may_sit_under(None));
    }
}
