//! Conversions between byte offsets and line/column positions.

/// A position as people and editors count it: 0-based line, and a 0-based column
/// counted in the unit the caller asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 0-based line number.
    pub line: u32,
    /// 0-based column.
    pub col: u32,
}

/// The unit in which a column is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    /// UTF-8 bytes.
    Utf8,
    /// UTF-16 code units (the Language Server Protocol default).
    Utf16,
    /// Unicode scalar values (what a person counts as characters).
    Char,
}

/// The start offset of every line of a text, to turn byte offsets into positions and back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: u32,
    /// Whether the text is pure ASCII, so that every unit is a byte.
    ascii: bool,
    /// The bytes of a byte order mark at the start of the text (0 or 3): they
    /// are not a column, as editors do not show them.
    bom: u32,
}

/// The byte order mark some editors put at the start of a UTF-8 file.
const BOM: char = '\u{FEFF}';

impl LineIndex {
    /// Builds the line table of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i as u32 + 1);
            }
        }
        let bom = if text.starts_with(BOM) { BOM.len_utf8() as u32 } else { 0 };
        LineIndex { starts, len: text.len() as u32, ascii: text.is_ascii(), bom }
    }

    /// The number of lines (a text ending in a newline has an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 0-based `line` starts, if the line exists.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get(line as usize).map(|&s| s as usize)
    }

    /// Byte offset where 0-based `line` ends (before its newline).
    pub fn line_end(&self, line: u32) -> Option<usize> {
        let start = self.line_start(line)?;
        let end = match self.starts.get(line as usize + 1) {
            Some(&next) => next as usize - 1,
            None => self.len as usize,
        };
        Some(end.max(start))
    }

    /// Where the columns of 0-based `line` start: the line's first byte, or the
    /// byte after a byte order mark on the first line.
    fn column_start(&self, line: usize) -> u32 {
        if line == 0 { self.bom } else { self.starts[line] }
    }

    /// The position of byte `offset` of `text` (the text this index was built from),
    /// with the column counted in `unit`. Offsets past the end are clamped to the end.
    /// A byte order mark at the start of the text is not a column.
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = (offset as u32).min(self.len);
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.column_start(line);
        let offset = offset.max(start);
        let col = match unit {
            _ if self.ascii => offset - start,
            ColumnUnit::Utf8 => offset - start,
            unit => {
                let prefix = floor_char_boundary(text, start as usize, offset as usize);
                let chunk = &text[start as usize..prefix];
                match unit {
                    ColumnUnit::Utf16 => chunk.encode_utf16().count() as u32,
                    _ => chunk.chars().count() as u32,
                }
            }
        };
        LineCol { line: line as u32, col }
    }

    /// The byte offset in `text` (the text this index was built from) of a position whose
    /// column is counted in `unit`. A column past the end of its line gives the end of the
    /// line; a line past the end of the text gives the end of the text. Column 0
    /// of the first line is after a byte order mark.
    pub fn offset(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        if self.line_start(pos.line).is_none() {
            return self.len as usize;
        }
        let start = self.column_start(pos.line as usize) as usize;
        let end = self.line_end(pos.line).unwrap_or(start);
        match unit {
            _ if self.ascii => (start + pos.col as usize).min(end),
            ColumnUnit::Utf8 => floor_char_boundary(text, start, (start + pos.col as usize).min(end)),
            unit => {
                let mut remaining = pos.col as usize;
                for (i, c) in text[start..end].char_indices() {
                    let width = if unit == ColumnUnit::Utf16 { c.len_utf16() } else { 1 };
                    if remaining < width {
                        return start + i;
                    }
                    remaining -= width;
                }
                end
            }
        }
    }

    /// Whether every character of the text is ASCII (then all column units agree).
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }
}

fn floor_char_boundary(text: &str, min: usize, mut offset: usize) -> usize {
    while offset > min && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_ascii_text() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0, ColumnUnit::Char), LineCol { line: 0, col: 0 });
        assert_eq!(index.position(text, 4, ColumnUnit::Char), LineCol { line: 1, col: 1 });
        assert_eq!(index.position(text, 6, ColumnUnit::Char), LineCol { line: 2, col: 0 });
        assert_eq!(index.position(text, 99, ColumnUnit::Char), LineCol { line: 2, col: 0 });
        assert_eq!(index.offset(text, LineCol { line: 1, col: 1 }, ColumnUnit::Utf16), 4);
        assert_eq!(index.offset(text, LineCol { line: 1, col: 9 }, ColumnUnit::Utf16), 5);
        assert_eq!(index.offset(text, LineCol { line: 7, col: 0 }, ColumnUnit::Utf16), 6);
    }

    #[test]
    fn columns_of_wide_characters_depend_on_the_unit() {
        // "é" is 2 bytes, 1 UTF-16 unit; "😀" is 4 bytes, 2 UTF-16 units.
        let text = "é😀x";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(x, 6);
        assert_eq!(index.position(text, x, ColumnUnit::Utf8).col, 6);
        assert_eq!(index.position(text, x, ColumnUnit::Utf16).col, 3);
        assert_eq!(index.position(text, x, ColumnUnit::Char).col, 2);
        assert_eq!(index.offset(text, LineCol { line: 0, col: 3 }, ColumnUnit::Utf16), 6);
        assert_eq!(index.offset(text, LineCol { line: 0, col: 2 }, ColumnUnit::Char), 6);
        // A column inside a character snaps to the start of the character.
        assert_eq!(index.offset(text, LineCol { line: 0, col: 2 }, ColumnUnit::Utf16), 2);
        assert_eq!(index.offset(text, LineCol { line: 0, col: 1 }, ColumnUnit::Utf8), 0);
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        // The BOM is bytes 0..3; `x` is byte 3, `y` byte 5 on the second line.
        let text = "\u{FEFF}x\ny";
        let index = LineIndex::new(text);
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
            assert_eq!(index.position(text, 0, unit), LineCol { line: 0, col: 0 }, "{unit:?}");
            assert_eq!(index.position(text, 3, unit), LineCol { line: 0, col: 0 }, "{unit:?}");
            assert_eq!(index.position(text, 4, unit), LineCol { line: 0, col: 1 }, "{unit:?}");
            assert_eq!(index.position(text, 6, unit), LineCol { line: 1, col: 1 }, "{unit:?}");
            assert_eq!(index.offset(text, LineCol { line: 0, col: 0 }, unit), 3, "{unit:?}");
            assert_eq!(index.offset(text, LineCol { line: 0, col: 1 }, unit), 4, "{unit:?}");
            assert_eq!(index.offset(text, LineCol { line: 1, col: 0 }, unit), 5, "{unit:?}");
        }
    }
}
