//! Days and instants in the campaign's time zone, Asia/Ho_Chi_Minh.
//!
//! A metric "as of day D" counts events at or before the end of D in local
//! time, so every instant is reduced to its local [`Day`]. Days are stored as
//! a day number (days since 1970-01-01), which keeps counters compact and
//! ordered.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The time zone of every local date and time in Phủ Xanh.
pub fn vietnam() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| {
        jiff::tz::db()
            .get("Asia/Ho_Chi_Minh")
            .expect("the bundled time zone database has Asia/Ho_Chi_Minh")
    })
}

/// A calendar day in Vietnam.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(Date);

const UNIX_EPOCH_DATE: Date = Date::constant(1970, 1, 1);

impl Day {
    /// The first day Phủ Xanh counts. Events before it are refused, and
    /// citizens who became eligible earlier are counted as eligible from it.
    /// (VNeID accounts did not exist before 2022; 2020 leaves room.)
    pub const EPOCH: Day = Day(Date::constant(2020, 1, 1));

    pub fn new(date: Date) -> Day {
        Day(date)
    }

    pub fn from_ymd(year: i16, month: i8, day: i8) -> Result<Day, String> {
        Date::new(year, month, day)
            .map(Day)
            .map_err(|e| format!("invalid date {year:04}-{month:02}-{day:02}: {e}"))
    }

    /// Today in Vietnam.
    pub fn today() -> Day {
        Day(Timestamp::now().to_zoned(vietnam().clone()).date())
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// Days since 1970-01-01, the form the stores keep.
    pub fn number(self) -> i32 {
        // A civil date's difference in days is exact; no time zone involved.
        self.0
            .since(UNIX_EPOCH_DATE)
            .expect("dates are in range")
            .get_days()
    }

    pub fn from_number(n: i32) -> Day {
        Day(UNIX_EPOCH_DATE
            .checked_add(n.days())
            .expect("day numbers come from valid days"))
    }

    /// The day `n` days later (earlier when negative). Panics past the
    /// years -9999 and 9999: use [`Day::checked_plus_days`] for a day
    /// computed from input.
    pub fn plus_days(self, n: i32) -> Day {
        self.checked_plus_days(n).expect("day in range")
    }

    /// The day `n` days later (earlier when negative), or `None` when it
    /// cannot be represented (before the year -9999 or after 9999).
    pub fn checked_plus_days(self, n: i32) -> Option<Day> {
        let span = jiff::Span::new().try_days(i64::from(n)).ok()?;
        self.0.checked_add(span).ok().map(Day)
    }

    /// The day `years` years later; 29 February becomes 28 February.
    pub fn plus_years(self, years: i16) -> Day {
        Day(self.0.checked_add(years.years()).expect("day in range"))
    }

    pub fn year(self) -> i16 {
        self.0.year()
    }

    /// Whole days from `earlier` to `self`.
    pub fn days_since(self, earlier: Day) -> i32 {
        self.number() - earlier.number()
    }

    /// Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(
            self.0.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        )
    }
}

impl FromStr for Day {
    type Err = String;

    /// Parses `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Day, String> {
        let s = s.trim();
        if s.len() != 10 {
            return Err(format!("'{s}' is not a date in the form YYYY-MM-DD"));
        }
        s.parse::<Date>()
            .map(Day)
            .map_err(|_| format!("'{s}' is not a valid date in the form YYYY-MM-DD"))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Day({})", self.0)
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A moment in time, to the second, as events carry it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Instant(i64);

impl Instant {
    pub fn from_unix_seconds(secs: i64) -> Instant {
        Instant(secs)
    }

    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    pub fn now() -> Instant {
        Instant(Timestamp::now().as_second())
    }

    /// The local day this instant falls on.
    pub fn day(self) -> Day {
        let ts = Timestamp::from_second(self.0).expect("instants are in range");
        Day(ts.to_zoned(vietnam().clone()).date())
    }

    /// The instant a local date and time in Vietnam names.
    pub fn from_local(dt: DateTime) -> Result<Instant, String> {
        dt.to_zoned(vietnam().clone())
            .map(|z| Instant(z.timestamp().as_second()))
            .map_err(|e| format!("{dt} is not a valid local time: {e}"))
    }

    /// The start (00:00 local) of a day.
    pub fn start_of(day: Day) -> Instant {
        Instant::from_local(day.date().to_datetime(jiff::civil::Time::midnight()))
            .expect("midnight exists in Asia/Ho_Chi_Minh")
    }

    /// Renders as RFC 3339 in local time, e.g. `2023-08-20T19:30:00+07:00`.
    pub fn to_rfc3339(self) -> String {
        let ts = Timestamp::from_second(self.0).expect("instants are in range");
        ts.to_zoned(vietnam().clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }
}

impl FromStr for Instant {
    type Err = String;

    /// Parses an RFC 3339 time (`2023-08-20T19:30:00+07:00`), a local
    /// `YYYY-MM-DD HH:MM[:SS]`, or a bare local date `YYYY-MM-DD` (midnight).
    fn from_str(s: &str) -> Result<Instant, String> {
        let s = s.trim();
        let has_offset = s.ends_with('Z')
            || s.ends_with('z')
            || s.get(19..).is_some_and(|t| t.contains(['+', '-']))
            || s.get(16..).is_some_and(|t| t.starts_with(['+', '-']));
        if has_offset {
            return s
                .parse::<Timestamp>()
                .map(|t| Instant(t.as_second()))
                .map_err(|_| format!("'{s}' is not a valid RFC 3339 time"));
        }
        let not_a_time =
            || format!("'{s}' is not a time: use RFC 3339 or local 'YYYY-MM-DD HH:MM'");
        if s.len() == 10 {
            let day: Day = s.parse().map_err(|_| not_a_time())?;
            return Ok(Instant::start_of(day));
        }
        let dt = s
            .replacen(' ', "T", 1)
            .parse::<DateTime>()
            .map_err(|_| not_a_time())?;
        Instant::from_local(dt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        let d: Day = "2023-08-20".parse().unwrap();
        assert_eq!(Day::from_number(d.number()), d);
        assert_eq!(Day::from_number(0).to_string(), "1970-01-01");
        assert_eq!(d.plus_days(59).to_string(), "2023-10-18");
    }

    #[test]
    fn local_times_are_in_vietnam() {
        let a: Instant = "2023-08-20 23:30".parse().unwrap();
        let b: Instant = "2023-08-20T16:30:00Z".parse().unwrap();
        let c: Instant = "2023-08-20T23:30:00+07:00".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.day().to_string(), "2023-08-20");
        // 23:30 UTC is already the next morning in Vietnam.
        let late: Instant = "2023-08-20T23:30:00Z".parse().unwrap();
        assert_eq!(late.day().to_string(), "2023-08-21");
        assert_eq!(a.to_rfc3339(), "2023-08-20T23:30:00+07:00");
    }

    #[test]
    fn bare_dates_are_local_midnight() {
        let a: Instant = "2023-08-20".parse().unwrap();
        assert_eq!(a.to_rfc3339(), "2023-08-20T00:00:00+07:00");
    }

    #[test]
    fn bad_times_say_what_is_expected() {
        assert!(
            "20/08/2023"
                .parse::<Instant>()
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!("2023-02-30".parse::<Day>().is_err());
        assert!("2023-8-1".parse::<Day>().is_err());
    }

    #[test]
    fn checked_days_stop_at_the_calendars_ends() {
        let last: Day = "9999-12-31".parse().unwrap();
        assert_eq!(last.checked_plus_days(1), None);
        assert_eq!(last.checked_plus_days(i32::MAX), None);
        assert_eq!(
            last.checked_plus_days(-1).unwrap().to_string(),
            "9999-12-30"
        );
        let first: Day = "0000-01-01".parse().unwrap();
        assert_eq!(first.checked_plus_days(i32::MIN), None);
        assert!(
            first.checked_plus_days(-366).is_some(),
            "years before 0 exist"
        );
        let d: Day = "2023-08-20".parse().unwrap();
        assert_eq!(d.checked_plus_days(59), Some(d.plus_days(59)));
    }

    #[test]
    fn weekends() {
        let sunday: Day = "2023-09-10".parse().unwrap();
        assert!(sunday.is_weekend());
        assert!(!sunday.plus_days(1).is_weekend());
    }
}
