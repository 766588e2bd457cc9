//! The layout of declarations, bodies, journeys and steps: which tokens follow each
//! other, separated by what. Expressions are in `expressions.rs`.

use journey_diagnostics::Span;
use journey_syntax::SourceTree;
use journey_syntax::ast::*;

use crate::printer::{Gap, Printer, WIDTH};

impl Printer<'_> {
    /// Lays out a whole file: its declarations, one blank line apart.
    pub(crate) fn source_tree(&mut self, tree: &SourceTree) {
        for (i, decl) in tree.decls.iter().enumerate() {
            if i > 0 {
                self.request(Gap::Blank);
            }
            self.declaration(decl);
        }
    }

    fn declaration(&mut self, decl: &Decl) {
        self.token(decl.keyword());
        if let Some(name) = decl.name() {
            self.space();
            self.token_at(name.span);
        }
        self.space();
        match &decl.kind {
            DeclKind::Profile(d) => self.body(&d.body),
            DeclKind::Trigger(d) => self.body(&d.body),
            DeclKind::Content(d) => self.body(&d.body),
            DeclKind::Segment(d) => self.body(&d.body),
            DeclKind::Journey(d) => self.journey_body(d),
        }
    }

    /// Opens a block whose items go on their own lines, one level deeper. A `{` that a
    /// comment pushes to a line of its own starts it at the item's indentation.
    pub(crate) fn open_block(&mut self) {
        self.flush_left_next();
        self.token("{");
        self.indent += 1;
        self.request(Gap::Item);
    }

    /// Closes a block opened by [`Printer::open_block`], after the comments it ends with.
    pub(crate) fn close_block(&mut self) {
        self.request(Gap::Item);
        self.flush_comments();
        // The comments written may have asked for a blank line: a block never ends with one.
        self.set_gap(Gap::Line);
        self.indent = self.indent.saturating_sub(1);
        self.token("}");
    }

    /// `{}`: an empty block without comments.
    fn empty_block(&mut self) {
        self.flush_left_next();
        self.token("{");
        self.token("}");
    }

    /// The body of a profile, trigger, content or segment: one item per line.
    fn body(&mut self, body: &Body) {
        if body.items.is_empty() && !self.has_comments_in(body.span) {
            return self.empty_block();
        }
        self.open_block();
        for (i, item) in body.items.iter().enumerate() {
            if i > 0 {
                self.request(Gap::Item);
            }
            match item {
                BodyItem::Field(field) => self.field(field),
                BodyItem::Property(property) => {
                    self.token_at(property.key.span);
                    self.space();
                    match &property.value {
                        PropertyValue::Word(word) => self.token_at(word.span),
                        PropertyValue::String(string) => self.token_at(string.span),
                        PropertyValue::Literal(literal) => self.token_at(literal.span),
                        PropertyValue::Error(_) => self.fail("a property value that did not parse"),
                    }
                }
                BodyItem::Where(clause) => {
                    self.where_clause(clause, 0);
                }
            }
            self.skip_comma();
        }
        self.close_block();
    }

    /// `name: type`.
    fn field(&mut self, field: &Field) {
        self.token_at(field.name.span);
        self.token(":");
        self.space();
        match &field.ty {
            TypeExpr::Named(name) => self.token_at(name.span),
            TypeExpr::Record(record) => self.record(record),
            TypeExpr::Error(_) => self.fail("a type that did not parse"),
        }
    }

    /// `{ name: type, ... }` on one line when it fits and holds no comment, otherwise
    /// one field per line.
    fn record(&mut self, record: &Record) {
        let commented = self.has_comments_in(record.span);
        if record.fields.is_empty() && !commented {
            return self.empty_block();
        }
        if !commented && self.next_column() + self.record_width(record) <= WIDTH {
            self.token("{");
            for (i, field) in record.fields.iter().enumerate() {
                self.space();
                self.field(field);
                self.skip_comma();
                if i + 1 < record.fields.len() {
                    self.synthetic(",");
                }
            }
            self.space();
            self.token("}");
            return;
        }
        self.open_block();
        for (i, field) in record.fields.iter().enumerate() {
            if i > 0 {
                self.request(Gap::Item);
            }
            self.field(field);
            self.skip_comma();
        }
        self.close_block();
    }

    /// The width of a record laid out on one line.
    fn record_width(&self, record: &Record) -> usize {
        if record.fields.is_empty() {
            return 2;
        }
        let fields: usize = record
            .fields
            .iter()
            .map(|f| {
                let ty = match &f.ty {
                    TypeExpr::Named(name) => self.width(name.span),
                    TypeExpr::Record(inner) => self.record_width(inner),
                    TypeExpr::Error(span) => self.width(*span),
                };
                self.width(f.name.span) + 2 + ty
            })
            .sum();
        fields + 2 * (record.fields.len() - 1) + 4
    }

    /// `{ settings... steps... }` of a journey.
    fn journey_body(&mut self, journey: &JourneyDecl) {
        if journey.settings.is_empty() && journey.steps.is_empty() && !self.has_comments_in(journey.body_span) {
            return self.empty_block();
        }
        self.open_block();
        for setting in &journey.settings {
            self.request(Gap::Item);
            self.setting(setting);
        }
        for (i, step) in journey.steps.iter().enumerate() {
            // One blank line between the settings and the steps, as in the specification.
            self.request(if i == 0 && !journey.settings.is_empty() { Gap::Blank } else { Gap::Item });
            self.step(step);
        }
        self.close_block();
    }

    fn setting(&mut self, setting: &Setting) {
        match &setting.kind {
            SettingKind::StartOn { trigger, condition } => self.on_trigger("start", trigger, condition.as_ref()),
            SettingKind::StartSegment { segment, every } => {
                self.token("start");
                self.space();
                self.keyword_then("segment", segment.span);
                if let Some(period) = every {
                    self.space();
                    self.keyword_then("every", period.span);
                }
            }
            SettingKind::Goal(goal) => self.goal(goal),
            SettingKind::ExitOn { trigger, condition } => self.on_trigger("exit", trigger, condition.as_ref()),
            SettingKind::Exclude(segment) => self.keyword_then("exclude", segment.span),
            SettingKind::Suppress(segment) => self.keyword_then("suppress", segment.span),
            SettingKind::Attribution(window) => {
                self.keyword_then("attribution", window.span);
            }
            SettingKind::Reentry(reentry) => {
                self.token("reentry");
                self.space();
                match reentry {
                    Reentry::Always(_) => self.token("always"),
                    Reentry::Never(_) => self.token("never"),
                    Reentry::After(delay) => {
                        self.keyword_then("after", delay.span);
                    }
                    Reentry::Unknown(word) => self.token_at(word.span),
                }
            }
            SettingKind::Transactional => self.token("transactional"),
        }
    }

    /// `start on TRIGGER [where C]` or `exit on TRIGGER [where C]`.
    fn on_trigger(&mut self, keyword: &str, trigger: &Ident, condition: Option<&WhereClause>) {
        self.token(keyword);
        self.space();
        self.keyword_then("on", trigger.span);
        if let Some(clause) = condition {
            self.space();
            self.where_clause(clause, 0);
        }
    }

    /// A keyword and the name or value after it: `wait 1d`, `exclude Complainers`.
    fn keyword_then(&mut self, keyword: &str, span: Span) {
        self.token(keyword);
        self.space();
        self.token_at(span);
    }

    fn goal(&mut self, goal: &Goal) {
        self.keyword_then("goal", goal.kind.span);
        match &goal.measure {
            GoalMeasure::Trigger { trigger, condition, .. } => {
                self.space();
                self.keyword_then("on", trigger.span);
                if let Some(clause) = condition {
                    let target = goal.target.as_ref().map_or(0, |t| " target ".len() + self.width(t.value.span));
                    self.space();
                    self.where_clause(clause, target);
                }
            }
            GoalMeasure::Interaction { event, message } => {
                self.space();
                self.token_at(event.span);
                if let Some(message) = message {
                    self.space();
                    self.token_at(message.span);
                }
            }
            GoalMeasure::Named(name) => {
                self.space();
                self.token_at(name.span);
            }
            GoalMeasure::Missing(_) => {}
        }
        if let Some(target) = &goal.target {
            self.space();
            self.token("target");
            self.space();
            self.amount_at(target.value.span);
        }
    }

    fn step(&mut self, step: &Step) {
        match &step.kind {
            StepKind::Send { content, to } => {
                self.keyword_then("send", content.span);
                if let Some(path) = to {
                    self.space();
                    self.token("to");
                    self.space();
                    self.path(path);
                }
            }
            StepKind::Wait(duration) => {
                self.keyword_then("wait", duration.span);
            }
            StepKind::If(if_step) => self.if_step(if_step),
            StepKind::Split(split) => self.split(split),
            StepKind::Stage { name, block } => {
                self.keyword_then("stage", name.span);
                self.space();
                self.block(block);
            }
            StepKind::Exit => self.token("exit"),
            StepKind::Error => self.fail("a step that did not parse"),
        }
    }

    /// A block of steps: `{}` when empty, otherwise one step per line.
    fn block(&mut self, block: &Block) {
        if block.steps.is_empty() && !self.has_comments_in(block.span) {
            return self.empty_block();
        }
        self.open_block();
        for step in &block.steps {
            self.request(Gap::Item);
            self.step(step);
        }
        self.close_block();
    }

    /// `if C { ... } else if C { ... } else { ... }`. A condition laid out over several
    /// lines puts the `{` of its block on a line of its own.
    fn if_step(&mut self, if_step: &IfStep) {
        for (i, branch) in if_step.branches.iter().enumerate() {
            if i > 0 {
                self.else_keyword();
                self.space();
            }
            self.token("if");
            self.space();
            let mark = self.written();
            self.branch_condition(&branch.condition);
            if self.broke_line_since(mark) {
                self.request(Gap::Line);
            } else {
                self.space();
            }
            self.flush_left_next();
            self.block(&branch.block);
        }
        if let Some(otherwise) = &if_step.otherwise {
            self.else_keyword();
            self.space();
            self.flush_left_next();
            self.block(otherwise);
        }
    }

    /// ` else` after a block's `}`.
    fn else_keyword(&mut self) {
        self.space();
        self.flush_left_next();
        self.token("else");
    }

    /// `split { A 50% { ... } ... }`: every branch on one line when each is short (at
    /// most one `send`, `wait` or `exit`, no comment inside, within the width), otherwise
    /// every non-empty branch laid out over lines.
    fn split(&mut self, split: &SplitStep) {
        self.token("split");
        self.space();
        if split.branches.is_empty() && !self.has_comments_in(split.body_span) {
            return self.empty_block();
        }
        let short = split.branches.iter().all(|b| self.short_branch(b));
        self.open_block();
        for branch in &split.branches {
            self.request(Gap::Item);
            if let Some(label) = &branch.label {
                self.token_at(label.span);
                self.space();
            }
            self.token_at(branch.share.span);
            self.space();
            match branch.block.steps.as_slice() {
                [step] if short => {
                    self.token("{");
                    self.space();
                    self.step(step);
                    self.space();
                    self.token("}");
                }
                _ => self.block(&branch.block),
            }
        }
        self.close_block();
    }

    /// Whether a split branch fits on one line: see [`Printer::split`].
    fn short_branch(&self, branch: &SplitBranch) -> bool {
        let commented = self.has_comments_in(branch.block.span);
        let step = match branch.block.steps.as_slice() {
            [] => return !commented,
            [step] if !commented => step,
            _ => return false,
        };
        let step_width = match &step.kind {
            StepKind::Send { content, to } => {
                "send ".len() + self.width(content.span) + to.as_ref().map_or(0, |p| " to ".len() + self.path_width(p))
            }
            StepKind::Wait(duration) => "wait ".len() + self.width(duration.span),
            StepKind::Exit => "exit".len(),
            _ => return false,
        };
        let label = branch.label.as_ref().map_or(0, |l| self.width(l.span) + 1);
        let width = (self.indent + 1) * 2 + label + self.width(branch.share.span) + " {  }".len() + step_width;
        width <= WIDTH
    }
}
