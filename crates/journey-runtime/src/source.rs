//! Input files of a replay (runtime.md §7, §10 "Encoding"): the arguments of
//! `--events` and `--profiles` expanded to files ([`expand`]), each opened and
//! decompressed on the fly by its extension ([`open`]), and read as JSON Lines
//! with one reused buffer ([`LineReader`]).
//!
//! The module knows nothing of events or profiles: it gives numbered lines of
//! text, and says which lines are too long or not UTF-8.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// The bytes read from a file at a time, and the starting size of a
/// [`LineReader`]'s buffer.
const READ_BYTES: usize = 256 * 1024;

/// The UTF-8 byte order mark, skipped at the very start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One input file, as found by [`expand`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its name as shown in messages: the argument for a plain path, the match
    /// (the pattern's folders and the file name) for a pattern.
    pub name: String,
}

/// How a file is stored, told by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain text.
    Plain,
    /// `.gz`: gzip, one member or several.
    Gzip,
    /// `.zst`: Zstandard, one frame or several.
    Zstd,
}

impl Format {
    /// The format of the file at `path`, by its extension only.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Format::Gzip,
            Some("zst") => Format::Zstd,
            _ => Format::Plain,
        }
    }
}

/// Why input files could not be found, opened or read. Its `Display` is a
/// sentence naming the file (and the line, for a read) and saying what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceError {
    /// A glob pattern that matches no file.
    NoMatch {
        /// The pattern, as given.
        pattern: String,
    },
    /// An argument that is not a valid glob pattern.
    BadPattern {
        /// The pattern, as given.
        pattern: String,
        /// What is wrong with it, and where.
        message: String,
    },
    /// A path that does not exist.
    Missing {
        /// The path, as given.
        path: String,
    },
    /// A folder, given where files are expected.
    Folder {
        /// The path, as given.
        path: String,
    },
    /// A file or folder that cannot be opened or listed.
    Open {
        /// The file or folder.
        file: String,
        /// The system's reason.
        message: String,
    },
    /// Reading or decompressing failed.
    Read {
        /// The file, when the reader came from [`open`].
        file: Option<String>,
        /// How the file is stored.
        format: Format,
        /// The line being read (1-based).
        line: u64,
        /// Whether the stream ended in the middle (a truncated file).
        truncated: bool,
        /// The cause.
        message: String,
    },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::NoMatch { pattern } => write!(
                f,
                "`{pattern}` matches no file; check the pattern and the current folder \
                 (`*` stays in one folder, `**/` also looks in subfolders)"
            ),
            SourceError::BadPattern { pattern, message } => {
                write!(f, "`{pattern}` is not a valid pattern: {message}")
            }
            SourceError::Missing { path } => {
                write!(f, "`{path}` does not exist; check the path (it is relative to the current folder)")
            }
            SourceError::Folder { path } => {
                let pattern = Path::new(path).join("*.jsonl");
                write!(f, "`{path}` is a folder: give its files, or a pattern like `{}`", pattern.display())
            }
            SourceError::Open { file, message } => write!(f, "cannot open `{file}`: {message}"),
            SourceError::Read { file, format, line, truncated, message } => {
                let file = match file {
                    Some(file) => format!("`{file}`"),
                    None => "the input".to_owned(),
                };
                write_read_failure(f, &file, *format, *truncated, message)?;
                write!(f, " (reading line {line})")
            }
        }
    }
}

impl std::error::Error for SourceError {}

/// "`FILE` is not a valid gzip stream: ..." and the like.
fn write_read_failure(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    format: Format,
    truncated: bool,
    message: &str,
) -> fmt::Result {
    let cut = if truncated { " (it ends in the middle: is it truncated?)" } else { "" };
    match format {
        Format::Plain => write!(f, "cannot read {file}: {message}"),
        Format::Gzip => write!(f, "{file} is not a valid gzip stream{cut}: {message}"),
        Format::Zstd => write!(f, "{file} is not a valid zstd stream{cut}: {message}"),
    }
}

/// The files named by `arguments`, in order: each argument is a path, or a glob
/// pattern (`*`, `?`, `[...]`, `**`) whose matches come in byte order of their
/// paths. A file named twice is kept once, at its first place. An argument that
/// exists as a path is that path, even if it holds `*`, `?` or `[`.
///
/// Errors: a pattern that matches no file, a path that does not exist, a folder,
/// an invalid pattern, a folder that cannot be listed while matching.
pub fn expand(arguments: &[String]) -> Result<Vec<InputFile>, SourceError> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut keep = |file: InputFile, files: &mut Vec<InputFile>| {
        let identity = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
        if seen.insert(identity) {
            files.push(file);
        }
    };
    for argument in arguments {
        let path = Path::new(argument);
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Err(SourceError::Folder { path: argument.clone() }),
            Ok(_) => keep(InputFile { path: path.to_path_buf(), name: argument.clone() }, &mut files),
            Err(_) if is_pattern(argument) => {
                for path in matches(argument)? {
                    let name = path.display().to_string();
                    keep(InputFile { path, name }, &mut files);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(SourceError::Missing { path: argument.clone() });
            }
            Err(e) => return Err(SourceError::Open { file: argument.clone(), message: e.to_string() }),
        }
    }
    Ok(files)
}

/// Whether `argument` holds a glob metacharacter.
fn is_pattern(argument: &str) -> bool {
    argument.contains(['*', '?', '['])
}

/// The files (not folders) matching `pattern`, in byte order of their paths.
/// As in a shell, `*` and `?` do not match `/` or a leading `.` (`.hidden.jsonl`),
/// unless the pattern spells the dot (`events/.*.jsonl`).
fn matches(pattern: &str) -> Result<Vec<PathBuf>, SourceError> {
    // The glob crate does not match a dot spelled in the pattern with its
    // `require_literal_leading_dot`: a pattern that spells one matches hidden names.
    let spells_a_dot = pattern
        .split(['/', std::path::MAIN_SEPARATOR])
        .any(|part| part.starts_with('.') && part != "." && part != "..");
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: !spells_a_dot,
    };
    let entries = glob::glob_with(pattern, options).map_err(|e| SourceError::BadPattern {
        pattern: pattern.to_owned(),
        message: format!("{} (at character {})", e.msg, e.pos + 1),
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| SourceError::Open {
            file: e.path().display().to_string(),
            message: format!("{} (while matching `{pattern}`)", e.error()),
        })?;
        if !path.is_dir() {
            found.push(path);
        }
    }
    if found.is_empty() {
        return Err(SourceError::NoMatch { pattern: pattern.to_owned() });
    }
    found.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
    Ok(found)
}

/// Opens `file` for reading, decompressing a `.gz` (all its members) or a `.zst`
/// on the fly; any other file is read as it is. The reader's errors name the
/// file (a [`LineReader`] turns them into [`SourceError::Read`] with the line).
pub fn open(file: &InputFile) -> Result<Box<dyn Read + Send>, SourceError> {
    let opened =
        File::open(&file.path).map_err(|e| SourceError::Open { file: file.name.clone(), message: e.to_string() })?;
    let format = Format::of(&file.path);
    let named = |inner: Box<dyn Read + Send>| -> Box<dyn Read + Send> {
        Box::new(Named { inner, file: file.name.clone(), format })
    };
    Ok(match format {
        Format::Plain => named(Box::new(opened)),
        Format::Gzip => {
            let buffered = BufReader::with_capacity(READ_BYTES, opened);
            named(Box::new(flate2::bufread::MultiGzDecoder::new(buffered)))
        }
        Format::Zstd => {
            let buffered = BufReader::with_capacity(READ_BYTES, opened);
            let decoder = zstd::stream::read::Decoder::with_buffer(buffered)
                .map_err(|e| SourceError::Open { file: file.name.clone(), message: e.to_string() })?;
            named(Box::new(decoder))
        }
    })
}

/// A reader whose errors carry the file's name and format ([`Failure`]).
struct Named {
    inner: Box<dyn Read + Send>,
    file: String,
    format: Format,
}

impl Read for Named {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                return e;
            }
            let failure = Failure {
                file: self.file.clone(),
                format: self.format,
                truncated: e.kind() == io::ErrorKind::UnexpectedEof,
                message: e.to_string(),
            };
            io::Error::new(e.kind(), failure)
        })
    }
}

/// A read error of a file from [`open`], carried inside an [`io::Error`].
#[derive(Debug)]
struct Failure {
    file: String,
    format: Format,
    truncated: bool,
    message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_read_failure(f, &format!("`{}`", self.file), self.format, self.truncated, &self.message)
    }
}

impl std::error::Error for Failure {}

/// One line of a [`LineReader`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// Its number in the file, 1-based (blank lines count).
    pub number: u64,
    /// Its text without the line ending, or why it cannot be read.
    pub text: Result<&'a str, LineProblem>,
}

/// Why a line has no text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Longer than the limit, in bytes without the line ending: it was read to
    /// its end and dropped.
    TooLong {
        /// The limit.
        limit: usize,
        /// Its first `limit` bytes, cut on a whole character (invalid UTF-8 in
        /// them becomes U+FFFD).
        prefix: String,
    },
    /// Not valid UTF-8 text.
    NotUtf8,
}

/// What [`LineReader::advance`] found: a line's place in the buffer, or a long line.
enum Found {
    Line { number: u64, start: usize, end: usize },
    TooLong { number: u64, prefix: String },
}

/// Reads JSON Lines from any reader with one reused buffer, which holds at most
/// a line of the limit (plus its line ending) or [`READ_BYTES`], whichever is
/// larger: no allocation per line.
///
/// A UTF-8 byte order mark at the very start is skipped; `\n` and `\r\n` end a
/// line; blank lines (only whitespace) are skipped but counted; a last line
/// without `\n` is a line; a line longer than the limit is read to its end
/// without being held whole and given as [`LineProblem::TooLong`]. After an
/// I/O error, reading stops.
pub struct LineReader<R> {
    reader: R,
    limit: usize,
    /// `buf[start..end]` is read and not yet given; `buf[start..scan]` holds no `\n`.
    buf: Vec<u8>,
    start: usize,
    scan: usize,
    end: usize,
    /// Lines given so far, blank ones included.
    number: u64,
    /// The start of a too-long line being read and dropped.
    dropping: Option<String>,
    bom_checked: bool,
    eof: bool,
    failed: bool,
}

impl<R: Read> LineReader<R> {
    /// Reads `reader`; a line longer than `max_line_bytes` (without its line
    /// ending) is [`LineProblem::TooLong`].
    pub fn new(reader: R, max_line_bytes: usize) -> Self {
        LineReader::with_buffer(reader, max_line_bytes, READ_BYTES)
    }

    /// [`LineReader::new`] with a buffer of `initial` bytes at first.
    fn with_buffer(reader: R, max_line_bytes: usize, initial: usize) -> Self {
        LineReader {
            reader,
            limit: max_line_bytes,
            buf: vec![0; initial.max(1)],
            start: 0,
            scan: 0,
            end: 0,
            number: 0,
            dropping: None,
            bom_checked: false,
            eof: false,
            failed: false,
        }
    }

    /// The next line that is not blank, `None` at the end of the input (or after
    /// an error).
    pub fn next_line(&mut self) -> Option<Result<Line<'_>, SourceError>> {
        let (number, start, end) = loop {
            match self.advance()? {
                Err(e) => return Some(Err(e)),
                Ok(Found::TooLong { number, prefix }) => {
                    let text = Err(LineProblem::TooLong { limit: self.limit, prefix });
                    return Some(Ok(Line { number, text }));
                }
                Ok(Found::Line { number, start, end }) => {
                    if !is_blank(&self.buf[start..end]) {
                        break (number, start, end);
                    }
                }
            }
        };
        let text = std::str::from_utf8(&self.buf[start..end]).map_err(|_| LineProblem::NotUtf8);
        Some(Ok(Line { number, text }))
    }

    /// The next line, blank or not.
    fn advance(&mut self) -> Option<Result<Found, SourceError>> {
        if self.failed {
            return None;
        }
        loop {
            if !self.bom_checked {
                if self.end - self.start >= BOM.len() || self.eof {
                    if self.buf[self.start..self.end].starts_with(BOM) {
                        self.start += BOM.len();
                        self.scan = self.scan.max(self.start);
                    }
                    self.bom_checked = true;
                } else if let Err(e) = self.fill() {
                    return Some(Err(e));
                } else {
                    continue;
                }
            }
            if let Some(at) = memchr::memchr(b'\n', &self.buf[self.scan..self.end]) {
                let newline = self.scan + at;
                let start = self.start;
                self.start = newline + 1;
                self.scan = self.start;
                self.number += 1;
                let number = self.number;
                if let Some(prefix) = self.dropping.take() {
                    return Some(Ok(Found::TooLong { number, prefix }));
                }
                let end = if newline > start && self.buf[newline - 1] == b'\r' { newline - 1 } else { newline };
                return Some(Ok(self.found(number, start, end)));
            }
            self.scan = self.end;
            if self.dropping.is_none() && self.end - self.start > self.limit.saturating_add(1) {
                // Longer than the limit even if it ends with "\r\n".
                self.dropping = Some(prefix(&self.buf[self.start..self.end], self.limit));
            }
            if self.dropping.is_some() {
                (self.start, self.scan, self.end) = (0, 0, 0);
            }
            if self.eof {
                if let Some(prefix) = self.dropping.take() {
                    self.number += 1;
                    return Some(Ok(Found::TooLong { number: self.number, prefix }));
                }
                if self.start < self.end {
                    let (start, end) = (self.start, self.end);
                    self.start = self.end;
                    self.number += 1;
                    return Some(Ok(self.found(self.number, start, end)));
                }
                return None;
            }
            if let Err(e) = self.fill() {
                return Some(Err(e));
            }
        }
    }

    /// The line `buf[start..end]`, or its problem if it is too long.
    fn found(&self, number: u64, start: usize, end: usize) -> Found {
        if end - start > self.limit {
            Found::TooLong { number, prefix: prefix(&self.buf[start..end], self.limit) }
        } else {
            Found::Line { number, start, end }
        }
    }

    /// Reads more bytes after `end`, making room first (moving the unread bytes
    /// to the front, or growing the buffer up to the limit and a line ending).
    fn fill(&mut self) -> Result<(), SourceError> {
        if self.start == self.end {
            (self.start, self.scan, self.end) = (0, 0, 0);
        } else if self.end == self.buf.len() && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scan -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // A line of at most limit + 1 bytes fills the buffer: it may still fit.
            let most = self.limit.saturating_add(2);
            let len = self.buf.len().saturating_mul(2).min(most).max(self.buf.len() + 1);
            self.buf.resize(len, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.failed = true;
                    return Err(self.read_error(e));
                }
            }
        }
    }

    /// The error `e`, met while reading the next line.
    fn read_error(&self, e: io::Error) -> SourceError {
        let line = self.number + 1;
        if let Some(failure) = e.get_ref().and_then(|inner| inner.downcast_ref::<Failure>()) {
            return SourceError::Read {
                file: Some(failure.file.clone()),
                format: failure.format,
                line,
                truncated: failure.truncated,
                message: failure.message.clone(),
            };
        }
        SourceError::Read {
            file: None,
            format: Format::Plain,
            line,
            truncated: e.kind() == io::ErrorKind::UnexpectedEof,
            message: e.to_string(),
        }
    }
}

/// Whether a line holds only whitespace (as `str::trim` sees it).
fn is_blank(line: &[u8]) -> bool {
    match line.iter().position(|&b| !(b.is_ascii_whitespace() || b == b'\x0b')) {
        None => true,
        Some(at) if line[at].is_ascii() => false,
        // Rare: a line starting with a non-ASCII character, maybe a Unicode space.
        Some(_) => std::str::from_utf8(line).is_ok_and(|text| text.trim().is_empty()),
    }
}

/// The first `limit` bytes of `line`, cut on a whole character.
fn prefix(line: &[u8], limit: usize) -> String {
    let mut cut = &line[..line.len().min(limit)];
    if let Err(e) = std::str::from_utf8(cut)
        && e.error_len().is_none()
    {
        cut = &cut[..e.valid_up_to()];
    }
    String::from_utf8_lossy(cut).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    /// A fresh empty folder under the system's temporary folder.
    fn folder(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("journey-source-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the test folder");
        dir
    }

    fn touch(path: &Path, text: &[u8]) {
        std::fs::write(path, text).expect("write a test file");
    }

    fn names(files: &[InputFile]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    /// The lines of a reader, as owned values (problems, errors as text).
    fn lines_of(mut reader: LineReader<impl Read>) -> Vec<(u64, Result<String, String>)> {
        let mut out = Vec::new();
        while let Some(line) = reader.next_line() {
            match line {
                Ok(Line { number, text: Ok(text) }) => out.push((number, Ok(text.to_owned()))),
                Ok(Line { number, text: Err(problem) }) => out.push((number, Err(format!("{problem:?}")))),
                Err(e) => out.push((0, Err(e.to_string()))),
            }
        }
        out
    }

    fn text_lines(text: &[u8], limit: usize) -> Vec<(u64, Result<String, String>)> {
        lines_of(LineReader::new(text, limit))
    }

    fn ok(number: u64, text: &str) -> (u64, Result<String, String>) {
        (number, Ok(text.to_owned()))
    }

    #[test]
    fn a_literal_path_is_kept_with_its_name() {
        let dir = folder("literal");
        let file = dir.join("events.jsonl");
        touch(&file, b"");
        let argument = file.display().to_string();
        let files = expand(std::slice::from_ref(&argument)).unwrap();
        assert_eq!(files, vec![InputFile { path: file, name: argument }]);
    }

    #[test]
    fn a_pattern_matches_in_byte_order_and_arguments_keep_their_order() {
        let dir = folder("order");
        for name in ["b.jsonl", "a.jsonl", "B.jsonl", "a.txt", "c.jsonl.gz", ".hidden.jsonl"] {
            touch(&dir.join(name), b"");
        }
        std::fs::create_dir(dir.join("sub.jsonl")).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        touch(&dir.join("sub").join("d.jsonl"), b"");
        let d = dir.display();
        let arguments = [format!("{d}/a.txt"), format!("{d}/*.jsonl"), format!("{d}/**/d.json[l]")];
        let files = expand(&arguments).unwrap();
        let expected = [
            format!("{d}/a.txt"),
            format!("{d}/B.jsonl"),
            format!("{d}/a.jsonl"),
            format!("{d}/b.jsonl"),
            format!("{d}/sub/d.jsonl"),
        ];
        assert_eq!(names(&files), expected.iter().map(String::as_str).collect::<Vec<_>>());
        let question = expand(&[format!("{d}/?.jsonl*")]).unwrap();
        assert_eq!(
            names(&question),
            [format!("{d}/B.jsonl"), format!("{d}/a.jsonl"), format!("{d}/b.jsonl"), format!("{d}/c.jsonl.gz")]
        );
        // A pattern that spells the dot matches hidden files, as in a shell.
        let hidden = expand(&[format!("{d}/.*.jsonl")]).unwrap();
        assert_eq!(names(&hidden), [format!("{d}/.hidden.jsonl")]);
    }

    #[test]
    fn a_file_named_twice_is_kept_at_its_first_place() {
        let dir = folder("twice");
        touch(&dir.join("a.jsonl"), b"");
        touch(&dir.join("b.jsonl"), b"");
        let d = dir.display();
        let arguments = [format!("{d}/b.jsonl"), format!("{d}/*.jsonl"), format!("{d}/./a.jsonl")];
        let files = expand(&arguments).unwrap();
        assert_eq!(names(&files), [format!("{d}/b.jsonl"), format!("{d}/a.jsonl")]);
    }

    #[test]
    fn a_pattern_matching_nothing_is_an_error_naming_it() {
        let dir = folder("nomatch");
        std::fs::create_dir(dir.join("x.jsonl")).unwrap();
        let pattern = format!("{}/*.jsonl", dir.display());
        let error = expand(std::slice::from_ref(&pattern)).unwrap_err();
        assert_eq!(error, SourceError::NoMatch { pattern: pattern.clone() });
        assert!(error.to_string().starts_with(&format!("`{pattern}` matches no file; check the pattern")));
    }

    #[test]
    fn a_missing_path_and_a_folder_are_errors_saying_what_to_give() {
        let dir = folder("missing");
        let missing = format!("{}/nothing.jsonl", dir.display());
        let error = expand(std::slice::from_ref(&missing)).unwrap_err();
        assert_eq!(error, SourceError::Missing { path: missing.clone() });
        assert_eq!(
            error.to_string(),
            format!("`{missing}` does not exist; check the path (it is relative to the current folder)")
        );
        let folder_name = dir.display().to_string();
        let error = expand(std::slice::from_ref(&folder_name)).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("`{folder_name}` is a folder: give its files, or a pattern like `{folder_name}/*.jsonl`")
        );
        let error = expand(&[format!("{}/[a.jsonl", dir.display())]).unwrap_err();
        assert!(matches!(error, SourceError::BadPattern { .. }), "{error:?}");
    }

    #[test]
    fn a_path_holding_glob_characters_is_that_file() {
        let dir = folder("brackets");
        let file = dir.join("[2024].jsonl");
        touch(&file, b"");
        let argument = file.display().to_string();
        assert_eq!(names(&expand(std::slice::from_ref(&argument)).unwrap()), [argument.as_str()]);
    }

    const TEXT: &str = "\u{feff}{\"a\":1}\r\n\n   \n{\"b\":\"é\"}\n\r\n{\"c\":3}";

    fn expected_text_lines() -> Vec<(u64, Result<String, String>)> {
        vec![ok(1, "{\"a\":1}"), ok(4, "{\"b\":\"é\"}"), ok(6, "{\"c\":3}")]
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_gzip_and_zstd_copies_give_the_same_lines() {
        let dir = folder("formats");
        touch(&dir.join("e.jsonl"), TEXT.as_bytes());
        // Two gzip members and two zstd frames, as `cat a.gz b.gz` makes.
        let (head, tail) = TEXT.as_bytes().split_at(12);
        touch(&dir.join("e.jsonl.gz"), &[gzip(head), gzip(tail)].concat());
        let frame = |bytes: &[u8]| zstd::stream::encode_all(bytes, 3).unwrap();
        touch(&dir.join("e.jsonl.zst"), &[frame(head), frame(tail)].concat());
        for name in ["e.jsonl", "e.jsonl.gz", "e.jsonl.zst"] {
            let file = InputFile { path: dir.join(name), name: name.to_owned() };
            let lines = lines_of(LineReader::new(open(&file).unwrap(), 1 << 20));
            assert_eq!(lines, expected_text_lines(), "{name}");
        }
    }

    #[test]
    fn bom_crlf_blank_lines_and_a_last_line_without_newline() {
        assert_eq!(text_lines(TEXT.as_bytes(), 100), expected_text_lines());
        // A BOM only at the very start is skipped; elsewhere it is text.
        assert_eq!(text_lines(b"\n\xEF\xBB\xBFx", 100), vec![ok(2, "\u{feff}x")]);
        assert_eq!(text_lines(b"\xEF\xBB\xBF", 100), vec![]);
        assert_eq!(text_lines(b"", 100), vec![]);
        assert_eq!(text_lines(b"\t\x0b \xC2\xA0\n", 100), vec![]);
    }

    #[test]
    fn a_line_over_the_limit_is_reported_by_its_number_and_the_next_is_read() {
        let long = "é".repeat(3 << 19); // 3 MiB
        let text = format!("{{\"a\":1}}\n{long}\r\n{{\"b\":2}}\n");
        let mut reader = LineReader::new(text.as_bytes(), 1 << 20);
        assert_eq!(reader.next_line().unwrap().unwrap(), Line { number: 1, text: Ok("{\"a\":1}") });
        let line = reader.next_line().unwrap().unwrap();
        assert_eq!(line.number, 2);
        let Err(LineProblem::TooLong { limit, prefix }) = line.text else { panic!("{line:?}") };
        assert_eq!(limit, 1 << 20);
        assert_eq!(prefix, "é".repeat(1 << 19));
        assert_eq!(reader.next_line().unwrap().unwrap(), Line { number: 3, text: Ok("{\"b\":2}") });
        assert!(reader.next_line().is_none());
        assert!(reader.buf.len() <= (1 << 20) + 2, "the buffer grew to {}", reader.buf.len());
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_read() {
        let text = b"abcd\r\nabcde\nabc\nabcde";
        let lines = text_lines(text, 4);
        let too_long = |n, prefix: &str| (n, Err(format!("TooLong {{ limit: 4, prefix: {prefix:?} }}")));
        assert_eq!(lines, vec![ok(1, "abcd"), too_long(2, "abcd"), ok(3, "abc"), too_long(4, "abcd")]);
        let lines = lines_of(LineReader::with_buffer(&text[..], 4, 1));
        assert_eq!(lines, vec![ok(1, "abcd"), too_long(2, "abcd"), ok(3, "abc"), too_long(4, "abcd")]);
    }

    #[test]
    fn an_invalid_utf8_line_is_reported_and_reading_goes_on() {
        let lines = text_lines(b"{\"a\":1}\n{\"b\":\"\xFF\"}\n{\"c\":3}\n", 100);
        assert_eq!(lines, vec![ok(1, "{\"a\":1}"), (2, Err("NotUtf8".to_owned())), ok(3, "{\"c\":3}")]);
    }

    #[test]
    fn a_corrupt_gzip_file_is_an_error_naming_the_file_and_the_line() {
        let dir = folder("corrupt");
        let text: String = (0..100_000).map(|n| format!("{{\"n\":{}}}\n", n * 7919 % 100_003)).collect();
        let mut bytes = gzip(text.as_bytes());
        let middle = bytes.len() / 2;
        bytes[middle..middle + 64].fill(0xAA);
        touch(&dir.join("events.jsonl.gz"), &bytes);
        touch(&dir.join("cut.jsonl.gz"), &gzip(text.as_bytes())[..middle]);
        let zst = zstd::stream::encode_all(text.as_bytes(), 3).unwrap();
        touch(&dir.join("cut.jsonl.zst"), &zst[..zst.len() / 2]);
        touch(&dir.join("not.jsonl.gz"), text.as_bytes());
        for (name, expected) in [
            ("events.jsonl.gz", "`events.jsonl.gz` is not a valid gzip stream: "),
            ("cut.jsonl.gz", "`cut.jsonl.gz` is not a valid gzip stream (it ends in the middle: is it truncated?): "),
            ("cut.jsonl.zst", "`cut.jsonl.zst` is not a valid zstd stream"),
            ("not.jsonl.gz", "`not.jsonl.gz` is not a valid gzip stream: "),
        ] {
            let file = InputFile { path: dir.join(name), name: name.to_owned() };
            let mut reader = LineReader::new(open(&file).unwrap(), 1 << 20);
            let mut last = 0;
            let error = loop {
                match reader.next_line() {
                    Some(Ok(line)) => last = line.number,
                    Some(Err(e)) => break e,
                    None => panic!("{name}: no error after line {last}"),
                }
            };
            let message = error.to_string();
            assert!(message.starts_with(expected), "{name}: {message}");
            let SourceError::Read { file, line, .. } = &error else { panic!("{error:?}") };
            assert_eq!(file.as_deref(), Some(name));
            assert!(message.ends_with(&format!(" (reading line {line})")), "{name}: {message}");
            // Corrupt data may decode to blank lines, skipped, before the checksum fails.
            if name == "events.jsonl.gz" {
                assert!(*line > last, "{name}: line {line} after line {last}");
            } else {
                assert_eq!(*line, last + 1, "{name}");
            }
            assert!(reader.next_line().is_none(), "{name}: reading goes on after an error");
        }
    }

    #[test]
    fn a_file_that_cannot_be_opened_is_an_error_naming_it() {
        let file = InputFile { path: PathBuf::from("/nonexistent/e.jsonl"), name: "e.jsonl".to_owned() };
        let Err(error) = open(&file) else { panic!("opened a missing file") };
        assert!(error.to_string().starts_with("cannot open `e.jsonl`: "), "{error}");
    }

    /// A reader giving its bytes in chunks of the given sizes, in turn.
    struct Chunks<'a> {
        bytes: &'a [u8],
        sizes: Vec<usize>,
        turn: usize,
    }

    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes[self.turn % self.sizes.len()].min(buf.len()).min(self.bytes.len());
            self.turn += 1;
            buf[..size].copy_from_slice(&self.bytes[..size]);
            self.bytes = &self.bytes[size..];
            Ok(size)
        }
    }

    /// The lines of `bytes` computed on the whole text at once.
    fn model(bytes: &[u8], limit: usize) -> Vec<(u64, Result<String, String>)> {
        let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
        let mut parts: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        if parts.last().is_some_and(|last| last.is_empty()) {
            parts.pop();
        }
        let last = parts.len();
        let mut out = Vec::new();
        for (n, part) in parts.into_iter().enumerate() {
            let line = match part.strip_suffix(b"\r") {
                Some(line) if n + 1 < last || bytes.ends_with(b"\n") => line,
                _ => part,
            };
            let number = n as u64 + 1;
            if line.len() > limit {
                let problem = LineProblem::TooLong { limit, prefix: prefix(line, limit) };
                out.push((number, Err(format!("{problem:?}"))));
            } else {
                match std::str::from_utf8(line) {
                    Ok(text) if text.trim().is_empty() => {}
                    Ok(text) => out.push((number, Ok(text.to_owned()))),
                    Err(_) => out.push((number, Err("NotUtf8".to_owned()))),
                }
            }
        }
        out
    }

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"a".to_vec()),
            Just(b"{\"k\":1}".to_vec()),
            Just("é".as_bytes().to_vec()),
            Just("\u{a0}".as_bytes().to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\xFF".to_vec()),
            Just(BOM.to_vec()),
        ]
    }

    proptest! {
        #[test]
        fn lines_do_not_depend_on_how_reads_split_the_text(
            pieces in prop::collection::vec(piece(), 0..60),
            sizes in prop::collection::vec(1usize..9, 1..6),
            limit in 0usize..24,
            initial in 1usize..20,
        ) {
            let bytes = pieces.concat();
            let reader = LineReader::with_buffer(Chunks { bytes: &bytes, sizes, turn: 0 }, limit, initial);
            prop_assert_eq!(lines_of(reader), model(&bytes, limit));
        }
    }

    /// Throughput of `LineReader` over plain text in memory, and over `.gz` and
    /// `.zst` files (a figure, not a test):
    /// `cargo test --release -p journey-runtime --lib source::tests::line_reader_throughput -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn line_reader_throughput() {
        fn measure(what: &str, text_bytes: usize, reader: impl Read) {
            let started = std::time::Instant::now();
            let mut reader = LineReader::new(reader, 1 << 20);
            let mut lines = 0u64;
            while let Some(line) = reader.next_line() {
                lines += u64::from(line.unwrap().text.is_ok());
            }
            let seconds = started.elapsed().as_secs_f64();
            let gib = text_bytes as f64 / (1u64 << 30) as f64;
            let rate = text_bytes as f64 / seconds / 1e9;
            println!("{what}: {lines} lines, {gib:.2} GiB of text in {seconds:.3} s: {rate:.2} GB/s");
        }
        let line = "{\"id\":\"e1234567\",\"ts\":\"2024-03-01T10:00:00Z\",\"profile\":\"p123456\",\
                    \"type\":\"email.opened\",\"content\":\"welcome\",\"data\":{\"device\":\"mobile\"}}\n";
        let text = line.repeat((1usize << 30) / line.len());
        measure("plain, in memory", text.len(), text.as_bytes());
        let dir = folder("throughput");
        let quarter = &text.as_bytes()[..text.len() / 4];
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(quarter).unwrap();
        touch(&dir.join("e.jsonl.gz"), &encoder.finish().unwrap());
        touch(&dir.join("e.jsonl.zst"), &zstd::stream::encode_all(quarter, 3).unwrap());
        for name in ["e.jsonl.gz", "e.jsonl.zst"] {
            let file = InputFile { path: dir.join(name), name: name.to_owned() };
            measure(name, quarter.len(), open(&file).unwrap());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
