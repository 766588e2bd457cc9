//! The Journey checker.
//!
//! [`Project`] holds the files of a project, read and parsed; [`check`] resolves
//! every name across the project (one namespace, any order), types every
//! expression, runs the control-flow analysis of each journey, enforces every
//! rule of the language, and returns the diagnostics with the typed IR
//! ([`ir::Program`]). The command line (`journey check`, `journey build`) and the
//! language server call this same analysis.

mod checker;
mod declarations;
mod expressions;
mod flow;
mod gsm;
pub mod ir;
mod journeys;
mod project;

pub use journeys::MAX_CONDITION_ATTRIBUTES;
pub use project::{LoadError, Project, discover};

use journey_diagnostics::{Code, Diagnostic, FileId, Span, sort_diagnostics};

use crate::checker::{Checker, Kind};
use crate::ir::{DeclRef, Program};

/// When the check runs: while editing, or before publishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `journey check` and the editor: publish-readiness problems (rule 12) are warnings.
    Design,
    /// `journey build`: publish-readiness problems are errors.
    Publish,
}

/// The result of checking a project.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The typed IR (complete when there is no error).
    pub program: Program,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks `project` in `mode`.
pub fn check(project: &Project, mode: Mode) -> Analysis {
    let mut checker = Checker::new(mode);
    let texts: Vec<&str> = project.sources.iter().map(|(_, f)| f.text()).collect();
    let sources = declarations::collect(&mut checker, project);
    checker.schemas(&sources);
    checker.contents(&sources);
    checker.segments(&sources);
    checker.journeys(&sources, &texts);
    unused_declarations(&mut checker);
    let Checker { diagnostics: semantic, mut program, .. } = checker;
    // Every error in one pass (language.md §3). Within a declaration that has a
    // syntax error, the checker's findings would be echoes of the parser's
    // recovery, so they are left out; and while any file does not parse,
    // warnings wait. The IR is still built, for the language server.
    let mut diagnostics: Vec<Diagnostic> = project.load_diagnostics.to_vec();
    diagnostics.extend(project.parses.iter().flat_map(|parse| parse.diagnostics.iter().cloned()));
    if diagnostics.iter().any(Diagnostic::is_error) {
        let broken = broken_declarations(project, &diagnostics);
        note_what_was_not_checked(&mut diagnostics, broken.len());
        let inside = |d: &Diagnostic| {
            let (file, at) = (d.primary.file, d.primary.span.start);
            broken.iter().any(|(f, span)| *f == file && span.start <= at && at < span.end.max(span.start + 1))
        };
        diagnostics.extend(semantic.into_iter().filter(|d| d.is_error() && !inside(d)));
    } else {
        diagnostics.extend(semantic);
    }
    sort_diagnostics(&mut diagnostics);
    program.uses.sort_by_key(|u| u.loc);
    Analysis { diagnostics, program }
}

/// Says, on the first of the `errors` found while reading and parsing, how many
/// declarations were not fully checked because of them (their checker findings
/// would be echoes of the parser's recovery), and that warnings wait: a user
/// then knows that more may come once the syntax is fixed.
fn note_what_was_not_checked(errors: &mut [Diagnostic], broken: usize) {
    let Some(first) = errors.iter_mut().filter(|d| d.is_error()).min_by_key(|d| d.sort_key()) else { return };
    let declarations = match broken {
        0 => String::new(),
        1 => "1 declaration was not fully checked because of syntax errors; its other problems and ".to_owned(),
        n => format!("{n} declarations were not fully checked because of syntax errors; their other problems and "),
    };
    let warnings = if declarations.is_empty() { "The project's warnings" } else { "the project's warnings" };
    // The fix is shown as help only when there is no other: keep it in view.
    if first.help.is_empty()
        && let Some(fix) = &first.fix
    {
        first.help.push(fix.message.clone());
    }
    first.help.push(format!("{declarations}{warnings} are reported once the syntax errors are fixed"));
}

/// The declarations (file and span) in which one of the `errors` found while
/// reading and parsing lies, each once.
fn broken_declarations(project: &Project, errors: &[Diagnostic]) -> Vec<(FileId, Span)> {
    let mut broken: Vec<(FileId, Span)> = Vec::new();
    for error in errors.iter().filter(|d| d.is_error()) {
        let (file, at) = (error.primary.file, error.primary.span.start);
        let Some(parse) = project.parses.get(file.0 as usize) else { continue };
        if let Some(decl) = parse.tree.decls.iter().find(|d| d.span.start <= at && at <= d.span.end) {
            broken.push((file, decl.span));
        }
    }
    broken.sort();
    broken.dedup();
    broken
}

/// Rule 16: triggers, messages and segments nothing refers to (a declaration an
/// unknown name's error suggests is left out: the typo is the problem).
fn unused_declarations(checker: &mut Checker) {
    let mut unused = Vec::new();
    let program = &checker.program;
    // A second declaration of a name is already an error; it is not also "unused".
    let named = |kind: Kind, decl: DeclRef, name: &str| checker.declared(kind, name) == Some(decl);
    let candidates = program
        .triggers
        .iter()
        .enumerate()
        .map(|(i, d)| (Kind::Trigger, DeclRef::Trigger(ir::TriggerId(i as u32)), &d.name, d.loc))
        .chain(
            program
                .contents
                .iter()
                .enumerate()
                .map(|(i, d)| (Kind::Content, DeclRef::Content(ir::ContentId(i as u32)), &d.name, d.loc)),
        )
        .chain(
            program
                .segments
                .iter()
                .enumerate()
                .map(|(i, d)| (Kind::Segment, DeclRef::Segment(ir::SegmentId(i as u32)), &d.name, d.loc)),
        );
    for (kind, decl, name, loc) in candidates {
        if !checker.used.contains(&decl) && !checker.suggested.contains(&decl) && named(kind, decl, name) {
            unused.push((kind, name.clone(), loc));
        }
    }
    for (kind, name, loc) in unused {
        let noun = kind.noun();
        let help = match kind {
            Kind::Content => "send it from a journey, or remove it",
            Kind::Trigger => {
                "use it in a journey (`start on`, `goal`, `exit on`, `if ... within`) or a segment, or remove it"
            }
            _ => "use it in a journey (`start segment`, `exclude`, `suppress`, `profile in`), or remove it",
        };
        let d = checker
            .warning(Code::UnusedDeclaration, format!("the {noun} `{name}` is never used"), loc.file, loc.span)
            .with_label("unused")
            .with_help(help);
        checker.report(d);
    }
}
