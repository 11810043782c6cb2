//! Vietnamese text as we store it: Unicode NFC, trimmed. `Hòa` typed with a
//! combining grave accent and with the precomposed `ò` must be one name.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Trims and normalises `s` to NFC.
pub fn normalize(s: &str) -> String {
    let s = s.trim();
    // Most input is already NFC; the quick check avoids recomposing it.
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return s.to_owned();
    }
    s.nfc().collect()
}

/// `s` for matching as people type it: lower case, without diacritics
/// (`Vĩnh Hòa` and `vinh hoa` fold alike; `đ` is `d`), spaces squeezed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        match c {
            // Combining diacritical marks.
            '\u{300}'..='\u{36f}' => {}
            'đ' | 'Đ' => out.push('d'),
            c if c.is_whitespace() => {
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_diacritics_and_case() {
        assert_eq!(fold("Xã Vĩnh Hòa"), "xa vinh hoa");
        assert_eq!(fold("  Huyện  Đất Đỏ "), "huyen dat do");
        assert_eq!(fold("Ho\u{300}a"), fold("Hòa"));
        assert_eq!(fold("Thị trấn Ba Tri"), "thi tran ba tri");
    }

    #[test]
    fn decomposed_and_precomposed_are_one_name() {
        let precomposed = "Ho\u{300}a";
        let composed = "H\u{f2}a";
        assert_ne!(precomposed, composed);
        assert_eq!(normalize(precomposed), normalize(composed));
        assert_eq!(normalize("  Thạnh Phú "), "Thạnh Phú");
    }
}
