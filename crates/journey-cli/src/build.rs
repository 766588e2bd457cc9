//! `journey build [PATH] [-o plan.json]`: the publish-time check, then the plan.

use std::path::{Path, PathBuf};

use clap::Args;
use journey_check::{Mode, Project, check};
use journey_diagnostics::Diagnostic;
use journey_plan::Plan;

use crate::Outcome;
use crate::check::projects_of;
use crate::output::{ColorChoice, Format, usage_error, write_diagnostics};

/// Arguments of `journey build`.
#[derive(Args)]
pub struct BuildArgs {
    /// The project folder (or its files). Default: the current folder.
    paths: Vec<PathBuf>,

    /// Where to write the plan (`-` for standard output). A plan already there
    /// gives the versions: an unchanged journey keeps its version, a changed one
    /// gets the next.
    #[arg(short, long, default_value = "plan.json")]
    output: PathBuf,

    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// Checks one project at publish time and lowers it. Prints the diagnostics;
/// `Err` carries the exit status when the project cannot be published.
pub fn publish(
    paths: &[PathBuf],
    previous: Option<&Plan>,
    format: Format,
    color: ColorChoice,
) -> Result<Plan, Outcome> {
    let projects = projects_of(paths).map_err(|message| {
        usage_error(message);
        Outcome::Usage
    })?;
    if projects.len() != 1 {
        usage_error("give one project: a folder, or the files of one project");
        return Err(Outcome::Usage);
    }
    let project = Project::read(&projects[0]).map_err(|e| {
        usage_error(e);
        Outcome::Usage
    })?;
    let analysis = check(&project, Mode::Publish);
    let files = project.sources.len();
    if !analysis.diagnostics.is_empty() || format != Format::Human {
        let what = format!("{files} file{} for publishing", if files == 1 { "" } else { "s" });
        write_diagnostics(&project.sources, &analysis.diagnostics, format, color, &what);
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
    let previous = if !to_stdout && args.output.exists() {
        match read_previous_plan(&args.output) {
            Ok(plan) => Some(plan),
            Err(message) => {
                usage_error(format!(
                    "{message}\n`{}` already exists but is not a plan this version can read; \
                     remove it or choose another file with `-o`",
                    args.output.display()
                ));
                return Outcome::Usage;
            }
        }
    } else {
        None
    };
    let plan = match publish(&args.paths, previous.as_ref(), args.format, color) {
        Ok(plan) => plan,
        Err(outcome) => return outcome,
    };
    let text = plan.to_json();
    if to_stdout {
        crate::output::print_stdout(&text);
        return Outcome::Clean;
    }
    if let Err(e) = std::fs::write(&args.output, text) {
        usage_error(format!("cannot write `{}`: {e}", args.output.display()));
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
