//! Citizens and their 12-digit personal identification numbers (số định danh
//! cá nhân): `PPP G YY NNNNNN` — the province-of-birth code, a digit for sex
//! and century of birth, the last two digits of the birth year, and six more.

use std::fmt;
use std::str::FromStr;

use crate::Padded;
use crate::text::normalize;
use crate::time::Day;
use crate::unit::UnitCode;

/// The 3-digit province-of-birth codes: `0` followed by the GSO code of one
/// of the 63 provinces in force when the numbers were issued.
pub const BIRTH_PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// A citizen's sex as the roster records it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

impl FromStr for Sex {
    type Err = String;
    fn from_str(s: &str) -> Result<Sex, String> {
        match s.trim() {
            "M" | "m" => Ok(Sex::Male),
            "F" | "f" => Ok(Sex::Female),
            other => Err(format!("sex '{other}' is not M or F")),
        }
    }
}

/// A well-formed personal identification number. Whether it agrees with a
/// birth date and sex is checked when a [`Citizen`] is built.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CitizenId(u64);

impl CitizenId {
    pub fn parse(s: &str) -> Result<CitizenId, String> {
        let s = s.trim();
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "ID '{s}' is not a 12-digit personal identification number"
            ));
        }
        let province: u16 = s[..3].parse().expect("digits");
        if BIRTH_PROVINCE_CODES.binary_search(&province).is_err() {
            return Err(format!(
                "ID '{s}' starts with {:03}, which is not a province-of-birth code",
                province
            ));
        }
        let digit = s.as_bytes()[3] - b'0';
        if digit > 5 {
            return Err(format!(
                "ID '{s}' has {digit} as its sex/century digit: it must be 0–5"
            ));
        }
        Ok(CitizenId(s.parse().expect("digits")))
    }

    /// Parses an ID as files write it. A spreadsheet that stored the column
    /// as numbers drops the leading zeros: every ID starts with `0` (the
    /// province-of-birth codes are `001`–`096`), so an 11-digit number has
    /// lost one and a 10-digit number two (`001`–`008`: Hà Nội, Hà Giang,
    /// Cao Bằng, Bắc Kạn, Tuyên Quang). The zeros are put back, which is
    /// unambiguous for a 12-digit field, and the whole ID must then pass
    /// every rule of [`CitizenId::parse`]. Anything else is refused.
    pub fn parse_file(s: &str) -> Result<Padded<CitizenId>, String> {
        let s = s.trim();
        // A number's digits never start with 0: an 11-digit `0…` lost a
        // digit elsewhere, and is refused below.
        let number = !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit());
        if s.len() == 12 || s.is_empty() || !number {
            return CitizenId::parse(s).map(Padded::AsWritten).map_err(|e| {
                let scientific = s.bytes().any(|b| b == b'E' || b == b'e')
                    && s.bytes().all(|b| b.is_ascii_digit() || b".Ee+-".contains(&b));
                if scientific {
                    format!("ID '{s}' was saved in scientific notation and has lost digits: format the column as text and write the IDs in full")
                } else {
                    e
                }
            });
        }
        if s.len() < 10 || s.len() > 12 {
            return Err(format!(
                "ID '{s}' has {} digits: a personal identification number has 12",
                s.len()
            ));
        }
        let lost = 12 - s.len();
        let padded = format!("{:0>12}", s);
        CitizenId::parse(&padded)
            .map(Padded::ZerosRestored)
            .map_err(|e| {
                format!(
                    "ID '{s}' has {} digits; with its lost leading zero{} put back, {e}",
                    s.len(),
                    if lost == 1 { "" } else { "s" }
                )
            })
    }

    /// Rebuilds an ID the stores kept as an integer.
    pub fn from_u64(n: u64) -> Result<CitizenId, String> {
        CitizenId::parse(&format!("{n:012}"))
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }

    fn digit(self, i: u32) -> u64 {
        (self.0 / 10u64.pow(11 - i)) % 10
    }

    pub fn birth_province(self) -> u16 {
        (self.0 / 1_000_000_000) as u16
    }

    /// The sex the sex/century digit encodes.
    pub fn sex(self) -> Sex {
        if self.digit(3).is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The first year of the century the sex/century digit encodes.
    pub fn century_start(self) -> i16 {
        1900 + 100 * (self.digit(3) / 2) as i16
    }

    /// The last two digits of the birth year.
    pub fn year_digits(self) -> i16 {
        (self.digit(4) * 10 + self.digit(5)) as i16
    }

    /// Builds the ID for a birth, from its six serial digits.
    pub fn compose(
        birth_province: u16,
        sex: Sex,
        birth_year: i16,
        serial: u32,
    ) -> Result<CitizenId, String> {
        let century = (birth_year - 1900).div_euclid(100);
        if !(0..=2).contains(&century) {
            return Err(format!("birth year {birth_year} is outside 1900–2199"));
        }
        let digit = century as u64 * 2 + u64::from(sex == Sex::Female);
        let n = u64::from(birth_province) * 1_000_000_000
            + digit * 100_000_000
            + (birth_year % 100) as u64 * 1_000_000
            + u64::from(serial % 1_000_000);
        CitizenId::from_u64(n)
    }
}

impl CitizenId {
    /// The number with its middle six digits hidden, `083******789`: the
    /// province code and the last three digits, enough to match a card in
    /// hand, not enough to use the number.
    pub fn masked(&self) -> String {
        let full = self.to_string();
        format!("{}******{}", &full[..3], &full[9..])
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({:012})", self.0)
    }
}

impl FromStr for CitizenId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        CitizenId::parse(s)
    }
}

impl serde::Serialize for CitizenId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a roster row does not make a citizen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenError {
    #[error("ID {id} encodes sex {}, but sex is {}", .id.sex().as_str(), .sex.as_str())]
    SexDisagrees { id: CitizenId, sex: Sex },
    #[error("ID {id} encodes a birth in {}–{}, but birth_date is {birth}", .id.century_start(), .id.century_start() + 99)]
    CenturyDisagrees { id: CitizenId, birth: Day },
    #[error("ID {id} encodes birth year ..{:02}, but birth_date is {birth}", .id.year_digits())]
    YearDisagrees { id: CitizenId, birth: Day },
    #[error("full_name is empty")]
    EmptyName,
    #[error("birth_date {0} is in the future")]
    BornInFuture(Day),
}

/// A citizen on the roster.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Citizen {
    pub id: CitizenId,
    pub full_name: String,
    pub birth_date: Day,
    pub sex: Sex,
    pub unit: UnitCode,
    pub household_id: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

impl Citizen {
    /// Builds a citizen, checking that the ID agrees with sex and birth date
    /// and that the birth is not after `today`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: CitizenId,
        full_name: &str,
        birth_date: Day,
        sex: Sex,
        unit: UnitCode,
        household_id: Option<&str>,
        address: Option<&str>,
        phone: Option<&str>,
        today: Day,
    ) -> Result<Citizen, CitizenError> {
        let full_name = normalize(full_name);
        if full_name.is_empty() {
            return Err(CitizenError::EmptyName);
        }
        if id.sex() != sex {
            return Err(CitizenError::SexDisagrees { id, sex });
        }
        let year = birth_date.year();
        if year < id.century_start() || year > id.century_start() + 99 {
            return Err(CitizenError::CenturyDisagrees {
                id,
                birth: birth_date,
            });
        }
        if year % 100 != id.year_digits() {
            return Err(CitizenError::YearDisagrees {
                id,
                birth: birth_date,
            });
        }
        if birth_date > today {
            return Err(CitizenError::BornInFuture(birth_date));
        }
        let optional = |s: Option<&str>| s.map(normalize).filter(|s| !s.is_empty());
        Ok(Citizen {
            id,
            full_name,
            birth_date,
            sex,
            unit,
            household_id: optional(household_id),
            address: optional(address),
            phone: optional(phone),
        })
    }

    /// The first day this citizen counts as eligible: the day they reach
    /// `min_age`, or [`Day::EPOCH`] if that was earlier.
    pub fn eligible_from(&self, min_age: u8) -> Day {
        eligible_from(self.birth_date, min_age)
    }
}

/// The first counted day on which someone born on `birth` is eligible.
pub fn eligible_from(birth: Day, min_age: u8) -> Day {
    birth.plus_years(i16::from(min_age)).max(Day::EPOCH)
}

/// The latest birth date of someone eligible at the end of `day` (those
/// born on it or before are, as [`eligible_from`] says, 29 February
/// included); `None` before the counting epoch, when nobody is.
pub fn born_by(day: Day, min_age: u8) -> Option<Day> {
    if day < Day::EPOCH {
        return None;
    }
    let mut d = day.plus_years(-i16::from(min_age));
    while eligible_from(d.plus_days(1), min_age) <= day {
        d = d.plus_days(1);
    }
    while eligible_from(d, min_age) > day {
        d = d.plus_days(-1);
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn born_by_is_the_latest_eligible_birth_date() {
        let d = |s: &str| -> Day { s.parse().unwrap() };
        for day in [
            "2023-09-30",
            "2022-02-28",
            "2024-02-29",
            "2024-03-01",
            "2020-01-01",
        ] {
            let by = born_by(d(day), 14).unwrap();
            assert!(eligible_from(by, 14) <= d(day), "{day}: {by}");
            assert!(eligible_from(by.plus_days(1), 14) > d(day), "{day}: {by}");
        }
        // Born on 29 February 2008: eligible from 28 February 2022.
        assert_eq!(born_by(d("2022-02-28"), 14), Some(d("2008-02-29")));
        assert_eq!(born_by(d("2019-12-31"), 14), None);
    }

    fn day(s: &str) -> Day {
        s.parse().unwrap()
    }

    fn citizen(id: &str, birth: &str, sex: Sex) -> Result<Citizen, CitizenError> {
        Citizen::new(
            CitizenId::parse(id).unwrap(),
            "Nguyễn Văn An",
            day(birth),
            sex,
            UnitCode::parse("28756").unwrap(),
            None,
            None,
            None,
            day("2026-01-01"),
        )
    }

    #[test]
    fn a_masked_id_keeps_the_province_and_the_last_three_digits() {
        let id = CitizenId::parse("083085001789").unwrap();
        assert_eq!(id.masked(), "083******789");
    }

    #[test]
    fn well_formed_ids_parse() {
        // Bến Tre (083), male born 1985.
        let id = CitizenId::parse("083085001234").unwrap();
        assert_eq!(id.birth_province(), 83);
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.century_start(), 1900);
        assert_eq!(id.year_digits(), 85);
        assert_eq!(id.to_string(), "083085001234");
        // Hà Nội (001), female born 2005.
        let id = CitizenId::parse("001305123456").unwrap();
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.century_start(), 2000);
    }

    #[test]
    fn malformed_ids_are_refused_with_reason() {
        assert!(
            CitizenId::parse("08308500123")
                .unwrap_err()
                .contains("12-digit")
        );
        assert!(
            CitizenId::parse("0830850012345")
                .unwrap_err()
                .contains("12-digit")
        );
        assert!(
            CitizenId::parse("08308500123a")
                .unwrap_err()
                .contains("12-digit")
        );
        // 003 is not a province code (Hà Giang is 002, Cao Bằng 004).
        assert!(
            CitizenId::parse("003085001234")
                .unwrap_err()
                .contains("not a province-of-birth code")
        );
        assert!(CitizenId::parse("100085001234").is_err());
        assert!(
            CitizenId::parse("083685001234")
                .unwrap_err()
                .contains("sex/century digit")
        );
    }

    fn file_id(s: &str) -> Result<Padded<String>, String> {
        CitizenId::parse_file(s).map(|p| match p {
            Padded::AsWritten(id) => Padded::AsWritten(id.to_string()),
            Padded::ZerosRestored(id) => Padded::ZerosRestored(id.to_string()),
        })
    }

    #[test]
    fn ids_that_lost_their_leading_zeros_are_restored() {
        let restored = |s: &str| Padded::ZerosRestored(s.to_string());
        assert_eq!(
            file_id("083085001234"),
            Ok(Padded::AsWritten("083085001234".into()))
        );
        assert_eq!(file_id("83085001234"), Ok(restored("083085001234")));
        // Hà Nội (001): a number loses two zeros.
        assert_eq!(file_id("1305123456"), Ok(restored("001305123456")));
        // Restored, it must still be a valid ID: 003 is no province code.
        assert_eq!(
            file_id("3085001234").unwrap_err(),
            "ID '3085001234' has 10 digits; with its lost leading zeros put back, ID '003085001234' starts with 003, which is not a province-of-birth code"
        );
        assert_eq!(
            file_id("83685001234").unwrap_err(),
            "ID '83685001234' has 11 digits; with its lost leading zero put back, ID '083685001234' has 6 as its sex/century digit: it must be 0–5"
        );
        assert!(file_id("123456789").unwrap_err().contains("has 9 digits"));
        assert!(
            file_id("830850012345")
                .unwrap_err()
                .contains("starts with 830")
        );
        assert!(file_id("8308500123456").unwrap_err().contains("13 digits"));
        assert!(
            file_id("8.30850012E+10")
                .unwrap_err()
                .contains("scientific notation")
        );
        assert!(file_id("08308500123a").unwrap_err().contains("12-digit"));
        // Starting with 0, it lost a digit elsewhere: no zero to put back.
        assert_eq!(
            file_id("08308500012").unwrap_err(),
            "ID '08308500012' is not a 12-digit personal identification number"
        );
        assert!(file_id("").unwrap_err().contains("12-digit"));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn a_valid_id_without_its_zeros_is_restored(
                province in proptest::sample::select(&BIRTH_PROVINCE_CODES[..]),
                digit in 0u64..6,
                rest in 0u64..100_000_000,
            ) {
                let id = CitizenId::from_u64(u64::from(province) * 1_000_000_000 + digit * 100_000_000 + rest).unwrap();
                prop_assert_eq!(CitizenId::parse_file(&id.to_string()), Ok(Padded::AsWritten(id)));
                prop_assert_eq!(CitizenId::parse_file(&id.as_u64().to_string()), Ok(Padded::ZerosRestored(id)));
            }

            #[test]
            fn garbage_ids_are_refused_with_a_reason(s in "\\PC{0,16}|[0-9eE.+]{0,14}") {
                match CitizenId::parse_file(&s) {
                    Ok(p) => {
                        let id = p.into_inner();
                        prop_assert!(s.trim().len() >= 10);
                        prop_assert!(id.to_string().ends_with(s.trim()));
                    }
                    Err(e) => prop_assert!(e.starts_with("ID '"), "{}", e),
                }
            }
        }
    }

    #[test]
    fn every_birth_province_code_is_accepted() {
        for code in BIRTH_PROVINCE_CODES {
            let s = format!("{code:03}085001234");
            assert!(CitizenId::parse(&s).is_ok(), "{s}");
        }
        assert!(BIRTH_PROVINCE_CODES.is_sorted());
    }

    #[test]
    fn id_must_agree_with_sex_and_birth() {
        assert!(citizen("083085001234", "1985-03-14", Sex::Male).is_ok());
        assert!(citizen("083185001234", "1985-03-14", Sex::Female).is_ok());
        assert!(citizen("083205001234", "2005-12-31", Sex::Male).is_ok());
        assert!(citizen("083305001234", "2005-01-01", Sex::Female).is_ok());
        assert!(matches!(
            citizen("083085001234", "1985-03-14", Sex::Female),
            Err(CitizenError::SexDisagrees { .. })
        ));
        assert!(matches!(
            citizen("083085001234", "2085-03-14", Sex::Male),
            Err(CitizenError::CenturyDisagrees { .. })
        ));
        assert!(matches!(
            citizen("083085001234", "1986-03-14", Sex::Male),
            Err(CitizenError::YearDisagrees { .. })
        ));
        assert!(matches!(
            citizen("083226001234", "2026-06-01", Sex::Male),
            Err(CitizenError::BornInFuture(_))
        ));
        let msg = citizen("083085001234", "1986-03-14", Sex::Male)
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "ID 083085001234 encodes birth year ..85, but birth_date is 1986-03-14"
        );
    }

    #[test]
    fn compose_builds_valid_ids() {
        let id = CitizenId::compose(83, Sex::Female, 2009, 42).unwrap();
        assert_eq!(id.to_string(), "083309000042");
        assert!(citizen(&id.to_string(), "2009-07-01", Sex::Female).is_ok());
        assert!(CitizenId::compose(83, Sex::Male, 1899, 1).is_err());
        assert!(CitizenId::compose(3, Sex::Male, 1990, 1).is_err());
    }

    #[test]
    fn eligibility_starts_at_min_age_or_epoch() {
        assert_eq!(eligible_from(day("2009-09-01"), 14), day("2023-09-01"));
        assert_eq!(eligible_from(day("1960-09-01"), 14), Day::EPOCH);
        assert_eq!(eligible_from(day("2008-02-29"), 14), day("2022-02-28"));
    }

    #[test]
    fn a_citizen_is_eligible_on_their_14th_birthday_not_the_day_before() {
        let from = eligible_from(day("2009-09-30"), 14);
        assert_eq!(from, day("2023-09-30"));
        assert!(from > day("2023-09-29"));
        // 31 December, the year's last day.
        assert_eq!(eligible_from(day("2009-12-31"), 14), day("2023-12-31"));
        assert_eq!(eligible_from(day("2010-01-01"), 14), day("2024-01-01"));
    }

    #[test]
    fn born_on_29_february_a_citizen_is_eligible_from_28_february() {
        // 29 February + 14 years is always a common year (14 is not a
        // multiple of 4): the day before 1 March, 28 February.
        assert_eq!(eligible_from(day("2008-02-29"), 14), day("2022-02-28"));
        assert_eq!(eligible_from(day("2012-02-29"), 14), day("2026-02-28"));
        // With a minimum age that lands on a leap year, 29 February itself.
        assert_eq!(eligible_from(day("2008-02-29"), 16), day("2024-02-29"));
        // Their neighbours keep their dates.
        assert_eq!(eligible_from(day("2010-02-28"), 14), day("2024-02-28"));
        assert_eq!(eligible_from(day("2010-03-01"), 14), day("2024-03-01"));
        // There was no 29 February 2010.
        assert!("2010-02-29".parse::<Day>().is_err());
    }

    #[test]
    fn who_was_of_age_before_2020_is_eligible_from_the_epoch() {
        // 14 on 31/12/2019, the day before counting starts: from the epoch.
        assert_eq!(eligible_from(day("2005-12-31"), 14), Day::EPOCH);
        // 14 on the epoch itself.
        assert_eq!(eligible_from(day("2006-01-01"), 14), Day::EPOCH);
        assert_eq!(eligible_from(day("2006-01-02"), 14), day("2020-01-02"));
        assert_eq!(eligible_from(day("1900-01-01"), 14), Day::EPOCH);
    }

    #[test]
    fn a_birth_today_is_accepted_and_tomorrow_refused() {
        let on = |birth: &str, today: &str| {
            Citizen::new(
                CitizenId::parse("083326000001").unwrap(),
                "Nguyễn Thị Mai",
                day(birth),
                Sex::Female,
                UnitCode::parse("28756").unwrap(),
                None,
                None,
                None,
                day(today),
            )
        };
        assert!(on("2026-03-01", "2026-03-01").is_ok());
        assert_eq!(
            on("2026-03-02", "2026-03-01").unwrap_err().to_string(),
            "birth_date 2026-03-02 is in the future"
        );
    }
}
