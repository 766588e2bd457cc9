//! `journey build [PATH] [-o plan.json]`: the publish-time check, then the plan.

use std::path::{Path, PathBuf};

use clap::Args;
use journey_check::{Mode, Project, check};
use journey_diagnostics::Diagnostic;
use journey_plan::Plan;

use crate::Outcome;
use crate::check::{files_phrase, projects_of};
use crate::output::{ColorChoice, DiagnosticOptions, Format};

/// Arguments of `journey build`.
#[derive(Args)]
pub struct BuildArgs {
    /// The project folder, or a file of the project (the whole project is built: the
    /// nearest folder above the file with a `journey.toml`, else the file's folder).
    /// Default: the current folder.
    paths: Vec<PathBuf>,

    /// Where to write the plan (`-` for standard output, and then JSON or SARIF
    /// diagnostics go to standard error unless `--diagnostics` names a file). A plan
    /// already there gives the versions: an unchanged journey keeps its version, a
    /// changed one gets the next.
    #[arg(short, long, default_value = "plan.json")]
    output: PathBuf,

    #[command(flatten)]
    diagnostics: DiagnosticOptions,
}

/// Checks one project at publish time and lowers it, printing the diagnostics in
/// `format` where `journey check` prints them (as `journey run` does for a project).
pub fn publish(
    paths: &[PathBuf],
    previous: Option<&Plan>,
    format: Format,
    color: ColorChoice,
) -> Result<Plan, Outcome> {
    let options = DiagnosticOptions { format, diagnostics: None, sarif_root: None };
    publish_with(paths, previous, &options, color, false)
}

/// Checks one project at publish time and lowers it. Prints the diagnostics as
/// `options` say (`stdout_taken`: the plan goes to standard output); `Err` carries
/// the exit status when the project cannot be published.
pub fn publish_with(
    paths: &[PathBuf],
    previous: Option<&Plan>,
    options: &DiagnosticOptions,
    color: ColorChoice,
    stdout_taken: bool,
) -> Result<Plan, Outcome> {
    let fail = |message: String| {
        options.fail(message, stdout_taken);
        Outcome::Usage
    };
    let mut projects = projects_of(paths).map_err(fail)?;
    if projects.len() != 1 {
        return Err(fail("give one project: a folder, or files of one project".to_owned()));
    }
    let project = Project::read(&projects.remove(0).files).map_err(|e| fail(e.to_string()))?;
    let analysis = check(&project, Mode::Publish);
    let what = format!("{} for publishing", files_phrase(project.sources.len()));
    if !analysis.diagnostics.is_empty() || options.format != Format::Human {
        options.write(&project.sources, &analysis.diagnostics, color, &what, stdout_taken).map_err(fail)?;
    }
    if analysis.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Outcome::Errors);
    }
    Ok(journey_plan::lower(&analysis.program, &project.sources, previous))
}

/// Reads a plan file, validating it (with its `plan_hash`).
pub fn read_plan(path: &Path) -> Result<Plan, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("`{}` cannot be read: {e}", path.display()))?;
    Plan::from_json(&path.display().to_string(), &text).map_err(|e| e.to_string())
}

/// Reads the plan `journey build` is about to replace, for its versions: its
/// `plan_hash` may be missing (an older build) or not match (a hand edit).
fn read_previous_plan(path: &Path) -> Result<Plan, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("`{}` cannot be read: {e}", path.display()))?;
    Plan::from_json_to_replace(&path.display().to_string(), &text).map_err(|e| e.to_string())
}

/// Runs `journey build`.
pub fn run(args: BuildArgs, color: ColorChoice) -> Outcome {
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && args.diagnostics.diagnostics.as_ref().is_some_and(|d| d.as_os_str() == "-") {
        args.diagnostics
            .fail("`-o -` and `--diagnostics -` would both write to standard output; name a file for one", true);
        return Outcome::Usage;
    }
    let previous = if !to_stdout && args.output.exists() {
        match read_previous_plan(&args.output) {
            Ok(plan) => Some(plan),
            Err(message) => {
                args.diagnostics.fail(
                    format!(
                        "{message}\n`{}` already exists but is not a plan this version can read; \
                         remove it or choose another file with `-o`",
                        args.output.display()
                    ),
                    to_stdout,
                );
                return Outcome::Usage;
            }
        }
    } else {
        None
    };
    let plan = match publish_with(&args.paths, previous.as_ref(), &args.diagnostics, color, to_stdout) {
        Ok(plan) => plan,
        Err(outcome) => return outcome,
    };
    let text = plan.to_json();
    if to_stdout {
        crate::output::print_stdout(&text);
        return Outcome::Clean;
    }
    if let Err(e) = std::fs::write(&args.output, text) {
        args.diagnostics.fail(format!("cannot write `{}`: {e}", args.output.display()), to_stdout);
        return Outcome::Usage;
    }
    let journeys: Vec<String> = plan.journeys.iter().map(|j| format!("{} v{}", j.name, j.version)).collect();
    eprintln!(
        "wrote {}: {} journey{} ({})",
        args.output.display(),
        journeys.len(),
        if journeys.len() == 1 { "" } else { "s" },
        journeys.join(", ")
    );
    Outcome::Clean
}
