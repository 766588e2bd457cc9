//! The state of one check: the program being built, the name tables, the
//! diagnostics, and the helpers every pass uses to resolve names.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use journey_diagnostics::{Code, Diagnostic, FileId, Severity, Span};
use journey_syntax::ast::Ident;
use journey_time::MAX_DURATION_SECONDS;
use smol_str::SmolStr;

use crate::Mode;
use crate::ir::*;

/// A fast, non-cryptographic hasher (the FxHash of rustc) for the checker's own
/// tables: their keys are names from the project, not adversarial input.
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` with [`FxHasher`].
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// The kinds of named declarations, as named in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Trigger,
    Content,
    Segment,
    Journey,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Trigger => "trigger",
            Kind::Content => "message",
            Kind::Segment => "segment",
            Kind::Journey => "journey",
        }
    }
}

/// Everything a check accumulates.
pub(crate) struct Checker {
    pub mode: Mode,
    pub diagnostics: Vec<Diagnostic>,
    pub program: Program,
    pub triggers: FastMap<SmolStr, TriggerId>,
    pub contents: FastMap<SmolStr, ContentId>,
    pub segments: FastMap<SmolStr, SegmentId>,
    pub journeys: FastMap<SmolStr, JourneyId>,
    /// Declarations referenced from somewhere (for "unused" warnings).
    pub used: FastSet<DeclRef>,
    /// Declarations an unknown name's error points to (its did-you-mean, or the
    /// declaration of another kind it names): not also reported unused, since
    /// that warning would only echo the typo.
    pub suggested: FastSet<DeclRef>,
}

impl Checker {
    pub fn new(mode: Mode) -> Checker {
        Checker {
            mode,
            diagnostics: Vec::new(),
            program: Program::default(),
            triggers: FastMap::default(),
            contents: FastMap::default(),
            segments: FastMap::default(),
            journeys: FastMap::default(),
            used: FastSet::default(),
            suggested: FastSet::default(),
        }
    }

    /// Reports `diagnostic`.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// An error at `span` of `file`.
    pub fn error(&self, code: Code, message: impl Into<String>, file: FileId, span: Span) -> Diagnostic {
        Diagnostic::error(code, message, file, span)
    }

    /// A warning at `span` of `file`.
    pub fn warning(&self, code: Code, message: impl Into<String>, file: FileId, span: Span) -> Diagnostic {
        Diagnostic::warning(code, message, file, span)
    }

    /// A publish-readiness problem: a warning at design time, an error at publish time.
    pub fn readiness(&self, code: Code, message: impl Into<String>, file: FileId, span: Span) -> Diagnostic {
        let severity = match self.mode {
            Mode::Design => Severity::Warning,
            Mode::Publish => Severity::Error,
        };
        Diagnostic::new(code, severity, message, file, span)
    }

    /// Records that the name at `loc` refers to `symbol`.
    pub fn record_use(&mut self, loc: Loc, symbol: Symbol) {
        if let Symbol::Decl(decl) = &symbol {
            self.used.insert(*decl);
        }
        self.program.uses.push(Use { loc, symbol });
    }

    /// The declaration of kind `kind` named `name`.
    pub fn declared(&self, kind: Kind, name: &str) -> Option<DeclRef> {
        match kind {
            Kind::Trigger => self.triggers.get(name).map(|&i| DeclRef::Trigger(i)),
            Kind::Content => self.contents.get(name).map(|&i| DeclRef::Content(i)),
            Kind::Segment => self.segments.get(name).map(|&i| DeclRef::Segment(i)),
            Kind::Journey => self.journeys.get(name).map(|&i| DeclRef::Journey(i)),
        }
    }

    /// The declaration of another kind named `name`, to explain a mix-up.
    fn other_kind(&self, name: &str, wanted: Kind) -> Option<(Kind, DeclRef)> {
        [Kind::Trigger, Kind::Content, Kind::Segment, Kind::Journey]
            .into_iter()
            .filter(|kind| *kind != wanted)
            .find_map(|kind| self.declared(kind, name).map(|decl| (kind, decl)))
    }

    /// Reports an unknown name of kind `kind`, suggesting the closest declared name.
    pub fn unknown_name(&mut self, ident: &Ident, file: FileId, kind: Kind) {
        let names: Vec<&str> = match kind {
            Kind::Trigger => self.triggers.keys().map(|k| k.as_str()).collect(),
            Kind::Content => self.contents.keys().map(|k| k.as_str()).collect(),
            Kind::Segment => self.segments.keys().map(|k| k.as_str()).collect(),
            Kind::Journey => self.journeys.keys().map(|k| k.as_str()).collect(),
        };
        let noun = kind.noun();
        let mut diagnostic = self
            .error(Code::UnknownName, format!("unknown {noun} `{}`", ident.text), file, ident.span)
            .with_label(format!("no {noun} is named `{}`", ident.text));
        if let Some((other, decl)) = self.other_kind(&ident.text, kind) {
            diagnostic = diagnostic.with_help(format!("`{}` is a {}, not a {noun}", ident.text, other.noun()));
            self.suggested.insert(decl);
        } else if let Some(best) = journey_syntax::closest(&ident.text, names.iter().copied()) {
            let best = best.to_owned();
            if let Some(decl) = self.declared(kind, &best) {
                self.suggested.insert(decl);
            }
            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?")).with_replacement(
                format!("replace `{}` with `{best}`", ident.text),
                ident.span,
                best.clone(),
            );
        } else if names.is_empty() {
            diagnostic = diagnostic.with_help(format!("the project declares no {noun}"));
        } else {
            diagnostic = diagnostic.with_help(format!("declare it, or use one of: {}", list(names)));
        }
        self.report(diagnostic);
    }

    /// Resolves a trigger name, recording the use.
    pub fn trigger(&mut self, ident: &Ident, file: FileId) -> Option<TriggerId> {
        match self.triggers.get(&ident.text).copied() {
            Some(id) => {
                self.record_use(Loc { file, span: ident.span }, Symbol::Decl(DeclRef::Trigger(id)));
                Some(id)
            }
            None => {
                self.unknown_name(ident, file, Kind::Trigger);
                None
            }
        }
    }

    /// Resolves a message name, recording the use.
    pub fn content(&mut self, ident: &Ident, file: FileId) -> Option<ContentId> {
        match self.contents.get(&ident.text).copied() {
            Some(id) => {
                self.record_use(Loc { file, span: ident.span }, Symbol::Decl(DeclRef::Content(id)));
                Some(id)
            }
            None => {
                self.unknown_name(ident, file, Kind::Content);
                None
            }
        }
    }

    /// Resolves a segment name, recording the use.
    pub fn segment(&mut self, ident: &Ident, file: FileId) -> Option<SegmentId> {
        match self.segments.get(&ident.text).copied() {
            Some(id) => {
                self.record_use(Loc { file, span: ident.span }, Symbol::Decl(DeclRef::Segment(id)));
                Some(id)
            }
            None => {
                self.unknown_name(ident, file, Kind::Segment);
                None
            }
        }
    }

    /// Checks that a duration is positive and at most 10 years (rule 11); returns it.
    pub fn positive(&mut self, duration: &journey_syntax::ast::DurationLit, file: FileId, what: &str) -> Option<u64> {
        match duration.seconds {
            Some(0) => {
                let d = self
                    .error(Code::NonPositiveDuration, format!("{what} must be longer than zero"), file, duration.span)
                    .with_label("a zero duration")
                    .with_help("durations are at least one second: `1s`, `1h`, `1d`");
                self.report(d);
                None
            }
            Some(seconds) if seconds > MAX_DURATION_SECONDS => {
                let d = self
                    .error(Code::DurationTooLong, format!("{what} is longer than 10 years"), file, duration.span)
                    .with_label(too_long_label(seconds))
                    .with_help(
                        "durations are at most 10 years (`3650d`, 315360000 seconds): check the number and the unit",
                    );
                self.report(d);
                None
            }
            other => other,
        }
    }
}

/// The label of a duration longer than 10 years: its length in days when it is
/// a whole number of days.
fn too_long_label(seconds: u64) -> String {
    if seconds.is_multiple_of(86_400) {
        format!("{} days, more than 3650", seconds / 86_400)
    } else {
        "more than 3650 days".to_owned()
    }
}

/// "`a`, `b` and `c`", sorted, at most eight names.
pub(crate) fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    let more = names.len().saturating_sub(8);
    names.truncate(8);
    let mut text = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            text.push_str(if i + 1 == names.len() { " and " } else { ", " });
        }
        text.push('`');
        text.push_str(name);
        text.push('`');
    }
    if more > 0 {
        text.push_str(&format!(" (and {more} more)"));
    }
    text
}
