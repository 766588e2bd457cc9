//! `journey lsp`: the language server over standard input and output. The
//! server itself is the `journey-lsp` library; this only starts it.

use clap::Args;

use crate::Outcome;

/// `journey lsp` takes no option: editors start it and speak LSP over stdio.
#[derive(Args)]
pub struct LspArgs {
    /// Accepted for compatibility with editors that pass it; stdio is the only transport.
    #[arg(long)]
    stdio: bool,
}

/// Serves until the client sends `exit`: status 0 after `shutdown`, 1 without it.
pub fn run(args: LspArgs) -> Outcome {
    let _ = args.stdio;
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            return Outcome::Usage;
        }
    };
    let clean = runtime.block_on(journey_lsp::serve(tokio::io::stdin(), tokio::io::stdout()));
    if clean { Outcome::Clean } else { Outcome::Errors }
}
