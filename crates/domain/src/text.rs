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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_and_precomposed_are_one_name() {
        let precomposed = "Ho\u{300}a";
        let composed = "H\u{f2}a";
        assert_ne!(precomposed, composed);
        assert_eq!(normalize(precomposed), normalize(composed));
        assert_eq!(normalize("  Thạnh Phú "), "Thạnh Phú");
    }
}
