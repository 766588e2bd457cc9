//! How long an SMS is, counted as phones and carriers count it (3GPP TS 23.038,
//! formerly GSM 03.38): in the GSM 7-bit default alphabet, 160 characters in one
//! part and 153 per part of a multi-part message, the characters of the
//! extension table taking two; as soon as one character is outside the
//! alphabet, the whole text is sent in UCS-2: 70 UTF-16 code units in one part,
//! 67 per part. A character (or an emoji's two units) is never split between
//! two parts.

/// The basic character set of the GSM 7-bit default alphabet (one septet each),
/// in the order of the table. `\n` and `\r` are in it; the escape to the
/// extension table (0x1B) is not a character of a text.
const BASIC: [char; 127] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: each is sent as the escape and one septet, so counts two.
const EXTENSION: [char; 10] = ['\u{c}', '^', '{', '}', '\\', '[', '~', ']', '|', '€'];

/// How an SMS text is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// The GSM 7-bit default alphabet: 160 per part alone, 153 in a multi-part message.
    Gsm,
    /// UCS-2 (UTF-16 code units): 70 alone, 67 in a multi-part message.
    Ucs2 {
        /// The first character of the text outside the GSM alphabet.
        first_outside: char,
    },
}

impl Encoding {
    /// What one part holds when the message is a single part.
    pub fn single_part(self) -> usize {
        match self {
            Encoding::Gsm => 160,
            Encoding::Ucs2 { .. } => 70,
        }
    }

    /// What each part holds in a multi-part message (the rest carries the header
    /// that joins the parts).
    pub fn multi_part(self) -> usize {
        match self {
            Encoding::Gsm => 153,
            Encoding::Ucs2 { .. } => 67,
        }
    }

    /// How many units `c` takes: septets in GSM, UTF-16 code units in UCS-2.
    fn units(self, c: char) -> usize {
        match self {
            Encoding::Gsm if EXTENSION.contains(&c) => 2,
            Encoding::Gsm => 1,
            Encoding::Ucs2 { .. } => c.len_utf16(),
        }
    }
}

/// The length of an SMS text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SmsLength {
    /// The encoding the text needs.
    pub encoding: Encoding,
    /// Its length in the units of the encoding (the count a user compares with 160 or 70).
    pub units: usize,
    /// The number of parts it is sent as.
    pub parts: usize,
}

/// Whether `c` is in the GSM 7-bit default alphabet or its extension table.
pub(crate) fn in_alphabet(c: char) -> bool {
    BASIC.contains(&c) || EXTENSION.contains(&c)
}

/// Measures `text`, given as its characters (placeholders left out by the caller).
pub(crate) fn measure(text: impl Iterator<Item = char> + Clone) -> SmsLength {
    let encoding = match text.clone().find(|c| !in_alphabet(*c)) {
        Some(first_outside) => Encoding::Ucs2 { first_outside },
        None => Encoding::Gsm,
    };
    let units: usize = text.clone().map(|c| encoding.units(c)).sum();
    if units <= encoding.single_part() {
        return SmsLength { encoding, units, parts: 1 };
    }
    // Filled part by part: a character that does not fit whole starts the next one.
    let per_part = encoding.multi_part();
    let (mut parts, mut filled) = (1, 0);
    for c in text {
        let n = encoding.units(c);
        if filled + n > per_part {
            parts += 1;
            filled = 0;
        }
        filled += n;
    }
    SmsLength { encoding, units, parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> SmsLength {
        measure(text.chars())
    }

    fn gsm(units: usize, parts: usize) -> SmsLength {
        SmsLength { encoding: Encoding::Gsm, units, parts }
    }

    fn ucs2(first_outside: char, units: usize, parts: usize) -> SmsLength {
        SmsLength { encoding: Encoding::Ucs2 { first_outside }, units, parts }
    }

    #[test]
    fn the_table_has_the_128_positions_but_the_escape() {
        let mut sorted = BASIC.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 127, "no character twice");
        assert!(EXTENSION.iter().all(|c| !BASIC.contains(c)));
    }

    #[test]
    fn the_accented_letters_and_greek_capitals_of_the_table_are_gsm() {
        for c in "éèùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà¡£¥¤@$".chars() {
            assert!(in_alphabet(c), "{c} is in GSM 03.38");
        }
        assert_eq!(of("Ça coûte 5€"), ucs2('û', 11, 1), "û is not in the table");
        assert_eq!(of("Café à 5€ ou 3£"), gsm(16, 1), "€ counts 2");
        // Not in the table: these make the text UCS-2.
        for c in ['ç', 'ê', 'á', 'Ã', '`', '\t', '😀', '’', '«'] {
            assert!(!in_alphabet(c), "{c:?} is not in GSM 03.38");
        }
    }

    #[test]
    fn gsm_texts_are_one_part_up_to_160_then_parts_of_153() {
        assert_eq!(of(""), gsm(0, 1));
        assert_eq!(of(&"a".repeat(160)), gsm(160, 1));
        assert_eq!(of(&"a".repeat(161)), gsm(161, 2));
        assert_eq!(of(&"a".repeat(306)), gsm(306, 2));
        assert_eq!(of(&"a".repeat(307)), gsm(307, 3));
    }

    #[test]
    fn extension_characters_count_two_and_are_not_split_between_parts() {
        assert_eq!(of(&"€".repeat(80)), gsm(160, 1));
        assert_eq!(of(&"{}".repeat(40)), gsm(160, 1));
        // 81 euros: 162 septets; 76 fit in a part of 153 (152), 5 in the next.
        assert_eq!(of(&"€".repeat(81)), gsm(162, 2));
        // 152 + 2 + 152 = 306 septets would be two parts of 153, but the `€` does
        // not fit in the first part's last septet: three parts.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(of(&text), gsm(306, 3));
    }

    #[test]
    fn one_character_outside_the_alphabet_makes_the_text_ucs2() {
        assert_eq!(of("Hi 😀"), ucs2('😀', 5, 1), "an emoji is two UTF-16 units");
        assert_eq!(of(&format!("{}ê", "a".repeat(69))), ucs2('ê', 70, 1));
        assert_eq!(of(&format!("{}ê", "a".repeat(70))), ucs2('ê', 71, 2));
        // In UCS-2, `€` is one unit like any other character.
        assert_eq!(of(&format!("ê{}", "€".repeat(69))), ucs2('ê', 70, 1));
        assert_eq!(of(&format!("ê{}", "a".repeat(133))), ucs2('ê', 134, 2));
        assert_eq!(of(&format!("ê{}", "a".repeat(134))), ucs2('ê', 135, 3));
        // An emoji is not split between parts: 66 + 2 does not fit in 67.
        let text = format!("{}😀{}", "a".repeat(66), "a".repeat(66));
        assert_eq!(of(&text), ucs2('😀', 134, 3));
    }
}
