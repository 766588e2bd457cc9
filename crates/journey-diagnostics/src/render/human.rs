//! The rendering people read in a terminal, drawn by ariadne.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

use ariadne::{Cache, Color, Config, IndexType, Label, Report, ReportKind, Source};

use crate::diagnostic::{Diagnostic, Severity};
use crate::line_index::ColumnUnit;
use crate::source::{FileId, SourceMap};

/// ariadne's view of a [`SourceMap`]: builds each file's ariadne source once.
struct MapCache<'a> {
    map: &'a SourceMap,
    sources: HashMap<FileId, Source<&'a str>>,
    /// Per file that is not ASCII, the characters before each line.
    line_chars: HashMap<FileId, Vec<usize>>,
}

impl MapCache<'_> {
    /// The character offsets of the byte range `span` of `file`. Reports are
    /// drawn with character offsets: ariadne 0.6 places the header of a file
    /// other than the primary one by a character offset read as a byte offset,
    /// which breaks (or panics) on a file that is not ASCII.
    fn chars(&mut self, file: FileId, span: Range<usize>) -> Range<usize> {
        if (file.0 as usize) >= self.map.len() {
            return span;
        }
        let source = self.map.get(file);
        let (text, lines) = (source.text(), source.lines());
        if lines.is_ascii() {
            return span;
        }
        let line_chars = self.line_chars.entry(file).or_insert_with(|| {
            let mut before = Vec::with_capacity(lines.line_count());
            let mut chars = 0;
            let mut start = 0;
            for line in 0..lines.line_count() as u32 {
                let line_start = lines.line_start(line).unwrap_or(start);
                chars += text.get(start..line_start).map_or(0, |t| t.chars().count());
                before.push(chars);
                start = line_start;
            }
            before
        });
        let offset = |byte: usize| {
            let byte = byte.min(text.len());
            let line = lines.position(text, byte, ColumnUnit::Utf8).line as usize;
            let line_start = lines.line_start(line as u32).unwrap_or(0);
            line_chars.get(line).copied().unwrap_or(0) + text.get(line_start..byte).map_or(0, |t| t.chars().count())
        };
        // ariadne is given the text without its byte order mark (not a column).
        let bom = usize::from(text.starts_with('\u{FEFF}'));
        offset(span.start).saturating_sub(bom)..offset(span.end).saturating_sub(bom)
    }
}

struct MissingFile;

impl fmt::Debug for MissingFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("file not in the source map")
    }
}

impl<'a> Cache<FileId> for MapCache<'a> {
    type Storage = &'a str;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<&'a str>, impl fmt::Debug> {
        if (id.0 as usize) >= self.map.len() {
            return Err(MissingFile);
        }
        let map = self.map;
        Ok(self.sources.entry(*id).or_insert_with(|| {
            let text = map.get(*id).text();
            Source::from(text.strip_prefix('\u{FEFF}').unwrap_or(text))
        }))
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl fmt::Display + 'b> {
        ((id.0 as usize) < self.map.len()).then(|| self.map.get(*id).display_path())
    }
}

/// Writes `diagnostics` as rustc-style reports, with colour when `color` is set.
pub fn render_human(map: &SourceMap, diagnostics: &[Diagnostic], color: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut cache = MapCache { map, sources: HashMap::new(), line_chars: HashMap::new() };
    let config = Config::default().with_color(color).with_index_type(IndexType::Char);
    for diagnostic in diagnostics {
        let (kind, main_color) = match diagnostic.severity {
            Severity::Error => (ReportKind::Error, Color::Red),
            Severity::Warning => (ReportKind::Warning, Color::Yellow),
        };
        let primary = &diagnostic.primary;
        let at = cache.chars(primary.file, primary.span.range());
        let mut report = Report::build(kind, (primary.file, at))
            .with_config(config)
            .with_code(diagnostic.code)
            .with_message(&diagnostic.message);
        // ariadne draws labels of one file in one snippet only when they come in
        // line order, so they are added sorted by place.
        let mut labels: Vec<_> = std::iter::once((primary, main_color, 1))
            .chain(diagnostic.secondary.iter().map(|secondary| (secondary, Color::Blue, 0)))
            .collect();
        labels.sort_by_key(|(label, _, _)| (label.file, label.span.start, label.span.end));
        for (place, color, priority) in labels {
            let span = cache.chars(place.file, place.span.range());
            let mut label = Label::new((place.file, span)).with_color(color).with_priority(priority);
            if !place.message.is_empty() {
                label = label.with_message(&place.message);
            }
            report.add_label(label);
        }
        for help in &diagnostic.help {
            report.add_help(help);
        }
        // A fix is shown as help only when no help line already says what to do.
        if let Some(fix) = &diagnostic.fix
            && diagnostic.help.is_empty()
        {
            report.add_help(&fix.message);
        }
        report.finish().write(&mut cache, &mut *out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, SourceFile, Span};

    /// A report whose labels are in two files, the first of which is not ASCII.
    fn rendered(first: &str) -> String {
        let mut map = SourceMap::new();
        let a = map.add(SourceFile::new("a.journey", first));
        let b = map.add(SourceFile::new("b.journey", "trigger T {}\n"));
        let at = first.find("T {").expect("a trigger T");
        let d = Diagnostic::error(Code::DuplicateItem, "the trigger `T` is declared twice", b, Span::new(8, 9))
            .with_label("declared again here")
            .with_secondary(a, Span::new(at, at + 1), "first declared here");
        let mut out = Vec::new();
        render_human(&map, &[d], false, &mut out).expect("rendering to memory cannot fail");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn a_report_over_two_files_places_labels_by_character_in_a_file_that_is_not_ascii() {
        // ariadne 0.6 read the header place of the second file as bytes: with `§`
        // (2 bytes) before it, it panicked or pointed one column off.
        for (first, header) in [
            ("// §§\ntrigger T {}\n", "a.journey:2:9"),
            ("// Déclencheurs\ntrigger T {}\n", "a.journey:2:9"),
            // A byte order mark is not a column.
            ("\u{FEFF}trigger T {}\n", "a.journey:1:9"),
        ] {
            let text = rendered(first);
            assert!(text.contains(header), "{header} in:\n{text}");
            assert!(text.contains("b.journey:1:9"), "{text}");
        }
    }
}
