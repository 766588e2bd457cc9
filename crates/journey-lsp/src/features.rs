//! The features of the server as plain functions over a checked project
//! ([`Snapshot`]), a file and a byte offset: no I/O, no protocol plumbing, so
//! each is tested directly. Every fact comes from the checker's typed IR, the
//! parser's syntax tree or the lexer: nothing is analysed twice.

use std::collections::HashMap;

use journey_check::ir::{
    AttrType, ContentDef, ContentId, DeclRef, GoalMeasure, JourneyDef, Loc, Program, Record, Start, StepKind, Symbol,
    Target, TriggerId, TriggerSource,
};
use journey_diagnostics::{FileId, Span};
use journey_syntax::ast::{self, BodyItem, DeclKind, TypeExpr};
use journey_syntax::{CommentKind, TokenKind};
use journey_time::format_duration;
use smol_str::SmolStr;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeLens, Command, CompletionItem, CompletionItemKind, DocumentHighlight,
    DocumentHighlightKind, DocumentSymbol, Documentation, FoldingRange, FoldingRangeKind, InlayHint, InlayHintKind,
    InlayHintLabel, Location, MarkupContent, MarkupKind, SemanticToken, SemanticTokenModifier, SemanticTokenType,
    SemanticTokensLegend, SymbolKind, TextEdit, Uri, WorkspaceEdit,
};

use crate::convert::{self, range, uri};
use crate::world::Snapshot;

// ---------------------------------------------------------------- symbols

/// The name under `offset` of `file` and what it refers to: a use of a name, or
/// the name of a declaration or attribute where it is declared.
pub fn symbol_at(snap: &Snapshot, file: FileId, offset: usize) -> Option<(Symbol, Span)> {
    let p = &snap.analysis.program;
    if let Some(u) = p.uses.iter().find(|u| u.loc.file == file && touches(u.loc.span, offset)) {
        let text = snap.file(file).slice(u.loc.span);
        if let Symbol::TriggerAttribute(t, path) = &u.symbol
            && text.starts_with("{{")
        {
            // `{{trigger.a.b}}`: the word under the cursor names a prefix of the path.
            let inner = offset - u.loc.span.start as usize;
            let word = (1..=path.len()).find(|&i| word_span(text, i).is_some_and(|w| touches(w, inner)))?;
            let w = word_span(text, word)?;
            let start = u.loc.span.start;
            return Some((
                Symbol::TriggerAttribute(*t, path[..word].into()),
                Span { start: start + w.start, end: start + w.end },
            ));
        }
        return Some((u.symbol.clone(), u.loc.span));
    }
    for (decl, loc) in decls(p) {
        if loc.file == file && touches(loc.span, offset) {
            return Some((Symbol::Decl(decl), loc.span));
        }
    }
    if let Some(profile) = &p.profile
        && let Some((path, span)) = attribute_at(&profile.attributes, file, offset, &mut Vec::new())
    {
        return Some((Symbol::ProfileAttribute(path.into()), span));
    }
    for (i, t) in p.triggers.iter().enumerate() {
        if let Some((path, span)) = attribute_at(&t.attributes, file, offset, &mut Vec::new()) {
            return Some((Symbol::TriggerAttribute(TriggerId(i as u32), path.into()), span));
        }
    }
    None
}

fn touches(span: Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}

fn attribute_at(
    record: &Record,
    file: FileId,
    offset: usize,
    prefix: &mut Vec<SmolStr>,
) -> Option<(Vec<SmolStr>, Span)> {
    for field in &record.fields {
        prefix.push(field.name.clone());
        if field.loc.file == file && touches(field.loc.span, offset) {
            return Some((prefix.clone(), field.loc.span));
        }
        if let AttrType::Record(inner) = &field.ty
            && let Some(found) = attribute_at(inner, file, offset, prefix)
        {
            return Some(found);
        }
        prefix.pop();
    }
    None
}

/// Every named declaration with the place of its name.
pub fn decls(p: &Program) -> impl Iterator<Item = (DeclRef, Loc)> + '_ {
    use journey_check::ir::{JourneyId, SegmentId};
    let t = p.triggers.iter().enumerate().map(|(i, d)| (DeclRef::Trigger(TriggerId(i as u32)), d.loc));
    let c = p.contents.iter().enumerate().map(|(i, d)| (DeclRef::Content(ContentId(i as u32)), d.loc));
    let s = p.segments.iter().enumerate().map(|(i, d)| (DeclRef::Segment(SegmentId(i as u32)), d.loc));
    let j = p.journeys.iter().enumerate().map(|(i, d)| (DeclRef::Journey(JourneyId(i as u32)), d.loc));
    t.chain(c).chain(s).chain(j)
}

/// Where `symbol` is declared.
pub fn definition_of(p: &Program, symbol: &Symbol) -> Option<Loc> {
    match symbol {
        Symbol::Decl(d) => Some(p.decl_name(*d).1),
        Symbol::ProfileAttribute(path) => Some(p.profile.as_ref()?.attributes.lookup(path)?.loc),
        Symbol::TriggerAttribute(t, path) => Some(p.trigger(*t).attributes.lookup(path)?.loc),
    }
}

/// Every place `symbol` is written: its declaration (when asked) and its uses,
/// each narrowed to the name itself.
///
/// A `{{trigger.a.b}}` placeholder is one use of the whole path, so the name of
/// `a` (or `b`) inside it is found by position: the placeholder's words are the
/// root, then the path.
pub fn references_of(snap: &Snapshot, symbol: &Symbol, include_declaration: bool) -> Vec<Loc> {
    let p = &snap.analysis.program;
    let mut out = Vec::new();
    if include_declaration {
        out.extend(definition_of(p, symbol));
    }
    for u in &p.uses {
        let within = match (&u.symbol, symbol) {
            (Symbol::TriggerAttribute(t, long), Symbol::TriggerAttribute(t2, path)) => {
                t == t2 && long.len() >= path.len() && long[..path.len()] == path[..]
            }
            (a, b) => a == b,
        };
        if !within {
            continue;
        }
        let text = snap.file(u.loc.file).slice(u.loc.span);
        let span = match symbol {
            Symbol::TriggerAttribute(_, path) if text.starts_with("{{") => word_span(text, path.len()),
            _ if u.symbol == *symbol => Some(Span::new(0, text.len())),
            _ => None,
        };
        if let Some(span) = span {
            let start = u.loc.span.start as usize;
            out.push(Loc { file: u.loc.file, span: Span::new(start + span.start as usize, start + span.end as usize) });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The span of the `n`th word (`[A-Za-z0-9_]+`) of `text`.
fn word_span(text: &str, n: usize) -> Option<Span> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let word = c.is_ascii_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push(Span::new(s, i));
                start = None;
            }
            _ => {}
        }
    }
    words.get(n).copied()
}

/// The LSP location of `loc`.
pub fn location(snap: &Snapshot, loc: Loc) -> Option<Location> {
    let f = snap.file(loc.file);
    Some(Location { uri: uri(f.path())?, range: range(f, loc.span, snap.unit) })
}

/// Go to definition.
pub fn definition(snap: &Snapshot, file: FileId, offset: usize) -> Option<Location> {
    let (symbol, _) = symbol_at(snap, file, offset)?;
    location(snap, definition_of(&snap.analysis.program, &symbol)?)
}

/// Find references.
pub fn references(snap: &Snapshot, file: FileId, offset: usize, include_declaration: bool) -> Vec<Location> {
    let Some((symbol, _)) = symbol_at(snap, file, offset) else { return Vec::new() };
    references_of(snap, &symbol, include_declaration).into_iter().filter_map(|l| location(snap, l)).collect()
}

/// Document highlights: the places of the file where the name under `offset`
/// is written (its declaration marked as written, the uses as read).
pub fn highlights(snap: &Snapshot, file: FileId, offset: usize) -> Vec<DocumentHighlight> {
    let Some((symbol, _)) = symbol_at(snap, file, offset) else { return Vec::new() };
    let declared = definition_of(&snap.analysis.program, &symbol);
    let f = snap.file(file);
    references_of(snap, &symbol, true)
        .into_iter()
        .filter(|l| l.file == file)
        .map(|l| DocumentHighlight {
            range: range(f, l.span, snap.unit),
            kind: Some(if Some(l) == declared { DocumentHighlightKind::WRITE } else { DocumentHighlightKind::READ }),
        })
        .collect()
}

/// The words that are never names.
const RESERVED: [&str; 6] = ["and", "or", "not", "in", "true", "false"];

/// Whether `name` can name a declaration or an attribute.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&name)
}

/// Rename: the edits renaming the symbol under `offset` to `new_name`, in every
/// file of the project; an error message when the name is not valid or taken.
pub fn rename(snap: &Snapshot, file: FileId, offset: usize, new_name: &str) -> Result<Option<WorkspaceEdit>, String> {
    let Some((symbol, _)) = symbol_at(snap, file, offset) else { return Ok(None) };
    if !is_identifier(new_name) {
        return Err(format!(
            "`{new_name}` is not a valid name: a name is a letter or `_` followed by letters, digits or `_`, and not one of `and or not in true false`"
        ));
    }
    let p = &snap.analysis.program;
    if let Some(why) = rename_refused(p, &symbol) {
        return Err(why);
    }
    match &symbol {
        Symbol::Decl(d) => {
            let taken = decls(p).any(|(other, _)| other != *d && p.decl_name(other).0 == new_name);
            if taken {
                return Err(format!("`{new_name}` is already the name of a declaration of this project"));
            }
        }
        Symbol::ProfileAttribute(path) | Symbol::TriggerAttribute(_, path) => {
            let record = match &symbol {
                Symbol::ProfileAttribute(_) => p.profile.as_ref().map(|pr| &pr.attributes),
                Symbol::TriggerAttribute(t, _) => Some(&p.trigger(*t).attributes),
                Symbol::Decl(_) => None,
            };
            let parent = &path[..path.len() - 1];
            let siblings = match record {
                Some(r) if parent.is_empty() => Some(r),
                Some(r) => match r.lookup(parent).map(|a| &a.ty) {
                    Some(AttrType::Record(inner)) => Some(inner),
                    _ => None,
                },
                None => None,
            };
            if siblings.is_some_and(|s| s.field(new_name).is_some()) {
                return Err(format!("`{new_name}` is already an attribute of this record"));
            }
        }
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for loc in references_of(snap, &symbol, true) {
        if let Some(l) = location(snap, loc) {
            changes.entry(l.uri).or_default().push(TextEdit { range: l.range, new_text: new_name.to_owned() });
        }
    }
    Ok(Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }))
}

/// Why `symbol` cannot be renamed at all, if it cannot: its name is required by
/// the language (a commerce trigger's `revenue`).
pub fn rename_refused(p: &Program, symbol: &Symbol) -> Option<String> {
    match symbol {
        Symbol::TriggerAttribute(t, path)
            if path.len() == 1 && path[0] == "revenue" && p.trigger(*t).source == TriggerSource::Commerce =>
        {
            Some(format!(
                "`revenue` is required by commerce triggers: `{}` is `source commerce`, so it must keep `revenue: money` (the order's value)",
                p.trigger(*t).name
            ))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- hover

/// Hover: Markdown describing what is under `offset`, and the range it covers.
pub fn hover(snap: &Snapshot, file: FileId, offset: usize) -> Option<(String, Span)> {
    if let Some((symbol, span)) = symbol_at(snap, file, offset) {
        return Some((describe(snap, &symbol), span));
    }
    let text = snap.file(file).text();
    let lexed = journey_syntax::lex(file, text);
    let index = lexed.tokens.iter().position(|t| touches(t.span, offset) && t.kind != TokenKind::Error)?;
    let token = &lexed.tokens[index];
    let after_colon = index > 0 && lexed.tokens[index - 1].kind == TokenKind::Colon;
    let written = &text[token.span.range()];
    let markdown = match token.kind {
        TokenKind::Duration => {
            let seconds = journey_time::parse_duration(written).ok()?;
            format!("**duration** `{written}`\n\n{}", long_duration(seconds))
        }
        TokenKind::Percent => format!("**percentage** `{written}`"),
        TokenKind::DateTime => format!("**datetime** `{written}` (RFC 3339, UTC offset required)"),
        kind => {
            let word = kind.keyword().or(match kind {
                TokenKind::And => Some("and"),
                TokenKind::Or => Some("or"),
                TokenKind::Not => Some("not"),
                TokenKind::In => Some("in"),
                TokenKind::True | TokenKind::False => Some("true"),
                TokenKind::Ident => Some(written),
                _ => None,
            })?;
            // `email: email`: after a colon, a word is a type; elsewhere, a keyword if it is one.
            let scalar = journey_check::ir::Scalar::from_name(word);
            match (scalar, keyword_doc(word)) {
                (Some(ty), doc) if after_colon || doc.is_none() => {
                    format!("**type** `{}`\n\n{}", ty.name(), scalar_doc(word))
                }
                (_, Some(doc)) => format!("**keyword** `{word}`\n\n{doc}"),
                _ => return None,
            }
        }
    };
    Some((markdown, token.span))
}

/// `1d12h` as people say it: "1 day 12 hours (129600 seconds)".
pub fn long_duration(seconds: u64) -> String {
    const UNITS: [(&str, u64); 5] =
        [("week", 604_800), ("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)];
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (name, len) in UNITS {
        if rest >= len {
            let n = rest / len;
            rest %= len;
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
        }
    }
    if parts.is_empty() {
        parts.push("0 seconds".into());
    }
    format!("{} ({seconds} seconds)", parts.join(" "))
}

fn scalar_doc(word: &str) -> &'static str {
    match word {
        "text" => "Text.",
        "int" => "A whole number; compares with any number.",
        "number" => "A number.",
        "money" => "An amount of money; compares with any number.",
        "bool" => "`true` or `false`.",
        "datetime" => "An instant, written `@2026-12-01T09:00:00Z`.",
        "email" => "An email address: the address of `email` messages.",
        _ => "A phone number: the address of `sms` messages.",
    }
}

/// The documentation of a keyword (or of a property key such as `subject`).
pub fn keyword_doc(word: &str) -> Option<&'static str> {
    Some(match word {
        "profile" => {
            "The profile schema (`profile { ... }`, one per project), or `profile.x`: an attribute of the customer's profile."
        }
        "trigger" => {
            "`trigger Name { ... }` declares an event customers cause; in a message, `{{trigger.x}}` reads the event that started the journey."
        }
        "email" => {
            "`email Name { ... }` declares an email message (`subject`, `body`); also the type of email addresses."
        }
        "sms" => "`sms Name { ... }` declares an SMS message (`text`).",
        "push" => "`push Name { ... }` declares a push notification (`title`, `body`).",
        "segment" => "`segment Name { where ... }` or `{ source list }` declares an audience.",
        "journey" => "`journey Name { settings, then steps }` declares a customer journey.",
        "start" => {
            "`start on TRIGGER [where EXPR]` or `start segment SEGMENT [every DURATION]`: how profiles enter the journey."
        }
        "on" => "Names the trigger of `start on`, `exit on` or `goal ... on`.",
        "where" => {
            "A condition. After a trigger, bare names are that trigger's attributes (`cart.total`); `profile.x` is the profile."
        }
        "every" => "`start segment S every DURATION`: enter the segment's members again at this period.",
        "goal" => {
            "`goal TYPE on TRIGGER [where EXPR] [target N | target P%]` or `goal notify opened|clicked`: the journey's one business goal."
        }
        "target" => "The goal's target: a number of profiles, or a percentage of those who entered.",
        "exit" => "`exit on TRIGGER [where EXPR]`: leave at once on this event; as a step, `exit` leaves now.",
        "exclude" => "`exclude SEGMENT`: members of the segment never enter.",
        "suppress" => "`suppress SEGMENT`: members of the segment are sent nothing.",
        "attribution" => "`attribution DURATION`: how long after a message a goal event counts for it (default 3d).",
        "reentry" => "`reentry always | never | after DURATION`: whether a profile may enter again.",
        "transactional" => {
            "`transactional`: the journey sends transactional messages (order confirmations, password resets): they go to profiles who opted out of the channel, and frequency caps neither limit nor count them."
        }
        "always" => "`reentry always`: a profile may enter again whenever it is not in the journey (the default).",
        "never" => "`reentry never`: a profile enters at most once.",
        "after" => "`reentry after DURATION`: a profile may enter again this long after its previous entry.",
        "send" => "`send MESSAGE [to ADDRESS]`: send a message to the profile.",
        "to" => "`send M to profile.x`: the address attribute to send to.",
        "wait" => "`wait DURATION`: pause the profile here.",
        "if" => {
            "`if [not] EVENT within DURATION { ... } [else { ... }]` waits for an event; `if EXPR { ... }` branches on attributes."
        }
        "else" => "The steps taken when no branch of the `if` is taken.",
        "within" => "How long to wait for the event (or the window of `count`/`sum`).",
        "split" => "`split { A 50% { ... } B 50% { ... } }`: a random split (an A/B test).",
        "stage" => "`stage NAME { ... }`: a named stage of the funnel, reported on its own.",
        "opened" => "The message was opened.",
        "clicked" => "A link of the message was clicked.",
        "delivered" => "The message was delivered.",
        "bounced" => "The message bounced.",
        "and" => "Both conditions hold.",
        "or" => "Either condition holds.",
        "not" => "The condition does not hold (or, in `if not EVENT within D`, the event did not happen in time).",
        "in" => "`profile in Segment`: the profile is a member of the segment.",
        "true" => "A boolean.",
        "source" => "Where events come from (`custom commerce interaction dataverse`), or `source list` for a segment.",
        "status" => "`draft` (the default), `published` (triggers) or `ready` (messages): required to publish.",
        "subject" => "The email's subject line.",
        "body" => "The message's body (email, push).",
        "text" => "The SMS text; also the type of text attributes.",
        "title" => "The push notification's title.",
        "count" => "`count(T [where C] within D)`: how many such events the profile caused in the window.",
        "sum" => "`sum(T.attr [where C] within D)`: the sum of an attribute over such events in the window.",
        "days_since" => "`days_since(T [where C])`: days since the latest such event.",
        "custom" => {
            "`source custom`: events sent by the company's own systems (the default); as a goal type, a custom metric."
        }
        "commerce" => "`source commerce`: store orders; the trigger must have `revenue: money`.",
        "interaction" => "`source interaction`: interactions recorded by the platform.",
        "dataverse" => "`source dataverse`: changes of records; never a goal.",
        "list" => "`source list`: the segment's members come from the data, not from a rule.",
        "draft" => "`status draft` (the default): not ready to publish.",
        "published" => "`status published`: a trigger that journeys may use when published.",
        "ready" => "`status ready`: a message that journeys may send when published.",
        "purchase" => "A goal type: drive a purchase.",
        "engage" => "A goal type: engage customers (an event registration...).",
        "loyalty" => "A goal type: increase loyalty.",
        "onboard" => "A goal type: onboard new people.",
        "notify" => "A goal type: a notification, measured by opens (`goal notify opened`) or clicks.",
        _ => return None,
    })
}

fn type_name(ty: &AttrType) -> String {
    match ty {
        AttrType::Scalar(s) => s.name().to_owned(),
        AttrType::Record(r) => {
            let fields: Vec<String> = r.fields.iter().map(|f| format!("{}: {}", f.name, type_name(&f.ty))).collect();
            format!("{{ {} }}", fields.join(", "))
        }
    }
}

fn with_docs(mut out: String, docs: &Option<String>) -> String {
    if let Some(d) = docs {
        out.push_str("\n\n");
        out.push_str(d.trim());
    }
    out
}

fn preview(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 160 { format!("{}…", one.chars().take(160).collect::<String>()) } else { one }
}

/// Markdown for a content's properties: subject, title, text, body previews.
pub fn content_preview(c: &ContentDef) -> String {
    let mut out = String::new();
    for (key, t) in c.templates() {
        out.push_str(&format!("- {key}: {}\n", preview(&t.text)));
    }
    out
}

/// The summary of a journey: entry, goal, number of messages, longest path.
pub fn journey_summary(p: &Program, j: &JourneyDef) -> String {
    let entry = match &j.start {
        Some(Start::Trigger { trigger: Some(t), .. }) => format!("on {}", p.trigger(*t).name),
        Some(Start::Segment { segment: Some(s), every, .. }) => match every {
            Some(e) => format!("segment {} every {}", p.segment(*s).name, format_duration(*e)),
            None => format!("segment {}", p.segment(*s).name),
        },
        _ => "?".to_owned(),
    };
    let goal = match &j.goal {
        Some(g) => {
            let kind = g.kind.map(|k| k.keyword()).unwrap_or("?");
            let measure = match &g.measure {
                Some(GoalMeasure::Trigger { trigger: Some(t), .. }) => format!(" on {}", p.trigger(*t).name),
                Some(GoalMeasure::Notify { clicked }) => (if *clicked { " clicked" } else { " opened" }).to_owned(),
                _ => String::new(),
            };
            let target = match g.target {
                Some(Target::Count(n)) => format!(" target {n}"),
                Some(Target::Percent(x)) => format!(" target {x}%"),
                None => String::new(),
            };
            format!("{kind}{measure}{target}")
        }
        None => "none".to_owned(),
    };
    let n = j.summary.messages;
    format!(
        "entry: {entry} · goal: {goal} · {n} message{} · longest path {}",
        if n == 1 { "" } else { "s" },
        format_duration(j.summary.longest)
    )
}

/// Hover text of a symbol.
pub fn describe(snap: &Snapshot, symbol: &Symbol) -> String {
    let p = &snap.analysis.program;
    match symbol {
        Symbol::Decl(DeclRef::Trigger(id)) => {
            let t = p.trigger(*id);
            let mut out = format!(
                "```journey\ntrigger {}\n```\nsource `{}` · {}",
                t.name,
                t.source.keyword(),
                if t.published { "published" } else { "draft" }
            );
            out = with_docs(out, &t.docs);
            if !t.attributes.fields.is_empty() {
                out.push_str("\n\nattributes:\n");
                for (path, ty) in t.attributes.scalar_paths() {
                    out.push_str(&format!("- `{path}: {}`\n", ty.name()));
                }
            }
            out
        }
        Symbol::Decl(DeclRef::Content(id)) => {
            let c = p.content(*id);
            let out = format!(
                "```journey\n{} {}\n```\n{}",
                c.channel.keyword(),
                c.name,
                if c.ready { "ready" } else { "draft" }
            );
            let mut out = with_docs(out, &c.docs);
            let previews = content_preview(c);
            if !previews.is_empty() {
                out.push_str("\n\n");
                out.push_str(&previews);
            }
            out
        }
        Symbol::Decl(DeclRef::Segment(id)) => {
            let s = p.segment(*id);
            let rule = match &s.rule {
                journey_check::ir::SegmentRule::Where(e) => {
                    let written = preview(snap.file(s.decl.file).slice(e.span));
                    format!("members: `where {written}`")
                }
                journey_check::ir::SegmentRule::List => "members from a list (`source list`)".to_owned(),
                journey_check::ir::SegmentRule::Missing => "no rule".to_owned(),
            };
            with_docs(format!("```journey\nsegment {}\n```\n{rule}", s.name), &s.docs)
        }
        Symbol::Decl(DeclRef::Journey(id)) => {
            let j = &p.journeys[id.index()];
            with_docs(format!("```journey\njourney {}\n```\n{}", j.name, journey_summary(p, j)), &j.docs)
        }
        Symbol::ProfileAttribute(path) => {
            let attr = p.profile.as_ref().and_then(|pr| pr.attributes.lookup(path));
            let ty = attr.map(|a| type_name(&a.ty)).unwrap_or_else(|| "?".into());
            let out = format!("```journey\nprofile.{}: {ty}\n```\nan attribute of the profile", join(path));
            with_docs(out, &attr.and_then(|a| a.docs.clone()))
        }
        Symbol::TriggerAttribute(t, path) => {
            let trigger = p.trigger(*t);
            let attr = trigger.attributes.lookup(path);
            let ty = attr.map(|a| type_name(&a.ty)).unwrap_or_else(|| "?".into());
            let out = format!("```journey\n{}: {ty}\n```\nan attribute of `{}` events", join(path), trigger.name);
            with_docs(out, &attr.and_then(|a| a.docs.clone()))
        }
    }
}

fn join(path: &[SmolStr]) -> String {
    path.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(".")
}

// ---------------------------------------------------------------- outline

fn decl_kind(kind: &DeclKind) -> SymbolKind {
    match kind {
        DeclKind::Profile(_) => SymbolKind::STRUCT,
        DeclKind::Trigger(_) => SymbolKind::EVENT,
        DeclKind::Content(_) => SymbolKind::OBJECT,
        DeclKind::Segment(_) => SymbolKind::CLASS,
        DeclKind::Journey(_) => SymbolKind::FUNCTION,
    }
}

#[allow(deprecated, clippy::too_many_arguments)] // DocumentSymbol::deprecated must be written out
fn symbol(
    snap: &Snapshot,
    file: FileId,
    name: &str,
    detail: Option<String>,
    kind: SymbolKind,
    whole: Span,
    name_span: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let f = snap.file(file);
    DocumentSymbol {
        name: if name.is_empty() { "?".into() } else { name.to_owned() },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: range(f, whole.cover(name_span), snap.unit),
        selection_range: range(f, name_span, snap.unit),
        children: (!children.is_empty()).then_some(children),
    }
}

fn field_symbols(snap: &Snapshot, file: FileId, fields: &[ast::Field]) -> Vec<DocumentSymbol> {
    fields
        .iter()
        .map(|field| {
            let (detail, children) = match &field.ty {
                TypeExpr::Named(t) => (Some(t.text.to_string()), Vec::new()),
                TypeExpr::Record(r) => (None, field_symbols(snap, file, &r.fields)),
                TypeExpr::Error(_) => (None, Vec::new()),
            };
            symbol(snap, file, &field.name.text, detail, SymbolKind::FIELD, field.span, field.name.span, children)
        })
        .collect()
}

fn body_fields(body: &ast::Body) -> Vec<ast::Field> {
    body.items
        .iter()
        .filter_map(|i| match i {
            BodyItem::Field(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

fn stage_symbols(snap: &Snapshot, file: FileId, steps: &[ast::Step], out: &mut Vec<DocumentSymbol>) {
    for step in steps {
        match &step.kind {
            ast::StepKind::Stage { name, block } => {
                let mut children = Vec::new();
                stage_symbols(snap, file, &block.steps, &mut children);
                out.push(symbol(
                    snap,
                    file,
                    &name.text,
                    Some("stage".into()),
                    SymbolKind::NAMESPACE,
                    step.span,
                    name.span,
                    children,
                ));
            }
            ast::StepKind::If(i) => {
                for b in &i.branches {
                    stage_symbols(snap, file, &b.block.steps, out);
                }
                if let Some(o) = &i.otherwise {
                    stage_symbols(snap, file, &o.steps, out);
                }
            }
            ast::StepKind::Split(s) => {
                for b in &s.branches {
                    stage_symbols(snap, file, &b.block.steps, out);
                }
            }
            _ => {}
        }
    }
}

/// Document symbols: the declarations of the file, with the attributes of
/// schemas and the stages of journeys as children.
pub fn document_symbols(snap: &Snapshot, file: FileId) -> Vec<DocumentSymbol> {
    let tree = &snap.project.parses[file.0 as usize].tree;
    tree.decls
        .iter()
        .map(|decl| {
            let (name, name_span) = match decl.name() {
                Some(n) => (n.text.to_string(), n.span),
                None => (
                    "profile".to_owned(),
                    match &decl.kind {
                        DeclKind::Profile(p) => p.keyword,
                        _ => decl.span,
                    },
                ),
            };
            let children = match &decl.kind {
                DeclKind::Profile(p) => field_symbols(snap, file, &body_fields(&p.body)),
                DeclKind::Trigger(t) => field_symbols(snap, file, &body_fields(&t.body)),
                DeclKind::Journey(j) => {
                    let mut out = Vec::new();
                    stage_symbols(snap, file, &j.steps, &mut out);
                    out
                }
                _ => Vec::new(),
            };
            symbol(
                snap,
                file,
                &name,
                Some(decl.keyword().to_owned()),
                decl_kind(&decl.kind),
                decl.span,
                name_span,
                children,
            )
        })
        .collect()
}

/// Workspace symbols of one project: its declarations whose name contains
/// `query` (case-insensitively), as (name, kind, container, location).
pub fn workspace_symbols(snap: &Snapshot, query: &str) -> Vec<(String, SymbolKind, Location)> {
    let query = query.to_lowercase();
    let p = &snap.analysis.program;
    decls(p)
        .filter_map(|(d, loc)| {
            let name = p.decl_name(d).0.to_string();
            if !name.to_lowercase().contains(&query) {
                return None;
            }
            let kind = match d {
                DeclRef::Trigger(_) => SymbolKind::EVENT,
                DeclRef::Content(_) => SymbolKind::OBJECT,
                DeclRef::Segment(_) => SymbolKind::CLASS,
                DeclRef::Journey(_) => SymbolKind::FUNCTION,
            };
            Some((name, kind, location(snap, loc)?))
        })
        .collect()
}

// ---------------------------------------------------------------- edits

/// Formatting: one edit replacing the whole file with its canonical layout,
/// none when it is already canonical, `Err` when the file has syntax errors.
pub fn formatting(snap: &Snapshot, file: FileId) -> Result<Vec<TextEdit>, String> {
    let f = snap.file(file);
    let text = f.text();
    match journey_fmt::format(file, text) {
        Ok(formatted) if formatted == text => Ok(Vec::new()),
        Ok(formatted) => {
            Ok(vec![TextEdit { range: range(f, Span::new(0, text.len()), snap.unit), new_text: formatted }])
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Code actions: the checker's fixes of the diagnostics of `file` that touch `span`.
pub fn code_actions(snap: &Snapshot, file: FileId, span: Span) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in &snap.analysis.diagnostics {
        let Some(fix) = &d.fix else { continue };
        let p = d.primary.span;
        if d.primary.file != file || p.start > span.end || p.end < span.start {
            continue;
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for edit in &fix.edits {
            if let Some(l) = location(snap, Loc { file: edit.file, span: edit.span }) {
                changes.entry(l.uri).or_default().push(TextEdit { range: l.range, new_text: edit.replacement.clone() });
            }
        }
        out.push(CodeAction {
            title: fix.message.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![convert::diagnostic(snap, d)]),
            edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
            is_preferred: Some(true),
            ..CodeAction::default()
        });
    }
    out
}

// ---------------------------------------------------------------- completion

fn item(label: &str, kind: CompletionItemKind, detail: impl Into<String>, doc: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        detail: Some(detail.into()),
        documentation: doc
            .filter(|d| !d.is_empty())
            .map(|value| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value })),
        ..CompletionItem::default()
    }
}

fn content_items(p: &Program) -> Vec<CompletionItem> {
    p.contents
        .iter()
        .map(|c| {
            let detail = format!("{} · {}", c.channel.keyword(), if c.ready { "ready" } else { "draft" });
            let doc = with_docs(String::new(), &c.docs).trim().to_owned() + "\n\n" + &content_preview(c);
            item(&c.name, CompletionItemKind::VALUE, detail, Some(doc.trim().to_owned()))
        })
        .collect()
}

fn trigger_items(snap: &Snapshot) -> Vec<CompletionItem> {
    let p = &snap.analysis.program;
    (0..p.triggers.len())
        .map(|i| {
            let t = &p.triggers[i];
            let detail = format!(
                "trigger · source {} · {}",
                t.source.keyword(),
                if t.published { "published" } else { "draft" }
            );
            let doc = describe(snap, &Symbol::Decl(DeclRef::Trigger(TriggerId(i as u32))));
            item(&t.name, CompletionItemKind::EVENT, detail, Some(doc))
        })
        .collect()
}

fn segment_items(snap: &Snapshot) -> Vec<CompletionItem> {
    let p = &snap.analysis.program;
    (0..p.segments.len())
        .map(|i| {
            let doc = describe(snap, &Symbol::Decl(DeclRef::Segment(journey_check::ir::SegmentId(i as u32))));
            item(&p.segments[i].name, CompletionItemKind::CLASS, "segment", Some(doc))
        })
        .collect()
}

fn attribute_items(record: &Record) -> Vec<CompletionItem> {
    record
        .fields
        .iter()
        .map(|f| {
            let ty = type_name(&f.ty);
            let doc = with_docs(format!("`{}: {ty}`", f.name), &f.docs);
            item(&f.name, CompletionItemKind::FIELD, ty, Some(doc))
        })
        .collect()
}

fn keyword_items(words: &[&str]) -> Vec<CompletionItem> {
    words.iter().map(|w| item(w, CompletionItemKind::KEYWORD, "keyword", keyword_doc(w).map(str::to_owned))).collect()
}

const TOP_LEVEL: [&str; 7] = ["profile", "trigger", "email", "sms", "push", "segment", "journey"];
const JOURNEY_WORDS: [&str; 16] = [
    "start",
    "goal",
    "exit",
    "exclude",
    "suppress",
    "attribution",
    "reentry",
    "transactional",
    "send",
    "wait",
    "if",
    "else",
    "split",
    "stage",
    "within",
    "not",
];

fn record_at<'a>(record: &'a Record, path: &[&str]) -> Option<&'a Record> {
    if path.is_empty() {
        return Some(record);
    }
    match &record.lookup(path)?.ty {
        AttrType::Record(r) => Some(r),
        AttrType::Scalar(_) => None,
    }
}

fn content_at(p: &Program, file: FileId, offset: usize) -> Option<ContentId> {
    let i = p.contents.iter().position(|c| c.decl.file == file && touches(c.decl.span, offset))?;
    Some(ContentId(i as u32))
}

/// `{{trigger.` in a message (rule 13): the attributes at `path` present in the
/// start trigger of every journey that sends `content`. None when no journey
/// sends it, or one of them starts on a segment (it has no trigger).
fn message_trigger_items(p: &Program, content: ContentId, path: &[&str]) -> Vec<CompletionItem> {
    let mut records: Vec<&Record> = Vec::new();
    for j in &p.journeys {
        let mut sends = false;
        j.for_each_step(&mut |s| sends |= matches!(s.kind, StepKind::Send { content: Some(c), .. } if c == content));
        if !sends {
            continue;
        }
        let record = j.start.as_ref().and_then(|s| s.trigger()).and_then(|t| record_at(&p.trigger(t).attributes, path));
        match record {
            Some(r) => records.push(r),
            None => return Vec::new(),
        }
    }
    let Some((first, others)) = records.split_first() else { return Vec::new() };
    let mut items = attribute_items(first);
    items.retain(|i| others.iter().all(|r| r.field(&i.label).is_some()));
    items
}

/// What kind of literal an offset is inside.
#[derive(Debug, PartialEq, Eq)]
enum Literal {
    Comment,
    String,
}

/// Whether `offset` of `text` is inside a comment or a string, lexing from
/// `from` (the start of the declaration) to the end of the line.
fn literal_at(file: FileId, text: &str, from: usize, offset: usize) -> Option<Literal> {
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let window = &text[from..line_end];
    let at = offset - from;
    let lexed = journey_syntax::lex(file, window);
    for c in &lexed.comments {
        let (start, end) = (c.span.start as usize, c.span.end as usize);
        let closed = c.kind == CommentKind::Block && window[start..end].ends_with("*/") && end - start >= 4;
        if start < at && (at < end || (at == end && !closed)) {
            return Some(Literal::Comment);
        }
    }
    for t in lexed.tokens.iter().filter(|t| matches!(t.kind, TokenKind::String | TokenKind::TripleString)) {
        let (start, end) = (t.span.start as usize, t.span.end as usize);
        let written = &window[start..end];
        let closed = match t.kind {
            TokenKind::TripleString => written.len() >= 6 && written.ends_with("\"\"\""),
            _ => written.len() >= 2 && written.ends_with('"') && !written.ends_with("\\\""),
        };
        if start < at && (at < end || (at == end && !closed)) {
            return Some(Literal::String);
        }
    }
    None
}

fn journey_at(p: &Program, file: FileId, offset: usize) -> Option<&JourneyDef> {
    p.journeys.iter().find(|j| j.decl.file == file && touches(j.decl.span, offset))
}

/// Completion by context at `offset` of `file`: after `send`, messages; after
/// `start on`, `exit on`, `goal ... on`, triggers; after `profile.` and in a
/// `where`, the attributes of the right record; keywords where a keyword fits.
pub fn completion(snap: &Snapshot, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let p = &snap.analysis.program;
    let text = snap.file(file).text();
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let partial = prefix.len() - prefix.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len();
    let before = &prefix[..prefix.len() - partial];

    // The tokens before the cursor, from the start of the declaration (at most 4 kB
    // back): a setting or a condition may run over several lines.
    let tree = &snap.project.parses[file.0 as usize].tree;
    let decl = tree.decls.iter().find(|d| d.span.start as usize <= offset && offset < d.span.end as usize);
    let end = offset - partial;
    let mut from = decl.map_or(line_start, |d| d.span.start as usize).max(end.saturating_sub(4096));
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let window = &text[from..end];
    let lexed = journey_syntax::lex(file, window);
    let tokens: Vec<(TokenKind, &str)> = lexed.tokens.iter().map(|t| (t.kind, &window[t.span.range()])).collect();

    // Nothing in a comment, nor in a string outside a placeholder.
    let placeholder = before.rfind("{{").is_some_and(|open| !before[open..].contains("}}"));
    match literal_at(file, text, from, offset) {
        Some(Literal::Comment) => return Vec::new(),
        Some(Literal::String) if !placeholder => return Vec::new(),
        _ => {}
    }

    // `profile.`, `trigger.`, `cart.` (in a trigger's `where`), `T.` (in `sum`), `{{profile.`
    if before.ends_with('.') {
        let dotted_len =
            before.len() - before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.').len();
        let dotted = &before[before.len() - dotted_len..before.len() - 1];
        let segments: Vec<&str> = dotted.split('.').collect();
        let (root, rest) = segments.split_first().map(|(r, rest)| (*r, rest)).unwrap_or(("", &[]));
        let record = match root {
            "profile" => p.profile.as_ref().and_then(|pr| record_at(&pr.attributes, rest)),
            "trigger" if placeholder => match content_at(p, file, offset) {
                Some(c) => return message_trigger_items(p, c, rest),
                None => journey_at(p, file, offset)
                    .and_then(|j| j.start.as_ref()?.trigger())
                    .and_then(|t| record_at(&p.trigger(t).attributes, rest)),
            },
            "trigger" => journey_at(p, file, offset)
                .and_then(|j| j.start.as_ref()?.trigger())
                .and_then(|t| record_at(&p.trigger(t).attributes, rest)),
            name => match p.trigger_named(name) {
                Some(t) => record_at(&p.trigger(t).attributes, rest),
                None => {
                    where_trigger(p, window, &lexed.tokens).and_then(|t| record_at(&p.trigger(t).attributes, &segments))
                }
            },
        };
        return record.map(attribute_items).unwrap_or_default();
    }
    if placeholder {
        return keyword_items(&["profile", "trigger"]);
    }

    let on_line = lexed.tokens.iter().filter(|t| from + t.span.start as usize >= line_start).count();
    let back = |n: usize| tokens.len().checked_sub(n + 1).map(|i| tokens[i].0);
    let Some(&(kind, word)) = tokens.last().filter(|_| on_line > 0) else {
        // Start of a line: the keywords that may begin one here.
        return match decl.map(|d| &d.kind) {
            None => keyword_items(&TOP_LEVEL),
            Some(DeclKind::Journey(_)) => keyword_items(&JOURNEY_WORDS),
            Some(DeclKind::Trigger(_)) => keyword_items(&["source", "status"]),
            Some(DeclKind::Content(c)) => match c.channel {
                ast::Channel::Email => keyword_items(&["status", "subject", "body"]),
                ast::Channel::Sms => keyword_items(&["status", "text"]),
                ast::Channel::Push => keyword_items(&["status", "title", "body"]),
            },
            Some(DeclKind::Segment(_)) => keyword_items(&["where", "source"]),
            Some(DeclKind::Profile(_)) => Vec::new(),
        };
    };
    let prev = back(1);
    let in_journey = matches!(decl.map(|d| &d.kind), Some(DeclKind::Journey(_)));
    let events = || {
        let mut items = keyword_items(&["opened", "clicked", "delivered", "bounced"]);
        items.extend(trigger_items(snap));
        items
    };
    use TokenKind as K;
    match kind {
        K::KwSend => content_items(p),
        K::KwOn if matches!(prev, Some(K::KwStart | K::KwExit)) || back(2) == Some(K::KwGoal) => trigger_items(snap),
        K::KwOpened | K::KwClicked | K::KwDelivered | K::KwBounced if matches!(prev, Some(K::KwIf | K::Not)) => {
            content_items(p)
        }
        K::KwSegment if prev == Some(K::KwStart) => segment_items(snap),
        K::KwExclude | K::KwSuppress if in_journey => segment_items(snap),
        K::In if prev == Some(K::KwProfile) => segment_items(snap),
        K::LParen if tokens.len() >= 2 && matches!(tokens[tokens.len() - 2].1, "count" | "sum" | "days_since") => {
            trigger_items(snap)
        }
        K::KwGoal if in_journey => keyword_items(&journey_check::ir::GoalKind::NAMES),
        K::Ident if prev == Some(K::KwGoal) && word == "notify" => keyword_items(&["opened", "clicked"]),
        K::Ident if prev == Some(K::KwGoal) => keyword_items(&["on"]),
        K::KwStart if in_journey => keyword_items(&["on", "segment"]),
        K::KwExit if in_journey && on_line == 1 => keyword_items(&["on"]),
        K::KwReentry => keyword_items(&["always", "never", "after"]),
        K::KwTo => keyword_items(&["profile"]),
        K::KwIf => {
            let mut items = keyword_items(&["not", "profile"]);
            items.extend(events());
            items
        }
        K::Not if prev == Some(K::KwIf) => events(),
        K::KwWhere | K::And | K::Or | K::Not | K::LParen => {
            let mut items = keyword_items(&["profile", "not", "count", "sum", "days_since"]);
            if let Some(t) = where_trigger(p, window, &lexed.tokens) {
                items.extend(attribute_items(&p.trigger(t).attributes));
            }
            items
        }
        K::Ident if word == "source" && on_line == 1 => {
            keyword_items(&["custom", "commerce", "interaction", "dataverse", "list"])
        }
        K::Ident if word == "status" && on_line == 1 => keyword_items(&["draft", "published", "ready"]),
        _ => Vec::new(),
    }
}

/// The words that begin a setting or a step: a `where` before one of them is over.
const STATEMENT_STARTS: [TokenKind; 13] = [
    TokenKind::KwStart,
    TokenKind::KwGoal,
    TokenKind::KwExit,
    TokenKind::KwExclude,
    TokenKind::KwSuppress,
    TokenKind::KwAttribution,
    TokenKind::KwReentry,
    TokenKind::KwTransactional,
    TokenKind::KwSend,
    TokenKind::KwWait,
    TokenKind::KwSplit,
    TokenKind::KwStage,
    TokenKind::LBrace,
];

/// The trigger whose `where` the end of `window` is in (`start on T where ...`,
/// `count(T where ...`), if the condition is not over.
fn where_trigger(p: &Program, window: &str, tokens: &[journey_syntax::Token]) -> Option<TriggerId> {
    let w = tokens.iter().rposition(|t| t.kind == TokenKind::KwWhere)?;
    if tokens[w..].iter().any(|t| STATEMENT_STARTS.contains(&t.kind) || t.kind == TokenKind::RBrace) {
        return None;
    }
    let name = tokens.get(w.checked_sub(1)?)?;
    p.trigger_named(&window[name.span.range()])
}

// ---------------------------------------------------------------- inlay hints, lenses

/// `t+1d`, or `t+1d..3d` when profiles may reach the step at different times.
pub fn elapsed_label(min: u64, max: u64) -> String {
    if min == max {
        format!("t+{}", format_duration(min))
    } else {
        format!("t+{}..{}", format_duration(min), format_duration(max))
    }
}

/// Inlay hints: the time since entry at each reachable `send` step of the
/// journeys of `file` that start in `span`, from the checker's flow analysis.
pub fn inlay_hints(snap: &Snapshot, file: FileId, span: Span) -> Vec<InlayHint> {
    let f = snap.file(file);
    let mut out = Vec::new();
    for j in snap.analysis.program.journeys.iter().filter(|j| j.decl.file == file) {
        for step in j.all_steps() {
            if !matches!(step.kind, StepKind::Send { .. }) || !touches(span, step.span.start as usize) {
                continue;
            }
            let Some(flow) = j.flow.get(step.id.0 as usize) else { continue };
            if !flow.reachable {
                continue;
            }
            out.push(InlayHint {
                position: convert::position(f, step.span.start as usize, snap.unit),
                label: InlayHintLabel::String(elapsed_label(flow.elapsed.min, flow.elapsed.max)),
                kind: Some(InlayHintKind::PARAMETER),
                text_edits: None,
                tooltip: None,
                padding_left: None,
                padding_right: Some(true),
                data: None,
            });
        }
    }
    out
}

/// Code lenses: the summary of each journey of `file`, above its name.
pub fn code_lenses(snap: &Snapshot, file: FileId) -> Vec<CodeLens> {
    let p = &snap.analysis.program;
    let f = snap.file(file);
    p.journeys
        .iter()
        .filter(|j| j.loc.file == file)
        .map(|j| CodeLens {
            range: range(f, j.loc.span, snap.unit),
            command: Some(Command { title: journey_summary(p, j), command: String::new(), arguments: None }),
            data: None,
        })
        .collect()
}

// ---------------------------------------------------------------- folding

fn fold(f: &journey_diagnostics::SourceFile, span: Span, kind: Option<FoldingRangeKind>, out: &mut Vec<FoldingRange>) {
    let start = f.position(span.start as usize, journey_diagnostics::ColumnUnit::Utf8).line;
    let end = f.position(span.end as usize, journey_diagnostics::ColumnUnit::Utf8).line;
    // keep the closing brace's line visible
    let end = if kind.is_none() { end.saturating_sub(1) } else { end };
    if end > start {
        out.push(FoldingRange { start_line: start, end_line: end, kind, ..FoldingRange::default() });
    }
}

fn fold_steps(f: &journey_diagnostics::SourceFile, steps: &[ast::Step], out: &mut Vec<FoldingRange>) {
    for step in steps {
        match &step.kind {
            ast::StepKind::If(i) => {
                for b in &i.branches {
                    fold(f, b.block.span, None, out);
                    fold_steps(f, &b.block.steps, out);
                }
                if let Some(o) = &i.otherwise {
                    fold(f, o.span, None, out);
                    fold_steps(f, &o.steps, out);
                }
            }
            ast::StepKind::Split(s) => {
                fold(f, s.body_span, None, out);
                for b in &s.branches {
                    fold(f, b.block.span, None, out);
                    fold_steps(f, &b.block.steps, out);
                }
            }
            ast::StepKind::Stage { block, .. } => {
                fold(f, block.span, None, out);
                fold_steps(f, &block.steps, out);
            }
            _ => {}
        }
    }
}

/// Folding ranges: declarations, blocks, and runs of comments.
pub fn folding_ranges(snap: &Snapshot, file: FileId) -> Vec<FoldingRange> {
    let f = snap.file(file);
    let parse = &snap.project.parses[file.0 as usize];
    let mut out = Vec::new();
    for decl in &parse.tree.decls {
        fold(f, decl.span, None, &mut out);
        if let DeclKind::Journey(j) = &decl.kind {
            fold_steps(f, &j.steps, &mut out);
        }
    }
    // Consecutive line comments fold together; a block comment folds alone.
    let mut run: Option<Span> = None;
    let line = |o: u32| f.position(o as usize, journey_diagnostics::ColumnUnit::Utf8).line;
    for c in &parse.comments {
        if c.kind == CommentKind::Block {
            fold(f, c.span, Some(FoldingRangeKind::Comment), &mut out);
            continue;
        }
        run = match run {
            Some(r) if line(c.span.start) == line(r.end) + 1 => Some(r.cover(c.span)),
            Some(r) => {
                fold(f, r, Some(FoldingRangeKind::Comment), &mut out);
                Some(c.span)
            }
            None => Some(c.span),
        };
    }
    if let Some(r) = run {
        fold(f, r, Some(FoldingRangeKind::Comment), &mut out);
    }
    out.sort_by_key(|r| (r.start_line, r.end_line));
    out
}

// ---------------------------------------------------------------- semantic tokens

/// The property keys of triggers, messages and segments (names, not keywords, for the lexer).
const PROPERTY_KEYS: [&str; 6] = ["source", "status", "subject", "body", "text", "title"];

/// The semantic token types, indexed as in [`legend`].
const TYPES: [SemanticTokenType; 11] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::EVENT,
    SemanticTokenType::CLASS,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::TYPE,
];
const KEYWORD: u32 = 0;
const STRING: u32 = 1;
const NUMBER: u32 = 2;
const COMMENT: u32 = 3;
const OPERATOR: u32 = 4;
const PROPERTY: u32 = 9;
const TYPE: u32 = 10;
const DECLARATION: u32 = 1;
const DOCUMENTATION: u32 = 2;

/// The legend of the semantic tokens: triggers are events, segments classes,
/// journeys functions, messages variables, attributes properties.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION, SemanticTokenModifier::DOCUMENTATION],
    }
}

fn symbol_type(symbol: &Symbol) -> u32 {
    match symbol {
        Symbol::Decl(DeclRef::Trigger(_)) => 5,
        Symbol::Decl(DeclRef::Segment(_)) => 6,
        Symbol::Decl(DeclRef::Journey(_)) => 7,
        Symbol::Decl(DeclRef::Content(_)) => 8,
        Symbol::ProfileAttribute(_) | Symbol::TriggerAttribute(..) => PROPERTY,
    }
}

fn attribute_decls(record: &Record, file: FileId, out: &mut HashMap<u32, (u32, u32)>) {
    for field in &record.fields {
        if field.loc.file == file {
            out.insert(field.loc.span.start, (PROPERTY, DECLARATION));
        }
        if let AttrType::Record(inner) = &field.ty {
            attribute_decls(inner, file, out);
        }
    }
}

/// Semantic tokens of `file` (of the tokens that start in `within`, when
/// given), encoded as LSP wants them: relative, one per line.
pub fn semantic_tokens(snap: &Snapshot, file: FileId, within: Option<Span>) -> Vec<SemanticToken> {
    let p = &snap.analysis.program;
    let f = snap.file(file);
    let text = f.text();
    let mut named: HashMap<u32, (u32, u32)> = HashMap::new();
    for u in p.uses.iter().filter(|u| u.loc.file == file) {
        named.insert(u.loc.span.start, (symbol_type(&u.symbol), 0));
    }
    for (d, loc) in decls(p).filter(|(_, l)| l.file == file) {
        named.insert(loc.span.start, (symbol_type(&Symbol::Decl(d)), DECLARATION));
    }
    if let Some(profile) = &p.profile {
        attribute_decls(&profile.attributes, file, &mut named);
    }
    for t in &p.triggers {
        attribute_decls(&t.attributes, file, &mut named);
    }
    let lexed = journey_syntax::lex(file, text);
    let mut raw: Vec<(Span, u32, u32)> = Vec::new();
    for (i, t) in lexed.tokens.iter().enumerate() {
        if let Some(&(ty, m)) = named.get(&t.span.start) {
            raw.push((t.span, ty, m));
            continue;
        }
        use TokenKind as K;
        let word = &text[t.span.range()];
        let after_colon = i > 0 && lexed.tokens[i - 1].kind == K::Colon;
        let ty = match t.kind {
            _ if after_colon && journey_check::ir::Scalar::from_name(word).is_some() => TYPE,
            K::Ident if PROPERTY_KEYS.contains(&word) => KEYWORD,
            K::String | K::TripleString => STRING,
            K::Number | K::Percent | K::Duration | K::DateTime => NUMBER,
            K::And | K::Or | K::Not | K::In | K::True | K::False => KEYWORD,
            K::EqEq | K::NotEq | K::Lt | K::Le | K::Gt | K::Ge | K::Plus | K::Minus | K::Star | K::Slash => OPERATOR,
            k if k.keyword().is_some() => KEYWORD,
            _ => continue,
        };
        raw.push((t.span, ty, 0));
    }
    for c in &lexed.comments {
        raw.push((c.span, COMMENT, if c.kind == CommentKind::Doc { DOCUMENTATION } else { 0 }));
    }
    raw.sort_by_key(|r| r.0.start);
    if let Some(w) = within {
        raw.retain(|r| r.0.start >= w.start && r.0.start < w.end.max(w.start + 1));
    }
    let mut out = Vec::new();
    let (mut prev_line, mut prev_col) = (0u32, 0u32);
    for (span, ty, modifiers) in raw {
        // one token per line: editors need not support multi-line tokens
        let mut start = span.start as usize;
        while start < span.end as usize {
            let line_end = text[start..span.end as usize].find('\n').map_or(span.end as usize, |i| start + i);
            let a = convert::position(f, start, snap.unit);
            let b = convert::position(f, line_end, snap.unit);
            if b.character > a.character {
                let delta_line = a.line - prev_line;
                let delta_start = if delta_line == 0 { a.character - prev_col } else { a.character };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: b.character - a.character,
                    token_type: ty,
                    token_modifiers_bitset: modifiers,
                });
                prev_line = a.line;
                prev_col = a.character;
            }
            start = line_end + 1;
        }
    }
    out
}
