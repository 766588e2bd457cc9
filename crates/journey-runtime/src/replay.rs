//! The replay driver of `journey run` (runtime.md §7): streams the profiles
//! and the events of any number of files, merges the events by time, sorts
//! unsorted files on disk, and feeds the engine one event at a time, writing
//! what it emits as it goes. Memory grows with the profiles and with what is
//! in flight, never with the number of events.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use journey_plan::Plan;
use journey_time::Timestamp;

use crate::RunError;
use crate::engine::{Engine, Handled, Message, Options, Texts};
use crate::input::{Catalog, Event, Id, InputError, Problem, Profiles, Rejected, read_event, read_profile};
use crate::report::{self, InputSummary, Messages, Report};
use crate::sort::{SortError, Sorted, Sorter};
use crate::source::{InputFile, LineProblem, LineReader, SourceError};

/// A file of the input, however it is read.
pub trait Source {
    /// The name messages give it.
    fn name(&self) -> &str;
    /// Opens it from its start (decompressed); it may be opened more than once.
    fn open(&self) -> Result<Box<dyn Read + Send + '_>, SourceError>;
}

impl Source for InputFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn open(&self) -> Result<Box<dyn Read + Send + '_>, SourceError> {
        crate::source::open(self).map(|r| r as Box<dyn Read + Send>)
    }
}

/// A file held in memory (tests, small inputs).
#[derive(Clone, Copy, Debug)]
pub struct InMemory<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

impl Source for InMemory<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn open(&self) -> Result<Box<dyn Read + Send + '_>, SourceError> {
        Ok(Box::new(self.bytes))
    }
}

/// The data of a run and how to read it.
pub struct Input<'s> {
    /// The profiles files, read in order.
    pub profiles: Vec<&'s dyn Source>,
    /// The events files: merged by time, ties by file order then line.
    pub events: Vec<&'s dyn Source>,
    /// A longer line is bad input.
    pub max_line_bytes: usize,
    /// The events files are in time order: an out-of-order line is an error
    /// instead of a reason to sort the file.
    pub sorted: bool,
    /// Where unsorted files are sorted.
    pub temp_dir: PathBuf,
    /// The memory the sort of one file may use before it writes to disk.
    pub sort_memory: usize,
    /// Bad lines are set aside (given to [`Output::reject`]) instead of stopping the run.
    pub keep_rejects: bool,
}

/// Where a run writes what it does.
pub trait Output {
    /// `actions.jsonl`.
    fn actions(&mut self) -> &mut dyn Write;
    /// `messages.jsonl`.
    fn messages(&mut self) -> &mut dyn Write;
    /// A line set aside (with `keep_rejects`), or an unmatched channel event.
    fn reject(&mut self, rejected: &Rejected) -> io::Result<()>;
    /// Forgets everything written so far: the run starts again (an events file
    /// turned out not to be in time order and is now sorted first).
    fn restart(&mut self) -> io::Result<()>;
}

/// Where the replay is, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Events read so far.
    pub events: u64,
    /// The simulated instant.
    pub now: i64,
}

/// How many events between two hand-overs of the engine's output.
const DRAIN_EVERY: u64 = 1024;

/// Runs `plan` over `input`, writing to `output`; returns the report.
pub fn replay(
    plan: &Plan,
    input: &Input<'_>,
    options: Options,
    output: &mut dyn Output,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, RunError> {
    let catalog = Catalog::of(plan);
    let mut to_sort = vec![false; input.events.len()];
    loop {
        match attempt(plan, &catalog, input, &to_sort, options, output, progress) {
            Err(Stop::Unsorted(file)) => {
                to_sort[file] = true;
                output.restart().map_err(|e| RunError::Io(format!("cannot start the run again: {e}")))?;
            }
            Err(Stop::Error(error)) => return Err(error),
            Ok(report) => return Ok(report),
        }
    }
}

/// Why an attempt stopped.
enum Stop {
    /// Events file `.0` is not in time order: sort it and start again.
    Unsorted(usize),
    /// The run cannot go on.
    Error(RunError),
}

impl From<RunError> for Stop {
    fn from(error: RunError) -> Stop {
        Stop::Error(error)
    }
}

fn io_error(what: impl std::fmt::Display) -> RunError {
    RunError::Io(what.to_string())
}

/// Bad lines: the error, or set aside.
struct Rejects<'o> {
    keep: bool,
    /// Lines set aside per file name, with the first, for a run that cannot start.
    by_file: Vec<(String, u64, Rejected)>,
    output: &'o mut dyn Output,
}

impl Rejects<'_> {
    /// Line `line` of `file` is bad: the run stops, or it is set aside.
    fn bad(&mut self, file: &str, line: u64, problem: Problem, text: &str, limit: usize) -> Result<(), RunError> {
        let error = InputError { file: file.to_owned(), line: line as usize, problem };
        if !self.keep {
            return Err(RunError::Input(error));
        }
        let mut end = text.len().min(limit);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let rejected = Rejected { error, text: text[..end].to_owned() };
        self.write(&rejected)?;
        match self.by_file.iter_mut().find(|(name, ..)| name == file) {
            Some((_, count, _)) => *count += 1,
            None => self.by_file.push((file.to_owned(), 1, rejected)),
        }
        Ok(())
    }

    /// Writes a line set aside, or an unmatched channel event, to the rejects.
    fn write(&mut self, rejected: &Rejected) -> Result<(), RunError> {
        self.output.reject(rejected).map_err(|e| io_error(format!("cannot write the rejected lines: {e}")))
    }

    /// How many lines were set aside.
    fn count(&self) -> u64 {
        self.by_file.iter().map(|(_, count, _)| count).sum()
    }
}

/// Reads the profiles of `sources`, in order; the first bad line is the error
/// (for benchmarks and tests: `journey run` reads them through [`replay`]).
pub fn read_profiles(catalog: &Catalog, sources: &[&dyn Source], max_line_bytes: usize) -> Result<Profiles, RunError> {
    let mut refuse = |file: &str, line: u64, problem, _: &str| -> Result<(), RunError> {
        Err(RunError::Input(InputError { file: file.to_owned(), line: line as usize, problem }))
    };
    profiles_of(catalog, sources, max_line_bytes, &mut refuse)
}

/// What is done with a bad line: its file, number, problem and text.
type BadLine<'b> = dyn FnMut(&str, u64, Problem, &str) -> Result<(), RunError> + 'b;

/// The profiles of `sources`, in order, a bad line given to `bad`.
fn profiles_of(
    catalog: &Catalog,
    sources: &[&dyn Source],
    limit: usize,
    bad: &mut BadLine<'_>,
) -> Result<Profiles, RunError> {
    let mut profiles = Profiles::default();
    for source in sources {
        let mut lines = LineReader::new(source.open().map_err(io_error)?, limit);
        while let Some(line) = lines.next_line() {
            let line = line.map_err(io_error)?;
            match line.text {
                Ok(text) => match read_profile(catalog, text, &profiles) {
                    Ok(profile) => {
                        profiles.index.insert(Id::from(&*profile.id), profiles.list.len() as u32);
                        profiles.list.push(profile);
                    }
                    Err(problem) => bad(source.name(), line.number, problem, text)?,
                },
                Err(problem) => {
                    let (problem, text) = line_problem(problem);
                    bad(source.name(), line.number, problem, &text)?;
                }
            }
        }
    }
    Ok(profiles)
}

/// The problem of a line that could not be read as text.
fn line_problem(problem: LineProblem) -> (Problem, String) {
    match problem {
        LineProblem::TooLong { limit, prefix } => (
            Problem::new(
                "",
                format!(
                    "the line is longer than the limit of {limit} bytes (raise it with `--max-line-bytes`); \
                     it was not read"
                ),
            ),
            prefix,
        ),
        LineProblem::NotUtf8 => (Problem::new("", "the line is not valid UTF-8 text"), String::new()),
    }
}

fn attempt(
    plan: &Plan,
    catalog: &Catalog,
    input: &Input<'_>,
    to_sort: &[bool],
    options: Options,
    output: &mut dyn Output,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, Stop> {
    let limit = input.max_line_bytes;
    let messages = Messages::new(plan, catalog);
    let mut rejects = Rejects { keep: input.keep_rejects, by_file: Vec::new(), output };
    // 1. The profiles, whole: memory grows with them.
    let mut profiles = profiles_of(catalog, &input.profiles, limit, &mut |file, n, problem, text| {
        rejects.bad(file, n, problem, text, limit)
    })?;
    let profile_count = profiles.list.len() as u64;
    // The engine takes the profiles; their ids stay here, to read the events.
    let mut engine = Engine::new(plan, catalog, std::mem::take(&mut profiles.list));
    let index = profiles;
    // 2. The events: one stream per file, merged by (time, file, line).
    let mut streams = Vec::with_capacity(input.events.len());
    for (f, source) in input.events.iter().enumerate() {
        let lines = if to_sort[f] {
            Lines::Sorted(sort_file(*source, catalog, &index, input, &mut rejects)?)
        } else {
            Lines::Plain(LineReader::new(source.open().map_err(io_error)?, limit))
        };
        streams.push(Stream { file: f, name: source.name(), lines, last: None, sorted: input.sorted });
    }
    let mut merge = Merge::new(streams.len());
    for stream in &mut streams {
        if let Some(event) = stream.next(catalog, &index, &mut rejects)? {
            merge.push(stream.file, event);
        }
    }
    let first = merge.peek_ts();
    let Some(start) = options.start.or(first) else {
        let file = input.events.first().map(|s| s.name().to_owned()).unwrap_or_default();
        let (set_aside, first) = match rejects.by_file.iter().position(|(name, ..)| *name == file) {
            Some(i) => {
                let (_, count, first) = rejects.by_file.swap_remove(i);
                (count, Some(Box::new(first)))
            }
            None => (0, None),
        };
        return Err(RunError::NothingToReplay { file, set_aside, first }.into());
    };
    engine.begin(start, options);
    let mut latest = start;
    let mut read = 0u64;
    let mut write_error = None;
    let mut closed = Closed::new(input);
    while let Some((file, event)) = merge.pop() {
        read += 1;
        latest = latest.max(event.event.ts);
        let handled = engine.event(&event.event);
        if let Handled::Unmatched(reason) = handled
            && rejects.keep
        {
            let problem = Problem::new("content", reason);
            let stream = &streams[file];
            let error = InputError { file: stream.name.to_owned(), line: event.event.line as usize, problem };
            rejects.write(&Rejected { error, text: event.text })?;
        }
        if let Some(next) = streams[file].next(catalog, &index, &mut rejects)? {
            merge.push(file, next);
        }
        if read.is_multiple_of(DRAIN_EVERY) {
            drain(&mut engine, &messages, rejects.output, &mut closed, &mut write_error);
            progress(Progress { events: read, now: latest });
        }
    }
    let until = options.until.unwrap_or(latest);
    let output = &mut *rejects.output;
    let finished = engine
        .finish(until, |ids, addresses, sent, done| emit(&messages, output, &mut closed, ids, addresses, sent, done));
    progress(Progress { events: read, now: until });
    if let Some(error) = write_error {
        return Err(io_error(error).into());
    }
    let outcome = finished.map_err(io_error)?;
    closed.write(&engine, &messages, rejects.output)?;
    let summary = InputSummary {
        profiles: profile_count,
        events: outcome.events_processed - outcome.unmatched,
        duplicates: outcome.duplicates,
        unmatched: outcome.unmatched,
        before_start: outcome.before_start,
        after_until: outcome.after_until,
        rejected: rejects.count(),
    };
    Ok(report::build(plan, catalog, &outcome, summary))
}

/// Writes what the engine sent to `actions.jsonl`, and keeps what it closed
/// for `messages.jsonl`; the first error is kept.
fn drain(
    engine: &mut Engine<'_>,
    messages: &Messages,
    output: &mut dyn Output,
    closed: &mut Closed,
    error: &mut Option<String>,
) {
    let result = engine.drain(|ids, addresses, sent, done| emit(messages, output, closed, ids, addresses, sent, done));
    if let Err(e) = result
        && error.is_none()
    {
        *error = Some(e);
    }
}

/// Hands the messages the engine sent and closed to the outputs.
fn emit(
    messages: &Messages,
    output: &mut dyn Output,
    closed: &mut Closed,
    ids: &Texts,
    addresses: &Texts,
    sent: &[Message],
    done: &[Message],
) -> Result<(), String> {
    messages
        .write_actions(ids, addresses, sent, output.actions())
        .map_err(|e| format!("cannot write actions.jsonl: {e}"))?;
    done.iter().try_for_each(|m| closed.push(m)).map_err(|e| e.to_string())
}

/// The closed messages, put back in send order for `messages.jsonl` (the
/// bytes a run holding every message would write): in memory while few, then
/// sorted on disk.
struct Closed {
    buffer: Vec<Message>,
    sorter: Option<Sorter>,
    temp_dir: PathBuf,
    budget: usize,
}

/// The most closed messages kept in memory before they go to the sort.
const CLOSED_IN_MEMORY: usize = 1 << 16;

impl Closed {
    fn new(input: &Input<'_>) -> Closed {
        Closed {
            buffer: Vec::new(),
            sorter: None,
            temp_dir: input.temp_dir.clone(),
            budget: input.sort_memory.min(16 << 20),
        }
    }

    fn push(&mut self, message: &Message) -> Result<(), SortError> {
        if let Some(sorter) = &mut self.sorter {
            return sorter.push(message.seq as i64, 0, &message.to_bytes());
        }
        self.buffer.push(message.clone());
        if self.buffer.len() >= CLOSED_IN_MEMORY {
            let mut sorter = Sorter::new(&self.temp_dir, self.budget)?;
            for m in self.buffer.drain(..) {
                sorter.push(m.seq as i64, 0, &m.to_bytes())?;
            }
            self.sorter = Some(sorter);
        }
        Ok(())
    }

    /// Writes `messages.jsonl`, in send order.
    fn write(self, engine: &Engine<'_>, messages: &Messages, output: &mut dyn Output) -> Result<(), RunError> {
        let failed = |e: std::io::Error| io_error(format!("cannot write messages.jsonl: {e}"));
        let (ids, addresses) = engine.texts();
        let Some(sorter) = self.sorter else {
            let mut list = self.buffer;
            list.sort_unstable_by_key(|m| m.seq);
            return messages.write_rows(ids, addresses, &list, output.messages()).map_err(failed);
        };
        let mut sorted = sorter.finish().map_err(io_error)?;
        let mut batch = Vec::with_capacity(1024);
        loop {
            let next = sorted.next().map_err(io_error)?;
            if let Some((_, _, bytes)) = next {
                let message = Message::from_bytes(bytes)
                    .ok_or_else(|| io_error("a sorted message came back damaged from the temporary folder"))?;
                batch.push(message);
            }
            if batch.len() == batch.capacity() || (next.is_none() && !batch.is_empty()) {
                messages.write_rows(ids, addresses, &batch, output.messages()).map_err(failed)?;
                batch.clear();
            }
            if next.is_none() {
                return Ok(());
            }
        }
    }
}

/// Sorts the events of `source` by time on disk: each line that reads as an
/// event goes to the sort with its time and line number; bad lines are dealt
/// with here, in file order.
fn sort_file(
    source: &dyn Source,
    catalog: &Catalog,
    index: &Profiles,
    input: &Input<'_>,
    rejects: &mut Rejects<'_>,
) -> Result<Sorted, RunError> {
    let sort_error = |e: SortError| io_error(e);
    let mut sorter = Sorter::new(&input.temp_dir, input.sort_memory).map_err(sort_error)?;
    let mut lines = LineReader::new(source.open().map_err(io_error)?, input.max_line_bytes);
    while let Some(line) = lines.next_line() {
        let line = line.map_err(io_error)?;
        match line.text {
            Ok(text) => match read_event(catalog, index, text) {
                Ok(event) => sorter.push(event.ts, line.number, text.as_bytes()).map_err(sort_error)?,
                Err(problem) => rejects.bad(source.name(), line.number, problem, text, input.max_line_bytes)?,
            },
            Err(problem) => {
                let (problem, text) = line_problem(problem);
                rejects.bad(source.name(), line.number, problem, &text, input.max_line_bytes)?;
            }
        }
    }
    sorter.finish().map_err(sort_error)
}

/// The lines of one events file: as written, or sorted.
enum Lines<'s> {
    Plain(LineReader<Box<dyn Read + Send + 's>>),
    Sorted(Sorted),
}

/// An event with its line's text (kept only when rejects are).
struct Read1 {
    event: Event,
    text: String,
}

/// The events of one file, in order.
struct Stream<'s> {
    file: usize,
    name: &'s str,
    lines: Lines<'s>,
    /// The time and line of the previous event.
    last: Option<(i64, u64)>,
    sorted: bool,
}

impl Stream<'_> {
    /// The next event of the file; bad lines are set aside (or the error).
    fn next(&mut self, catalog: &Catalog, index: &Profiles, rejects: &mut Rejects<'_>) -> Result<Option<Read1>, Stop> {
        loop {
            let (number, text) = match &mut self.lines {
                Lines::Plain(lines) => {
                    let Some(line) = lines.next_line() else { return Ok(None) };
                    let line = line.map_err(io_error)?;
                    match line.text {
                        Ok(text) => (line.number, text),
                        Err(problem) => {
                            let (problem, text) = line_problem(problem);
                            rejects.bad(self.name, line.number, problem, &text, usize::MAX)?;
                            continue;
                        }
                    }
                }
                Lines::Sorted(sorted) => {
                    let Some((_, number, bytes)) = sorted.next().map_err(io_error)? else { return Ok(None) };
                    // The sort holds only lines that were read as events, as text.
                    (number, std::str::from_utf8(bytes).unwrap_or_default())
                }
            };
            let mut event = match read_event(catalog, index, text) {
                Ok(event) => event,
                Err(problem) => {
                    rejects.bad(self.name, number, problem, text, usize::MAX)?;
                    continue;
                }
            };
            event.line = number as u32;
            if let Some((last, last_line)) = self.last
                && event.ts < last
            {
                if !self.sorted {
                    return Err(Stop::Unsorted(self.file));
                }
                let problem = Problem::new(
                    "ts",
                    format!(
                        "out of time order: `{}` is before `{}` of line {last_line}, and --sorted says the \
                         file is sorted; sort it, or leave out --sorted to have it sorted on disk",
                        Timestamp(event.ts),
                        Timestamp(last)
                    ),
                );
                let error = InputError { file: self.name.to_owned(), line: number as usize, problem };
                return Err(RunError::OutOfOrder(error).into());
            }
            self.last = Some((event.ts, number));
            let text = if rejects.keep { text.to_owned() } else { String::new() };
            return Ok(Some(Read1 { event, text }));
        }
    }
}

/// The k-way merge of the streams' next events, by (time, file); one
/// stream's events come in line order.
struct Merge {
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    heads: Vec<Option<Read1>>,
}

impl Merge {
    fn new(files: usize) -> Merge {
        Merge { heap: BinaryHeap::with_capacity(files), heads: std::iter::repeat_with(|| None).take(files).collect() }
    }

    fn push(&mut self, file: usize, event: Read1) {
        self.heap.push(Reverse((event.event.ts, file)));
        self.heads[file] = Some(event);
    }

    fn peek_ts(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse((ts, _))| *ts)
    }

    fn pop(&mut self) -> Option<(usize, Read1)> {
        let Reverse((_, file)) = self.heap.pop()?;
        self.heads[file].take().map(|event| (file, event))
    }
}
