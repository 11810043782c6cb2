//! The report settings, set once per database (`phuxanh settings set …`, or
//! the dashboard's `/settings` page): the parts of an administrative
//! document (Decree 30/2020/NĐ-CP, Phụ lục I) that the figures cannot give —
//! who issues the period report, its symbol, where it is dated, who signs
//! it and to whom it goes. A setting that is not set stays a blank to fill
//! by hand on the printed report; nothing is invented.

use std::fmt;

use crate::text::normalize;

/// The longest value of one line, in characters.
pub const MAX_LEN: usize = 200;
/// The most recipient lines.
pub const MAX_LINES: usize = 20;

/// A setting's name, as `settings set` takes it (`report.agency`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingKey {
    /// The superior agency ("cơ quan chủ quản"): `BỘ CÔNG AN`.
    SuperiorAgency,
    /// The issuing agency ("cơ quan ban hành"): `CÔNG AN TỈNH BẾN TRE`.
    Agency,
    /// The document symbol ("ký hiệu"): `BC-CAT` gives `Số:   /BC-CAT`.
    Symbol,
    /// The place name of the date line ("địa danh"): `Bến Tre`.
    Place,
    /// The signer's authority ("quyền hạn"): `KT. GIÁM ĐỐC`.
    SignerAuthority,
    /// The signer's title ("chức vụ"): `PHÓ GIÁM ĐỐC`.
    SignerTitle,
    /// The signer's full name.
    SignerName,
    /// The recipients ("nơi nhận"), one a line; `Lưu: VT.` is added.
    Recipients,
}

impl SettingKey {
    pub const ALL: [SettingKey; 8] = [
        SettingKey::SuperiorAgency,
        SettingKey::Agency,
        SettingKey::Symbol,
        SettingKey::Place,
        SettingKey::SignerAuthority,
        SettingKey::SignerTitle,
        SettingKey::SignerName,
        SettingKey::Recipients,
    ];

    /// The name without its `report.` prefix: the JSON field.
    pub fn field(self) -> &'static str {
        match self {
            SettingKey::SuperiorAgency => "superior_agency",
            SettingKey::Agency => "agency",
            SettingKey::Symbol => "symbol",
            SettingKey::Place => "place",
            SettingKey::SignerAuthority => "signer_authority",
            SettingKey::SignerTitle => "signer_title",
            SettingKey::SignerName => "signer_name",
            SettingKey::Recipients => "recipients",
        }
    }

    /// The full name: `report.agency`.
    pub fn name(self) -> String {
        format!("report.{}", self.field())
    }

    /// The field's label on the settings page.
    pub fn vietnamese(self) -> &'static str {
        match self {
            SettingKey::SuperiorAgency => "Cơ quan chủ quản",
            SettingKey::Agency => "Cơ quan ban hành",
            SettingKey::Symbol => "Ký hiệu văn bản",
            SettingKey::Place => "Địa danh ghi ngày tháng",
            SettingKey::SignerAuthority => "Quyền hạn người ký",
            SettingKey::SignerTitle => "Chức vụ người ký",
            SettingKey::SignerName => "Họ tên người ký",
            SettingKey::Recipients => "Nơi nhận",
        }
    }

    /// The field's label in English.
    pub fn english(self) -> &'static str {
        match self {
            SettingKey::SuperiorAgency => "Superior agency",
            SettingKey::Agency => "Issuing agency",
            SettingKey::Symbol => "Document symbol",
            SettingKey::Place => "Place of the date line",
            SettingKey::SignerAuthority => "Signer's authority",
            SettingKey::SignerTitle => "Signer's title",
            SettingKey::SignerName => "Signer's name",
            SettingKey::Recipients => "Recipients",
        }
    }

    /// An example value, for help texts and the form's placeholders.
    pub fn example(self) -> &'static str {
        match self {
            SettingKey::SuperiorAgency => "BỘ CÔNG AN",
            SettingKey::Agency => "CÔNG AN TỈNH BẾN TRE",
            SettingKey::Symbol => "BC-CAT",
            SettingKey::Place => "Bến Tre",
            SettingKey::SignerAuthority => "KT. GIÁM ĐỐC",
            SettingKey::SignerTitle => "PHÓ GIÁM ĐỐC",
            SettingKey::SignerName => "Nguyễn Văn A",
            SettingKey::Recipients => "Bộ Công an (C06)\nUBND tỉnh Bến Tre",
        }
    }

    /// Whether the value may have several lines.
    pub fn multiline(self) -> bool {
        self == SettingKey::Recipients
    }

    /// Every key's full name, for error messages.
    pub fn known() -> String {
        SettingKey::ALL
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Checks and normalises a value: NFC, trimmed, at most [`MAX_LEN`]
    /// characters a line, no control characters; the recipients one a
    /// line (blank lines dropped, at most [`MAX_LINES`]), the others one
    /// line; the symbol of ASCII letters, `Đ`, digits, `-` and `.` (no
    /// spaces, no `/`: the `Số:` line adds it).
    pub fn check(self, value: &str) -> Result<String, String> {
        let name = self.name();
        let lines: Vec<String> = value
            .split('\n')
            .map(|l| normalize(l.strip_suffix('\r').unwrap_or(l)))
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            return Err(format!(
                "{name}: the value is empty; to clear it use `settings unset {name}`"
            ));
        }
        if lines.len() > 1 && !self.multiline() {
            return Err(format!("{name}: the value must be one line"));
        }
        if lines.len() > MAX_LINES {
            return Err(format!(
                "{name}: {} lines, at most {MAX_LINES} are allowed",
                lines.len()
            ));
        }
        for line in &lines {
            let n = line.chars().count();
            if n > MAX_LEN {
                return Err(format!(
                    "{name}: a line of {n} characters, at most {MAX_LEN} are allowed"
                ));
            }
            if let Some(c) = line.chars().find(|c| c.is_control()) {
                return Err(format!(
                    "{name}: the control character U+{:04X} is not allowed",
                    c as u32
                ));
            }
        }
        if self == SettingKey::Symbol && !lines[0].chars().all(is_symbol_char) {
            return Err(format!(
                "{name}: '{}' must be letters A–Z, Đ, digits, '-' or '.' (e.g. BC-CAT; the report writes Số:   /BC-CAT)",
                lines[0]
            ));
        }
        Ok(lines.join("\n"))
    }
}

/// What a document symbol is made of: `BC-CAT`, `BC-UBND`, `BC-PC06`.
pub fn is_symbol_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, 'Đ' | 'đ' | '-' | '.')
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl std::str::FromStr for SettingKey {
    type Err = String;
    fn from_str(s: &str) -> Result<SettingKey, String> {
        SettingKey::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a setting; the settings are {}",
                    SettingKey::known()
                )
            })
    }
}

/// Every report setting, unset ones `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReportSettings {
    pub superior_agency: Option<String>,
    pub agency: Option<String>,
    pub symbol: Option<String>,
    pub place: Option<String>,
    pub signer_authority: Option<String>,
    pub signer_title: Option<String>,
    pub signer_name: Option<String>,
    /// One recipient a line, as set; empty when unset.
    pub recipients: Vec<String>,
}

impl ReportSettings {
    /// Settings from stored `(key, value)` pairs, keys by their full name
    /// (`report.agency`).
    /// Keys this version does not know (set by a newer one) are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ReportSettings {
        let mut out = ReportSettings::default();
        for (key, value) in pairs {
            if let Ok(key) = key.parse::<SettingKey>() {
                out.set(key, Some(value.to_string()));
            }
        }
        out
    }

    /// One setting's value, the recipients joined by newlines.
    pub fn get(&self, key: SettingKey) -> Option<String> {
        match key {
            SettingKey::Recipients => {
                (!self.recipients.is_empty()).then(|| self.recipients.join("\n"))
            }
            _ => self.slot(key).clone(),
        }
    }

    /// Sets (or with `None` clears) one setting, as given.
    pub fn set(&mut self, key: SettingKey, value: Option<String>) {
        match key {
            SettingKey::Recipients => {
                self.recipients = value
                    .map(|v| v.lines().map(str::to_string).collect())
                    .unwrap_or_default();
            }
            _ => *self.slot_mut(key) = value,
        }
    }

    /// Every key with its value, in [`SettingKey::ALL`]'s order.
    pub fn pairs(&self) -> Vec<(SettingKey, Option<String>)> {
        SettingKey::ALL.iter().map(|&k| (k, self.get(k))).collect()
    }

    fn slot(&self, key: SettingKey) -> &Option<String> {
        match key {
            SettingKey::SuperiorAgency => &self.superior_agency,
            SettingKey::Agency => &self.agency,
            SettingKey::Symbol => &self.symbol,
            SettingKey::Place => &self.place,
            SettingKey::SignerAuthority => &self.signer_authority,
            SettingKey::SignerTitle => &self.signer_title,
            SettingKey::SignerName | SettingKey::Recipients => &self.signer_name,
        }
    }

    fn slot_mut(&mut self, key: SettingKey) -> &mut Option<String> {
        match key {
            SettingKey::SuperiorAgency => &mut self.superior_agency,
            SettingKey::Agency => &mut self.agency,
            SettingKey::Symbol => &mut self.symbol,
            SettingKey::Place => &mut self.place,
            SettingKey::SignerAuthority => &mut self.signer_authority,
            SettingKey::SignerTitle => &mut self.signer_title,
            SettingKey::SignerName | SettingKey::Recipients => &mut self.signer_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_by_their_full_name_and_unknown_ones_list_the_known() {
        assert_eq!("report.agency".parse(), Ok(SettingKey::Agency));
        assert_eq!("report.recipients".parse(), Ok(SettingKey::Recipients));
        let e = "report.agencyy".parse::<SettingKey>().unwrap_err();
        assert!(e.contains("'report.agencyy' is not a setting"), "{e}");
        assert!(
            e.contains("report.superior_agency, report.agency, report.symbol"),
            "{e}"
        );
        assert!("agency".parse::<SettingKey>().is_err());
    }

    #[test]
    fn values_are_checked_and_normalised() {
        let k = SettingKey::Agency;
        assert_eq!(
            k.check("  CÔNG AN TỈNH BẾN TRE "),
            Ok("CÔNG AN TỈNH BẾN TRE".into())
        );
        assert!(k.check("  ").unwrap_err().contains("empty"));
        assert!(k.check("A\nB").unwrap_err().contains("one line"));
        assert!(k.check("A\u{7}B").unwrap_err().contains("U+0007"));
        assert!(
            k.check(&"x".repeat(201))
                .unwrap_err()
                .contains("201 characters")
        );
        assert_eq!(k.check(&"x".repeat(200)).map(|v| v.len()), Ok(200));
        // Decomposed diacritics are stored precomposed.
        assert_eq!(
            SettingKey::SignerName.check("Ho\u{300}a"),
            Ok("H\u{f2}a".into())
        );
        assert!(SettingKey::Symbol.check("BC CAT").is_err());
        assert!(SettingKey::Symbol.check("12/BC-CAT").is_err());
        assert_eq!(
            SettingKey::Recipients.check("Bộ Công an (C06)\r\n\n UBND tỉnh "),
            Ok("Bộ Công an (C06)\nUBND tỉnh".into())
        );
        assert!(
            SettingKey::Recipients
                .check(&"a\n".repeat(21))
                .unwrap_err()
                .contains("21 lines")
        );
    }

    #[test]
    fn settings_from_stored_pairs() {
        let s = ReportSettings::from_pairs([
            ("report.agency", "CÔNG AN TỈNH BẾN TRE"),
            ("report.recipients", "A\nB"),
            ("report.from_a_newer_version", "x"),
        ]);
        assert_eq!(s.agency.as_deref(), Some("CÔNG AN TỈNH BẾN TRE"));
        assert_eq!(s.recipients, ["A", "B"]);
        assert_eq!(s.get(SettingKey::Recipients).as_deref(), Some("A\nB"));
        assert_eq!(s.get(SettingKey::SignerName), None);
        assert_eq!(s.pairs().len(), 8);
    }
}
