//! Loading a plan: the JSON, its shape, then the references inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::*;

/// Why a plan cannot be used: every problem found, each with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// The file the plan came from.
    pub origin: String,
    /// The problems, each starting with its place in the document (`journeys[0].nodes[3].next`).
    pub problems: Vec<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} is not a valid plan:", self.origin)?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        write!(f, "rebuild it with `journey build`; plans are not meant to be edited by hand")
    }
}

impl std::error::Error for PlanError {}

/// Whether loading checks each journey's `plan_hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Integrity {
    /// A plan to run: a journey whose content does not match its hash is refused.
    Checked,
    /// A plan about to be replaced by `journey build`, which reads only its versions.
    Ignored,
}

pub(crate) fn load(origin: &str, text: &str, integrity: Integrity) -> Result<Plan, PlanError> {
    let fail = |problems: Vec<String>| PlanError { origin: origin.to_owned(), problems };
    let value = read_json(text).map_err(fail)?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(PLAN_FORMAT) => {}
        Some(other) => {
            return Err(fail(vec![format!(
                "format: `{other}` is not a format this version reads (it reads `{PLAN_FORMAT}`)"
            )]));
        }
        None => return Err(fail(vec![format!("format: missing; a plan starts with \"format\": \"{PLAN_FORMAT}\"")])),
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let plan: Plan = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let mut path = e.path().to_string();
        // Inside a node's `action` (tagged by `kind`) the reader loses the field:
        // a wait's only u64 is `seconds`, an await's is `within`.
        if path.ends_with(".action") && e.inner().to_string().contains(", expected u64") {
            let kind = action_kind(&value, &path);
            match kind.as_deref() {
                Some("wait") => path.push_str(".seconds"),
                Some("await") => path.push_str(".within"),
                _ => {}
            }
        }
        fail(vec![format!("{path}: {}", in_plain_words(&path, e.inner()))])
    })?;
    let mut problems = Vec::new();
    if integrity == Integrity::Checked {
        for (i, journey) in plan.journeys.iter().enumerate() {
            let at = format!("journeys[{i}] (`{}`)", journey.name);
            if journey.plan_hash.is_empty() {
                problems.push(format!(
                    "{at}.plan_hash: missing, so the plan cannot be trusted (it was built by an older version, \
                     or edited): rebuild it with `journey build`"
                ));
            } else if journey.plan_hash != crate::plan_hash(&plan, journey) {
                problems
                    .push(format!("{at}: this plan was edited after it was built: rebuild it with `journey build`"));
            }
        }
    }
    problems.extend(check(&plan));
    if problems.is_empty() { Ok(plan) } else { Err(fail(problems)) }
}

/// The plan's JSON, refusing an object that has the same key twice (a JSON
/// reader keeps one of them silently; which one the author meant is unknown).
fn read_json(text: &str) -> Result<serde_json::Value, Vec<String>> {
    use serde::de::DeserializeSeed;
    let duplicates = std::cell::RefCell::new(Vec::new());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Keys { path: String::new(), duplicates: &duplicates }
        .deserialize(&mut deserializer)
        .and_then(|v| deserializer.end().map(|()| v))
        .map_err(|e| vec![format!("not JSON: {e}")])?;
    let duplicates = duplicates.into_inner();
    if duplicates.is_empty() { Ok(value) } else { Err(duplicates) }
}

/// Reads any JSON value, noting each key that appears twice in one object.
struct Keys<'a> {
    /// Where the value is, as `journeys[0].nodes` (empty at the top).
    path: String,
    duplicates: &'a std::cell::RefCell<Vec<String>>,
}

impl Keys<'_> {
    fn field(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Keys<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Keys<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) =
            seq.next_element_seed(Keys { path: format!("{}[{}]", self.path, items.len()), ..self })?
        {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let place = self.field(&key);
            let value = map.next_value_seed(Keys { path: place.clone(), ..self })?;
            if fields.insert(key.clone(), value).is_some() {
                let at = if self.path.is_empty() { "the plan" } else { self.path.as_str() };
                self.duplicates
                    .borrow_mut()
                    .push(format!("{place}: the key `{key}` appears twice in {at}; a JSON object has each key once"));
            }
        }
        Ok(serde_json::Value::Object(fields))
    }
}

/// The `kind` of the action at `path` (`journeys[0].nodes[3].action`) in the plan's JSON.
fn action_kind(value: &serde_json::Value, path: &str) -> Option<String> {
    let mut at = value;
    for part in path.split('.') {
        let (name, index) = part.split_once('[').map_or((part, None), |(n, i)| (n, i.strip_suffix(']')));
        at = at.get(name)?;
        if let Some(i) = index {
            at = at.get(i.parse::<usize>().ok()?)?;
        }
    }
    Some(at.get("kind")?.as_str()?.to_owned())
}

/// A shape error of `serde_json`, in the words of the plan rather than of Rust
/// (`expected a whole number of seconds (0 to 315360000)`, not `expected u64`),
/// with its line and column.
fn in_plain_words(path: &str, error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    let field = path.rsplit(['.', '[']).next().unwrap_or("");
    let plain = if let Some(rest) =
        message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "))
    {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!("expected {}, found {}", expected_in_plain_words(field, expected), found_in_plain_words(found))
    } else if let Some(rest) = message.strip_prefix("data did not match any variant of untagged enum ") {
        match rest {
            "AttrType" => "expected a type name (`text`, `int`, `number`, `money`, `bool`, `datetime`, `email` \
                           or `phone`) or an object of attributes"
                .to_owned(),
            _ => "expected one of the forms this place takes (see the plan's JSON Schema)".to_owned(),
        }
    } else if let Some(rest) = message.strip_prefix("missing field ") {
        format!("the field {rest} is missing")
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "another name"));
        let expected = expected.strip_prefix("one of ").unwrap_or(expected);
        format!("{found} is not a name this place takes; expected one of {expected}")
    } else if message == "expected value" {
        "expected one of the forms this place takes (an object with one of its fields; see the plan's JSON Schema)"
            .to_owned()
    } else {
        message.to_owned()
    };
    if error.line() == 0 { plain } else { format!("{plain} (line {}, column {})", error.line(), error.column()) }
}

/// What serde expected, as a plan author would say it.
fn expected_in_plain_words(field: &str, expected: &str) -> String {
    const DURATIONS: [&str; 5] = ["seconds", "within", "attribution", "after", "every"];
    const TARGETS: [&str; 5] = ["entry", "next", "on_event", "on_timeout", "otherwise"];
    let whole = matches!(expected, "u64" | "u32" | "an integer");
    match expected {
        _ if whole && DURATIONS.contains(&field) => {
            format!("a whole number of seconds (0 to {MAX_DURATION_SECONDS})")
        }
        _ if whole && TARGETS.contains(&field) => "a node number (0 or more) or null".to_owned(),
        "u32" if field == "version" => format!("a version number (1 to {})", u32::MAX),
        "u32" if field == "action" => "a node number (0 or more) or null".to_owned(),
        "u64" => "a whole number (0 or more)".to_owned(),
        "u32" => format!("a whole number (0 to {})", u32::MAX),
        "f64" => "a number".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "an object".to_owned(),
        _ if expected.starts_with("struct ") => "an object".to_owned(),
        _ if expected.starts_with("internally tagged enum") => "an object with a `kind`".to_owned(),
        _ if expected.starts_with("enum ") => {
            "one of the forms this place takes (see the plan's JSON Schema)".to_owned()
        }
        _ if expected.starts_with("unit variant") => "a name".to_owned(),
        _ => expected.to_owned(),
    }
}

/// What serde found, as a plan author would say it: `the string "3d"`, `-1`, `an object`.
fn found_in_plain_words(found: &str) -> String {
    let quoted = |prefix: &str| found.strip_prefix(prefix).map(|v| v.trim_matches('`').to_owned());
    if let Some(value) = quoted("integer ").or_else(|| quoted("floating point ")).or_else(|| quoted("boolean ")) {
        return value;
    }
    match found {
        "map" => "an object".to_owned(),
        "sequence" => "a list".to_owned(),
        "null" | "unit value" => "null".to_owned(),
        _ if found.starts_with("string ") => format!("the {found}"),
        _ => found.to_owned(),
    }
}

/// The references and invariants that the JSON shape alone does not give.
fn check(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for (name, segment) in &plan.segments {
        if let SegmentPlan::Rule(rule) = segment {
            let scope = Scope { plan, event: None, start: None };
            scope.expr(rule, &format!("segments.{name}"), &mut problems);
        }
    }
    for (name, content) in &plan.contents {
        for (property, template) in &content.templates {
            for (i, placeholder) in template.placeholders.iter().enumerate() {
                let place = format!("contents.{name}.templates.{property}.placeholders[{i}].reads");
                let reads = &placeholder.reads;
                match reads.root {
                    AttrRoot::Profile => {
                        if !matches!(lookup(&plan.profile, &reads.path), Some(AttrType::Scalar(_))) {
                            problems.push(format!(
                                "{place}: `{}` reads `profile.{}`, which is not an attribute of the profile schema",
                                placeholder.written,
                                reads.path.join(".")
                            ));
                        }
                    }
                    // Checked for each journey that sends the message, against its start trigger.
                    AttrRoot::Start => {}
                    AttrRoot::Event => problems.push(format!(
                        "{place}: a placeholder reads the profile (`profile`) or the start trigger (`start`), not `event`"
                    )),
                }
            }
        }
    }
    if let Some(cycle) = segment_cycle(plan) {
        problems.push(format!("segments.{cycle}: the segment depends on itself"));
    }
    for (i, journey) in plan.journeys.iter().enumerate() {
        let at = format!("journeys[{i}] (`{}`)", journey.name);
        if !names.insert(journey.name.as_str()) {
            problems.push(format!("{at}: a second journey with this name"));
        }
        check_journey(plan, journey, &at, &mut problems);
    }
    problems
}

fn check_journey(plan: &Plan, journey: &JourneyPlan, at: &str, problems: &mut Vec<String>) {
    let before = problems.len();
    let is_sha256 = |hash: &str| {
        hash.strip_prefix("sha256:")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    };
    if !is_sha256(&journey.source_hash) {
        problems.push(format!(
            "{at}.source_hash: `{}` is not `sha256:` followed by 64 lowercase hex digits",
            journey.source_hash
        ));
    }
    if journey.version == 0 {
        problems.push(format!("{at}.version: versions start at 1"));
    }
    if journey.attribution == 0 {
        problems.push(format!("{at}.attribution: the window must be longer than 0 seconds"));
    }
    duration(journey.attribution, &format!("{at}.attribution"), problems);
    if let Reentry::After(seconds) = journey.reentry {
        if seconds == 0 {
            problems.push(format!("{at}.reentry.after: must be longer than 0 seconds"));
        }
        duration(seconds, &format!("{at}.reentry.after"), problems);
    }
    let start_trigger = match &journey.start {
        StartPlan::Trigger(m) => Some(m.trigger.as_str()),
        StartPlan::Segment { segment, every } => {
            segment_exists(plan, segment, &format!("{at}.start.segment.segment"), problems);
            if *every == Some(0) {
                problems.push(format!("{at}.start.segment.every: must be longer than 0 seconds"));
            }
            if let Some(every) = every {
                duration(*every, &format!("{at}.start.segment.every"), problems);
            }
            None
        }
    };
    let scope = Scope { plan, event: None, start: start_trigger };
    if let StartPlan::Trigger(m) = &journey.start {
        scope.trigger_match(m, &format!("{at}.start.trigger"), problems);
    }
    if let Some(goal) = &journey.goal {
        if let GoalMeasure::Trigger(m) = &goal.measure {
            scope.trigger_match(m, &format!("{at}.goal.measure.trigger"), problems);
        }
        match goal.target {
            Some(Target::Count(0)) => problems.push(format!("{at}.goal.target.count: must be at least 1")),
            Some(Target::Percent(p)) if !(p > 0.0 && p <= 100.0) => {
                problems.push(format!("{at}.goal.target.percent: {p} is not in (0, 100]"))
            }
            _ => {}
        }
    }
    for (i, m) in journey.exit_on.iter().enumerate() {
        scope.trigger_match(m, &format!("{at}.exit_on[{i}]"), problems);
    }
    for (list, segments) in [("exclude", &journey.exclude), ("suppress", &journey.suppress)] {
        for (i, s) in segments.iter().enumerate() {
            segment_exists(plan, s, &format!("{at}.{list}[{i}]"), problems);
        }
    }
    let count = journey.nodes.len();
    let target = |next: Option<u32>, place: String, problems: &mut Vec<String>| {
        if let Some(n) = next
            && n as usize >= count
        {
            problems.push(format!("{place}: node {n} does not exist (the journey has {count} nodes)"));
        }
    };
    target(journey.entry, format!("{at}.entry"), problems);
    for (n, node) in journey.nodes.iter().enumerate() {
        let place = format!("{at}.nodes[{n}]");
        match &node.action {
            Action::Send { content, to, next } => {
                match plan.contents.get(content) {
                    None => problems.push(format!("{place}.content: no content is named `{content}`")),
                    Some(c) if c.channel != Channel::Push && to.is_none() => {
                        problems.push(format!("{place}.to: an {} needs an address attribute", c.channel.name()))
                    }
                    Some(_) => {}
                }
                if let Some(path) = to
                    && lookup(&plan.profile, path).is_none()
                {
                    problems.push(format!("{place}.to: the profile has no attribute `{}`", path.join(".")));
                }
                target(*next, format!("{place}.next"), problems);
            }
            Action::Wait { seconds, next } => {
                if *seconds == 0 {
                    problems.push(format!("{place}.seconds: must be longer than 0 seconds"));
                }
                duration(*seconds, &format!("{place}.action.seconds"), problems);
                target(*next, format!("{place}.next"), problems);
            }
            Action::Await { event, within, on_event, on_timeout } => {
                if *within == 0 {
                    problems.push(format!("{place}.within: must be longer than 0 seconds"));
                }
                duration(*within, &format!("{place}.action.within"), problems);
                match event {
                    AwaitedEvent::Message { content, .. } => {
                        if !plan.contents.contains_key(content) {
                            problems.push(format!("{place}.event.message.content: no content is named `{content}`"));
                        }
                    }
                    AwaitedEvent::Trigger(m) => scope.trigger_match(m, &format!("{place}.event.trigger"), problems),
                }
                target(*on_event, format!("{place}.on_event"), problems);
                target(*on_timeout, format!("{place}.on_timeout"), problems);
            }
            Action::Branch { arms, otherwise } => {
                for (i, arm) in arms.iter().enumerate() {
                    scope.expr(&arm.when, &format!("{place}.arms[{i}].when"), problems);
                    target(arm.next, format!("{place}.arms[{i}].next"), problems);
                }
                target(*otherwise, format!("{place}.otherwise"), problems);
            }
            Action::Split { arms } => {
                let total: f64 = arms.iter().map(|a| a.share).sum();
                if arms.is_empty() || (total - 100.0).abs() > 1e-9 {
                    problems.push(format!("{place}.arms: the shares add up to {total}%, not 100%"));
                }
                for (i, arm) in arms.iter().enumerate() {
                    if !(arm.share > 0.0 && arm.share <= 100.0) {
                        problems.push(format!(
                            "{place}.action.arms[{i}].share: {}% is not a share; a share is above 0% and at most 100%",
                            arm.share
                        ));
                    }
                    target(arm.next, format!("{place}.arms[{i}].next"), problems);
                }
            }
            Action::Stage { next, .. } => target(*next, format!("{place}.next"), problems),
            Action::Exit => {}
        }
    }
    for name in &journey.contents {
        let Some(content) = plan.contents.get(name) else { continue };
        for (property, template) in &content.templates {
            for placeholder in template.placeholders.iter().filter(|p| p.reads.root == AttrRoot::Start) {
                let record = start_trigger.and_then(|t| plan.triggers.get(t)).map(|t| &t.attributes);
                if !matches!(record.and_then(|r| lookup(r, &placeholder.reads.path)), Some(AttrType::Scalar(_))) {
                    let why = match start_trigger {
                        Some(t) => {
                            format!("the start trigger `{t}` has no attribute `{}`", placeholder.reads.path.join("."))
                        }
                        None => "the journey starts on a segment, so there is no start trigger to read".to_owned(),
                    };
                    problems.push(format!(
                        "{at}.contents: the journey sends `{name}`, whose {property} reads `{}`, but {why}",
                        placeholder.written
                    ));
                }
            }
        }
    }
    used_lists(plan, journey, at, problems);
    // The graph checks need every target of this journey to exist.
    let sound = problems.len() == before;
    if !sound {
        return;
    }
    if let Some(n) = node_cycle(journey) {
        // The nodes the loop cuts off are a consequence: the loop is what to mend.
        problems.push(format!("{at}.nodes[{n}]: the steps loop back to this node without end"));
        return;
    }
    match journey.entry {
        None if !journey.nodes.is_empty() => problems.push(format!(
            "{at}.entry: null, but the journey has {} nodes; `entry` is the number of the first one",
            journey.nodes.len()
        )),
        _ => {
            for n in unreachable_nodes(journey) {
                let step = &journey.nodes[n].step;
                problems.push(format!("{at}.nodes[{n}]: no path from `entry` reaches this node (`{step}`)"));
            }
        }
    }
}

/// Refuses a duration longer than a plan holds.
fn duration(seconds: u64, place: &str, problems: &mut Vec<String>) {
    if seconds > MAX_DURATION_SECONDS {
        problems.push(format!(
            "{place}: {seconds} seconds is more than 10 years ({MAX_DURATION_SECONDS} seconds), the longest duration a plan holds"
        ));
    }
}

/// Checks the journey's `contents`, `triggers` and `segments` lists: each name
/// exists, and each one the journey uses is listed (its `plan_hash` covers the
/// definitions listed, so a definition used but not listed would escape it).
fn used_lists(plan: &Plan, journey: &JourneyPlan, at: &str, problems: &mut Vec<String>) {
    let used = uses(plan, journey);
    for (field, list, used, known) in [
        ("contents", &journey.contents, &used.contents, plan.contents.keys().collect::<BTreeSet<_>>()),
        ("triggers", &journey.triggers, &used.triggers, plan.triggers.keys().collect()),
        ("segments", &journey.segments, &used.segments, plan.segments.keys().collect()),
    ] {
        for name in used {
            if !list.iter().any(|listed| listed == name) {
                problems.push(format!("{at}.{field}: the journey uses `{name}` but does not list it"));
            }
        }
        for (i, name) in list.iter().enumerate() {
            if !known.contains(name) {
                problems
                    .push(format!("{at}.{field}[{i}]: the plan has no {} named `{name}`", &field[..field.len() - 1]));
            }
        }
    }
}

/// The names a journey uses.
#[derive(Default)]
pub(crate) struct Uses<'a> {
    /// The contents it sends.
    pub(crate) contents: BTreeSet<&'a str>,
    /// The triggers it reads.
    pub(crate) triggers: BTreeSet<&'a str>,
    /// The segments it reads.
    pub(crate) segments: BTreeSet<&'a str>,
}

/// The contents a journey sends, and the triggers and segments it reads, also
/// through the rules of the segments it reads.
pub(crate) fn uses<'a>(plan: &'a Plan, journey: &'a JourneyPlan) -> Uses<'a> {
    let mut used = Uses::default();
    let mut expressions: Vec<&Expr> = Vec::new();
    let mut pending_segments: Vec<&str> = Vec::new();
    let trigger_match = |m: &'a TriggerMatch, used: &mut Uses<'a>, expressions: &mut Vec<&'a Expr>| {
        used.triggers.insert(m.trigger.as_str());
        expressions.extend(m.condition.as_ref());
    };
    match &journey.start {
        StartPlan::Trigger(m) => trigger_match(m, &mut used, &mut expressions),
        StartPlan::Segment { segment, .. } => pending_segments.push(segment),
    }
    if let Some(GoalPlan { measure: GoalMeasure::Trigger(m), .. }) = &journey.goal {
        trigger_match(m, &mut used, &mut expressions);
    }
    for m in &journey.exit_on {
        trigger_match(m, &mut used, &mut expressions);
    }
    pending_segments.extend(journey.exclude.iter().chain(&journey.suppress).map(String::as_str));
    for node in &journey.nodes {
        match &node.action {
            Action::Send { content, .. } => {
                used.contents.insert(content.as_str());
            }
            Action::Await { event: AwaitedEvent::Trigger(m), .. } => trigger_match(m, &mut used, &mut expressions),
            Action::Branch { arms, .. } => expressions.extend(arms.iter().map(|a| &a.when)),
            _ => {}
        }
    }
    loop {
        while let Some(segment) = pending_segments.pop() {
            if used.segments.insert(segment)
                && let Some(SegmentPlan::Rule(rule)) = plan.segments.get(segment)
            {
                expressions.push(rule);
            }
        }
        let Some(expr) = expressions.pop() else { break };
        crate::walk(expr, &mut |e| match e {
            Expr::InSegment(s) => pending_segments.push(s),
            Expr::Count { trigger, .. } | Expr::Sum { trigger, .. } | Expr::DaysSince { trigger, .. } => {
                used.triggers.insert(trigger);
            }
            _ => {}
        });
    }
    used
}

/// The nodes no path from `entry` reaches, in order.
fn unreachable_nodes(journey: &JourneyPlan) -> Vec<usize> {
    let reached = reached(journey.entry, &journey.nodes);
    (0..journey.nodes.len()).filter(|n| !reached[*n]).collect()
}

/// For each node, whether a path from `entry` reaches it (targets that do not exist are ignored).
pub(crate) fn reached(entry: Option<u32>, nodes: &[Node]) -> Vec<bool> {
    let mut reached = vec![false; nodes.len()];
    let mut pending: Vec<u32> = entry.into_iter().collect();
    while let Some(n) = pending.pop() {
        if let Some(seen) = reached.get_mut(n as usize)
            && !*seen
        {
            *seen = true;
            pending.extend(nodes[n as usize].action.targets().into_iter().flatten());
        }
    }
    reached
}

fn segment_exists(plan: &Plan, name: &str, place: &str, problems: &mut Vec<String>) {
    if !plan.segments.contains_key(name) {
        problems.push(format!("{place}: no segment is named `{name}`"));
    }
}

/// The attribute at `path` in a record.
fn lookup<'a>(record: &'a BTreeMap<String, AttrType>, path: &[String]) -> Option<&'a AttrType> {
    let (first, rest) = path.split_first()?;
    let ty = record.get(first)?;
    match (ty, rest.is_empty()) {
        (_, true) => Some(ty),
        (AttrType::Record(inner), false) => lookup(inner, rest),
        (AttrType::Scalar(_), false) => None,
    }
}

/// What the names of an expression can read.
struct Scope<'a> {
    plan: &'a Plan,
    event: Option<&'a str>,
    start: Option<&'a str>,
}

impl<'a> Scope<'a> {
    fn trigger_match(&self, m: &'a TriggerMatch, place: &str, problems: &mut Vec<String>) {
        if !self.plan.triggers.contains_key(&m.trigger) {
            problems.push(format!("{place}.trigger: no trigger is named `{}`", m.trigger));
            return;
        }
        if let Some(c) = &m.condition {
            let scope = Scope { event: Some(&m.trigger), ..*self };
            scope.expr(c, &format!("{place}.where"), problems);
        }
    }

    fn expr(&self, expr: &'a Expr, place: &str, problems: &mut Vec<String>) {
        match expr {
            Expr::Attr(attr) => {
                let record = match attr.root {
                    AttrRoot::Profile => Some(&self.plan.profile),
                    AttrRoot::Event => self.event.and_then(|t| self.plan.triggers.get(t)).map(|t| &t.attributes),
                    AttrRoot::Start => self.start.and_then(|t| self.plan.triggers.get(t)).map(|t| &t.attributes),
                };
                if !matches!(record.and_then(|r| lookup(r, &attr.path)), Some(AttrType::Scalar(_))) {
                    problems.push(format!("{place}: `{}` reads no attribute here", attr.path.join(".")));
                }
            }
            Expr::InSegment(s) => segment_exists(self.plan, s, place, problems),
            Expr::Count { trigger, condition, .. }
            | Expr::Sum { trigger, condition, .. }
            | Expr::DaysSince { trigger, condition, .. } => {
                let Some(counted) = self.plan.triggers.get(trigger) else {
                    problems.push(format!("{place}: no trigger is named `{trigger}`"));
                    return;
                };
                if let Expr::Count { within, .. } | Expr::Sum { within, .. } = expr {
                    duration(*within, &format!("{place} (the `within` of a count or sum of `{trigger}`)"), problems);
                }
                if let Expr::Sum { attribute, .. } = expr
                    && !matches!(lookup(&counted.attributes, attribute), Some(AttrType::Scalar(_)))
                {
                    problems.push(format!("{place}: `{trigger}.{}` is not an attribute to sum", attribute.join(".")));
                }
                // In the `where` of `count(T where ...)`, bare names are T's attributes.
                if let Some(c) = condition {
                    Scope { event: Some(trigger), ..*self }.expr(c, place, problems);
                }
            }
            Expr::Not(e) | Expr::Neg(e) => self.expr(e, place, problems),
            Expr::Binary { lhs, rhs, .. } => {
                self.expr(lhs, place, problems);
                self.expr(rhs, place, problems);
            }
            Expr::Literal(_) => {}
        }
    }
}

/// A segment whose rule reaches itself, if any.
fn segment_cycle(plan: &Plan) -> Option<&str> {
    let reads = |name: &str| -> Vec<String> {
        let mut out = Vec::new();
        if let Some(SegmentPlan::Rule(rule)) = plan.segments.get(name) {
            crate::walk(rule, &mut |e| {
                if let Expr::InSegment(s) = e {
                    out.push(s.clone());
                }
            });
        }
        out
    };
    for name in plan.segments.keys() {
        let mut seen = BTreeSet::new();
        let mut stack = reads(name);
        while let Some(next) = stack.pop() {
            if next == *name {
                return Some(name);
            }
            if seen.insert(next.clone()) {
                stack.extend(reads(&next));
            }
        }
    }
    None
}

/// A node reachable from itself without passing a wait (an endless loop), if any.
/// Lowered plans never loop at all, so any cycle is reported.
fn node_cycle(journey: &JourneyPlan) -> Option<usize> {
    let successors = |node: &Node| -> Vec<u32> { node.action.targets().into_iter().flatten().collect() };
    // Iterative depth-first search with colours: 0 new, 1 on the stack, 2 done.
    let mut colour = vec![0u8; journey.nodes.len()];
    for root in 0..journey.nodes.len() {
        if colour[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, successors(&journey.nodes[root]), 0usize)];
        colour[root] = 1;
        while let Some((node, next, index)) = stack.last_mut() {
            if let Some(&child) = next.get(*index) {
                *index += 1;
                let child = child as usize;
                match colour[child] {
                    0 => {
                        colour[child] = 1;
                        let succ = successors(&journey.nodes[child]);
                        stack.push((child, succ, 0));
                    }
                    1 => return Some(child),
                    _ => {}
                }
            } else {
                colour[*node] = 2;
                stack.pop();
            }
        }
    }
    None
}
