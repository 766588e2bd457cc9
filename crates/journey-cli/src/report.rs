//! `journey report DIR [--by step|recipient] [--format table|csv|json]`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use journey_runtime::report::{RecipientRow, Report, recipients_csv, recipients_table};

use crate::Outcome;
use crate::output::{print_stdout, usage_error};

/// What the rows are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// One row per journey step (with the journey totals in the table).
    Step,
    /// One row per message: the journey analysis by recipient.
    Recipient,
}

/// How the report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for people.
    Table,
    /// CSV, rates as percentages.
    Csv,
    /// JSON, rates as fractions.
    Json,
}

/// Arguments of `journey report`.
#[derive(Args)]
pub struct ReportArgs {
    /// The `--out` folder of a `journey run`.
    dir: PathBuf,

    /// One row per step, or per message.
    #[arg(long, value_enum, default_value_t = By::Step)]
    by: By,

    /// The output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
}

/// Runs `journey report`.
pub fn run(args: ReportArgs) -> Outcome {
    let read = |name: &str| -> Result<String, String> {
        let path = args.dir.join(name);
        std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "`{}` cannot be read: {e}; is `{}` the --out folder of a `journey run`?",
                path.display(),
                args.dir.display()
            )
        })
    };
    let result = match args.by {
        By::Step => read("report.json").and_then(|text| {
            let report: Report = serde_json::from_str(&text).map_err(|e| {
                format!("{}: line {}: not a report: {e}", args.dir.join("report.json").display(), e.line())
            })?;
            Ok(match args.format {
                ReportFormat::Table => report.to_table(),
                ReportFormat::Csv => report.to_csv(),
                ReportFormat::Json => report.to_json(),
            })
        }),
        By::Recipient => read("messages.jsonl").and_then(|text| {
            let mut rows: Vec<RecipientRow> = Vec::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                rows.push(serde_json::from_str(line).map_err(|e| {
                    format!("{}:{}: not a message row: {e}", args.dir.join("messages.jsonl").display(), n + 1)
                })?);
            }
            Ok(match args.format {
                ReportFormat::Table => recipients_table(&rows),
                ReportFormat::Csv => recipients_csv(&rows),
                ReportFormat::Json => {
                    let mut text = serde_json::to_string_pretty(&rows).unwrap_or_default();
                    text.push('\n');
                    text
                }
            })
        }),
    };
    match result {
        Ok(text) => {
            print_stdout(&text);
            Outcome::Clean
        }
        Err(message) => {
            usage_error(message);
            Outcome::Usage
        }
    }
}
