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
        // Howard Hinnant's `civil_from_days`: stores read a day number for
        // every first day of every citizen, and this is several times
        // cheaper than date arithmetic (equal to it: tested).
        let z = i64::from(n) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Day(Date::new(year as i16, month as i8, day as i8)
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

impl Day {
    /// Parses a day as files write it: `YYYY-MM-DD`, or the Vietnamese
    /// day-first `dd/mm/yyyy` (also `d/m/yyyy`), optionally followed by a
    /// midnight time (`00:00`, `00:00:00`), which spreadsheets add to date
    /// cells. Files are always read day first: `03/04/2023` is 3 April,
    /// never 4 March. The command line and the API take only `YYYY-MM-DD`
    /// (`FromStr`).
    pub fn parse_file(s: &str) -> Result<Day, String> {
        let s = s.trim();
        let (date, time) = split_time(s);
        if let Some(time) = time {
            let midnight = parse_time(time).is_some_and(|t| t == jiff::civil::Time::midnight());
            if !midnight {
                return Err(format!("'{s}' has a time of day: a date is expected"));
            }
        }
        file_date(s, date)
    }
}

/// Splits `date[ time]` (or ISO `dateTtime`) at the first separator.
fn split_time(s: &str) -> (&str, Option<&str>) {
    match s.bytes().position(|b| matches!(b, b' ' | b'T' | b't')) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim_start())),
        None => (s, None),
    }
}

/// A number of 1 to `max` ASCII digits.
fn digits(s: &str, max: usize) -> Option<i16> {
    if s.is_empty() || s.len() > max.min(4) {
        return None;
    }
    s.bytes().try_fold(0i16, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + i16::from(b - b'0'))
    })
}

/// The date part of a file's date or time: `YYYY-MM-DD` or `dd/mm/yyyy`.
/// `whole` is the value as written, for messages.
fn file_date(whole: &str, date: &str) -> Result<Day, String> {
    // The common case first, `YYYY-MM-DD`, at the cost of a few compares.
    let b = date.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let ymd = (
            digits(&date[..4], 4),
            digits(&date[5..7], 2),
            digits(&date[8..], 2),
        );
        if let (Some(y), Some(m), Some(d)) = ymd
            && let Ok(date) = Date::new(y, m as i8, d as i8)
        {
            return Ok(Day(date));
        }
    }
    let not_a_date = || {
        let number = !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        format!(
            "'{whole}' is not a date: write dd/mm/yyyy (day first) or YYYY-MM-DD{}",
            if number {
                " (a bare number may be a spreadsheet's date serial: format the column as a date)"
            } else {
                ""
            }
        )
    };
    let day_first = date.contains('/');
    let (y, m, d) = if day_first {
        let mut parts = date.split('/');
        let (Some(d), Some(m), Some(y), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(not_a_date());
        };
        if y.len() == 2 && [y, m, d].iter().all(|p| digits(p, 2).is_some()) {
            return Err(format!(
                "'{whole}' has a two-digit year: write the year with four digits"
            ));
        }
        (y, m, d)
    } else {
        let mut parts = date.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(not_a_date());
        };
        (y, m, d)
    };
    let (Some(y), Some(m), Some(d)) = (
        digits(y, 4).filter(|_| y.len() == 4),
        digits(m, 2),
        digits(d, 2),
    ) else {
        return Err(not_a_date());
    };
    if !(1..=12).contains(&m) {
        return Err(format!(
            "'{whole}' is not a valid date: there is no month {m}{}",
            if day_first {
                " (dates in files are day first, dd/mm/yyyy)"
            } else {
                ""
            }
        ));
    }
    Date::new(y, m as i8, d as i8)
        .map(Day)
        .map_err(|_| match Date::new(y, m as i8, 1) {
            Ok(first) => format!(
                "'{whole}' is not a valid date: {m:02}/{y} has {} days",
                first.days_in_month()
            ),
            Err(_) => not_a_date(),
        })
}

/// `H:MM`, `HH:MM` or `HH:MM:SS`, with any fraction of a second dropped.
fn parse_time(s: &str) -> Option<jiff::civil::Time> {
    let mut parts = s.split(':');
    let h = digits(parts.next()?, 2)?;
    let m = parts
        .next()
        .filter(|m| m.len() == 2)
        .and_then(|m| digits(m, 2))?;
    let sec = match parts.next() {
        None => 0,
        Some(sec) => {
            let whole = sec.split_once('.').map_or(sec, |(w, frac)| {
                if frac.bytes().all(|b| b.is_ascii_digit()) {
                    w
                } else {
                    ""
                }
            });
            digits(whole, 2).filter(|_| whole.len() == 2)?
        }
    };
    if parts.next().is_some() {
        return None;
    }
    jiff::civil::Time::new(h as i8, m as i8, sec as i8, 0).ok()
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

    /// The local time of day, `HH:MM`.
    pub fn clock(self) -> String {
        let ts = Timestamp::from_second(self.0).expect("instants are in range");
        ts.to_zoned(vietnam().clone()).strftime("%H:%M").to_string()
    }

    /// Renders as RFC 3339 in local time, e.g. `2023-08-20T19:30:00+07:00`.
    pub fn to_rfc3339(self) -> String {
        let ts = Timestamp::from_second(self.0).expect("instants are in range");
        ts.to_zoned(vietnam().clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }
}

impl Instant {
    /// Parses a time as files write it: what [`FromStr`] takes (RFC 3339, or
    /// local `YYYY-MM-DD HH:MM[:SS]`, or a bare `YYYY-MM-DD`), and the
    /// Vietnamese day-first `dd/mm/yyyy[ HH:MM[:SS]]` (also `d/m/yyyy H:MM`),
    /// in local time. Fractions of a second are dropped.
    pub fn parse_file(s: &str) -> Result<Instant, String> {
        let s = s.trim();
        if has_offset(s) {
            return s.parse();
        }
        let (date, time) = split_time(s);
        let day = file_date(s, date)?;
        let time = match time {
            None => jiff::civil::Time::midnight(),
            Some(t) => parse_time(t).ok_or_else(|| {
                format!(
                    "'{s}' is not a time: write dd/mm/yyyy HH:MM (day first) or YYYY-MM-DD HH:MM"
                )
            })?,
        };
        Instant::from_local(day.date().to_datetime(time))
            .map_err(|_| format!("'{s}' is out of the range of times"))
    }
}

/// Whether `s` ends with a UTC offset (`Z`, `+07:00`), so it is RFC 3339.
fn has_offset(s: &str) -> bool {
    s.ends_with('Z')
        || s.ends_with('z')
        || s.get(19..).is_some_and(|t| t.contains(['+', '-']))
        || s.get(16..).is_some_and(|t| t.starts_with(['+', '-']))
}

impl FromStr for Instant {
    type Err = String;

    /// Parses an RFC 3339 time (`2023-08-20T19:30:00+07:00`), a local
    /// `YYYY-MM-DD HH:MM[:SS]`, or a bare local date `YYYY-MM-DD` (midnight).
    fn from_str(s: &str) -> Result<Instant, String> {
        let s = s.trim();
        if has_offset(s) {
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
    fn day_numbers_convert_both_ways_as_date_arithmetic_does() {
        // 1900 to 2200, every day, and either side of the epoch.
        for n in -25_567..84_000 {
            let d = Day::from_number(n);
            assert_eq!(d.number(), n);
            assert_eq!(
                d.0,
                UNIX_EPOCH_DATE.checked_add(n.days()).unwrap(),
                "day number {n}"
            );
        }
    }

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

    fn file_day(s: &str) -> Result<String, String> {
        Day::parse_file(s).map(|d| d.to_string())
    }

    fn file_time(s: &str) -> Result<String, String> {
        Instant::parse_file(s).map(Instant::to_rfc3339)
    }

    #[test]
    fn file_days_are_iso_or_day_first() {
        assert_eq!(file_day("1985-03-14").unwrap(), "1985-03-14");
        assert_eq!(file_day("14/03/1985").unwrap(), "1985-03-14");
        assert_eq!(file_day(" 4/3/1985 ").unwrap(), "1985-03-04");
        // Day first, always: 03/04 is 3 April.
        assert_eq!(file_day("03/04/2023").unwrap(), "2023-04-03");
        // What a spreadsheet writes for a date cell with its time.
        assert_eq!(file_day("14/03/1985 00:00").unwrap(), "1985-03-14");
        assert_eq!(file_day("1985-03-14 00:00:00").unwrap(), "1985-03-14");
        // The command line and the API stay strict.
        assert!("14/03/1985".parse::<Day>().is_err());
    }

    #[test]
    fn bad_file_days_say_why() {
        assert_eq!(
            file_day("31/02/2023").unwrap_err(),
            "'31/02/2023' is not a valid date: 02/2023 has 28 days"
        );
        assert_eq!(
            file_day("29/02/2024").unwrap(),
            "2024-02-29",
            "2024 is a leap year"
        );
        assert_eq!(
            file_day("03/14/1985").unwrap_err(),
            "'03/14/1985' is not a valid date: there is no month 14 (dates in files are day first, dd/mm/yyyy)"
        );
        assert_eq!(
            file_day("14/03/85").unwrap_err(),
            "'14/03/85' has a two-digit year: write the year with four digits"
        );
        assert_eq!(
            file_day("14/03/1985 08:30").unwrap_err(),
            "'14/03/1985 08:30' has a time of day: a date is expected"
        );
        assert!(file_day("45234").unwrap_err().contains("date serial"));
        for bad in [
            "",
            "1985",
            "14-03-1985",
            "1985/03/14",
            "14/03/1985/1",
            "a/b/cdef",
            "2023-02-30",
        ] {
            assert!(file_day(bad).unwrap_err().contains("date"), "{bad}");
        }
    }

    #[test]
    fn file_times_are_iso_rfc3339_or_day_first() {
        let want = "2023-08-20T19:30:00+07:00";
        for s in [
            "2023-08-20 19:30",
            "2023-08-20T19:30:00",
            "2023-08-20T12:30:00Z",
            "20/08/2023 19:30",
            "20/08/2023 19:30:00",
            "20/8/2023 19:30:00.750",
        ] {
            assert_eq!(file_time(s).unwrap(), want, "{s}");
        }
        assert_eq!(
            file_time("20/08/2023 7:05").unwrap(),
            "2023-08-20T07:05:00+07:00"
        );
        assert_eq!(
            file_time("20/08/2023").unwrap(),
            "2023-08-20T00:00:00+07:00"
        );
        assert_eq!(
            file_time("20/08/2023 23:59:59").unwrap(),
            "2023-08-20T23:59:59+07:00"
        );
        for bad in [
            "20/08/2023 24:00",
            "20/08/2023 19h30",
            "20/08/2023 19:3",
            "19:30",
            "31/04/2023 08:00",
        ] {
            let e = file_time(bad).unwrap_err();
            assert!(e.starts_with(&format!("'{bad}' is not a")), "{bad}: {e}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn any_day() -> impl Strategy<Value = Day> {
            (-300_000i32..2_900_000).prop_map(Day::from_number)
        }

        proptest! {
            #[test]
            fn a_day_written_either_way_reads_back(day in any_day()) {
                let d = day.date();
                prop_assert_eq!(Day::parse_file(&day.to_string()), Ok(day));
                let vn = format!("{:02}/{:02}/{}", d.day(), d.month(), d.year());
                prop_assert_eq!(Day::parse_file(&vn), Ok(day));
                let short = format!("{}/{}/{}", d.day(), d.month(), d.year());
                prop_assert_eq!(Day::parse_file(&short), Ok(day));
            }

            #[test]
            fn a_local_time_written_day_first_reads_back(day in any_day(), secs in 0u32..86_400) {
                let d = day.date();
                let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
                let at = Instant::parse_file(&format!("{:02}/{:02}/{} {h:02}:{m:02}:{s:02}", d.day(), d.month(), d.year())).unwrap();
                prop_assert_eq!(at.day(), day);
                prop_assert_eq!(at.unix_seconds() - Instant::start_of(day).unix_seconds(), i64::from(secs));
                prop_assert_eq!(Instant::parse_file(&at.to_rfc3339()), Ok(at));
            }

            #[test]
            fn garbage_is_refused_with_the_value_quoted(s in "\\PC{0,24}|[0-9/:. -]{0,24}") {
                // No panic; every refusal quotes what it read.
                if let Err(e) = Day::parse_file(&s) {
                    prop_assert!(e.contains(&format!("'{}'", s.trim())), "{}", e);
                }
                if let Err(e) = Instant::parse_file(&s) {
                    prop_assert!(e.contains(&format!("'{}'", s.trim())), "{}", e);
                }
            }
        }
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

    fn day_of(s: &str) -> String {
        s.parse::<Instant>().unwrap().day().to_string()
    }

    fn file_day_of(s: &str) -> String {
        Instant::parse_file(s).unwrap().day().to_string()
    }

    #[test]
    fn the_last_second_of_a_day_is_on_it_and_midnight_on_the_next() {
        // UTC+7: 16:59:59Z is 23:59:59 local, 17:00:00Z the next midnight.
        assert_eq!(day_of("2023-09-01T16:59:59Z"), "2023-09-01");
        assert_eq!(day_of("2023-09-01T17:00:00Z"), "2023-09-02");
        assert_eq!(day_of("2023-09-01 23:59:59"), "2023-09-01");
        assert_eq!(day_of("2023-09-01 23:59"), "2023-09-01");
        assert_eq!(day_of("2023-09-02 00:00"), "2023-09-02");
        assert_eq!(day_of("2023-09-02T00:00:00+07:00"), "2023-09-02");
        // A fraction of a second never carries 23:59:59 over midnight.
        assert_eq!(day_of("2023-09-01T16:59:59.999999999Z"), "2023-09-01");
        assert_eq!(day_of("2023-09-01T23:59:59.999+07:00"), "2023-09-01");
        // The day a time is written with is not its day in Vietnam.
        assert_eq!(day_of("2023-09-02T00:59:59+08:00"), "2023-09-01");
        assert_eq!(day_of("2023-09-02T01:00:00+08:00"), "2023-09-02");
        assert_eq!(day_of("2023-09-01T11:59:59-05:00"), "2023-09-01");
        assert_eq!(day_of("2023-09-01T12:00:00-05:00"), "2023-09-02");
        assert_eq!(day_of("2023-09-01T23:59:59+14:00"), "2023-09-01");
        assert_eq!(day_of("2023-09-02T06:59:59+14:00"), "2023-09-01");
        assert_eq!(day_of("2023-09-02T02:59:59-12:00"), "2023-09-02");
        // Lower-case separators are RFC 3339 too.
        assert_eq!(day_of("2023-09-01t17:00:00z"), "2023-09-02");
        // The same instants as files write them, day first.
        assert_eq!(file_day_of("01/09/2023 23:59:59"), "2023-09-01");
        assert_eq!(file_day_of("02/09/2023 00:00:00"), "2023-09-02");
        assert_eq!(file_day_of("2/9/2023 0:00"), "2023-09-02");
        assert_eq!(file_day_of("2023-09-01T16:59:59Z"), "2023-09-01");
        assert_eq!(file_day_of("2023-09-01 23:59:59"), "2023-09-01");
    }

    #[test]
    fn a_day_starts_at_local_midnight_seven_hours_before_utc() {
        let epoch = Instant::start_of(Day::EPOCH);
        // 2020-01-01T00:00:00Z is 1,577,836,800; 7 hours earlier.
        assert_eq!(epoch.unix_seconds(), 1_577_836_800 - 7 * 3600);
        assert_eq!(epoch.to_rfc3339(), "2020-01-01T00:00:00+07:00");
        assert_eq!(epoch.day(), Day::EPOCH);
        let before = Instant::from_unix_seconds(epoch.unix_seconds() - 1);
        assert_eq!(before.to_rfc3339(), "2019-12-31T23:59:59+07:00");
        assert_eq!(before.day().to_string(), "2019-12-31");
        // Every day is 86,400 seconds long: no daylight saving time.
        for d in ["2023-03-26", "2023-10-29", "2024-02-29", "2024-12-31"] {
            let d: Day = d.parse().unwrap();
            let next = Instant::start_of(d.plus_days(1)).unix_seconds();
            assert_eq!(next - Instant::start_of(d).unix_seconds(), 86_400, "{d}");
        }
    }

    #[test]
    fn times_that_do_not_exist_are_refused() {
        // 2023 is not a leap year; 2024 is.
        assert!("2023-02-29 08:00".parse::<Instant>().is_err());
        assert!("2023-02-29T08:00:00+07:00".parse::<Instant>().is_err());
        assert_eq!(day_of("2024-02-29 08:00"), "2024-02-29");
        assert_eq!(
            Instant::parse_file("29/02/2023 08:00").unwrap_err(),
            "'29/02/2023 08:00' is not a valid date: 02/2023 has 28 days"
        );
        assert_eq!(file_day_of("29/02/2024 23:59:59"), "2024-02-29");
        // 24:00 is not midnight of the next day.
        assert!("2023-09-01 24:00".parse::<Instant>().is_err());
        assert!(Instant::parse_file("01/09/2023 24:00").is_err());
    }

    #[test]
    fn a_leap_second_stays_on_its_day() {
        // jiff reads :60 as :59 in RFC 3339, so 23:59:60 local is not
        // midnight of the next day.
        let at: Instant = "2016-12-31T23:59:60Z".parse().unwrap();
        assert_eq!(at.to_rfc3339(), "2017-01-01T06:59:59+07:00");
        assert_eq!(day_of("2023-09-01T16:59:60Z"), "2023-09-01");
    }

    #[test]
    fn calendar_steps_cross_month_year_and_leap_day() {
        let d = |s: &str| s.parse::<Day>().unwrap();
        assert_eq!(d("2023-12-31").plus_days(1), d("2024-01-01"));
        assert_eq!(d("2024-01-01").plus_days(-1), d("2023-12-31"));
        assert_eq!(d("2024-02-28").plus_days(1), d("2024-02-29"));
        assert_eq!(d("2024-03-01").plus_days(-1), d("2024-02-29"));
        assert_eq!(d("2023-03-01").plus_days(-1), d("2023-02-28"));
        assert_eq!(d("2024-03-01").days_since(d("2024-02-28")), 2);
        assert_eq!(d("2023-03-01").days_since(d("2023-02-28")), 1);
        assert_eq!(d("2024-01-03").plus_days(-7), d("2023-12-27"));
        assert_eq!(d("2024-12-31").days_since(d("2024-01-01")), 365);
        assert_eq!(d("2023-12-31").days_since(d("2023-01-01")), 364);
    }

    #[test]
    fn plus_years_takes_29_february_to_28_february_in_a_common_year() {
        let d = |s: &str| s.parse::<Day>().unwrap();
        assert_eq!(d("2008-02-29").plus_years(14), d("2022-02-28"));
        assert_eq!(d("2012-02-29").plus_years(14), d("2026-02-28"));
        assert_eq!(d("2024-02-29").plus_years(1), d("2025-02-28"));
        // Into a leap year, 29 February stays.
        assert_eq!(d("2008-02-29").plus_years(16), d("2024-02-29"));
        assert_eq!(d("2024-02-29").plus_years(4), d("2028-02-29"));
        // 2100 is not a leap year.
        assert_eq!(d("2096-02-29").plus_years(4), d("2100-02-28"));
        // Other days keep their date.
        assert_eq!(d("2010-02-28").plus_years(14), d("2024-02-28"));
        assert_eq!(d("2010-03-01").plus_years(14), d("2024-03-01"));
        assert_eq!(d("2009-12-31").plus_years(14), d("2023-12-31"));
        assert_eq!(d("2022-02-28").plus_years(-14), d("2008-02-28"));
    }
}
