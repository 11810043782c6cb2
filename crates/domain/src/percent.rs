//! Percentages as docs/rules.md counts them: rounded half-up to two decimals, kept as
//! hundredths of a percent so that no float rounding decides a ranking.

use std::fmt;

/// A percentage in hundredths: `Percent(8833)` is 88.33%.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Percent(pub i64);

impl Percent {
    /// `part / whole × 100`, rounded half-up to two decimals; `None` when
    /// `whole` is zero.
    pub fn of(part: i64, whole: i64) -> Option<Percent> {
        if whole == 0 {
            return None;
        }
        // part/whole × 10_000 in hundredths, rounded half away from zero.
        let num = i128::from(part) * 10_000;
        let den = i128::from(whole);
        let q = (2 * num + den.signum() * num.signum() * den.abs()) / (2 * den);
        Some(Percent(q as i64))
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// The value as a JSON number, e.g. `88.33`.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Percent {
    /// Plain form, `88.33`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

impl serde::Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_to_two_decimals() {
        // The Bến Tre figures of 14-11-2023.
        assert_eq!(Percent::of(822_139, 930_767), Some(Percent(8833)));
        assert_eq!(Percent::of(663_614, 930_767), Some(Percent(7130)));
        assert_eq!(Percent::of(1, 8), Some(Percent(1250)));
        // 1/800 = 0.125% → 0.13%
        assert_eq!(Percent::of(1, 800), Some(Percent(13)));
        // 1/1600 = 0.0625% → 0.06%
        assert_eq!(Percent::of(1, 1600), Some(Percent(6)));
        assert_eq!(Percent::of(-1, 800), Some(Percent(-13)));
        assert_eq!(Percent::of(3, 0), None);
        assert_eq!(Percent::of(3, 2), Some(Percent(15000)));
    }

    #[test]
    fn displays_plainly() {
        assert_eq!(Percent(8833).to_string(), "88.33");
        assert_eq!(Percent(5).to_string(), "0.05");
        assert_eq!(Percent(-1250).to_string(), "-12.50");
    }
}
