//! The catalogue of diagnostic codes: every code the compiler can report, its
//! title, and the long explanation `journey explain CODE` prints.
//!
//! Codes are stable: a code is never reused for another problem. `J00xx` are
//! syntax problems, `J01xx` semantic rules of the language, `J02xx` warnings.

use std::fmt;

use crate::diagnostic::Severity;

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        /// A stable diagnostic code such as `J0007`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in messages, e.g. `"J0007"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity this code is reported with unless the mode says otherwise
            /// (publish-readiness warnings become errors at `journey build`).
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// A short title, e.g. "unexpected token".
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// The long explanation (Markdown) with an example of the mistake and its fix.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => include_str!(concat!("../explain/", $code, ".md")),)* }
            }
        }
    };
}

codes! {
    InvalidCharacter = "J0001", Error, "invalid character";
    UnterminatedString = "J0002", Error, "unterminated string";
    InvalidEscape = "J0003", Error, "invalid escape sequence";
    UnterminatedComment = "J0004", Error, "unterminated block comment";
    InvalidLiteral = "J0005", Error, "invalid number, percentage or duration";
    InvalidDateTime = "J0006", Error, "invalid datetime";
    UnexpectedToken = "J0007", Error, "unexpected token";
    UnclosedDelimiter = "J0008", Error, "unclosed delimiter";
    UnexpectedClosingDelimiter = "J0009", Error, "unexpected closing delimiter";
    NestingTooDeep = "J0010", Error, "nesting too deep";
    InvalidUtf8 = "J0011", Error, "file is not valid UTF-8";
    SettingAfterStep = "J0012", Error, "journey setting after a step";
    ChainedComparison = "J0013", Error, "chained comparison";
    ForeignOperator = "J0014", Error, "operator from another language";
    MalformedPlaceholder = "J0015", Error, "malformed placeholder";
    DanglingDocComment = "J0016", Warning, "doc comment attached to nothing";
    MissingStart = "J0101", Error, "journey without a start";
    DuplicateStart = "J0102", Error, "more than one start";
    DuplicateGoal = "J0103", Error, "more than one goal";
    InvalidGoalTrigger = "J0104", Error, "goal measured by a trigger that cannot measure goals";
    InvalidGoal = "J0105", Error, "malformed goal";
    InvalidTarget = "J0106", Error, "invalid goal target";
    TooManyConditionAttributes = "J0107", Error, "too many attributes in a trigger condition";
    UnknownName = "J0108", Error, "unknown name";
    UnknownAttribute = "J0109", Error, "unknown attribute";
    TypeMismatch = "J0110", Error, "type mismatch";
    InvalidAddress = "J0111", Error, "wrong or missing address";
    MessageNotSentBefore = "J0112", Error, "event on a message not sent before";
    NonPositiveDuration = "J0113", Error, "zero duration";
    MissingWithin = "J0114", Error, "event condition without a deadline";
    UnresolvedPlaceholder = "J0115", Error, "placeholder that reads nothing";
    SplitShares = "J0116", Error, "split shares that do not add up to 100%";
    DuplicateDeclaration = "J0117", Error, "duplicate declaration";
    SegmentCycle = "J0118", Error, "segment that depends on itself";
    UnknownProperty = "J0119", Error, "unknown property";
    MissingProperty = "J0120", Error, "missing property";
    InvalidPropertyValue = "J0121", Error, "invalid property value";
    DuplicateItem = "J0122", Error, "duplicate property, attribute or setting";
    UnknownType = "J0123", Error, "unknown type";
    CommerceWithoutRevenue = "J0124", Error, "commerce trigger without revenue";
    InvalidSetting = "J0125", Error, "invalid setting";
    MissingProfile = "J0126", Error, "no profile schema";
    MisplacedItem = "J0127", Error, "item not allowed in this declaration";
    InvalidCall = "J0128", Error, "malformed behavioural function";
    DurationTooLong = "J0129", Error, "duration longer than 10 years";
    ContentNotReady = "J0130", Warning, "message not ready to publish";
    TriggerNotPublished = "J0131", Warning, "trigger not published";
    UnreachableStep = "J0201", Warning, "unreachable step";
    UnusedDeclaration = "J0202", Warning, "unused declaration";
    ExcludedAndSuppressed = "J0203", Warning, "segment both excluded and suppressed";
    GoalOnStartTrigger = "J0204", Warning, "goal on the start trigger";
    SharedGoalTrigger = "J0205", Warning, "goal trigger shared by several journeys";
    LongSms = "J0206", Warning, "SMS longer than 160 characters";
    ImpossibleEvent = "J0207", Warning, "event that never happens";
}

impl Code {
    /// Looks a code up by its text, ignoring case (`"j0007"` works too).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_order() {
        let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(texts, sorted, "codes must be unique and listed in numeric order");
    }

    #[test]
    fn every_code_has_an_explanation_with_a_mistake_and_a_fix() {
        for code in Code::ALL {
            let text = code.explanation();
            assert!(
                text.starts_with(&format!("# {code}: ")),
                "{code}: the explanation must start with `# {code}: <title>`"
            );
            assert!(text.matches("```journey").count() >= 2, "{code}: needs an example of the mistake and of its fix");
            assert!(text.contains("## Fix"), "{code}: needs a `## Fix` section");
        }
    }

    #[test]
    fn parse_accepts_any_case() {
        assert_eq!(Code::parse("j0007"), Some(Code::UnexpectedToken));
        assert_eq!(Code::parse("J9999"), None);
    }
}
