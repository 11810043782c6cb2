//! Repairs made while reading a file — a value accepted, but not as
//! written — kept for the user, grouped by column and kind of repair so
//! that a million repaired rows make one line: "lines 2, 5, 9 and 1,203
//! more: id lost its leading zeros…".

use std::fmt;

use crate::kinds::FileKind;

/// What was repaired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quirk {
    /// Leading zeros put back on an ID or code a spreadsheet stored as a
    /// number.
    ZerosRestored,
    /// An all-digit code read as written, though it may be a GSO code that
    /// lost its leading zeros.
    MaybeZerosLost,
    /// A number in a spreadsheet's date column, read as a date serial.
    DateSerial,
}

/// How many line numbers a warning lists before "and N more".
const SHOWN: usize = 3;

/// One kind of repair in one column, on every line it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    column: &'static str,
    quirk: Quirk,
    example: String,
    lines: Vec<u64>,
    count: u64,
}

impl Warning {
    /// The first line with this repair.
    pub fn first_line(&self) -> u64 {
        self.lines[0]
    }

    /// On how many lines it was made.
    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn quirk(&self) -> Quirk {
        self.quirk
    }

    pub fn column(&self) -> &'static str {
        self.column
    }

    /// What was done, without the lines.
    pub fn message(&self) -> String {
        let (c, e) = (self.column, &self.example);
        match self.quirk {
            Quirk::ZerosRestored => format!(
                "{c} lost its leading zeros, put back ({e}): format the column as text in the spreadsheet"
            ),
            Quirk::MaybeZerosLost => format!(
                "{c} {e} is read as written: if a spreadsheet dropped its leading zeros (a GSO code has 2, 3 or 5 digits), format the column as text"
            ),
            Quirk::DateSerial => format!(
                "{c} holds a number, read as a spreadsheet date serial ({e}): format the column as a date"
            ),
        }
    }
}

/// `1203` as `1,203`: diagnostics are in English.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

impl fmt::Display for Warning {
    /// `lines 2, 5, 9 and 1,203 more: …`, or just the message for one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count > 1 {
            let shown: Vec<String> = self.lines.iter().map(|l| thousands(*l)).collect();
            let more = self.count - self.lines.len() as u64;
            if more > 0 {
                write!(
                    f,
                    "lines {} and {} more: ",
                    shown.join(", "),
                    thousands(more)
                )?;
            } else {
                let (last, rest) = shown.split_last().expect("two lines or more");
                write!(f, "lines {} and {last}: ", rest.join(", "))?;
            }
        }
        f.write_str(&self.message())
    }
}

/// The warnings of one file, as they are noted.
#[derive(Debug)]
pub(crate) struct Warnings {
    kind: FileKind,
    list: Vec<Warning>,
}

impl Warnings {
    pub(crate) fn new(kind: FileKind) -> Warnings {
        Warnings {
            kind,
            list: Vec::new(),
        }
    }

    /// Notes a repair of the kind's column `col` on `line`; `example` is
    /// called for the first of its group only.
    pub(crate) fn note(
        &mut self,
        line: u64,
        col: usize,
        quirk: Quirk,
        example: impl FnOnce() -> String,
    ) {
        let column = self.kind.columns()[col].0;
        match self
            .list
            .iter_mut()
            .find(|w| w.column == column && w.quirk == quirk)
        {
            Some(w) => {
                w.count += 1;
                if w.lines.len() < SHOWN {
                    w.lines.push(line);
                }
            }
            None => self.list.push(Warning {
                column,
                quirk,
                example: example(),
                lines: vec![line],
                count: 1,
            }),
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Warning> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_warnings_make_one_line() {
        let mut w = Warnings::new(FileKind::Events);
        for line in [2, 5, 9, 11] {
            w.note(line, 1, Quirk::ZerosRestored, || {
                "83190000002 → 083190000002".into()
            });
        }
        for line in 0..1203 {
            w.note(100 + line, 1, Quirk::ZerosRestored, || {
                unreachable!("one example")
            });
        }
        w.note(7, 4, Quirk::DateSerial, || "45234 → 2023-11-04".into());
        w.note(8, 4, Quirk::DateSerial, || unreachable!());
        let list = w.into_vec();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].first_line(), 2);
        assert_eq!(list[0].count(), 1207);
        assert_eq!(
            list[0].to_string(),
            "lines 2, 5, 9 and 1,204 more: citizen_id lost its leading zeros, put back (83190000002 → 083190000002): format the column as text in the spreadsheet"
        );
        assert_eq!(
            list[1].to_string(),
            "lines 7 and 8: at holds a number, read as a spreadsheet date serial (45234 → 2023-11-04): format the column as a date"
        );
    }

    #[test]
    fn one_line_is_just_the_message() {
        let mut w = Warnings::new(FileKind::Citizens);
        w.note(3, 4, Quirk::MaybeZerosLost, || "'1234'".into());
        assert_eq!(
            w.into_vec()[0].to_string(),
            "unit_code '1234' is read as written: if a spreadsheet dropped its leading zeros (a GSO code has 2, 3 or 5 digits), format the column as text"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
