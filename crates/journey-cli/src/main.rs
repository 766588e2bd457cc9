//! `journey`: journeys as code. Checks, builds, runs and reports customer journeys.

mod build;
mod check;
mod explain;
mod fmt;
mod lsp;
mod manifest;
mod output;
mod report;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Journeys as code: check, build and replay customer journeys.
#[derive(Parser)]
#[command(name = "journey", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// When to colour human output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = output::ColorChoice::Auto)]
    color: output::ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a project folder or files at design time (default: the current folder).
    Check(check::CheckArgs),
    /// Check a project at publish time and write its executable plan.
    Build(build::BuildArgs),
    /// Run a plan (or a project) over profiles and events, and report what happened.
    Run(run::RunArgs),
    /// Show or export the report of a run.
    Report(report::ReportArgs),
    /// Print the long explanation of a diagnostic code, such as J0007.
    Explain(explain::ExplainArgs),
    /// Lay `.journey` files out in the canonical layout (default: the current folder).
    Fmt(fmt::FmtArgs),
    /// Start the language server (LSP over standard input and output), for editors.
    Lsp(lsp::LspArgs),
}

/// What a command reports back to `main`: the exit status.
pub enum Outcome {
    /// Exit 0: no error.
    Clean,
    /// Exit 1: the inputs have errors.
    Errors,
    /// Exit 2: the command could not run (bad arguments, unreadable files).
    Usage,
}

/// Whether the command line asks for SARIF (`--format sarif` or `--format=sarif`),
/// read from the raw arguments when they could not be parsed.
fn asks_for_sarif(args: &[String]) -> bool {
    args.iter().any(|a| a == "--format=sarif") || args.windows(2).any(|w| w[0] == "--format" && w[1] == "sarif")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            let usage = error.use_stderr();
            // A CI step that uploads the SARIF log finds one even after a mistyped option.
            if usage && asks_for_sarif(&args) {
                let text = error.render().to_string();
                let message =
                    text.lines().next().unwrap_or("the arguments are not valid").trim_start_matches("error: ");
                let options =
                    output::DiagnosticOptions { format: output::Format::Sarif, diagnostics: None, sarif_root: None };
                options.failure_log(message.to_owned(), false);
            }
            return if usage { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => check::run(args, cli.color),
        Command::Build(args) => build::run(args, cli.color),
        Command::Run(args) => run::run(args, cli.color),
        Command::Report(args) => report::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fmt(args) => fmt::run(args, cli.color),
        Command::Lsp(args) => lsp::run(args),
    };
    match outcome {
        Outcome::Clean => ExitCode::SUCCESS,
        Outcome::Errors => ExitCode::from(1),
        Outcome::Usage => ExitCode::from(2),
    }
}
