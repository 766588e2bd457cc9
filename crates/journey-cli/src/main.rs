//! `journey`: journeys as code. Checks, builds, runs and reports customer journeys.

mod build;
mod check;
mod compare;
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
    /// Put the reports of two runs side by side: every metric, goal and score, with differences.
    Compare(compare::CompareArgs),
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
    raw_values(args, &["--format"]).any(|v| v == "sarif")
}

/// The values given to the options `names` (`--name V`, `--name=V`, `-o V`,
/// `-oV`), read from the raw arguments when they could not be parsed.
fn raw_values<'a>(args: &'a [String], names: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    args.iter().enumerate().filter_map(move |(i, arg)| {
        names.iter().find_map(|name| {
            if arg == name {
                args.get(i + 1).map(String::as_str)
            } else if name.starts_with("--") {
                arg.strip_prefix(name).and_then(|rest| rest.strip_prefix('='))
            } else {
                arg.strip_prefix(name).filter(|rest| !rest.is_empty())
            }
        })
    })
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
                let options = output::DiagnosticOptions {
                    format: output::Format::Sarif,
                    diagnostics: raw_values(&args, &["--diagnostics"]).last().map(Into::into),
                    sarif_root: raw_values(&args, &["--sarif-root"]).last().map(Into::into),
                };
                // A plan written to standard output keeps it: the log goes to stderr.
                let stdout_taken = raw_values(&args, &["-o", "--output"]).any(|v| v == "-");
                options.failure_log(message.to_owned(), stdout_taken);
            }
            return if usage { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => check::run(args, cli.color),
        Command::Build(args) => build::run(args, cli.color),
        Command::Run(args) => run::run(args, cli.color),
        Command::Report(args) => report::run(args),
        Command::Compare(args) => compare::run(args),
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
