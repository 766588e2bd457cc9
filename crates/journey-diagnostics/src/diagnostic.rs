//! The diagnostic value every stage of the compiler reports.

use crate::code::Code;
use crate::source::{FileId, Span};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The project cannot be built or published.
    Error,
    /// Probably a mistake; the project still builds (unless warnings are denied).
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place in a file, with an optional message shown next to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The file the span lies in.
    pub file: FileId,
    /// The exact bytes the label points at.
    pub span: Span,
    /// What the label says about the place (may be empty).
    pub message: String,
}

impl Label {
    /// A label on `span` of `file` saying `message`.
    pub fn new(file: FileId, span: Span, message: impl Into<String>) -> Label {
        Label { file, span, message: message.into() }
    }
}

/// One text replacement of a [`Fix`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The file to change.
    pub file: FileId,
    /// The bytes to replace (empty to insert).
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// A change that resolves the diagnostic, safe to apply without review
/// (editors offer it as a quick fix; `--format json` and SARIF carry it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, e.g. "replace with `InitialReminder`".
    pub message: String,
    /// The replacements, applied together.
    pub edits: Vec<Edit>,
}

/// A problem found in the sources: an error or a warning with a stable code,
/// a one-line message, a primary label on the exact span, optional secondary
/// labels, help lines, and an optional machine-applicable fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code, such as `J0007`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// The one-line message.
    pub message: String,
    /// The place the problem is.
    pub primary: Label,
    /// Other places that explain it (e.g. the first declaration of a duplicate).
    pub secondary: Vec<Label>,
    /// Lines telling the user what to do.
    pub help: Vec<String>,
    /// A fix that can be applied mechanically.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// An error with `code` and `message` whose primary label is on `span` of `file`.
    pub fn error(code: Code, message: impl Into<String>, file: FileId, span: Span) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message, file, span)
    }

    /// A warning with `code` and `message` whose primary label is on `span` of `file`.
    pub fn warning(code: Code, message: impl Into<String>, file: FileId, span: Span) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message, file, span)
    }

    /// A diagnostic of the given severity.
    pub fn new(code: Code, severity: Severity, message: impl Into<String>, file: FileId, span: Span) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: Label::new(file, span, ""),
            secondary: Vec::new(),
            help: Vec::new(),
            fix: None,
        }
    }

    /// Sets the text shown next to the primary span.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label::new(file, span, message));
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help.push(help.into());
        self
    }

    /// Attaches a fix replacing `span` of the primary file by `replacement`.
    pub fn with_replacement(
        mut self,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Diagnostic {
        let edit = Edit { file: self.primary.file, span, replacement: replacement.into() };
        self.fix = Some(Fix { message: message.into(), edits: vec![edit] });
        self
    }

    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The order diagnostics are shown in: by file, position, then code.
    pub fn sort_key(&self) -> (FileId, u32, u32, Code) {
        (self.primary.file, self.primary.span.start, self.primary.span.end, self.code)
    }
}

/// Sorts diagnostics into the order they are shown (file, position, code) and drops
/// exact duplicates, so that output is deterministic.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.message.cmp(&b.message)));
    diagnostics.dedup();
}
