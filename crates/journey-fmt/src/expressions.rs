//! The layout of conditions and expressions. An expression is written on one line,
//! with single spaces around binary operators and the parentheses exactly where the
//! user wrote them. A condition that does not fit in the width (or that holds a
//! comment which ends a line) is broken before its top-level `and` or `or`, each
//! continuation line indented one level deeper than the item:
//!
//! ```journey
//! segment FrequentBuyers {
//!   where count(PurchaseCompleted within 90d) >= 3
//!     and days_since(PurchaseCompleted) <= 30
//! }
//! ```
//!
//! In a chain of `or`, each operand starts a line; an operand that is itself too
//! long is broken before its `and`, one level deeper still.

use journey_diagnostics::Span;
use journey_syntax::ast::*;

use crate::printer::{Gap, INDENT, Printer, WIDTH};

impl Printer<'_> {
    /// `where C`; `suffix` is the width of what follows the condition on its line.
    pub(crate) fn where_clause(&mut self, clause: &WhereClause, suffix: usize) {
        self.token("where");
        self.space();
        self.condition(&clause.condition, suffix);
    }

    /// The condition of an `if` or `else if`, up to its block.
    pub(crate) fn branch_condition(&mut self, condition: &Condition) {
        let block = " {".len();
        match condition {
            Condition::Expr(expr) => self.condition(expr, block),
            Condition::Event(event) => {
                if event.negated.is_some() {
                    self.token("not");
                    self.space();
                }
                match &event.event {
                    EventPattern::Message { interaction, content, .. } => {
                        self.token(interaction.keyword());
                        self.space();
                        self.token_at(content.span);
                    }
                    EventPattern::Trigger { trigger, condition } => {
                        self.token_at(trigger.span);
                        if let Some(clause) = condition {
                            let within = event.within.as_ref().map_or(0, |d| " within ".len() + self.width(d.span));
                            self.space();
                            self.where_clause(clause, within + block);
                        }
                    }
                }
                if let Some(deadline) = &event.within {
                    self.space();
                    self.token("within");
                    self.space();
                    self.token_at(deadline.span);
                }
            }
        }
    }

    /// A condition: on one line when it fits, otherwise broken before its top-level
    /// `and`/`or` (see the module documentation). A chain the source already breaks
    /// over lines stays broken: one clause per line is often how a rule reads best.
    fn condition(&mut self, expr: &Expr, suffix: usize) {
        let ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), .. } = &expr.kind else {
            return self.expr(expr);
        };
        let mut operands = Vec::new();
        collect_chain(expr, *op, &mut operands);
        let fits = self.next_column() + self.expr_width(expr) + suffix <= WIDTH;
        let broken_in_source = operands.windows(2).any(|w| {
            let [left, right] = w else { return false };
            self.line_break_between(left.span.end as usize, right.span.start as usize)
        });
        if fits && !broken_in_source && !self.comment_breaks_inside(expr.span) {
            self.expr(expr);
        } else {
            self.chain(&operands, *op, suffix);
        }
    }

    /// The operands of a chain of `op` (`and` or `or`), one per line.
    fn chain(&mut self, operands: &[&Expr], op: BinaryOp, suffix: usize) {
        // A condition that starts on a line a comment broke is continued deeper than it.
        let item = self.indent;
        let base = item.max(self.line_indentation() / INDENT.len());
        let count = operands.len();
        for (i, operand) in operands.iter().enumerate() {
            if i > 0 {
                self.indent = base + 1;
                self.request(Gap::Line);
                self.token(op.symbol());
                self.space();
            }
            if op == BinaryOp::Or {
                // An `and` chain inside breaks one level deeper than the `or` lines.
                self.indent = base + 1;
                self.condition(operand, if i + 1 == count { suffix } else { 0 });
            } else {
                self.expr(operand);
            }
            self.indent = item;
        }
    }

    /// An expression on one line (unless a comment inside ends a line).
    pub(crate) fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Literal(literal) => self.token_at(literal.span),
            ExprKind::Path(path) => self.path(path),
            ExprKind::Unary { op: UnaryOp::Not, operand, .. } => {
                self.token("not");
                self.space();
                self.expr(operand);
            }
            ExprKind::Unary { op: UnaryOp::Neg, operand, .. } => {
                self.token("-");
                self.expr(operand);
            }
            ExprKind::Binary { op, lhs, rhs, .. } => {
                self.expr(lhs);
                self.space();
                self.token(op.symbol());
                self.space();
                self.expr(rhs);
            }
            ExprKind::In { lhs, segment, .. } => {
                self.expr(lhs);
                self.space();
                self.token("in");
                self.space();
                self.token_at(segment.span);
            }
            ExprKind::Call(call) => {
                self.token_at(call.function.span);
                self.token("(");
                self.path(&call.event);
                if let Some(clause) = &call.condition {
                    self.space();
                    self.token("where");
                    self.space();
                    self.expr(&clause.condition);
                }
                if let Some(window) = &call.within {
                    self.space();
                    self.token("within");
                    self.space();
                    self.token_at(window.span);
                }
                self.token(")");
            }
            ExprKind::Paren(inner) => {
                self.token("(");
                self.expr(inner);
                self.token(")");
            }
            ExprKind::Error => self.fail("an expression that did not parse"),
        }
    }

    /// `profile.loyalty.tier`.
    pub(crate) fn path(&mut self, path: &Path) {
        for (i, segment) in path.segments.iter().enumerate() {
            if i > 0 {
                self.token(".");
            }
            self.token_at(segment.span);
        }
    }

    /// The width of a token as written (a `"""` string counts as its quotes).
    pub(crate) fn width(&self, span: Span) -> usize {
        let text = self.source(span);
        if text.contains('\n') { "\"\"\"\"\"\"".len() } else { text.chars().count() }
    }

    /// The width of a path.
    pub(crate) fn path_width(&self, path: &Path) -> usize {
        path.segments.iter().map(|s| self.width(s.span) + 1).sum::<usize>().saturating_sub(1)
    }

    /// The width of an expression on one line, without comments.
    fn expr_width(&self, expr: &Expr) -> usize {
        match &expr.kind {
            ExprKind::Literal(literal) => self.width(literal.span),
            ExprKind::Path(path) => self.path_width(path),
            ExprKind::Unary { op: UnaryOp::Not, operand, .. } => "not ".len() + self.expr_width(operand),
            ExprKind::Unary { op: UnaryOp::Neg, operand, .. } => 1 + self.expr_width(operand),
            ExprKind::Binary { op, lhs, rhs, .. } => {
                self.expr_width(lhs) + op.symbol().len() + 2 + self.expr_width(rhs)
            }
            ExprKind::In { lhs, segment, .. } => self.expr_width(lhs) + " in ".len() + self.width(segment.span),
            ExprKind::Call(call) => {
                self.width(call.function.span)
                    + self.path_width(&call.event)
                    + call.condition.as_ref().map_or(0, |c| " where ".len() + self.expr_width(&c.condition))
                    + call.within.as_ref().map_or(0, |w| " within ".len() + self.width(w.span))
                    + "()".len()
            }
            ExprKind::Paren(inner) => self.expr_width(inner) + "()".len(),
            ExprKind::Error => 0,
        }
    }
}

/// The operands of a chain of `op`, in source order (parentheses end the chain).
fn collect_chain<'e>(expr: &'e Expr, op: BinaryOp, operands: &mut Vec<&'e Expr>) {
    match &expr.kind {
        ExprKind::Binary { op: found, lhs, rhs, .. } if *found == op => {
            collect_chain(lhs, op, operands);
            collect_chain(rhs, op, operands);
        }
        _ => operands.push(expr),
    }
}
