//! Values of literal tokens: strings (escapes, `"""` indentation, placeholders),
//! numbers, percentages, durations and datetimes. Each function reports the
//! problems it finds with the exact span inside the literal.

use journey_diagnostics::{Code, Diagnostic, FileId, Span};
use smol_str::SmolStr;

use crate::ast::{Ident, Path, Placeholder, StringLit};

/// Reads the string literal `raw` (quotes included) that starts at byte `start` of the file.
pub fn string_literal(file: FileId, raw: &str, start: usize, problems: &mut Vec<Diagnostic>) -> StringLit {
    let span = Span::new(start, start + raw.len());
    let multiline = raw.starts_with("\"\"\"");
    let quote = if multiline { 3 } else { 1 };
    let body_start = quote.min(raw.len());
    let body_end = if raw.len() >= body_start + quote && raw.ends_with(if multiline { "\"\"\"" } else { "\"" }) {
        raw.len() - quote
    } else {
        raw.len()
    };
    let body = &raw[body_start..body_end];
    let body_offset = start + body_start;
    let value = if multiline {
        let (text, offsets) = dedent(body);
        unescape(file, &text, |i| body_offset + offsets[i.min(offsets.len() - 1)], problems)
    } else {
        unescape(file, body, |i| body_offset + i, problems)
    };
    let placeholders = placeholders(file, body, body_offset, problems);
    StringLit { value, placeholders, multiline, span }
}

/// Removes the layout of a `"""` string: the line break after the opening quotes,
/// the last line when it holds only the indentation of the closing quotes, and the
/// indentation common to every non-blank line. Returns the text and, for each byte
/// of it (plus one past the end), the offset of that byte in `body`.
fn dedent(body: &str) -> (String, Vec<usize>) {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for line in body.split('\n') {
        lines.push((offset, line.strip_suffix('\r').unwrap_or(line)));
        offset += line.len() + 1;
    }
    if lines.len() > 1 && lines[0].1.trim().is_empty() {
        lines.remove(0);
    }
    if lines.len() > 1 && lines.last().is_some_and(|l| l.1.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.1.trim().is_empty())
        .map(|l| l.1.len() - l.1.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let mut text = String::with_capacity(body.len());
    let mut offsets = Vec::with_capacity(body.len() + 1);
    for (i, (line_offset, line)) in lines.iter().enumerate() {
        if i > 0 {
            text.push('\n');
            offsets.push(line_offset - 1);
        }
        let cut = indent.min(line.len() - line.trim_start_matches([' ', '\t']).len());
        text.push_str(&line[cut..]);
        offsets.extend((cut..line.len()).map(|j| line_offset + j));
    }
    offsets.push(lines.last().map_or(0, |(o, l)| o + l.len()));
    (text, offsets)
}

/// Resolves the escapes `\" \\ \n \t \u{...}` of `text`; `at(i)` gives the file
/// offset of byte `i` of `text`, to report bad escapes exactly.
fn unescape(file: FileId, text: &str, at: impl Fn(usize) -> usize, problems: &mut Vec<Diagnostic>) -> String {
    if !text.contains('\\') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((j, escaped)) = chars.next() else {
            problems.push(bad_escape(file, Span::new(at(i), at(i) + 1), "a string cannot end with a lone `\\`"));
            break;
        };
        match escaped {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'u' => {
                let rest = &text[j + 1..];
                let close = rest.find('}');
                let hex = rest.strip_prefix('{').zip(close).map(|(_, close)| &rest[1..close]);
                let end = close.map_or(j + 1, |c| j + 2 + c);
                let span = Span::new(at(i), at(end.min(text.len()).saturating_sub(1)) + 1);
                match hex.map(|h| (h, u32::from_str_radix(h, 16))) {
                    Some((h, Ok(value))) if (1..=6).contains(&h.len()) => match char::from_u32(value) {
                        Some(ch) => out.push(ch),
                        None => problems.push(bad_escape(file, span, &format!("`{h}` is not a Unicode character"))),
                    },
                    _ => problems.push(bad_escape(
                        file,
                        span,
                        "write a Unicode escape as `\\u{1F600}`: 1 to 6 hexadecimal digits in braces",
                    )),
                }
                // Skip what the escape covered.
                while chars.peek().is_some_and(|(k, _)| *k < end) {
                    chars.next();
                }
            }
            other => {
                let span = Span::new(at(i), at(j) + other.len_utf8());
                problems.push(bad_escape(file, span, &format!("`\\{other}` is not an escape")));
            }
        }
    }
    out
}

fn bad_escape(file: FileId, span: Span, message: &str) -> Diagnostic {
    Diagnostic::error(Code::InvalidEscape, "invalid escape in string", file, span)
        .with_label(message)
        .with_help("the escapes are \\\" \\\\ \\n \\t and \\u{...}; write a backslash as `\\\\`")
}

/// Finds the `{{path}}` placeholders in the raw body of a string starting at file offset `offset`.
fn placeholders(file: FileId, body: &str, offset: usize, problems: &mut Vec<Diagnostic>) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut search = 0;
    while let Some(open) = body[search..].find("{{").map(|i| i + search) {
        let inner_start = open + 2;
        let Some(close) = body[inner_start..].find("}}").map(|i| i + inner_start) else {
            let line_end = body[open..].find('\n').map_or(body.len(), |i| open + i);
            let line_end = if body[..line_end].ends_with('\r') { line_end - 1 } else { line_end };
            problems.push(
                Diagnostic::error(
                    Code::MalformedPlaceholder,
                    "unclosed placeholder",
                    file,
                    Span::new(offset + open, offset + line_end),
                )
                .with_label("this `{{` has no closing `}}`")
                .with_help("write a placeholder as `{{profile.first_name}}`"),
            );
            break;
        };
        let span = Span::new(offset + open, offset + close + 2);
        match placeholder_path(&body[inner_start..close], offset + inner_start) {
            Some(path) => found.push(Placeholder { path, span }),
            None => problems.push(
                Diagnostic::error(Code::MalformedPlaceholder, "malformed placeholder", file, span)
                    .with_label("not a path such as `profile.first_name`")
                    .with_help(
                        "a placeholder holds one dotted path: `{{profile.first_name}}` or `{{trigger.cart.url}}`",
                    ),
            ),
        }
        search = close + 2;
    }
    found
}

/// Reads `  profile.first_name ` (the inside of a placeholder) at file offset `offset`.
fn placeholder_path(inner: &str, offset: usize) -> Option<Path> {
    let lead = inner.len() - inner.trim_start().len();
    let trimmed = inner.trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut segments = Vec::new();
    let mut position = offset + lead;
    for part in trimmed.split('.') {
        let valid = part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return None;
        }
        segments.push(Ident { text: SmolStr::new(part), span: Span::new(position, position + part.len()) });
        position += part.len() + 1;
    }
    let span = Span::new(offset + lead, offset + lead + trimmed.len());
    Some(Path { segments, span })
}

/// Reads a number token such as `49.99`.
pub fn number(raw: &str) -> f64 {
    raw.parse().unwrap_or(f64::INFINITY)
}

/// Reads a percentage token such as `12.5%` into `12.5`.
pub fn percent(raw: &str) -> f64 {
    number(raw.trim_end_matches('%'))
}

/// How a unit may be misspelt: the words people write for each unit of a duration.
const SPELLED_UNITS: [(&str, &[&str]); 5] = [
    ("w", &["w", "wk", "wks", "week", "weeks"]),
    ("d", &["d", "day", "days"]),
    ("h", &["h", "hr", "hrs", "hour", "hours"]),
    ("m", &["m", "min", "mins", "minute", "minutes"]),
    ("s", &["s", "sec", "secs", "second", "seconds"]),
];

/// Units that are not units (their length varies), with the days a fix counts for one.
const CALENDAR_UNITS: [(&str, &[&str], u64); 2] =
    [("months", &["mo", "mos", "month", "months"], 30), ("years", &["y", "yr", "yrs", "year", "years"], 365)];

/// Whether `word` is a duration unit as people write it (`d`, `days`, `mo`...):
/// after a number and a space, it is the unit of a duration written with a space.
pub(crate) fn is_unit_word(word: &str) -> bool {
    SPELLED_UNITS.iter().any(|(_, words)| words.contains(&word))
        || CALENDAR_UNITS.iter().any(|(_, words, _)| words.contains(&word))
}

/// A duration written the way people write it (`3days`, `48hours`, `1 d`,
/// `1mo`) read as the language writes it (`3d`, `48h`, `1d`, `30d`), with the
/// calendar unit it had to count in days, if any. `None` when `raw` is not such
/// a duration (then it is reported as it is).
fn spelled_duration(raw: &str) -> Option<(String, Option<&'static str>)> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let mut written = String::new();
    let mut calendar = None;
    let mut rest = compact.as_str();
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let letters = rest[digits..].bytes().take_while(|b| !b.is_ascii_digit()).count();
        if digits == 0 || letters == 0 {
            return None;
        }
        let (amount, word) = (&rest[..digits], &rest[digits..digits + letters]);
        // `1M` could mean a month or a minute: only a spelled-out word is read in any case.
        let lower = if word.len() > 1 { word.to_ascii_lowercase() } else { word.to_owned() };
        if let Some((unit, _)) = SPELLED_UNITS.iter().find(|(_, words)| words.contains(&lower.as_str())) {
            written.push_str(amount);
            written.push_str(unit);
        } else {
            let (name, _, days) = CALENDAR_UNITS.iter().find(|(_, words, _)| words.contains(&lower.as_str()))?;
            let amount: u64 = amount.parse().ok()?;
            written.push_str(&amount.checked_mul(*days)?.to_string());
            written.push('d');
            calendar = Some(*name);
        }
        rest = &rest[digits + letters..];
    }
    (written != raw && journey_time::parse_duration(&written).is_ok()).then_some((written, calendar))
}

/// The error for a duration written the way people write it, with the fix to
/// the language's form.
fn spelled_duration_error(file: FileId, raw: &str, span: Span, written: &str, calendar: Option<&str>) -> Diagnostic {
    let error = Diagnostic::error(Code::InvalidLiteral, format!("invalid duration `{raw}`"), file, span);
    let error = match calendar {
        Some(name) => error
            .with_label(format!("{name} are not a unit"))
            .with_help(format!("{name} are not a unit; use {written}")),
        None if raw.contains(char::is_whitespace) => error
            .with_label("a duration is written without a space")
            .with_help(format!("write `{written}`: the units are s, m, h, d and w, right after the number")),
        None => error
            .with_label("units are written with one letter")
            .with_help(format!("write `{written}`: the units are s, m, h, d and w")),
    };
    error.with_replacement(format!("replace `{raw}` with `{written}`"), span, written)
}

/// Reads a duration token such as `1d12h`, reporting a malformed one. A duration
/// written with spelled-out units (`3days`), a space (`1 d`) or months gets a
/// fix to the language's form.
pub fn duration(file: FileId, raw: &str, span: Span, problems: &mut Vec<Diagnostic>) -> Option<u64> {
    if let Some((written, calendar)) = spelled_duration(raw) {
        problems.push(spelled_duration_error(file, raw, span, &written, calendar));
        return None;
    }
    if raw.contains('.') {
        problems.push(
            Diagnostic::error(Code::InvalidLiteral, "a duration is a whole number of units", file, span)
                .with_label("fractions are not allowed")
                .with_help("combine units instead: `1d12h`, `1h30m`"),
        );
        return None;
    }
    match journey_time::parse_duration(raw) {
        Ok(seconds) => Some(seconds),
        Err(err) => {
            problems.push(
                Diagnostic::error(Code::InvalidLiteral, format!("invalid duration `{raw}`"), file, span)
                    .with_label(err.0)
                    .with_help(
                        "durations are written `45s`, `30m`, `12h`, `1d`, `2w`, or combined largest first: `1d12h`",
                    ),
            );
            None
        }
    }
}

/// Reads a datetime token such as `@2026-12-01T09:00:00Z` into milliseconds since the epoch.
pub fn datetime(file: FileId, raw: &str, span: Span, problems: &mut Vec<Diagnostic>) -> Option<i64> {
    match journey_time::Timestamp::parse(raw.trim_start_matches('@')) {
        Ok(t) => Some(t.0),
        Err(err) => {
            problems.push(
                Diagnostic::error(Code::InvalidDateTime, format!("invalid datetime `{raw}`"), file, span)
                    .with_label(err.0)
                    .with_help("write a datetime in RFC 3339 after `@`: `@2026-12-01T09:00:00Z`"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(raw: &str) -> (StringLit, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        (string_literal(FileId(0), raw, 10, &mut problems), problems)
    }

    #[test]
    fn escapes() {
        let (s, problems) = string(r#""a \"b\" \\ \n \t \u{1F600}""#);
        assert!(problems.is_empty());
        assert_eq!(s.value, "a \"b\" \\ \n \t 😀");
    }

    #[test]
    fn bad_escapes_point_at_the_escape() {
        let (s, problems) = string(r#""x\qy \u{D800} \u{zz}""#);
        assert_eq!(s.value, "xy  ");
        let spans: Vec<_> = problems.iter().map(|p| p.primary.span).collect();
        // `\q` at 12..14, `\u{D800}` at 16..24, `\u{zz}` at 25..31 (the string starts at 10).
        assert_eq!(spans, [Span::new(12, 14), Span::new(16, 24), Span::new(25, 31)]);
    }

    #[test]
    fn multiline_strings_lose_their_layout() {
        let raw = "\"\"\"\n    Hi {{profile.first_name}},\n      indented\n\n    end\n  \"\"\"";
        let (s, problems) = string(raw);
        assert!(problems.is_empty());
        assert_eq!(s.value, "Hi {{profile.first_name}},\n  indented\n\nend");
        assert_eq!(s.placeholders.len(), 1);
        let p = &s.placeholders[0];
        assert_eq!(&raw[(p.span.start - 10) as usize..(p.span.end - 10) as usize], "{{profile.first_name}}");
        assert_eq!(p.path.dotted(), "profile.first_name");
    }

    #[test]
    fn escapes_in_multiline_strings_are_reported_at_their_place() {
        let raw = "\"\"\"\n  a \\q\n\"\"\"";
        let (_, problems) = string(raw);
        assert_eq!(problems.len(), 1);
        let span = problems[0].primary.span;
        assert_eq!(&raw[(span.start - 10) as usize..(span.end - 10) as usize], "\\q");
    }

    #[test]
    fn placeholders_with_spaces_and_malformed_ones() {
        let (s, problems) = string(r#""{{ trigger.cart.url }} {{profile.}} {{ a b }} {{x""#);
        assert_eq!(s.placeholders.len(), 1);
        assert_eq!(s.placeholders[0].path.dotted(), "trigger.cart.url");
        assert_eq!(s.placeholders[0].path.segments[0].span, Span::new(14, 21));
        let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages, ["malformed placeholder", "malformed placeholder", "unclosed placeholder"]);
    }

    /// The fix of each duration as people write it (none when it is not one).
    fn spelled(raw: &str) -> Option<(String, Vec<String>)> {
        let mut problems = Vec::new();
        assert_eq!(duration(FileId(0), raw, Span::new(5, 5 + raw.len()), &mut problems), None, "{raw}");
        let problem = problems.pop()?;
        let fix = problem.fix?;
        assert_eq!(fix.edits[0].span, Span::new(5, 5 + raw.len()), "the fix replaces the whole duration");
        Some((fix.edits[0].replacement.clone(), problem.help))
    }

    #[test]
    fn durations_as_people_write_them_are_fixed() {
        for (raw, fixed) in [
            ("3days", "3d"),
            ("1day", "1d"),
            ("48hours", "48h"),
            ("2hrs", "2h"),
            ("1hour30mins", "1h30m"),
            ("15minutes", "15m"),
            ("45seconds", "45s"),
            ("2weeks", "2w"),
            ("3Days", "3d"),
            ("1 d", "1d"),
            ("3 days", "3d"),
            ("1\td", "1d"),
        ] {
            assert_eq!(spelled(raw).map(|(fix, _)| fix).as_deref(), Some(fixed), "{raw}");
        }
        assert_eq!(spelled("1mo"), Some(("30d".to_owned(), vec!["months are not a unit; use 30d".to_owned()])));
        assert_eq!(spelled("2 months").map(|(fix, _)| fix).as_deref(), Some("60d"));
        assert_eq!(spelled("1y").map(|(fix, _)| fix).as_deref(), Some("365d"));
        // Not durations as people write them: reported as they are, without a fix.
        for raw in ["3dayz", "1h1d", "1d1d"] {
            assert_eq!(spelled(raw), None, "{raw}");
        }
    }

    #[test]
    fn durations_and_datetimes() {
        let mut problems = Vec::new();
        assert_eq!(duration(FileId(0), "1d12h", Span::default(), &mut problems), Some(129_600));
        assert_eq!(duration(FileId(0), "3dayz", Span::default(), &mut problems), None);
        assert_eq!(duration(FileId(0), "1.5d", Span::default(), &mut problems), None);
        assert_eq!(datetime(FileId(0), "@1970-01-01T00:00:01Z", Span::default(), &mut problems), Some(1000));
        assert_eq!(datetime(FileId(0), "@2026-02-30T00:00:00Z", Span::default(), &mut problems), None);
        let labels: Vec<_> = problems.iter().map(|p| p.primary.message.as_str()).collect();
        assert_eq!(
            labels,
            [
                "`dayz` is not a duration unit; use s, m, h, d or w",
                "fractions are not allowed",
                "day 30 does not exist in 2026-02"
            ]
        );
    }
}
