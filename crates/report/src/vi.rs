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

/// The date in words, as Decree 30/2020/NĐ-CP writes a document's date:
/// days below 10 and months below 3 with a leading zero,
/// `ngày 05 tháng 02 năm 2024`, `ngày 14 tháng 11 năm 2023`.
pub fn date_in_words(d: Day) -> String {
    let d = d.date();
    let day = format!("{:02}", d.day());
    let month = if d.month() < 3 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("ngày {day} tháng {month} năm {}", d.year())
}

/// The words a unit's name starts with that say its kind, longest first.
const KINDS: [&str; 11] = [
    "Thành phố",
    "Tổ dân phố",
    "Thị trấn",
    "Thị xã",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Thôn",
    "Xã",
    "Ấp",
];

/// The name without the word of its kind: `Tỉnh Bến Tre` → `Bến Tre`, the
/// place name of a document's date line.
pub fn short_name(name: &str) -> &str {
    KINDS
        .iter()
        .find_map(|k| name.strip_prefix(k).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or(name)
}

/// The name inside a sentence, its kind in lower case: `Tỉnh Bến Tre` →
/// `tỉnh Bến Tre`.
pub fn in_sentence(name: &str) -> String {
    match KINDS
        .iter()
        .find(|k| name.strip_prefix(**k).is_some_and(|r| r.starts_with(' ')))
    {
        Some(k) => format!("{}{}", k.to_lowercase(), &name[k.len()..]),
        None => name.to_string(),
    }
}

/// A level as Vietnamese tables name it, every kind of unit of the level:
/// `Tỉnh/Thành phố`, `Huyện/Quận/Thị xã`, `Xã/Phường/Thị trấn`, `Thôn/Ấp`.
pub fn level(level: phuxanh_domain::UnitLevel) -> &'static str {
    use phuxanh_domain::UnitLevel::*;
    match level {
        Province => "Tỉnh/Thành phố",
        District => "Huyện/Quận/Thị xã",
        Commune => "Xã/Phường/Thị trấn",
        Village => "Thôn/Ấp",
    }
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
    fn dates_in_words_have_decree_30_leading_zeros() {
        let words = |s: &str| date_in_words(s.parse().unwrap());
        assert_eq!(words("2023-11-14"), "ngày 14 tháng 11 năm 2023");
        assert_eq!(words("2024-02-05"), "ngày 05 tháng 02 năm 2024");
        assert_eq!(words("2024-01-31"), "ngày 31 tháng 01 năm 2024");
        assert_eq!(words("2024-03-09"), "ngày 09 tháng 3 năm 2024");
        assert_eq!(words("2023-10-01"), "ngày 01 tháng 10 năm 2023");
    }

    #[test]
    fn names_without_and_with_their_kind() {
        assert_eq!(short_name("Tỉnh Bến Tre"), "Bến Tre");
        assert_eq!(short_name("Thành phố Hồ Chí Minh"), "Hồ Chí Minh");
        assert_eq!(short_name("Xã Vĩnh Hòa"), "Vĩnh Hòa");
        assert_eq!(short_name("Bến Tre"), "Bến Tre");
        assert_eq!(in_sentence("Tỉnh Bến Tre"), "tỉnh Bến Tre");
        assert_eq!(in_sentence("Thị xã Bình Đại"), "thị xã Bình Đại");
        assert_eq!(in_sentence("Tỉnhxyz"), "Tỉnhxyz");
        assert_eq!(
            level(phuxanh_domain::UnitLevel::District),
            "Huyện/Quận/Thị xã"
        );
    }

    #[test]
    fn decimals_and_dates() {
        assert_eq!(decimal(1234.567), "1.234,57");
        assert_eq!(decimal(0.5), "0,50");
        assert_eq!(date("2023-11-14".parse().unwrap()), "14/11/2023");
    }
}
