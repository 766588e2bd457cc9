//! Sources and diagnostics of the Journey compiler.
//!
//! This crate sits below every stage of the pipeline: it holds the source files
//! of a project ([`SourceMap`]), positions in them ([`Span`], [`LineIndex`]), the
//! [`Diagnostic`] value that every stage reports, the catalogue of stable codes
//! ([`Code`], with the explanations `journey explain` prints), and the renderings
//! of diagnostics for people (ariadne), scripts (JSON) and code scanning (SARIF).

mod code;
mod diagnostic;
mod line_index;
pub mod render;
mod source;

pub use code::Code;
pub use diagnostic::{Diagnostic, Edit, Fix, Label, Severity, sort_diagnostics};
pub use line_index::{ColumnUnit, LineCol, LineIndex};
pub use source::{FileId, INVALID_BYTE_STAND_IN, InvalidByte, SourceFile, SourceMap, Span};
