//! STUB (replaced by the `sources` branch): input files, decompression, lines.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

/// An input file.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Its path.
    pub path: PathBuf,
    /// Its name in messages.
    pub name: String,
}

/// A problem opening or reading an input.
#[derive(Debug)]
pub struct SourceError(pub String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The files of the arguments.
pub fn expand(arguments: &[String]) -> Result<Vec<InputFile>, SourceError> {
    Ok(arguments.iter().map(|a| InputFile { path: a.into(), name: a.clone() }).collect())
}

/// Opens a file.
pub fn open(file: &InputFile) -> Result<Box<dyn Read + Send>, SourceError> {
    std::fs::File::open(&file.path)
        .map(|f| Box::new(f) as Box<dyn Read + Send>)
        .map_err(|e| SourceError(format!("`{}` cannot be read: {e}", file.name)))
}

/// Why a line was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Longer than the limit.
    TooLong {
        /// The limit.
        limit: usize,
        /// Its first bytes.
        prefix: String,
    },
    /// Not UTF-8.
    NotUtf8,
}

/// A line.
pub struct Line<'a> {
    /// 1-based.
    pub number: u64,
    /// Its text.
    pub text: Result<&'a str, LineProblem>,
}

/// Lines of a reader.
pub struct LineReader<R> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    number: u64,
    limit: usize,
}

impl<R: Read> LineReader<R> {
    /// Lines of `reader`.
    pub fn new(reader: R, max_line_bytes: usize) -> Self {
        LineReader { reader: BufReader::with_capacity(1 << 16, reader), buf: Vec::new(), number: 0, limit: max_line_bytes }
    }

    /// The next line.
    pub fn next_line(&mut self) -> Option<Result<Line<'_>, SourceError>> {
        loop {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(SourceError(e.to_string()))),
            }
            self.number += 1;
            let mut end = self.buf.len();
            while end > 0 && matches!(self.buf[end - 1], b'\n' | b'\r') {
                end -= 1;
            }
            let mut start = 0;
            if self.number == 1 && self.buf.starts_with(b"\xef\xbb\xbf") {
                start = 3;
            }
            if self.buf[start..end.max(start)].iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let line = &self.buf[start..end.max(start)];
            if line.len() > self.limit {
                let prefix = String::from_utf8_lossy(&line[..self.limit]).into_owned();
                return Some(Ok(Line { number: self.number, text: Err(LineProblem::TooLong { limit: self.limit, prefix }) }));
            }
            let text = std::str::from_utf8(line).map_err(|_| LineProblem::NotUtf8);
            return Some(Ok(Line { number: self.number, text }));
        }
    }
}
