//! Help for a misspelt or unsupported interaction in `if EVENT M within D`: the
//! parser reads `if opend Welcome` as a condition `opend` followed by an
//! unexpected `Welcome`, and says so; this pass adds what the writer meant.

use journey_diagnostics::{Code, Diagnostic, Span};

use crate::token::TokenKind;

/// The interactions an `if` can wait for.
const INTERACTIONS: [&str; 4] = ["opened", "clicked", "delivered", "bounced"];

/// Adds a help line (and a fix for a misspelling) to each unexpected-token error
/// found right after `if WORD` or `if not WORD`, where WORD is not a keyword.
pub(crate) fn add(text: &str, tokens: &[(TokenKind, Span)], diagnostics: &mut [Diagnostic]) {
    for d in diagnostics.iter_mut().filter(|d| d.code == Code::UnexpectedToken && d.help.is_empty()) {
        // The tokens are in source order (zero-width ones may share a start).
        let from = tokens.partition_point(|(_, s)| s.start < d.primary.span.start);
        let Some(i) = tokens[from..]
            .iter()
            .take_while(|(_, s)| s.start == d.primary.span.start)
            .position(|(_, s)| *s == d.primary.span)
            .map(|n| from + n)
        else {
            continue;
        };
        if i < 2 || tokens[i].0 != TokenKind::Ident || tokens[i - 1].0 != TokenKind::Ident {
            continue;
        }
        if !matches!(tokens[i - 2].0, TokenKind::KwIf | TokenKind::Not) {
            continue;
        }
        let at = tokens[i - 1].1;
        let word = &text[at.start as usize..at.end as usize];
        let message = &text[d.primary.span.start as usize..d.primary.span.end as usize];
        let help = match word {
            "undelivered" => format!("for an SMS that was not delivered, write `bounced {message}`"),
            "unsubscribed" | "spam_reported" => {
                format!("`if` waits for `opened`, `clicked`, `delivered` or `bounced` of a message, not `{word}`")
            }
            _ => match crate::closest(word, INTERACTIONS) {
                Some(best) => {
                    let help = format!("did you mean `{best} {message}`?");
                    *d =
                        d.clone().with_help(help).with_replacement(format!("replace `{word}` with `{best}`"), at, best);
                    continue;
                }
                None => continue,
            },
        };
        *d = d.clone().with_help(help);
    }
}
