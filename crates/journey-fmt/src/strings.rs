//! Re-indentation of `"""` strings. Their value ignores their layout: the line break
//! after the opening quotes, the last line when it is blank, and the indentation
//! common to the non-blank lines are removed (docs/reference.md). So a `"""` string
//! can follow the indentation of the code around it without changing its value.

/// `raw` (a `"""` literal, quotes included) laid out canonically for a line indented by
/// `indent` spaces: the opening quotes end that line, each line of the value follows,
/// indented one level deeper, and the closing quotes stand on their own line at
/// `indent`. The value is unchanged. A string on one line, a string with no text, or
/// one whose lines end with stray carriage returns is kept as written.
pub(crate) fn reindent(raw: &str, indent: usize) -> String {
    let Some(body) = raw.strip_prefix("\"\"\"").and_then(|r| r.strip_suffix("\"\"\"")) else {
        return raw.to_owned();
    };
    if !body.contains('\n') {
        return raw.to_owned();
    }
    let lines = dedented_lines(body);
    if lines.iter().all(|l| l.trim().is_empty()) || lines.iter().any(|l| l.contains('\r')) {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len() + lines.len() * (indent + 2));
    out.push_str("\"\"\"\n");
    for line in &lines {
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent + 2));
            out.push_str(line);
        }
        out.push('\n');
    }
    out.extend(std::iter::repeat_n(' ', indent));
    out.push_str("\"\"\"");
    out
}

/// The lines of a `"""` string's text before escapes are resolved: the same rule as the
/// parser's (`journey_syntax::literal`), which the formatter's own check confirms.
fn dedented_lines(body: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = body.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    if lines.len() > 1 && lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    if lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let margin = |line: &str| line.len() - line.trim_start_matches([' ', '\t']).len();
    let common = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| margin(l)).min().unwrap_or(0);
    lines.into_iter().map(|l| &l[common.min(margin(l))..]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_new_indentation() {
        let raw = "\"\"\"\n        Hi {{profile.first_name}},\n\n          see you\n      \"\"\"";
        assert_eq!(reindent(raw, 2), "\"\"\"\n    Hi {{profile.first_name}},\n\n      see you\n  \"\"\"");
    }

    #[test]
    fn text_on_the_first_line_moves_to_its_own_line() {
        assert_eq!(reindent("\"\"\"Hi\n  there\"\"\"", 0), "\"\"\"\n  Hi\n    there\n\"\"\"");
    }

    #[test]
    fn odd_strings_are_kept() {
        for raw in ["\"\"\"one line\"\"\"", "\"\"\"\n   \n\"\"\"", "\"\"\"\n a\r\r\n\"\"\""] {
            assert_eq!(reindent(raw, 4), raw);
        }
    }

    #[test]
    fn spaces_left_on_blank_lines_are_kept() {
        // The value keeps the two spaces beyond the common indentation of the blank line.
        let raw = "\"\"\"\n    a\n      \n    b\n\"\"\"";
        assert_eq!(reindent(raw, 0), "\"\"\"\n  a\n    \n  b\n\"\"\"");
    }
}
