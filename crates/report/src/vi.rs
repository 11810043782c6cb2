//! Vietnamese number and date formatting: `822.139`, `88,33%`, `14/11/2023`.

use phuxanh_domain::{Day, Percent};

/// `822139` → `822.139`.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `Percent(8833)` → `88,33%`.
pub fn percent(p: Percent) -> String {
    let h = p.hundredths();
    let sign = if h < 0 { "-" } else { "" };
    format!("{sign}{},{:02}%", number(h.abs() / 100), h.abs() % 100)
}

/// A decimal with two places: `1234.5` → `1.234,50`.
pub fn decimal(x: f64) -> String {
    let hundredths = (x * 100.0).round() as i64;
    let sign = if hundredths < 0 { "-" } else { "" };
    format!(
        "{sign}{},{:02}",
        number(hundredths.abs() / 100),
        hundredths.abs() % 100
    )
}

/// `2023-11-14` → `14/11/2023`.
pub fn date(d: Day) -> String {
    let d = d.date();
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// The day of the week as Vietnamese calendars print it: `Thứ Hai` … `Chủ nhật`.
pub fn weekday(d: Day) -> &'static str {
    use jiff::civil::Weekday::*;
    match d.date().weekday() {
        Monday => "Thứ Hai",
        Tuesday => "Thứ Ba",
        Wednesday => "Thứ Tư",
        Thursday => "Thứ Năm",
        Friday => "Thứ Sáu",
        Saturday => "Thứ Bảy",
        Sunday => "Chủ nhật",
    }
}

/// `count/target (pct)`, the form the reports to the People's Committee use:
/// `822.139/930.767 (88,33%)`.
pub fn against_target(count: i64, target: i64) -> String {
    match Percent::of(count, target) {
        Some(p) => format!("{}/{} ({})", number(count), number(target), percent(p)),
        None => number(count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_are_vietnamese() {
        let day = |s: &str| s.parse::<Day>().unwrap();
        assert_eq!(weekday(day("2023-08-20")), "Chủ nhật");
        assert_eq!(weekday(day("2023-08-21")), "Thứ Hai");
        assert_eq!(weekday(day("2023-08-26")), "Thứ Bảy");
    }

    #[test]
    fn numbers_use_dots_for_thousands() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1.000");
        assert_eq!(number(822_139), "822.139");
        assert_eq!(number(10_000_000), "10.000.000");
        assert_eq!(number(-1234), "-1.234");
    }

    #[test]
    fn percentages_use_a_comma() {
        assert_eq!(percent(Percent(8833)), "88,33%");
        assert_eq!(percent(Percent(7130)), "71,30%");
        assert_eq!(percent(Percent(5)), "0,05%");
        assert_eq!(percent(Percent(123_456)), "1.234,56%");
    }

    #[test]
    fn the_ben_tre_line() {
        assert_eq!(against_target(822_139, 930_767), "822.139/930.767 (88,33%)");
        assert_eq!(against_target(663_614, 930_767), "663.614/930.767 (71,30%)");
    }

    #[test]
    fn decimals_and_dates() {
        assert_eq!(decimal(1234.567), "1.234,57");
        assert_eq!(decimal(0.5), "0,50");
        assert_eq!(date("2023-11-14".parse().unwrap()), "14/11/2023");
    }
}
