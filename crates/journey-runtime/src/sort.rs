//! STUB (replaced by the `sources` branch): an external stable sort.

use std::path::Path;

/// A sort problem.
#[derive(Debug)]
pub struct SortError(pub String);

impl std::fmt::Display for SortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sorts records by (key, tie).
pub struct Sorter {
    records: Vec<(i64, u64, Vec<u8>)>,
}

impl Sorter {
    /// A sorter.
    pub fn new(_temp_dir: &Path, _memory_budget: usize) -> Result<Sorter, SortError> {
        Ok(Sorter { records: Vec::new() })
    }

    /// Adds a record.
    pub fn push(&mut self, key: i64, tie: u64, record: &[u8]) -> Result<(), SortError> {
        self.records.push((key, tie, record.to_vec()));
        Ok(())
    }

    /// The records in order.
    pub fn finish(mut self) -> Result<Sorted, SortError> {
        self.records.sort_by_key(|r| (r.0, r.1));
        self.records.reverse();
        Ok(Sorted { records: self.records, current: None })
    }
}

/// Sorted records.
pub struct Sorted {
    records: Vec<(i64, u64, Vec<u8>)>,
    current: Option<(i64, u64, Vec<u8>)>,
}

impl Sorted {
    /// The next record.
    pub fn next(&mut self) -> Result<Option<(i64, u64, &[u8])>, SortError> {
        self.current = self.records.pop();
        Ok(self.current.as_ref().map(|(k, t, r)| (*k, *t, r.as_slice())))
    }
}
