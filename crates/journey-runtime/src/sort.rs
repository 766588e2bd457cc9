//! An external, stable sort of records by key in bounded memory (runtime.md §7,
//! "Unsorted input"): records are kept in memory up to a budget, then sorted
//! and written as a run file in a private temporary folder; [`Sorter::finish`]
//! merges the runs (and what is still in memory) in (key, tie) order, records
//! of equal (key, tie) in the order they were pushed.
//!
//! The module knows nothing of events: a record is bytes, a key an `i64` (a
//! timestamp), a tie a `u64` (a file and line). A run file is a sequence of
//! records, each `key` (8 bytes, little-endian, two's complement), `tie` (8
//! bytes, little-endian), the record's length (4 bytes, little-endian) and its
//! bytes. The folder and its files are removed when the [`Sorter`] or the
//! [`Sorted`] is dropped, on error paths too.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes counted against the budget for each record besides its own bytes: its
/// place in the buffer.
pub const RECORD_OVERHEAD: usize = size_of::<Entry>();

/// The most runs merged at once; more are first merged in groups of this many.
const FAN_IN: usize = 64;

/// The buffer of a run being written.
const WRITE_BUFFER: usize = 1 << 20;

/// The smallest and largest buffer of a run being read in the merge.
const READ_BUFFER: (usize, usize) = (64 << 10, 4 << 20);

/// Folders made by this process so far, to name the next one.
static FOLDERS: AtomicU64 = AtomicU64::new(0);

/// Why the sort failed. Its `Display` names the folder or file and says what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortError {
    /// The temporary folder cannot be created, or a file written in it.
    TempFolder {
        /// The folder given to [`Sorter::new`].
        folder: PathBuf,
        /// The system's reason.
        message: String,
    },
    /// The disk holding the temporary folder is full.
    DiskFull {
        /// The folder given to [`Sorter::new`].
        folder: PathBuf,
        /// The size of the run being written.
        run_bytes: u64,
        /// The bytes of the runs written before it.
        written_bytes: u64,
    },
    /// A run file disappeared before it was read back.
    RunVanished {
        /// The run file.
        path: PathBuf,
    },
    /// A run file cannot be read back, or is not what was written.
    RunUnreadable {
        /// The run file.
        path: PathBuf,
        /// The reason.
        message: String,
    },
    /// A record of 4 GiB or more.
    RecordTooLarge {
        /// Its size.
        bytes: usize,
    },
}

impl fmt::Display for SortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SortError::TempFolder { folder, message } => write!(
                f,
                "cannot write the sort's temporary files in `{}`: {message}; give another folder with --temp-dir",
                folder.display()
            ),
            SortError::DiskFull { folder, run_bytes, written_bytes } => write!(
                f,
                "the disk holding `{}` is full: the sort was writing {} of sorted input ({} written before); \
                 free some space, or give a folder on a larger disk with --temp-dir",
                folder.display(),
                size(*run_bytes),
                size(*written_bytes)
            ),
            SortError::RunVanished { path } => write!(
                f,
                "the sort's temporary file `{}` disappeared before it was read back; \
                 was the folder cleaned while the run went on? Run again",
                path.display()
            ),
            SortError::RunUnreadable { path, message } => write!(
                f,
                "cannot read back the sort's temporary file `{}`: {message}; \
                 was it changed while the run went on? Run again",
                path.display()
            ),
            SortError::RecordTooLarge { bytes } => {
                write!(f, "a record of {} is too large to sort (at most 4 GiB)", size(*bytes as u64))
            }
        }
    }
}

impl std::error::Error for SortError {}

/// A size in bytes as a person reads it: `900 bytes`, `12.3 KiB`, `1.5 GiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A sorted record: its key, its tie and its bytes.
pub type Record<'a> = (i64, u64, &'a [u8]);

/// A record held in memory: its key, tie and place in the buffer of bytes.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: i64,
    tie: u64,
    offset: usize,
    len: u32,
}

/// The sort's private folder, removed with its files when dropped.
#[derive(Debug)]
struct TempFolder {
    /// The folder given (named in errors).
    parent: PathBuf,
    /// The private folder inside it.
    path: PathBuf,
}

impl TempFolder {
    /// Makes a new private folder in `parent`.
    fn create(parent: &Path) -> Result<TempFolder, SortError> {
        let failed = |e: io::Error| SortError::TempFolder { folder: parent.to_path_buf(), message: e.to_string() };
        loop {
            let n = FOLDERS.fetch_add(1, Ordering::Relaxed);
            let path = parent.join(format!("journey-sort-{}-{n}", std::process::id()));
            let mut builder = fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return Ok(TempFolder { parent: parent.to_path_buf(), path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1 << 20 => {}
                Err(e) => return Err(failed(e)),
            }
        }
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        // Nothing to do if it fails: the folder is the system's temporary space.
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A run file written, and its size.
#[derive(Debug)]
struct RunFile {
    path: PathBuf,
    bytes: u64,
}

/// Sorts records by (key, tie) in bounded memory: push them, then
/// [`finish`](Sorter::finish) and read them back in order.
#[derive(Debug)]
pub struct Sorter {
    folder: TempFolder,
    budget: usize,
    /// The records in memory, in push order, and their bytes.
    entries: Vec<Entry>,
    data: Vec<u8>,
    /// Bytes counted against the budget.
    used: usize,
    runs: Vec<RunFile>,
    /// Bytes of all the run files written.
    written: u64,
    /// Run files made (to name the next one).
    made: u64,
    fan_in: usize,
}

impl Sorter {
    /// A sort whose records in memory take at most about `memory_budget` bytes
    /// (each counted as its length plus [`RECORD_OVERHEAD`]), with its run files
    /// in a new private folder of `temp_dir` (which must exist).
    pub fn new(temp_dir: &Path, memory_budget: usize) -> Result<Sorter, SortError> {
        Ok(Sorter {
            folder: TempFolder::create(temp_dir)?,
            budget: memory_budget,
            entries: Vec::new(),
            data: Vec::new(),
            used: 0,
            runs: Vec::new(),
            written: 0,
            made: 0,
            fan_in: FAN_IN,
        })
    }

    /// Adds a record; when the records in memory reach the budget they are
    /// sorted and written as a run file.
    pub fn push(&mut self, key: i64, tie: u64, record: &[u8]) -> Result<(), SortError> {
        let len = u32::try_from(record.len()).map_err(|_| SortError::RecordTooLarge { bytes: record.len() })?;
        if self.data.capacity() == 0 {
            // Room for a whole run at once: growing by doubling would take up to
            // twice the budget just before a spill.
            self.data.reserve(self.budget.min(1 << 30));
            self.entries.reserve((self.budget / (record.len() + RECORD_OVERHEAD).max(1)).min(1 << 24));
        }
        self.entries.push(Entry { key, tie, offset: self.data.len(), len });
        self.data.extend_from_slice(record);
        self.used = self.used.saturating_add(record.len() + RECORD_OVERHEAD);
        if self.used >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Ends the input: the records, merged in (key, tie) order. Nothing is
    /// written if they all fit in memory.
    pub fn finish(mut self) -> Result<Sorted, SortError> {
        sort_entries(&mut self.entries);
        while self.runs.len() >= self.fan_in {
            self.merge_pass()?;
        }
        let runs_written = self.made as usize;
        let buffer = read_buffer(self.budget, self.runs.len() + 1);
        let mut sources = Vec::with_capacity(self.runs.len() + 1);
        for run in &self.runs {
            sources.push(Source::File(RunReader::open(&run.path, buffer)?));
        }
        let memory =
            MemoryRun { entries: std::mem::take(&mut self.entries), data: std::mem::take(&mut self.data), at: 0 };
        sources.push(Source::Memory(memory));
        Ok(Sorted { merge: Merge::new(sources)?, runs: runs_written, _folder: self.folder })
    }

    /// Writes the records in memory as a sorted run file, and empties the buffer
    /// (keeping its room).
    fn spill(&mut self) -> Result<(), SortError> {
        sort_entries(&mut self.entries);
        let run_bytes = self.entries.iter().map(|e| HEADER_BYTES + u64::from(e.len)).sum();
        let mut writer = self.create_run(run_bytes)?;
        for e in &self.entries {
            let record = &self.data[e.offset..e.offset + e.len as usize];
            writer.write(e.key, e.tie, record).map_err(|e| self.write_failure(e, run_bytes))?;
        }
        let run = writer.finish().map_err(|e| self.write_failure(e, run_bytes))?;
        self.written += run.bytes;
        self.runs.push(run);
        self.entries.clear();
        self.data.clear();
        self.used = 0;
        Ok(())
    }

    /// Merges the runs in consecutive groups of `fan_in` into one run each (the
    /// order of the groups keeps the sort stable), removing the merged files.
    fn merge_pass(&mut self) -> Result<(), SortError> {
        let runs = std::mem::take(&mut self.runs);
        let mut groups = runs.into_iter().peekable();
        while groups.peek().is_some() {
            let group: Vec<RunFile> = groups.by_ref().take(self.fan_in).collect();
            if group.len() == 1 {
                self.runs.extend(group);
                continue;
            }
            let run_bytes = group.iter().map(|r| r.bytes).sum();
            let buffer = read_buffer(self.budget, group.len());
            let sources =
                group.iter().map(|r| RunReader::open(&r.path, buffer).map(Source::File)).collect::<Result<_, _>>()?;
            let mut merge = Merge::new(sources)?;
            let mut writer = self.create_run(run_bytes)?;
            while let Some((key, tie, record)) = merge.next()? {
                writer.write(key, tie, record).map_err(|e| self.write_failure(e, run_bytes))?;
            }
            let run = writer.finish().map_err(|e| self.write_failure(e, run_bytes))?;
            self.written += run.bytes;
            self.runs.push(run);
            drop(merge);
            for merged in group {
                let _ = fs::remove_file(&merged.path);
            }
        }
        Ok(())
    }

    /// A new run file of about `run_bytes`.
    fn create_run(&mut self, run_bytes: u64) -> Result<RunWriter, SortError> {
        self.made += 1;
        let path = self.folder.path.join(format!("run-{}", self.made));
        let file = File::create(&path).map_err(|e| self.write_failure(e, run_bytes))?;
        Ok(RunWriter { path, out: BufWriter::with_capacity(WRITE_BUFFER, file), bytes: 0 })
    }

    /// The error `e` met writing a run of `run_bytes`.
    fn write_failure(&self, e: io::Error, run_bytes: u64) -> SortError {
        let folder = self.folder.parent.clone();
        match e.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
                SortError::DiskFull { folder, run_bytes, written_bytes: self.written }
            }
            _ => SortError::TempFolder { folder, message: e.to_string() },
        }
    }
}

/// Bytes before each record's own in a run file: key, tie, length.
const HEADER_BYTES: u64 = 8 + 8 + 4;

/// Sorts records by (key, tie), then push order (their offsets grow with it).
fn sort_entries(entries: &mut [Entry]) {
    entries.sort_unstable_by_key(|e| (e.key, e.tie, e.offset));
}

/// The read buffer of each of `runs` runs merged with `budget` bytes of memory.
fn read_buffer(budget: usize, runs: usize) -> usize {
    (budget / runs.max(1)).clamp(READ_BUFFER.0, READ_BUFFER.1)
}

/// A run file being written.
struct RunWriter {
    path: PathBuf,
    out: BufWriter<File>,
    bytes: u64,
}

impl RunWriter {
    fn write(&mut self, key: i64, tie: u64, record: &[u8]) -> io::Result<()> {
        // The length fits: records are checked in `push`.
        let len = record.len() as u32;
        self.out.write_all(&key.to_le_bytes())?;
        self.out.write_all(&tie.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(record)?;
        self.bytes += HEADER_BYTES + u64::from(len);
        Ok(())
    }

    fn finish(mut self) -> io::Result<RunFile> {
        self.out.flush()?;
        Ok(RunFile { path: self.path, bytes: self.bytes })
    }
}

/// A run file being read back, and its current record.
struct RunReader {
    path: PathBuf,
    input: BufReader<File>,
    record: Vec<u8>,
}

impl RunReader {
    fn open(path: &Path, buffer: usize) -> Result<RunReader, SortError> {
        let file = File::open(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => SortError::RunVanished { path: path.to_path_buf() },
            _ => SortError::RunUnreadable { path: path.to_path_buf(), message: e.to_string() },
        })?;
        Ok(RunReader { path: path.to_path_buf(), input: BufReader::with_capacity(buffer, file), record: Vec::new() })
    }

    /// Reads the next record: its key and tie, `None` at the end.
    fn advance(&mut self) -> Result<Option<(i64, u64)>, SortError> {
        let unreadable = |e: io::Error| {
            let message = match e.kind() {
                io::ErrorKind::UnexpectedEof => "it ends in the middle of a record".to_owned(),
                _ => e.to_string(),
            };
            SortError::RunUnreadable { path: self.path.clone(), message }
        };
        let at_end = loop {
            match self.input.fill_buf() {
                Ok(bytes) => break bytes.is_empty(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(unreadable(e)),
            }
        };
        if at_end {
            return Ok(None);
        }
        let (mut key, mut tie, mut len) = ([0; 8], [0; 8], [0; 4]);
        self.input.read_exact(&mut key).map_err(unreadable)?;
        self.input.read_exact(&mut tie).map_err(unreadable)?;
        self.input.read_exact(&mut len).map_err(unreadable)?;
        self.record.resize(u32::from_le_bytes(len) as usize, 0);
        self.input.read_exact(&mut self.record).map_err(unreadable)?;
        Ok(Some((i64::from_le_bytes(key), u64::from_le_bytes(tie))))
    }
}

/// The last records pushed, sorted in memory.
struct MemoryRun {
    entries: Vec<Entry>,
    data: Vec<u8>,
    /// The entries given so far (the current one is `at - 1`).
    at: usize,
}

/// Where the merge takes records from: a run file, or the memory.
enum Source {
    File(RunReader),
    Memory(MemoryRun),
}

impl Source {
    /// Moves to the next record: its key and tie, `None` at the end.
    fn advance(&mut self) -> Result<Option<(i64, u64)>, SortError> {
        match self {
            Source::File(run) => run.advance(),
            Source::Memory(run) => {
                let next = run.entries.get(run.at).map(|e| (e.key, e.tie));
                run.at += usize::from(next.is_some());
                Ok(next)
            }
        }
    }

    /// The current record.
    fn record(&self) -> &[u8] {
        match self {
            Source::File(run) => &run.record,
            Source::Memory(run) => match run.at.checked_sub(1).and_then(|i| run.entries.get(i)) {
                Some(e) => &run.data[e.offset..e.offset + e.len as usize],
                None => &[],
            },
        }
    }
}

/// A k-way merge: the smallest current record of all sources, ties to the
/// source pushed first (sources are in push order, each sorted and stable).
struct Merge {
    sources: Vec<Source>,
    heap: BinaryHeap<Reverse<(i64, u64, usize)>>,
    /// Whether the top's record was given, so its source must move on first.
    given: bool,
    failed: bool,
}

impl Merge {
    fn new(mut sources: Vec<Source>) -> Result<Merge, SortError> {
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, source) in sources.iter_mut().enumerate() {
            if let Some((key, tie)) = source.advance()? {
                heap.push(Reverse((key, tie, i)));
            }
        }
        Ok(Merge { sources, heap, given: false, failed: false })
    }

    fn next(&mut self) -> Result<Option<Record<'_>>, SortError> {
        if self.failed {
            return Ok(None);
        }
        if std::mem::take(&mut self.given)
            && let Some(mut top) = self.heap.peek_mut()
        {
            let i = top.0.2;
            match self.sources[i].advance() {
                Ok(Some((key, tie))) => *top = Reverse((key, tie, i)),
                Ok(None) => {
                    PeekMut::pop(top);
                }
                Err(e) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
        let Some(&Reverse((key, tie, i))) = self.heap.peek() else { return Ok(None) };
        self.given = true;
        Ok(Some((key, tie, self.sources[i].record())))
    }
}

/// The sorted records, read with [`Sorted::next`]; the temporary folder is
/// removed when it is dropped.
pub struct Sorted {
    merge: Merge,
    runs: usize,
    _folder: TempFolder,
}

impl fmt::Debug for Sorted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sorted").field("runs", &self.runs).field("folder", &self._folder.path).finish_non_exhaustive()
    }
}

impl Sorted {
    /// The next record in (key, tie) order, records of equal (key, tie) in push
    /// order; `None` at the end. After an error, there is no next record.
    #[allow(clippy::should_implement_trait, reason = "the record borrows the merge: not an Iterator")]
    pub fn next(&mut self) -> Result<Option<Record<'_>>, SortError> {
        self.merge.next()
    }

    /// How many run files the sort wrote (0 when everything fit in memory).
    pub fn runs(&self) -> usize {
        self.runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A fresh empty folder under the system's temporary folder.
    fn folder(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("journey-sort-test-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the test folder");
        dir
    }

    type Owned = (i64, u64, Vec<u8>);

    fn drain(mut sorted: Sorted) -> Result<Vec<Owned>, SortError> {
        let mut out = Vec::new();
        while let Some((key, tie, record)) = sorted.next()? {
            out.push((key, tie, record.to_vec()));
        }
        Ok(out)
    }

    fn sort(dir: &Path, budget: usize, fan_in: usize, records: &[Owned]) -> Result<(Vec<Owned>, usize), SortError> {
        let mut sorter = Sorter::new(dir, budget)?;
        sorter.fan_in = fan_in;
        for (key, tie, record) in records {
            sorter.push(*key, *tie, record)?;
        }
        let sorted = sorter.finish()?;
        let runs = sorted.runs();
        Ok((drain(sorted)?, runs))
    }

    fn entries(dir: &Path) -> usize {
        fs::read_dir(dir).map_or(0, Iterator::count)
    }

    #[test]
    fn no_records_give_nothing_and_leave_nothing() {
        let dir = folder("empty");
        assert_eq!(sort(&dir, 1000, FAN_IN, &[]).unwrap(), (vec![], 0));
        assert_eq!(entries(&dir), 0);
    }

    #[test]
    fn one_record_comes_back() {
        let dir = folder("one");
        let records = vec![(-5, 7, b"x".to_vec())];
        assert_eq!(sort(&dir, 1000, FAN_IN, &records).unwrap(), (records, 0));
        // Even when it alone exceeds the budget.
        let records = vec![(3, 0, vec![1; 100])];
        assert_eq!(sort(&dir, 10, FAN_IN, &records).unwrap(), (records, 1));
        assert_eq!(entries(&dir), 0);
    }

    #[test]
    fn records_come_out_by_key_then_tie_then_push_order() {
        let dir = folder("order");
        let records: Vec<Owned> = vec![
            (2, 1, b"a".to_vec()),
            (1, 9, b"b".to_vec()),
            (2, 0, b"c".to_vec()),
            (1, 9, b"d".to_vec()),
            (i64::MIN, u64::MAX, b"e".to_vec()),
            (2, 0, b"".to_vec()),
        ];
        let expected: Vec<Owned> = vec![
            (i64::MIN, u64::MAX, b"e".to_vec()),
            (1, 9, b"b".to_vec()),
            (1, 9, b"d".to_vec()),
            (2, 0, b"c".to_vec()),
            (2, 0, b"".to_vec()),
            (2, 1, b"a".to_vec()),
        ];
        // All in memory, one record a run, and two records a run with merge passes.
        assert_eq!(sort(&dir, 1 << 20, FAN_IN, &records).unwrap(), (expected.clone(), 0));
        assert_eq!(sort(&dir, 0, FAN_IN, &records).unwrap(), (expected.clone(), 6));
        let two = 2 * RECORD_OVERHEAD + 1;
        assert_eq!(sort(&dir, two, 2, &records).unwrap().0, expected);
        assert_eq!(entries(&dir), 0);
    }

    #[test]
    fn the_folder_is_private_and_removed_after_reading() {
        let dir = folder("removed");
        let mut sorter = Sorter::new(&dir, 0).unwrap();
        sorter.push(1, 0, b"x").unwrap();
        sorter.push(0, 0, b"y").unwrap();
        assert_eq!(entries(&dir), 1);
        assert_eq!(entries(&sorter.folder.path), 2);
        let mut sorted = sorter.finish().unwrap();
        assert_eq!(sorted.next().unwrap(), Some((0, 0, &b"y"[..])));
        drop(sorted);
        assert_eq!(entries(&dir), 0);
        // A sorter dropped before it finishes leaves nothing either.
        let mut sorter = Sorter::new(&dir, 0).unwrap();
        sorter.push(1, 0, b"x").unwrap();
        drop(sorter);
        assert_eq!(entries(&dir), 0);
    }

    #[test]
    fn a_temp_folder_that_cannot_be_made_is_an_error_naming_it() {
        let dir = folder("unwritable");
        let file = dir.join("a-file");
        fs::write(&file, b"").unwrap();
        let error = Sorter::new(&file, 100).unwrap_err();
        let SortError::TempFolder { folder, .. } = &error else { panic!("{error:?}") };
        assert_eq!(folder, &file);
        let message = error.to_string();
        let start = format!("cannot write the sort's temporary files in `{}`: ", file.display());
        assert!(message.starts_with(&start), "{message}");
        assert!(message.ends_with("; give another folder with --temp-dir"), "{message}");
        let missing = dir.join("missing");
        assert!(matches!(Sorter::new(&missing, 100), Err(SortError::TempFolder { .. })));
    }

    #[test]
    fn a_run_file_that_vanished_is_an_error_naming_it() {
        let dir = folder("vanished");
        let mut sorter = Sorter::new(&dir, 0).unwrap();
        sorter.push(1, 0, b"x").unwrap();
        let run = sorter.runs[0].path.clone();
        fs::remove_file(&run).unwrap();
        let Err(error) = sorter.finish() else { panic!("finished without its run") };
        assert_eq!(error, SortError::RunVanished { path: run.clone() });
        assert!(error.to_string().starts_with(&format!("the sort's temporary file `{}` disappeared", run.display())));
        assert_eq!(entries(&dir), 0);
    }

    #[test]
    fn a_truncated_run_file_is_an_error_not_a_panic() {
        let dir = folder("truncated");
        // Two records a run.
        let mut sorter = Sorter::new(&dir, 2 * (6 + RECORD_OVERHEAD)).unwrap();
        for (key, record) in [(1, b"abcdef"), (2, b"ghijkl"), (3, b"mnopqr"), (4, b"stuvwx")] {
            sorter.push(key, 0, record).unwrap();
        }
        assert_eq!(sorter.runs.len(), 2);
        let run = sorter.runs[1].path.clone();
        let bytes = fs::read(&run).unwrap();
        fs::write(&run, &bytes[..bytes.len() - 2]).unwrap();
        let mut sorted = sorter.finish().unwrap();
        assert_eq!(sorted.next().unwrap(), Some((1, 0, &b"abcdef"[..])));
        assert_eq!(sorted.next().unwrap(), Some((2, 0, &b"ghijkl"[..])));
        assert_eq!(sorted.next().unwrap(), Some((3, 0, &b"mnopqr"[..])));
        let error = sorted.next().unwrap_err();
        let message = format!("cannot read back the sort's temporary file `{}`: it ends in the middle", run.display());
        assert!(error.to_string().starts_with(&message), "{error}");
        assert_eq!(sorted.next().unwrap(), None);
    }

    #[test]
    fn a_full_disk_says_so_and_how_much_was_written() {
        let dir = folder("full");
        let mut sorter = Sorter::new(&dir, 0).unwrap();
        sorter.written = 3 << 30;
        let error = sorter.write_failure(io::Error::from(io::ErrorKind::StorageFull), 512 << 20);
        assert_eq!(error, SortError::DiskFull { folder: dir.clone(), run_bytes: 512 << 20, written_bytes: 3 << 30 });
        assert_eq!(
            error.to_string(),
            format!(
                "the disk holding `{}` is full: the sort was writing 512.0 MiB of sorted input (3.0 GiB written \
                 before); free some space, or give a folder on a larger disk with --temp-dir",
                dir.display()
            )
        );
        assert_eq!(size(900), "900 bytes");
        assert_eq!(size(1536), "1.5 KiB");
    }

    /// Speed of a sort of 4M records of 120 bytes with 64 MiB of memory (a figure,
    /// not a test): `cargo test --release -p journey-runtime --lib
    /// sort::tests::sort_throughput -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn sort_throughput() {
        let dir = folder("throughput");
        let count: u64 = 4_000_000;
        let record = [b'x'; 120];
        let started = std::time::Instant::now();
        let mut sorter = Sorter::new(&dir, 64 << 20).unwrap();
        for n in 0..count {
            // Keys out of order: a permutation of 0..count.
            sorter.push((n * 7_919 % count) as i64, n, &record).unwrap();
        }
        let pushed = started.elapsed().as_secs_f64();
        let mut sorted = sorter.finish().unwrap();
        let (mut last, mut seen) = (i64::MIN, 0u64);
        while let Some((key, _, bytes)) = sorted.next().unwrap() {
            assert!(key >= last && bytes.len() == 120);
            (last, seen) = (key, seen + 1);
        }
        let total = started.elapsed().as_secs_f64();
        assert_eq!(seen, count);
        println!(
            "{count} records in {} runs: push and runs {pushed:.2} s, merge {:.2} s, {:.2} M records/s",
            sorted.runs(),
            total - pushed,
            count as f64 / total / 1e6
        );
    }

    fn records() -> impl Strategy<Value = Vec<Owned>> {
        prop::collection::vec((-3i64..3, 0u64..3, prop::collection::vec(any::<u8>(), 0..12)), 0..120)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_records_come_out_as_a_stable_sort_by_key_and_tie(
            records in records(),
            budget in 0usize..400,
            fan_in in 2usize..6,
        ) {
            let dir = folder("proptest");
            let mut expected = records.clone();
            expected.sort_by_key(|(key, tie, _)| (*key, *tie));
            let (sorted, _) = sort(&dir, budget, fan_in, &records).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(sorted, expected);
            prop_assert_eq!(entries(&dir), 0);
        }
    }
}
