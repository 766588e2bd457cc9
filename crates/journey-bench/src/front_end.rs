//! Throughput of the front end over a project: lexing, parsing, and the whole
//! design-time check (as `journey check` runs it, files already in memory).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use journey_check::{Mode, Project, check, discover};
use journey_diagnostics::FileId;

/// The best time of `runs` runs of `f` (the least disturbed by the rest of the machine).
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let result = f();
            let elapsed = start.elapsed();
            // Dropping the result is not part of the measured work.
            std::mem::forget(result);
            elapsed
        })
        .min()
        .expect("at least one run")
}

/// Measures and prints the throughput of each stage on the project in `dir`.
pub fn run(dir: &Path, runs: usize, only_semantic: bool) -> Result<(), String> {
    let paths: Vec<PathBuf> = discover(dir).map_err(|e| e.to_string())?;
    let texts: Vec<(PathBuf, String)> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).map(|t| (p.clone(), t)).map_err(|e| format!("{}: {e}", p.display())))
        .collect::<Result<_, _>>()?;
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let megabytes = bytes as f64 / 1e6;
    let journeys = texts.iter().map(|(_, t)| t.matches("\njourney ").count()).sum::<usize>();

    if only_semantic {
        let parsed = Project::from_texts(texts.iter().cloned());
        let semantic = best_of(runs, || check(&parsed, Mode::Design));
        println!("semantic pass: {:.1} ms (best of {runs})", semantic.as_secs_f64() * 1e3);
        crate::alloc::start();
        let analysis = check(&parsed, Mode::Design);
        let (kept, peak, calls) = (crate::alloc::live(), crate::alloc::peak(), crate::alloc::calls());
        crate::alloc::stop();
        println!(
            "heap: {:.1} MB kept, {:.1} MB peak, {calls} allocations; {} diagnostics",
            kept as f64 / 1e6,
            peak as f64 / 1e6,
            analysis.diagnostics.len()
        );
        return Ok(());
    }
    let lex =
        best_of(runs, || texts.iter().map(|(_, t)| journey_syntax::lex(FileId(0), t).tokens.len()).sum::<usize>());
    let parse = best_of(runs, || {
        texts.iter().enumerate().map(|(i, (_, t))| journey_syntax::parse(FileId(i as u32), t)).collect::<Vec<_>>()
    });
    // `Project::from_texts` parses the files on every core.
    let parse_all_cores = best_of(runs, || Project::from_texts(texts.iter().cloned()));
    let parsed = Project::from_texts(texts.iter().cloned());
    let semantic = best_of(runs, || check(&parsed, Mode::Design));
    drop(parsed);
    let mut errors = 0;
    let whole = best_of(runs, || {
        let project = Project::from_texts(texts.iter().cloned());
        let analysis = check(&project, Mode::Design);
        errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        (project, analysis)
    });
    if errors > 0 {
        return Err(format!("the project has {errors} errors: benchmark a valid project"));
    }
    // Memory, in a separate untimed run with counting on.
    crate::alloc::start();
    let parses: Vec<_> =
        texts.iter().enumerate().map(|(i, (_, t))| journey_syntax::parse(FileId(i as u32), t)).collect();
    let (parse_heap, parse_calls) = (crate::alloc::live(), crate::alloc::calls());
    drop(parses);
    let project = Project::from_texts(texts.iter().cloned());
    let project_heap = crate::alloc::live();
    crate::alloc::start();
    let analysis = check(&project, Mode::Design);
    let (check_heap, check_peak, check_calls) = (crate::alloc::live(), crate::alloc::peak(), crate::alloc::calls());
    crate::alloc::stop();
    let warnings = analysis.diagnostics.len();
    drop((project, analysis));
    let rate = |d: Duration| megabytes / d.as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("project: {} files, {journeys} journeys, {megabytes:.2} MB", texts.len());
    println!("{:<8} {:>10} {:>10}", "stage", "time", "MB/s");
    println!("{:<8} {:>8.1}ms {:>10.1}", "lex", lex.as_secs_f64() * 1e3, rate(lex));
    println!("{:<8} {:>8.1}ms {:>10.1}", "parse", parse.as_secs_f64() * 1e3, rate(parse));
    println!("{:<8} {:>8.1}ms {:>10.1}", "parse*", parse_all_cores.as_secs_f64() * 1e3, rate(parse_all_cores));
    println!("{:<8} {:>8.1}ms {:>10.1}", "semantic", semantic.as_secs_f64() * 1e3, rate(semantic));
    println!("{:<8} {:>8.1}ms {:>10.1}", "check", whole.as_secs_f64() * 1e3, rate(whole));
    println!(
        "(best of {runs} runs; `parse` includes lexing, one thread; `parse*` is the same on {cores} threads, as \
         `journey check` parses; `semantic` is the checker on parsed files, one thread; `check` is the whole \
         check: `parse*` and `semantic`)"
    );
    let mb = |b: i64| b as f64 / 1e6;
    println!(
        "heap: parse trees {:.1} MB ({parse_calls} allocations); project with its texts {:.1} MB; \
         semantic pass {:.1} MB kept, {:.1} MB peak ({check_calls} allocations; {warnings} diagnostics)",
        mb(parse_heap),
        mb(project_heap),
        mb(check_heap),
        mb(check_peak)
    );
    Ok(())
}
