//! Formatting never changes meaning, and is idempotent: over every example project,
//! every file of the test corpora (`tests/diagnostics`, `tests/rules`, read at test
//! time), the messy inputs of the snapshot tests, and layouts of all of them
//! rewritten at random (a fixed seed: the same rewritten files on every run).
//!
//! Two independent witnesses of meaning: the typed IR and diagnostics of the checker,
//! positions aside, and the significant tokens (comments, layout and optional commas
//! aside). The comments must come out in the same order.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use journey_diagnostics::FileId;
use journey_fmt::FormatError;
use journey_syntax::{CommentKind, lex, parse};

/// The name of `path` in messages: relative to the repository.
fn shown(path: &Path) -> String {
    path.strip_prefix(repository_root()).unwrap_or(path).display().to_string()
}

#[test]
fn every_example_project_keeps_its_meaning_and_is_formatted_once_for_all() {
    let projects = example_projects();
    assert!(projects.len() >= 8, "the examples are found");
    for project in projects {
        let files: Vec<(PathBuf, String)> =
            journey_files(&project).into_iter().map(|p| (p.clone(), read(&p))).collect();
        let formatted: Vec<(PathBuf, String)> = files
            .iter()
            .map(|(path, text)| {
                let name = shown(path);
                let out = format(&name, text);
                assert_formatted_form(&name, text, &out);
                (path.clone(), out)
            })
            .collect();
        assert_eq!(meaning(&files), meaning(&formatted), "{}: the typed IR changed", shown(&project));
    }
}

#[test]
fn every_corpus_file_keeps_its_meaning_or_is_refused_for_its_syntax_errors() {
    let files = corpus_files();
    assert!(files.len() >= 10, "the corpora are found");
    let (mut formatted, mut refused) = (0, 0);
    for path in files {
        let name = shown(&path);
        let text = read(&path);
        let parsed = parse(FileId(0), &text);
        if parsed.has_errors() {
            // Never mangled: refused, with the parser's own diagnostics.
            match journey_fmt::format(FileId(0), &text) {
                Err(FormatError::Syntax(diagnostics)) => assert_eq!(diagnostics, parsed.diagnostics, "{name}"),
                other => panic!("{name}: a file with syntax errors must be refused, got {other:?}"),
            }
            refused += 1;
            continue;
        }
        let out = format(&name, &text);
        assert_formatted_form(&name, &text, &out);
        assert_eq!(meaning(&[(path.clone(), text)]), meaning(&[(path, out)]), "{name}: the typed IR changed");
        formatted += 1;
    }
    assert!(
        formatted > 0 && refused > 0,
        "both kinds of corpus files are tested ({formatted} formatted, {refused} refused)"
    );
}

/// A small deterministic random generator (xorshift64*), so that the rewritten layouts
/// are the same on every run and a failure can be reproduced.
struct Random(u64);

impl Random {
    fn seeded(name: &str, variant: u64) -> Random {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ variant.wrapping_mul(0x2545_F491_4F6C_DD1D);
        for byte in name.bytes() {
            seed = (seed ^ u64::from(byte)).wrapping_mul(0x100_0000_01B3);
        }
        Random(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len() as u64) as usize]
    }
}

/// How to rewrite the layout between tokens and comments.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rewrite {
    /// The same line breaks, other spaces and indentation: must format identically.
    Respace,
    /// Everything on as few lines as possible: one space between tokens.
    Flatten,
    /// Random spaces and line breaks, and comments added anywhere.
    Scramble,
}

/// `text` with its layout rewritten. Adjacent tokens (`profile.email`, `count(`) stay
/// adjacent except that `Scramble` may put a block comment between them.
fn rewrite(text: &str, how: Rewrite, random: &mut Random) -> String {
    let lexed = lex(FileId(0), text);
    // Tokens and comments in order, with whether each is a line or doc comment.
    let mut pieces: Vec<(usize, usize, bool)> =
        lexed.tokens.iter().map(|t| (t.span.start as usize, t.span.end as usize, false)).collect();
    pieces.extend(
        lexed.comments.iter().map(|c| (c.span.start as usize, c.span.end as usize, c.kind != CommentKind::Block)),
    );
    pieces.sort();
    let mut out = String::new();
    let mut previous: Option<(usize, bool)> = None;
    for (n, &(start, end, line_comment)) in pieces.iter().enumerate() {
        let gap = &text[previous.map_or(0, |p| p.0)..start];
        let after_line_comment = previous.is_some_and(|p| p.1);
        if previous.is_some() {
            out.push_str(&new_gap(gap, how, after_line_comment, random));
            if how == Rewrite::Scramble && random.below(6) == 0 {
                if gap.is_empty() {
                    out.push_str(&format!("/*{n}*/"));
                } else {
                    match random.below(5) {
                        0 | 1 => out.push_str(&format!("/* c{n} */ ")),
                        2 | 3 => out.push_str(&format!("// c{n}\n")),
                        // Documentation of whatever follows (a warning where nothing can be documented).
                        _ => out.push_str(&format!("/// d{n}\n")),
                    }
                }
            }
        }
        out.push_str(&text[start..end]);
        previous = Some((end, line_comment));
    }
    out.push('\n');
    out
}

/// A new separator in place of `gap` (only spaces and line breaks).
fn new_gap(gap: &str, how: Rewrite, after_line_comment: bool, random: &mut Random) -> String {
    if gap.is_empty() && !after_line_comment {
        return String::new();
    }
    let spaces = ["", " ", "  ", "\t", "    ", " \t "];
    match how {
        Rewrite::Respace => {
            let mut gap_out = random.pick(&spaces[1..]).to_owned();
            for _ in 0..gap.matches('\n').count() {
                gap_out.push('\n');
                gap_out.push_str(random.pick(&spaces));
            }
            gap_out
        }
        Rewrite::Flatten if after_line_comment => "\n".to_owned(),
        Rewrite::Flatten => " ".to_owned(),
        Rewrite::Scramble => {
            let choice = random.pick(&[" ", " ", "  ", "\n", "\n  ", "\n\n", "\n\n\n\t", "\t"]);
            if after_line_comment && !choice.contains('\n') { "\n".to_owned() } else { choice.to_owned() }
        }
    }
}

#[test]
fn rewritten_layouts_keep_their_meaning_and_respacing_changes_nothing() {
    let mut sources: Vec<PathBuf> = example_projects().iter().flat_map(|p| journey_files(p)).collect();
    sources.extend(corpus_files());
    let mut variants = 0;
    for path in sources {
        let text = read(&path);
        if !parses(&text) {
            continue;
        }
        let name = shown(&path);
        let canonical = format(&name, &text);
        for (variant, how) in
            [Rewrite::Respace, Rewrite::Flatten, Rewrite::Scramble, Rewrite::Scramble, Rewrite::Scramble]
                .into_iter()
                .enumerate()
        {
            let rewritten = rewrite(&text, how, &mut Random::seeded(&name, variant as u64));
            let label = format!("{name} ({how:?} #{variant})");
            assert!(parses(&rewritten), "{label}: the rewritten file does not parse:\n{rewritten}");
            let out = format(&label, &rewritten);
            assert_formatted_form(&label, &rewritten, &out);
            if how == Rewrite::Respace {
                // The rewrite writes `\n` gaps, which may change the file's line ending
                // (the first one decides): the result keeps the rewritten file's ending,
                // and is otherwise the canonical text.
                let lf = |t: &str| t.replace("\r\n", "\n");
                assert!(lf(&out) == lf(&canonical), "{label}: spaces and indentation changed the result:\n{out}");
                let crlf = journey_fmt::LineEnding::of(&rewritten) == journey_fmt::LineEnding::CrLf;
                assert_eq!(out.contains("\r\n"), crlf, "{label}: the line ending of the input is kept");
            }
            assert_eq!(
                meaning(&[(path.clone(), rewritten)]),
                meaning(&[(path.clone(), out)]),
                "{label}: the typed IR changed"
            );
            variants += 1;
        }
    }
    assert!(variants > 100, "{variants} rewritten files tested");
}

#[test]
fn the_ir_comparison_sees_a_change_of_meaning() {
    // The witness itself: a different value, name or operator changes the normalised
    // IR; a different layout does not.
    let ir = |text: &str| meaning(&[(PathBuf::from("a.journey"), text.to_owned())]);
    let base = "trigger T { source custom }\nsegment S { where count(T within 2d) > 1 }\n";
    assert_eq!(ir(base), ir("trigger T{source custom}segment S{where count(T within 2d)>1}"));
    assert_ne!(ir(base), ir("trigger T { source custom }\nsegment S { where count(T within 3d) > 1 }\n"));
    assert_ne!(ir(base), ir("trigger T { source custom }\nsegment S { where count(T within 2d) >= 1 }\n"));
    assert_ne!(ir(base), ir("trigger T { source commerce }\nsegment S { where count(T within 2d) > 1 }\n"));
    assert_ne!(ir(base), ir("/// Doc.\ntrigger T { source custom }\nsegment S { where count(T within 2d) > 1 }\n"));
}
