//! Who answers for a unit: the officials a commander calls when a commune
//! is behind (the commune police chief, the deputy, the youth-union
//! secretary). A contact is a work contact — name, title, phone, and an
//! email and a note if given — parsed here once, so that a page can put the
//! phone in a `tel:` link without looking at it again.

use std::fmt;

use crate::Padded;
use crate::text::normalize;
use crate::unit::UnitCode;

/// The longest name, title or note, in characters.
pub const MAX_TEXT: usize = 200;

/// A line of text as a contact's name, title or note: trimmed, NFC, not
/// empty, one line, at most [`MAX_TEXT`] characters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OneLine(String);

impl OneLine {
    /// `what` names the field in the error (`name`, `title`).
    pub fn parse(s: &str, what: &str) -> Result<OneLine, String> {
        let s = normalize(s);
        if s.is_empty() {
            return Err(format!("{what} is empty"));
        }
        if s.chars().any(char::is_control) {
            return Err(format!(
                "{what} '{}' is more than one line: put it on one line",
                s.escape_debug()
            ));
        }
        let n = s.chars().count();
        if n > MAX_TEXT {
            return Err(format!(
                "{what} is {n} characters long; at most {MAX_TEXT} are kept: shorten it"
            ));
        }
        Ok(OneLine(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OneLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Vietnamese phone number as written (`0900 000 123`, `+84 90 000 0123`,
/// `028.3829.1234`), with its digits: the national number, beginning with
/// `0`, of 9 to 11 digits. Spaces, dots, dashes and brackets may group the
/// digits; nothing else may stand among them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Phone {
    written: String,
    /// The national number: `0` and 8 to 10 more digits.
    national: String,
}

/// The national number's digits, with its leading `0`.
const DIGITS: std::ops::RangeInclusive<usize> = 9..=11;

impl Phone {
    /// Parses a number as the command line and the API take it: beginning
    /// with `0` or `+84`.
    pub fn parse(s: &str) -> Result<Phone, String> {
        let written = normalize(s);
        if written.is_empty() {
            return Err("phone is empty".into());
        }
        let (international, rest) = match written.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, written.as_str()),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '\u{a0}' | '.' | '-' | '(' | ')' => {}
                _ => {
                    return Err(format!(
                        "phone '{written}' has '{c}': write digits, grouped by spaces, dots or dashes if you like (0900 000 123, +84 900 000 123)"
                    ));
                }
            }
        }
        let national = if international {
            let Some(subscriber) = digits.strip_prefix("84") else {
                return Err(format!(
                    "phone '{written}' is not a Vietnamese number: one written with '+' must begin with +84"
                ));
            };
            if subscriber.starts_with('0') {
                return Err(format!(
                    "phone '{written}': after +84 the number goes on without its leading 0 (+84 900 000 123)"
                ));
            }
            format!("0{subscriber}")
        } else if digits.starts_with('0') {
            digits
        } else {
            return Err(format!(
                "phone '{written}' must begin with 0 or +84 (0900 000 123, +84 900 000 123)"
            ));
        };
        if !DIGITS.contains(&national.len()) {
            return Err(format!(
                "phone '{written}' has {} digits; a Vietnamese number has {} to {} (0 and the subscriber's number)",
                national.len(),
                DIGITS.start(),
                DIGITS.end()
            ));
        }
        Ok(Phone { written, national })
    }

    /// Parses a number from a file, where a spreadsheet that stored the
    /// column as numbers dropped the leading `0`: all digits, one short of
    /// a national number, and not beginning with `0` can only be that
    /// number without its `0`, which is put back.
    pub fn parse_file(s: &str) -> Result<Padded<Phone>, String> {
        let t = s.trim();
        let lost_zero = t.bytes().all(|b| b.is_ascii_digit())
            && !t.starts_with('0')
            && (DIGITS.start() - 1..=DIGITS.end() - 1).contains(&t.len());
        if lost_zero {
            return Phone::parse(&format!("0{t}")).map(Padded::ZerosRestored);
        }
        Phone::parse(s).map(Padded::AsWritten)
    }

    /// As written, for people to read.
    pub fn as_written(&self) -> &str {
        &self.written
    }

    /// The national number's digits: `0900000123`.
    pub fn national(&self) -> &str {
        &self.national
    }

    /// The number for a `tel:` link, in international form: `+84900000123`.
    pub fn tel(&self) -> String {
        format!("+84{}", &self.national[1..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// An email address, checked for its shape only (`name@domain.vn`): one
/// `@`, something on either side, a dot in the domain, no spaces.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, String> {
        let s = s.trim();
        let bad = || format!("email '{s}' is not an address like ten@congan.gov.vn");
        if s.len() > 254
            || !s.is_ascii()
            || s.chars().any(|c| {
                c.is_ascii_whitespace() || c.is_ascii_control() || "<>()[],;:\"\\".contains(c)
            })
        {
            return Err(bad());
        }
        match s.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.') =>
            {
                Ok(Email(s.to_owned()))
            }
            _ => Err(bad()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One person who answers for a unit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Contact {
    pub unit: UnitCode,
    pub name: OneLine,
    pub title: OneLine,
    pub phone: Phone,
    pub email: Option<Email>,
    pub note: Option<OneLine>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn national(s: &str) -> Result<String, String> {
        Phone::parse(s).map(|p| p.national().to_owned())
    }

    #[test]
    fn a_phone_is_read_in_every_grouping_offices_write() {
        // Mobile numbers: 0 and nine digits.
        for s in [
            "0900000123",
            "0900 000 123",
            "0900.000.123",
            "0900-000-123",
            " 090 0000 123 ",
            "+84900000123",
            "+84 900 000 123",
            "+84-90-000-0123",
        ] {
            assert_eq!(national(s).as_deref(), Ok("0900000123"), "{s}");
        }
        // A Hồ Chí Minh City landline: 0, area 28, eight digits.
        assert_eq!(national("(028) 3829 1234").as_deref(), Ok("02838291234"));
        let p = Phone::parse("0900 000 123").unwrap();
        assert_eq!(p.as_written(), "0900 000 123");
        assert_eq!(p.tel(), "+84900000123");
        assert_eq!(
            Phone::parse("028.3829.1234").unwrap().tel(),
            "+842838291234"
        );
    }

    #[test]
    fn a_phone_that_is_not_a_vietnamese_number_says_why() {
        let err = |s: &str| Phone::parse(s).unwrap_err();
        assert!(err("").contains("empty"));
        assert!(
            err("0900 000 12x").contains("has 'x'"),
            "{}",
            err("0900 000 12x")
        );
        assert!(err("0900/000/123").contains("has '/'"));
        // 0 and seven digits: 8 in all, one short.
        assert!(
            err("0900 0001").contains("has 8 digits"),
            "{}",
            err("0900 0001")
        );
        // 0 and eleven digits: 12.
        assert!(err("090000012345").contains("has 12 digits"));
        assert!(err("+1 202 555 0100").contains("+84"));
        assert!(err("+84 0900 000 123").contains("without its leading 0"));
        // Without 0 or +84: a country code written without '+', or digits
        // lost on the way.
        assert!(err("84900000123").contains("must begin with 0 or +84"));
        assert!(err("900000123").contains("must begin with 0 or +84"));
    }

    #[test]
    fn a_file_puts_back_the_zero_a_spreadsheet_dropped() {
        let read = |s: &str| match Phone::parse_file(s)? {
            Padded::AsWritten(p) => Ok(("as written", p.national)),
            Padded::ZerosRestored(p) => Ok(("restored", p.national)),
        };
        let ok = |how: &'static str, n: &str| Ok::<_, String>((how, n.to_owned()));
        // 900000123: nine digits, the mobile number 0900000123 stored as a number.
        assert_eq!(read("900000123"), ok("restored", "0900000123"));
        // Ten digits: the landline 02838291234.
        assert_eq!(read("2838291234"), ok("restored", "02838291234"));
        // Written with its zero: as written.
        assert_eq!(read("0900 000 123"), ok("as written", "0900000123"));
        // Eleven digits without a zero is 84… without its '+': refused.
        assert!(read("84900000123").is_err());
        // Seven digits would be short even with a zero.
        assert!(read("9000001").is_err());
        // Grouped digits were typed, not stored as a number: not repaired.
        assert!(read("900 000 123").is_err());
    }

    #[test]
    fn names_are_one_trimmed_nfc_line_of_at_most_200_characters() {
        let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n A";
        let name = OneLine::parse(&format!("  {decomposed} "), "name").unwrap();
        assert_eq!(name.as_str(), "Nguyễn Văn A");
        assert_eq!(OneLine::parse(" ", "title").unwrap_err(), "title is empty");
        assert!(
            OneLine::parse("Trưởng\nCông an xã", "title")
                .unwrap_err()
                .contains("more than one line")
        );
        // 200 characters of 'ễ' (3 bytes each) are kept, 201 are not.
        assert!(OneLine::parse(&"ễ".repeat(200), "name").is_ok());
        assert_eq!(
            OneLine::parse(&"ễ".repeat(201), "name").unwrap_err(),
            "name is 201 characters long; at most 200 are kept: shorten it"
        );
    }

    #[test]
    fn an_email_has_the_shape_of_an_address() {
        assert_eq!(
            Email::parse(" truong.ca@congan.bentre.gov.vn ")
                .unwrap()
                .as_str(),
            "truong.ca@congan.bentre.gov.vn"
        );
        for bad in [
            "",
            "truong",
            "@congan.vn",
            "a@b",
            "a@@b.vn",
            "a b@c.vn",
            "a@b.vn.",
            "ả@b.vn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
