//! Where and how the command line writes: colour choice, diagnostics, usage errors.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use journey_diagnostics::render::{self, Summary};
use journey_diagnostics::{Diagnostic, SourceMap};

/// The `--color` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether output to standard error should be coloured.
    pub fn for_stderr(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// The format of diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Reports for people, on standard error.
    Human,
    /// One JSON document on standard output.
    Json,
    /// A SARIF 2.1.0 log on standard output, for code scanning.
    Sarif,
}

/// Prints a usage or I/O error the way every command does: `error: ...` on standard error.
pub fn usage_error(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "error: {message}");
}

/// Writes `text` to standard output, ignoring a closed pipe (`journey ... | head`).
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes diagnostics in `format`; human reports end with a summary line naming `what` was checked.
pub fn write_diagnostics(map: &SourceMap, diagnostics: &[Diagnostic], format: Format, color: ColorChoice, what: &str) {
    match format {
        Format::Json => print_stdout(&render::render_json(map, diagnostics)),
        Format::Sarif => print_stdout(&render::render_sarif(map, diagnostics, env!("CARGO_PKG_VERSION"))),
        Format::Human => {
            let color = color.for_stderr();
            // ariadne writes a character at a time: buffer, or each one is a system call.
            let mut err = std::io::BufWriter::new(std::io::stderr().lock());
            let _ = render::render_human(map, diagnostics, color, &mut err);
            let _ = writeln!(err, "checked {what}: {}", Summary::of(diagnostics).describe());
            let _ = err.flush();
        }
    }
}
