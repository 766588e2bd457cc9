//! `journey explain CODE`: the long explanation of a diagnostic code.

use clap::Args;
use journey_diagnostics::Code;

use crate::Outcome;
use crate::output::{print_stdout, usage_error};

/// Arguments of `journey explain`.
#[derive(Args)]
pub struct ExplainArgs {
    /// The code, such as J0007 (case does not matter). Without it, every code is listed.
    code: Option<String>,
}

/// Runs `journey explain`.
pub fn run(args: ExplainArgs) -> Outcome {
    match args.code {
        None => {
            let mut text = String::from("Diagnostic codes (`journey explain CODE` explains one):\n\n");
            for code in Code::ALL {
                text.push_str(&format!("  {code}  {:<8} {}\n", code.default_severity().as_str(), code.title()));
            }
            print_stdout(&text);
            Outcome::Clean
        }
        Some(text) => match Code::parse(&text) {
            Some(code) => {
                print_stdout(code.explanation());
                Outcome::Clean
            }
            None => {
                usage_error(format!(
                    "`{text}` is not a Journey diagnostic code; codes look like J0007 (run `journey explain` to list them)"
                ));
                Outcome::Usage
            }
        },
    }
}
