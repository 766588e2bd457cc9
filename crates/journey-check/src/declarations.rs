//! Declarations: collecting the names of the whole project (one namespace per
//! kind, any file, any order), then checking the profile schema, triggers,
//! messages and segments.

use std::borrow::Cow;

use journey_diagnostics::{Code, FileId, Span};
use journey_syntax::ast::{self, BodyItem, DeclKind, Field, Ident, Property, PropertyValue, TypeExpr};
use smol_str::SmolStr;

use crate::checker::{Checker, FastMap, list};
use crate::expressions::Scope;
use crate::gsm;
use crate::ir::*;
use crate::project::Project;

/// The syntax of each declaration, in the order of their ids.
#[derive(Default)]
pub(crate) struct Sources<'a> {
    pub profile: Option<(FileId, &'a ast::Decl, &'a ast::ProfileDecl)>,
    pub triggers: Vec<(FileId, &'a ast::TriggerDecl)>,
    pub contents: Vec<(FileId, &'a ast::ContentDecl)>,
    pub segments: Vec<(FileId, &'a ast::SegmentDecl)>,
    pub journeys: Vec<(FileId, &'a ast::Decl, &'a ast::JourneyDecl)>,
}

fn docs(decl: &ast::Decl) -> Option<String> {
    decl.docs.as_ref().map(|d| d.text.clone())
}

/// Pass 1: every declaration gets an id; a second declaration of a name is reported.
pub(crate) fn collect<'a>(checker: &mut Checker, project: &'a Project) -> Sources<'a> {
    let mut sources = Sources::default();
    let (mut triggers, mut contents, mut segments, mut journeys) = (0, 0, 0, 0);
    for decl in project.parses.iter().flat_map(|parse| &parse.tree.decls) {
        match &decl.kind {
            DeclKind::Trigger(_) => triggers += 1,
            DeclKind::Content(_) => contents += 1,
            DeclKind::Segment(_) => segments += 1,
            DeclKind::Journey(_) => journeys += 1,
            DeclKind::Profile(_) => {}
        }
    }
    checker.program.triggers.reserve(triggers);
    checker.program.contents.reserve(contents);
    checker.program.segments.reserve(segments);
    checker.program.journeys.reserve(journeys);
    checker.triggers.reserve(triggers);
    checker.contents.reserve(contents);
    checker.segments.reserve(segments);
    checker.journeys.reserve(journeys);
    sources.triggers.reserve(triggers);
    sources.contents.reserve(contents);
    sources.segments.reserve(segments);
    sources.journeys.reserve(journeys);
    for (index, parse) in project.parses.iter().enumerate() {
        let file = FileId(index as u32);
        for decl in &parse.tree.decls {
            let decl_loc = Loc { file, span: decl.span };
            if let DeclKind::Profile(profile) = &decl.kind {
                match &checker.program.profile {
                    None => {
                        checker.program.profile = Some(ProfileDef {
                            loc: Loc { file, span: profile.keyword },
                            docs: docs(decl),
                            attributes: Record::default(),
                        });
                        sources.profile = Some((file, decl, profile));
                    }
                    Some(existing) => {
                        let existing = existing.loc;
                        let d = checker
                            .error(Code::DuplicateDeclaration, "a second `profile` schema", file, profile.keyword)
                            .with_label("the project already has a profile schema")
                            .with_secondary(existing.file, existing.span, "the first `profile` is here")
                            .with_help("a project has one profile schema: merge the attributes into the first one");
                        checker.report(d);
                    }
                }
                continue;
            }
            let name = decl.name().expect("every declaration but the profile has a name");
            if name.text.is_empty() {
                continue;
            }
            let loc = Loc { file, span: name.span };
            let (namespace, inserted) = match &decl.kind {
                DeclKind::Trigger(t) => {
                    let id = TriggerId(checker.program.triggers.len() as u32);
                    checker.program.triggers.push(TriggerDef {
                        name: name.text.clone(),
                        loc,
                        decl: decl_loc,
                        docs: docs(decl),
                        source: TriggerSource::Custom,
                        published: false,
                        attributes: Record::default(),
                    });
                    sources.triggers.push((file, t));
                    ("trigger", checker.triggers.try_insert_first(name.text.clone(), id))
                }
                DeclKind::Content(c) => {
                    let id = ContentId(checker.program.contents.len() as u32);
                    checker.program.contents.push(ContentDef {
                        name: name.text.clone(),
                        loc,
                        decl: decl_loc,
                        docs: docs(decl),
                        channel: c.channel,
                        ready: false,
                        subject: None,
                        body: None,
                        text: None,
                        title: None,
                    });
                    sources.contents.push((file, c));
                    ("message", checker.contents.try_insert_first(name.text.clone(), id))
                }
                DeclKind::Segment(s) => {
                    let id = SegmentId(checker.program.segments.len() as u32);
                    checker.program.segments.push(SegmentDef {
                        name: name.text.clone(),
                        loc,
                        decl: decl_loc,
                        docs: docs(decl),
                        rule: SegmentRule::Missing,
                    });
                    sources.segments.push((file, s));
                    ("segment", checker.segments.try_insert_first(name.text.clone(), id))
                }
                DeclKind::Journey(j) => {
                    let id = JourneyId(checker.program.journeys.len() as u32);
                    checker.program.journeys.push(JourneyDef::declared(name.text.clone(), loc, decl_loc, docs(decl)));
                    sources.journeys.push((file, decl, j));
                    ("journey", checker.journeys.try_insert_first(name.text.clone(), id))
                }
                DeclKind::Profile(_) => unreachable!("handled above"),
            };
            // The first declaration of the name is the one its table maps it to.
            let first = || match &decl.kind {
                DeclKind::Trigger(_) => checker.triggers.get(&name.text).map(|&i| checker.program.trigger(i).loc),
                DeclKind::Content(_) => checker.contents.get(&name.text).map(|&i| checker.program.content(i).loc),
                DeclKind::Segment(_) => checker.segments.get(&name.text).map(|&i| checker.program.segment(i).loc),
                DeclKind::Journey(_) => {
                    checker.journeys.get(&name.text).map(|&i| checker.program.journeys[i.index()].loc)
                }
                DeclKind::Profile(_) => None,
            };
            if !inserted && let Some(existing) = first() {
                let d = checker
                    .error(Code::DuplicateDeclaration, format!("the {namespace} `{}` is declared twice", name.text), file, name.span)
                    .with_label(format!("a second {namespace} named `{}`", name.text))
                    .with_secondary(existing.file, existing.span, "the first declaration is here")
                    .with_help(format!(
                        "names are unique per kind across the project (all files share one namespace): rename one of the {namespace}s"
                    ));
                checker.report(d);
            }
        }
    }
    sources
}

/// "a trigger", "an email", "an SMS": the kind of a declaration with its article.
fn with_article(noun: &str) -> Cow<'static, str> {
    match noun {
        "email" => Cow::Borrowed("an email"),
        "sms" => Cow::Borrowed("an SMS"),
        "push" => Cow::Borrowed("a push"),
        "trigger" => Cow::Borrowed("a trigger"),
        "segment" => Cow::Borrowed("a segment"),
        "profile" => Cow::Borrowed("a profile"),
        _ => Cow::Owned(format!("a {noun}")),
    }
}

/// Inserting a name only when it is not there yet.
trait InsertFirst<V> {
    /// Inserts `key` → `value` unless `key` is present; returns whether it inserted.
    fn try_insert_first(&mut self, key: SmolStr, value: V) -> bool;
}

impl<V> InsertFirst<V> for FastMap<SmolStr, V> {
    fn try_insert_first(&mut self, key: SmolStr, value: V) -> bool {
        match self.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(value);
                true
            }
        }
    }
}

/// What a property accepts.
#[derive(Clone, Copy)]
enum ValueKind {
    /// One of these words.
    Word(&'static [&'static str]),
    /// A string.
    String,
}

/// A property a kind of declaration accepts.
struct PropertySpec {
    key: &'static str,
    value: ValueKind,
}

const TRIGGER_PROPERTIES: &[PropertySpec] = &[
    PropertySpec { key: "source", value: ValueKind::Word(&["custom", "commerce", "interaction", "dataverse"]) },
    PropertySpec { key: "status", value: ValueKind::Word(&["draft", "published"]) },
];
const EMAIL_PROPERTIES: &[PropertySpec] = &[
    PropertySpec { key: "status", value: ValueKind::Word(&["draft", "ready"]) },
    PropertySpec { key: "subject", value: ValueKind::String },
    PropertySpec { key: "body", value: ValueKind::String },
];
const SMS_PROPERTIES: &[PropertySpec] = &[
    PropertySpec { key: "status", value: ValueKind::Word(&["draft", "ready"]) },
    PropertySpec { key: "text", value: ValueKind::String },
];
const PUSH_PROPERTIES: &[PropertySpec] = &[
    PropertySpec { key: "status", value: ValueKind::Word(&["draft", "ready"]) },
    PropertySpec { key: "title", value: ValueKind::String },
    PropertySpec { key: "body", value: ValueKind::String },
];
const SEGMENT_PROPERTIES: &[PropertySpec] = &[PropertySpec { key: "source", value: ValueKind::Word(&["list"]) }];

/// The parts of a body that are valid for its declaration.
struct BodyParts<'a> {
    properties: Properties<'a>,
    /// The known properties written, even with an invalid value (already reported):
    /// they are not also reported as missing.
    written: Keys,
    fields: Vec<&'a Field>,
    wheres: Vec<&'a ast::WhereClause>,
}

/// The valid properties of a body by key: a handful at most, so a list.
#[derive(Default)]
struct Properties<'a>(Vec<(&'static str, &'a Property)>);

impl<'a> Properties<'a> {
    fn get(&self, key: &str) -> Option<&&'a Property> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, p)| p)
    }

    /// Sets `key` to `property`, replacing any previous one.
    fn insert(&mut self, key: &'static str, property: &'a Property) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = property,
            None => self.0.push((key, property)),
        }
    }
}

/// A handful of property keys.
#[derive(Default)]
struct Keys(Vec<&'static str>);

impl Keys {
    fn insert(&mut self, key: &'static str) {
        if !self.contains(key) {
            self.0.push(key);
        }
    }

    fn contains(&self, key: &str) -> bool {
        self.0.contains(&key)
    }
}

/// Where a body item is allowed, for messages.
struct BodyRules {
    /// "trigger", "email"...
    noun: &'static str,
    properties: &'static [PropertySpec],
    attributes: bool,
    wheres: bool,
}

impl Checker {
    /// Sorts the items of `body` into properties, attributes and `where` clauses,
    /// reporting those the declaration does not accept.
    fn body<'a>(&mut self, file: FileId, body: &'a ast::Body, rules: &BodyRules) -> BodyParts<'a> {
        let mut parts = BodyParts {
            properties: Properties::default(),
            written: Keys::default(),
            fields: Vec::new(),
            wheres: Vec::new(),
        };
        let noun = rules.noun;
        let a_noun = with_article(noun);
        for item in &body.items {
            match item {
                BodyItem::Field(field) if rules.attributes => parts.fields.push(field),
                BodyItem::Field(field) => {
                    let d = self
                        .error(Code::MisplacedItem, format!("{a_noun} has no attributes"), file, field.span)
                        .with_label("an attribute `name: type`")
                        .with_help(match noun {
                            "segment" => "a segment holds a `where` rule or `source list`".to_owned(),
                            _ => format!(
                                "{a_noun} holds the properties {}",
                                list(rules.properties.iter().map(|p| p.key))
                            ),
                        });
                    self.report(d);
                }
                BodyItem::Where(clause) if rules.wheres => parts.wheres.push(clause),
                BodyItem::Where(clause) => {
                    let help = if noun == "trigger" {
                        "a condition on a trigger goes where the trigger is used: `start on Trigger where ...`"
                    } else {
                        "only segments have a `where` rule"
                    };
                    let d = self
                        .error(Code::MisplacedItem, format!("{a_noun} has no `where` rule"), file, clause.keyword)
                        .with_label("not allowed here")
                        .with_help(help);
                    self.report(d);
                }
                BodyItem::Property(property) => {
                    if property.key.text.is_empty() {
                        continue; // a recovered syntax error, already reported
                    }
                    self.property(file, property, rules, &mut parts);
                }
            }
        }
        parts
    }

    fn property<'a>(&mut self, file: FileId, property: &'a Property, rules: &BodyRules, parts: &mut BodyParts<'a>) {
        let noun = rules.noun;
        let key = &property.key;
        let a_noun = with_article(noun);
        let Some(spec) = rules.properties.iter().find(|p| p.key == key.text) else {
            // `age int`: an attribute written without its colon.
            if let PropertyValue::Word(word) = &property.value
                && Scalar::from_name(&word.text).is_some()
            {
                let d = if rules.attributes {
                    self.error(
                        Code::MisplacedItem,
                        format!("`{} {}` is missing its `:`", key.text, word.text),
                        file,
                        property.span,
                    )
                    .with_label("an attribute is written `name: type`")
                    .with_help(format!("write `{}: {}`", key.text, word.text))
                    .with_replacement("add the `:`", Span::empty(key.span.end as usize), ":")
                } else {
                    self.error(Code::MisplacedItem, format!("{a_noun} has no attributes"), file, property.span)
                        .with_label("this looks like an attribute")
                        .with_help(format!(
                            "{a_noun} holds the properties {}",
                            list(rules.properties.iter().map(|p| p.key))
                        ))
                };
                self.report(d);
                return;
            }
            let mut d = self
                .error(Code::UnknownProperty, format!("{a_noun} has no property `{}`", key.text), file, key.span)
                .with_label("unknown property");
            let keys: Vec<&str> = rules.properties.iter().map(|p| p.key).collect();
            if let Some(best) = journey_syntax::closest(&key.text, keys.iter().copied()) {
                d = d.with_help(format!("did you mean `{best}`?")).with_replacement(
                    format!("replace `{}` with `{best}`", key.text),
                    key.span,
                    best,
                );
            } else if keys.is_empty() {
                d = d.with_help(format!("{a_noun} takes no properties"));
            } else {
                d = d.with_help(format!("{a_noun} has the properties {}", list(keys)));
            }
            self.report(d);
            return;
        };
        parts.written.insert(spec.key);
        if let Some(previous) = parts.properties.get(spec.key) {
            let d = self
                .error(Code::DuplicateItem, format!("`{}` is set twice", spec.key), file, key.span)
                .with_label("set again here")
                .with_secondary(file, previous.key.span, "first set here")
                .with_help(format!("keep one `{}`", spec.key));
            self.report(d);
            return;
        }
        let valid = match (spec.value, &property.value) {
            (ValueKind::String, PropertyValue::String(_)) => true,
            (ValueKind::Word(words), PropertyValue::Word(word)) => {
                if words.contains(&word.text.as_str()) {
                    true
                } else {
                    let mut d = self
                        .error(
                            Code::InvalidPropertyValue,
                            format!("`{}` is not a valid `{}`", word.text, spec.key),
                            file,
                            word.span,
                        )
                        .with_label(match words {
                            [only] => format!("`{}` can only be `{only}`", spec.key),
                            _ => format!("`{}` is one of {}", spec.key, list(words.iter().copied())),
                        });
                    if let Some(best) = journey_syntax::closest(&word.text, words.iter().copied()) {
                        d = d.with_help(format!("did you mean `{best}`?")).with_replacement(
                            format!("replace `{}` with `{best}`", word.text),
                            word.span,
                            best,
                        );
                    }
                    self.report(d);
                    false
                }
            }
            (_, PropertyValue::Error(_)) => false,
            (expected, value) => {
                let wanted = match expected {
                    ValueKind::String => "a string in double quotes".to_owned(),
                    ValueKind::Word(words) => format!("one of {}", list(words.iter().copied())),
                };
                let mut d = self
                    .error(Code::InvalidPropertyValue, format!("`{}` takes {wanted}", spec.key), file, value.span())
                    .with_label("not a valid value");
                if let (ValueKind::String, PropertyValue::Word(word)) = (expected, value) {
                    d = d.with_replacement(
                        format!("quote it: \"{}\"", word.text),
                        word.span,
                        format!("\"{}\"", word.text),
                    );
                }
                self.report(d);
                false
            }
        };
        if valid {
            parts.properties.insert(spec.key, property);
        }
    }

    /// Builds a record from attribute declarations, reporting unknown types and duplicates.
    ///
    /// `prefix` is the path of the record itself (empty at the root).
    fn record<'a>(&mut self, file: FileId, fields: impl IntoIterator<Item = &'a Field>, prefix: &[SmolStr]) -> Record {
        let mut record = Record::default();
        let mut seen: FastMap<SmolStr, Span> = FastMap::default();
        for field in fields {
            if field.name.text.is_empty() {
                continue; // a recovered syntax error
            }
            if let Some(first) = seen.get(&field.name.text) {
                let d = self
                    .error(
                        Code::DuplicateItem,
                        format!("the attribute `{}` is declared twice", field.name.text),
                        file,
                        field.name.span,
                    )
                    .with_label("declared again here")
                    .with_secondary(file, *first, "first declared here")
                    .with_help("attribute names are unique within a record");
                self.report(d);
                continue;
            }
            seen.insert(field.name.text.clone(), field.name.span);
            let path: AttrPath = prefix.iter().chain([&field.name.text]).cloned().collect();
            let ty = match &field.ty {
                TypeExpr::Named(name) => match Scalar::from_name(&name.text) {
                    Some(scalar) => AttrType::Scalar(scalar),
                    None => {
                        self.unknown_type(file, name);
                        record.untyped.push(field.name.text.clone());
                        continue;
                    }
                },
                TypeExpr::Record(inner) => AttrType::Record(self.record(file, &inner.fields, &path)),
                TypeExpr::Error(_) => continue,
            };
            record.fields.push(Attribute {
                name: field.name.text.clone(),
                path,
                ty,
                loc: Loc { file, span: field.name.span },
                docs: field.docs.as_ref().map(|d| d.text.clone()),
            });
        }
        record
    }

    fn unknown_type(&mut self, file: FileId, name: &Ident) {
        let mut d = self
            .error(Code::UnknownType, format!("unknown type `{}`", name.text), file, name.span)
            .with_label("not a type");
        // Names of types in other languages, then the closest spelling.
        let synonym = match name.text.as_str() {
            "string" | "str" | "varchar" => Some("text"),
            "integer" | "long" => Some("int"),
            "float" | "double" | "decimal" | "real" => Some("number"),
            "boolean" => Some("bool"),
            "date" | "time" | "timestamp" => Some("datetime"),
            "currency" | "price" | "amount" => Some("money"),
            _ => None,
        };
        if let Some(best) = synonym.or_else(|| journey_syntax::closest(&name.text, Scalar::NAMES)) {
            d = d.with_help(format!("did you mean `{best}`?")).with_replacement(
                format!("replace `{}` with `{best}`", name.text),
                name.span,
                best,
            );
        } else {
            d = d.with_help(format!("the types are {}, and records `{{ name: type, ... }}`", list(Scalar::NAMES)));
        }
        self.report(d);
    }

    /// Pass 2a: the profile schema and the triggers.
    pub(crate) fn schemas(&mut self, sources: &Sources<'_>) {
        if let Some((file, _, profile)) = sources.profile {
            let rules = BodyRules { noun: "profile", properties: &[], attributes: true, wheres: false };
            let parts = self.body(file, &profile.body, &rules);
            let attributes = self.record(file, parts.fields, &[]);
            if let Some(def) = &mut self.program.profile {
                def.attributes = attributes;
            }
        }
        for (index, (file, trigger)) in sources.triggers.iter().enumerate() {
            let rules = BodyRules { noun: "trigger", properties: TRIGGER_PROPERTIES, attributes: true, wheres: false };
            let parts = self.body(*file, &trigger.body, &rules);
            let attributes = self.record(*file, parts.fields, &[]);
            let word = |key: &str| match parts.properties.get(key).map(|p| &p.value) {
                Some(PropertyValue::Word(w)) => Some(w.text.clone()),
                _ => None,
            };
            let source = match word("source").as_deref() {
                Some("commerce") => TriggerSource::Commerce,
                Some("interaction") => TriggerSource::Interaction,
                Some("dataverse") => TriggerSource::Dataverse,
                _ => TriggerSource::Custom,
            };
            let published = word("status").as_deref() == Some("published");
            // A `revenue` of an unknown type is already reported (J0123).
            if source == TriggerSource::Commerce && !attributes.is_untyped(&["revenue"]) {
                let revenue = attributes.field("revenue").map(|a| (&a.ty, a.loc));
                if !matches!(revenue, Some((AttrType::Scalar(Scalar::Money), _))) {
                    let at = parts.properties.get("source").map_or(trigger.name.span, |p| p.span);
                    let mut d = self
                        .error(
                            Code::CommerceWithoutRevenue,
                            format!("the commerce trigger `{}` has no `revenue: money`", trigger.name.text),
                            *file,
                            at,
                        )
                        .with_label("a commerce trigger is a store order")
                        .with_help("add `revenue: money`: reports sum it into orders and revenue");
                    if let Some((_, loc)) = revenue {
                        d = d.with_secondary(loc.file, loc.span, "`revenue` must be `money`");
                    }
                    self.report(d);
                }
            }
            let def = &mut self.program.triggers[index];
            def.attributes = attributes;
            def.source = source;
            def.published = published;
        }
    }

    /// Pass 2b: the messages (their placeholders on `profile.` are checked here,
    /// those on `trigger.` with each journey that sends the message).
    pub(crate) fn contents(&mut self, sources: &Sources<'_>) {
        for (index, (file, content)) in sources.contents.iter().enumerate() {
            let (noun, properties, required): (_, _, &[&str]) = match content.channel {
                Channel::Email => ("email", EMAIL_PROPERTIES, &["subject", "body"]),
                Channel::Sms => ("sms", SMS_PROPERTIES, &["text"]),
                Channel::Push => ("push", PUSH_PROPERTIES, &["title", "body"]),
            };
            let rules = BodyRules { noun, properties, attributes: false, wheres: false };
            let parts = self.body(*file, &content.body, &rules);
            let missing: Vec<&str> = required.iter().copied().filter(|k| !parts.written.contains(k)).collect();
            if !missing.is_empty() {
                let what = list(missing.iter().copied());
                let d = self
                    .error(
                        Code::MissingProperty,
                        format!("the {noun} `{}` has no {what}", content.name.text),
                        *file,
                        content.name.span,
                    )
                    .with_label(format!("needs {what}"))
                    .with_help(match content.channel {
                        Channel::Email => "an email needs a `subject` and a `body`",
                        Channel::Sms => "an SMS needs a `text`",
                        Channel::Push => "a push notification needs a `title` and a `body`",
                    });
                self.report(d);
            }
            let ready = matches!(parts.properties.get("status").map(|p| &p.value), Some(PropertyValue::Word(w)) if w.text == "ready");
            let template = |checker: &mut Checker, key: &str| -> Option<Template> {
                match parts.properties.get(key).map(|p| &p.value) {
                    Some(PropertyValue::String(lit)) => Some(checker.template(*file, lit)),
                    _ => None,
                }
            };
            let subject = template(self, "subject");
            let body = template(self, "body");
            let text = template(self, "text");
            let title = template(self, "title");
            if let Some(text) = &text {
                self.sms_length(*file, text);
            }
            let def = &mut self.program.contents[index];
            def.ready = ready;
            def.subject = subject;
            def.body = body;
            def.text = text;
            def.title = title;
        }
    }

    /// A message text: its placeholders, with those on the profile resolved.
    fn template(&mut self, file: FileId, lit: &ast::StringLit) -> Template {
        let mut placeholders = Vec::new();
        for placeholder in &lit.placeholders {
            let segments = &placeholder.path.segments;
            let mut written = String::with_capacity(placeholder.path.span.range().len() + 4);
            written.push_str("{{");
            for (i, segment) in segments.iter().enumerate() {
                if i > 0 {
                    written.push('.');
                }
                written.push_str(&segment.text);
            }
            written.push_str("}}");
            let loc = Loc { file, span: placeholder.span };
            let root = match segments[0].text.as_str() {
                "profile" => Some(PlaceholderRoot::Profile),
                "trigger" => Some(PlaceholderRoot::Trigger),
                _ => None,
            };
            let path: Vec<SmolStr> = segments[1..].iter().map(|s| s.text.clone()).collect();
            match root {
                None => {
                    let mut d = self
                        .error(
                            Code::UnresolvedPlaceholder,
                            format!("`{written}` reads nothing"),
                            file,
                            placeholder.path.span,
                        )
                        .with_label("a placeholder starts with `profile.` or `trigger.`");
                    let first = &segments[0];
                    let profile_attr =
                        self.program.profile.as_ref().and_then(|p| p.attributes.field(&first.text)).is_some();
                    if profile_attr {
                        d = d.with_replacement(
                            format!("read the profile: `{{{{profile.{}}}}}`", placeholder.path.dotted()),
                            Span::empty(first.span.start as usize),
                            "profile.",
                        );
                    } else {
                        d = d.with_help("write `{{profile.first_name}}` or `{{trigger.cart.url}}`");
                    }
                    self.report(d);
                }
                Some(_) if path.is_empty() => {
                    let d = self
                        .error(
                            Code::UnresolvedPlaceholder,
                            format!("`{written}` needs an attribute"),
                            file,
                            placeholder.path.span,
                        )
                        .with_label("which attribute?")
                        .with_help(format!("write `{{{{{}.attribute}}}}`", segments[0].text));
                    self.report(d);
                }
                Some(PlaceholderRoot::Profile) => {
                    self.profile_placeholder(file, placeholder);
                }
                Some(PlaceholderRoot::Trigger) => {}
            }
            placeholders.push(PlaceholderRef { root, path, written, loc });
        }
        Template { text: lit.value.clone(), placeholders, loc: Loc { file, span: lit.span } }
    }

    fn profile_placeholder(&mut self, file: FileId, placeholder: &ast::Placeholder) {
        let segments = &placeholder.path.segments[1..];
        let names: Vec<SmolStr> = segments.iter().map(|s| s.text.clone()).collect();
        let Some(profile) = &self.program.profile else {
            let d = self
                .error(Code::UnresolvedPlaceholder, "there is no profile schema to read", file, placeholder.path.span)
                .with_label("`profile.` reads the profile schema")
                .with_help("declare the attributes of a profile: `profile { first_name: text ... }`");
            self.report(d);
            return;
        };
        match profile.attributes.lookup(&names) {
            Some(Attribute { ty: AttrType::Scalar(_), .. }) => {
                // Each prefix of the path is an attribute of its own (a record, then its fields).
                let prefixes: Vec<AttrPath> = (1..=names.len())
                    .filter_map(|n| profile.attributes.lookup(&names[..n]).map(|a| a.path.clone()))
                    .collect();
                for (segment, path) in segments.iter().zip(prefixes) {
                    self.record_use(Loc { file, span: segment.span }, Symbol::ProfileAttribute(path));
                }
            }
            Some(Attribute { ty: AttrType::Record(inner), .. }) => {
                let path = names.join(".");
                let help = match inner.scalar_paths().first() {
                    Some((first, _)) => format!("use one of its attributes, such as `{{{{profile.{path}.{first}}}}}`"),
                    None => "use one of its attributes".to_owned(),
                };
                let d = self
                    .error(
                        Code::UnresolvedPlaceholder,
                        format!("`profile.{path}` is a record, not a value"),
                        file,
                        placeholder.path.span,
                    )
                    .with_label("a record cannot be written in a message")
                    .with_help(help);
                self.report(d);
            }
            None if profile.attributes.is_untyped(&names) => {}
            None => {
                let paths = profile.attributes.scalar_paths();
                let wanted = names.join(".");
                let best = journey_syntax::closest(&wanted, paths.iter().map(|(p, _)| p.as_str())).map(str::to_owned);
                let mut d = self
                    .error(
                        Code::UnresolvedPlaceholder,
                        format!("the profile has no attribute `{wanted}`"),
                        file,
                        placeholder.path.span,
                    )
                    .with_label("unknown profile attribute");
                let span = Span { start: segments[0].span.start, end: segments.last().map_or(0, |s| s.span.end) };
                d = match best {
                    Some(best) => d.with_help(format!("did you mean `profile.{best}`?")).with_replacement(
                        format!("replace with `profile.{best}`"),
                        span,
                        best,
                    ),
                    None => d.with_help("declare it in the `profile` schema"),
                };
                self.report(d);
            }
        }
    }

    /// Rule 17: an SMS longer than 160 characters is sent as several parts.
    /// Rule 17: an SMS longer than one part, counted as GSM 03.38 counts it.
    fn sms_length(&mut self, file: FileId, text: &Template) {
        let written = without_placeholders(text);
        let length = gsm::measure(written.chars());
        if length.parts == 1 {
            return;
        }
        let (count, parts) = (length.units, length.parts);
        let placeholders = !text.placeholders.is_empty();
        let (without, at_least) = if placeholders { (" without its placeholders", "at least ") } else { ("", "") };
        let (label, help) = match length.encoding {
            gsm::Encoding::Gsm => (
                "over 160 characters".to_owned(),
                "an SMS holds 160 characters of the GSM alphabet (`^ { } \\ [ ~ ] | €` count as 2); \
                 a longer text is sent in parts of 153, each billed as one message"
                    .to_owned(),
            ),
            gsm::Encoding::Ucs2 { first_outside } => (
                format!("over 70 characters: `{first_outside}` is not in the GSM alphabet"),
                format!(
                    "one character outside the GSM alphabet (here `{first_outside}`) makes the whole SMS UCS-2: \
                     70 characters (an emoji counts as 2), or parts of 67, each billed as one message; \
                     replace it to fit 160 characters"
                ),
            ),
        };
        let mut d = self
            .warning(
                Code::LongSms,
                format!("this SMS is {count} characters{without}: it is sent as {at_least}{parts} parts"),
                file,
                text.loc.span,
            )
            .with_label(label)
            .with_help(help);
        if placeholders {
            d = d.with_help("the count does not include the placeholders: their values are not known before sending");
        }
        self.report(d);
    }

    /// Pass 3: the segments' rules, then cycles between segments.
    pub(crate) fn segments(&mut self, sources: &Sources<'_>) {
        // The segments each segment's rule names, from the recorded uses: they
        // survive type errors elsewhere in the rule.
        let mut edges: Vec<Vec<(SegmentId, Span)>> = vec![Vec::new(); sources.segments.len()];
        for (index, (file, segment)) in sources.segments.iter().enumerate() {
            let uses_before = self.program.uses.len();
            let rules = BodyRules { noun: "segment", properties: SEGMENT_PROPERTIES, attributes: false, wheres: true };
            let parts = self.body(*file, &segment.body, &rules);
            let list_source = parts.properties.get("source");
            let rule = match (parts.wheres.as_slice(), list_source) {
                ([clause], None) => {
                    let scope = Scope::segment(*file);
                    SegmentRule::Where(self.condition(&clause.condition, &scope))
                }
                ([], Some(_)) => SegmentRule::List,
                // `source` with an invalid value, already reported.
                ([], None) if parts.written.contains("source") => SegmentRule::Missing,
                ([], None) => {
                    let d = self
                        .error(
                            Code::MissingProperty,
                            format!("the segment `{}` has no members", segment.name.text),
                            *file,
                            segment.name.span,
                        )
                        .with_label("no rule and no list")
                        .with_help(
                            "add a rule (`where profile.subscribed == true`) or `source list` for a list from the data",
                        );
                    self.report(d);
                    SegmentRule::Missing
                }
                (wheres, _) => {
                    let extra = if wheres.len() > 1 {
                        wheres[1].keyword
                    } else {
                        list_source.map_or(segment.name.span, |p| p.span)
                    };
                    let d = self
                        .error(Code::DuplicateItem, "a segment has one rule or one list", *file, extra)
                        .with_label("a second way to define the members")
                        .with_help("join conditions with `and` in one `where`, or keep only `source list`");
                    self.report(d);
                    match wheres.first() {
                        Some(clause) => {
                            let scope = Scope::segment(*file);
                            SegmentRule::Where(self.condition(&clause.condition, &scope))
                        }
                        None => SegmentRule::List,
                    }
                }
            };
            self.program.segments[index].rule = rule;
            for used in &self.program.uses[uses_before..] {
                if let Symbol::Decl(DeclRef::Segment(target)) = used.symbol {
                    edges[index].push((target, used.loc.span));
                }
            }
        }
        self.segment_cycles(&edges);
    }

    /// Rule 15: a segment may not depend on itself through `profile in`.
    fn segment_cycles(&mut self, edges: &[Vec<(SegmentId, Span)>]) {
        let count = edges.len();
        // Depth-first search with colours; each cycle is reported once, at its first segment.
        let mut colour = vec![0u8; count];
        let mut reported = vec![false; count];
        for root in 0..count {
            if colour[root] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            let mut path: Vec<usize> = vec![root];
            colour[root] = 1;
            while let Some((node, next)) = stack.last_mut() {
                let node = *node;
                if let Some(&(target, _)) = edges[node].get(*next) {
                    *next += 1;
                    let t = target.index();
                    if colour[t] == 0 {
                        colour[t] = 1;
                        stack.push((t, 0));
                        path.push(t);
                    } else if colour[t] == 1 {
                        let start = path.iter().position(|&p| p == t).expect("grey nodes are on the path");
                        let cycle: Vec<usize> = path[start..].to_vec();
                        let first = *cycle.iter().min().expect("a cycle has a node");
                        if !reported[first] {
                            for &c in &cycle {
                                reported[c] = true;
                            }
                            self.report_cycle(&cycle, edges);
                        }
                    }
                } else {
                    colour[node] = 2;
                    stack.pop();
                    path.pop();
                }
            }
        }
    }

    fn report_cycle(&mut self, cycle: &[usize], edges: &[Vec<(SegmentId, Span)>]) {
        let names: Vec<&str> = cycle.iter().map(|&c| self.program.segments[c].name.as_str()).collect();
        let mut chain = names.join("` → `");
        chain.push_str(&format!("` → `{}", names[0]));
        let first = &self.program.segments[cycle[0]];
        let next = SegmentId(cycle[(1) % cycle.len()] as u32);
        let at = edges[cycle[0]].iter().find(|(t, _)| *t == next).map_or(first.loc.span, |(_, s)| *s);
        let mut d = self
            .error(Code::SegmentCycle, format!("the segment `{}` depends on itself", first.name), first.loc.file, at)
            .with_label(format!("`{chain}`"))
            .with_help("a segment cannot be defined by its own membership: break the cycle");
        for (i, &c) in cycle.iter().enumerate().skip(1) {
            let segment = &self.program.segments[c];
            let next = SegmentId(cycle[(i + 1) % cycle.len()] as u32);
            if let Some((_, span)) = edges[c].iter().find(|(t, _)| *t == next) {
                d = d.with_secondary(
                    segment.loc.file,
                    *span,
                    format!("`{}` uses `{}` here", segment.name, self.program.segments[next.index()].name),
                );
            }
        }
        self.report(d);
    }
}

/// The text of an SMS without its placeholders (`{{profile.first_name}}`,
/// `{{ trigger.cart.url }}`), whose values are only known when it is sent. A
/// `{{` written with an escape that is not one of them stays.
fn without_placeholders(template: &Template) -> Cow<'_, str> {
    if template.placeholders.is_empty() {
        return Cow::Borrowed(&template.text);
    }
    let mut out = String::with_capacity(template.text.len());
    let mut rest = template.text.as_str();
    'placeholders: for placeholder in &template.placeholders {
        let path = placeholder.written.trim_start_matches("{{").trim_end_matches("}}");
        loop {
            let Some(open) = rest.find("{{") else { break 'placeholders };
            let Some(close) = rest[open + 2..].find("}}").map(|i| open + 2 + i) else { break 'placeholders };
            out.push_str(&rest[..open]);
            if rest[open + 2..close].trim() == path {
                rest = &rest[close + 2..];
                break;
            }
            out.push_str("{{");
            rest = &rest[open + 2..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}
