//! Time to draw diagnostics: one large file whose every report points at two
//! places far apart (a trigger declared again and again, each report also
//! pointing at the first declaration on line 1), drawn for people (ariadne) and
//! as JSON.

use std::path::Path;
use std::time::{Duration, Instant};

use journey_check::{Mode, Project, check};
use journey_diagnostics::render::{render_human, render_json};

/// The text of the file: the first declaration of `T`, then `reports` declarations
/// of it again, each after a comment line, about 400 bytes each.
pub fn source(reports: usize) -> String {
    let comment = format!("// {}\n", "x".repeat(360));
    let mut text = String::from("trigger T {\n  when: text\n}\n");
    for _ in 0..reports {
        text.push_str(&comment);
        text.push_str("trigger T {\n  when: text\n}\n");
    }
    text
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .expect("at least one run")
}

/// Checks the generated file, then draws its diagnostics `runs` times each way and
/// prints the best times. With `write`, the file is also written there (to time
/// `journey check FILE` end to end).
pub fn run(reports: usize, runs: usize, write: Option<&Path>) -> Result<(), String> {
    let text = source(reports);
    if let Some(path) = write {
        std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let megabytes = text.len() as f64 / 1e6;
    let project = Project::from_texts([("render.journey", text)]);
    let diagnostics = check(&project, Mode::Design).diagnostics;
    let human = time(runs, || {
        let mut out = Vec::new();
        render_human(&project.sources, &diagnostics, false, &mut out).map(|()| out.len())
    });
    let json = time(runs, || render_json(&project.sources, &diagnostics).len());
    let per = |d: Duration| d.as_secs_f64() * 1e6 / diagnostics.len().max(1) as f64;
    println!("file: {megabytes:.2} MB, {} diagnostics", diagnostics.len());
    println!("{:<8} {:>10} {:>14}", "render", "time", "per report");
    println!("{:<8} {:>8.1}ms {:>12.2}µs", "human", human.as_secs_f64() * 1e3, per(human));
    println!("{:<8} {:>8.1}ms {:>12.2}µs", "json", json.as_secs_f64() * 1e3, per(json));
    println!(
        "(best of {runs} runs, one thread, to memory; `human` is `journey check`'s default output, without colour)"
    );
    Ok(())
}
