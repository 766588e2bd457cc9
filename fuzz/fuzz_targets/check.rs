//! Fuzzes the whole design-time check of a one-file project.
#![no_main]

use journey_check::{Mode, Project, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let project = Project::from_texts([("fuzz.journey", text)]);
    let _ = check(&project, Mode::Design);
});
