//! Fuzzes the front end: any bytes, read as UTF-8 (lossily), must parse without
//! panicking, and every diagnostic must point inside the file.
#![no_main]

use journey_diagnostics::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parse = journey_syntax::parse(FileId(0), &text);
    for d in &parse.diagnostics {
        let (start, end) = (d.primary.span.start as usize, d.primary.span.end as usize);
        assert!(start <= end && end <= text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    }
});
