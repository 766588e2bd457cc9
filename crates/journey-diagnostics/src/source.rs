//! Source files of a project and positions inside them.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::line_index::{ColumnUnit, LineCol, LineIndex};

/// Identifies one source file inside a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct FileId(pub u32);

/// A byte range `start..end` inside one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end as u32 }
    }

    /// An empty span at `offset`.
    pub fn empty(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    /// The smallest span covering both `self` and `other`.
    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The span as a `Range<usize>`, to index the source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers no byte.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// The part of the span on its first line in `text`, without trailing spaces
    /// (a multi-line step is labelled on its first line).
    pub fn first_line(self, text: &str) -> Span {
        let slice = text.get(self.range()).unwrap_or("");
        match slice.find('\n') {
            Some(newline) => Span::new(self.start as usize, self.start as usize + slice[..newline].trim_end().len()),
            None => self,
        }
    }

    /// Whether `offset` lies inside the span (an empty span contains its own offset).
    pub fn contains(self, offset: usize) -> bool {
        let offset = offset as u32;
        self.start <= offset && (offset < self.end || (self.is_empty() && offset == self.start))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(range: std::ops::Range<usize>) -> Span {
        Span::new(range.start, range.end)
    }
}

/// A byte of a file that is not part of any UTF-8 character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidByte {
    /// Its offset in the file.
    pub offset: u32,
    /// Its value.
    pub value: u8,
}

/// What stands in the text of a file for each byte that is not UTF-8: one
/// byte, so that every offset of the text is the offset of the same byte in
/// the file (`String::from_utf8_lossy` puts a 3-byte U+FFFD for a run of
/// such bytes, which moves every later span).
pub const INVALID_BYTE_STAND_IN: char = '?';

/// One source file: where it comes from, its text, and its line table.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    text: String,
    lines: LineIndex,
    invalid: Vec<InvalidByte>,
}

impl SourceFile {
    /// A file named `path` holding `text`.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let lines = LineIndex::new(&text);
        SourceFile { path: path.into(), text, lines, invalid: Vec::new() }
    }

    /// A file named `path` read from `bytes`. Each byte that is not UTF-8 is
    /// replaced by [`INVALID_BYTE_STAND_IN`] and listed in
    /// [`SourceFile::invalid_bytes`]; the text has exactly as many bytes as the
    /// file, so spans and columns are those of the file's bytes.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> SourceFile {
        let text = match String::from_utf8(bytes) {
            Ok(text) => return SourceFile::new(path, text),
            Err(err) => err.into_bytes(),
        };
        let mut decoded = String::with_capacity(text.len());
        let mut invalid = Vec::new();
        for chunk in text.utf8_chunks() {
            decoded.push_str(chunk.valid());
            for &value in chunk.invalid() {
                invalid.push(InvalidByte { offset: decoded.len() as u32, value });
                decoded.push(INVALID_BYTE_STAND_IN);
            }
        }
        let mut file = SourceFile::new(path, decoded);
        file.invalid = invalid;
        file
    }

    /// The bytes of the file that are not UTF-8, in order (empty for a file
    /// made from a `String`).
    pub fn invalid_bytes(&self) -> &[InvalidByte] {
        &self.invalid
    }

    /// The path the file was read from, as given by the user.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path with `/` separators, as shown in messages and machine output.
    pub fn display_path(&self) -> String {
        let shown = self.path.to_string_lossy().replace('\\', "/");
        shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown)
    }

    /// The text of the file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file's line table.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// The 0-based position of byte `offset`, with the column counted in `unit`.
    pub fn position(&self, offset: usize, unit: ColumnUnit) -> LineCol {
        self.lines.position(&self.text, offset, unit)
    }

    /// The byte offset of a 0-based position whose column is counted in `unit`.
    pub fn offset(&self, pos: LineCol, unit: ColumnUnit) -> usize {
        self.lines.offset(&self.text, pos, unit)
    }

    /// The text covered by `span`, or `""` when the span lies outside the file.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Every source file of a run, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with id `id`.
    ///
    /// # Panics
    /// When `id` was not returned by [`SourceMap::add`] on this map.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Replaces the text of file `id` (used by editors as a buffer changes).
    pub fn set_text(&mut self, id: FileId, text: String) {
        let file = &mut self.files[id.0 as usize];
        file.lines = LineIndex::new(&text);
        file.text = text;
        file.invalid.clear();
    }

    /// Every file with its id, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    /// The files, in the order they were added (consumes the map).
    pub fn into_files(self) -> Vec<SourceFile> {
        self.files
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the map holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
