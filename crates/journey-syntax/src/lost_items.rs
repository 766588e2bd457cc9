//! Journey items swallowed by a recovery: after a step or setting the parser
//! cannot read, it skips to the next step or setting keyword, so a second
//! misspelt keyword on a following line (`sned ...` then `wiat 1d`) would go
//! unreported. This pass reports, inside each skipped region, every line that
//! starts with a word close to a step or setting keyword, as the parser reports
//! the first one: every error in one pass.

use journey_diagnostics::{Code, Diagnostic, FileId, Span};

use crate::ast::{Block, DeclKind, SourceTree, Step, StepKind};
use crate::parser::{SETTING_KEYWORDS, STEP_KEYWORDS};
use crate::token::TokenKind;

/// Adds a diagnostic for each misspelt item keyword at the start of a line
/// inside the regions skipped by recovery (the spans of error steps).
pub(crate) fn report(
    file: FileId,
    text: &str,
    tree: &SourceTree,
    tokens: &[(TokenKind, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut skipped = Vec::new();
    for decl in &tree.decls {
        if let DeclKind::Journey(journey) = &decl.kind {
            error_steps(&journey.steps, &mut skipped);
        }
    }
    // The words that start a journey item, as the parser knows them.
    let item_words: Vec<&str> = STEP_KEYWORDS.iter().chain(&SETTING_KEYWORDS).filter_map(|k| k.keyword()).collect();
    for region in skipped {
        // The tokens are in source order: the region's are one run of them.
        let first = tokens.partition_point(|(_, s)| s.start < region.start);
        let count = tokens[first..].iter().take_while(|(_, s)| s.end <= region.end).count();
        let inside = &tokens[first..first + count];
        let mut depth = 0i32;
        for pair in inside.windows(2) {
            let ((before, before_span), (kind, span)) = (&pair[0], &pair[1]);
            match before {
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => depth -= 1,
                _ => {}
            }
            let starts_line =
                text.get(before_span.end as usize..span.start as usize).is_some_and(|gap| gap.contains('\n'));
            if depth != 0 || !starts_line || *kind != TokenKind::Ident {
                continue;
            }
            let word = &text[span.start as usize..span.end as usize];
            let Some(best) = crate::closest(word, item_words.iter().copied()) else { continue };
            if diagnostics.iter().any(|d| d.primary.span == *span) {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    Code::UnexpectedToken,
                    format!("expected a journey setting, a step or `}}`, found `{word}`"),
                    file,
                    *span,
                )
                .with_label(format!("unexpected `{word}`"))
                .with_help(format!("did you mean `{best}`?"))
                .with_replacement(format!("replace `{word}` with `{best}`"), *span, best),
            );
        }
    }
}

/// The spans of the error steps in `steps` and the blocks inside them.
fn error_steps(steps: &[Step], out: &mut Vec<Span>) {
    let block = |b: &Block, out: &mut Vec<Span>| error_steps(&b.steps, out);
    for step in steps {
        match &step.kind {
            StepKind::Error => out.push(step.span),
            StepKind::If(step) => {
                for branch in &step.branches {
                    block(&branch.block, out);
                }
                if let Some(otherwise) = &step.otherwise {
                    block(otherwise, out);
                }
            }
            StepKind::Split(split) => split.branches.iter().for_each(|b| block(&b.block, out)),
            StepKind::Stage { block: b, .. } => block(b, out),
            StepKind::Send { .. } | StepKind::Wait(_) | StepKind::Exit => {}
        }
    }
}
