//! The rendering people read in a terminal, drawn by ariadne.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use ariadne::{Cache, Color, Config, IndexType, Label, Report, ReportKind, Source};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};

/// ariadne's view of a [`SourceMap`]: builds each file's ariadne source once.
struct MapCache<'a> {
    map: &'a SourceMap,
    sources: HashMap<FileId, Source<&'a str>>,
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
        Ok(self.sources.entry(*id).or_insert_with(|| Source::from(map.get(*id).text())))
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl fmt::Display + 'b> {
        ((id.0 as usize) < self.map.len()).then(|| self.map.get(*id).display_path())
    }
}

/// Writes `diagnostics` as rustc-style reports, with colour when `color` is set.
pub fn render_human(map: &SourceMap, diagnostics: &[Diagnostic], color: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut cache = MapCache { map, sources: HashMap::new() };
    let config = Config::default().with_color(color).with_index_type(IndexType::Byte);
    for diagnostic in diagnostics {
        let (kind, main_color) = match diagnostic.severity {
            Severity::Error => (ReportKind::Error, Color::Red),
            Severity::Warning => (ReportKind::Warning, Color::Yellow),
        };
        let primary = &diagnostic.primary;
        let mut report = Report::build(kind, (primary.file, primary.span.range()))
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
            let mut label = Label::new((place.file, place.span.range())).with_color(color).with_priority(priority);
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
