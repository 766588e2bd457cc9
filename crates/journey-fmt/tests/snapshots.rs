//! Snapshots of deliberately messy inputs (`tests/messy/*.journey`: one-line
//! declarations, odd spacing, comments everywhere, long conditions, deep nesting,
//! CRLF line endings and tabs) and their canonical layout
//! (`tests/snapshots/`). Review changes with `cargo insta review`.

mod common;

use common::*;

#[test]
fn messy_inputs() {
    let files = messy_files();
    assert!(files.len() >= 5, "the messy inputs are found");
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("messy", "*.journey", |path| {
            let text = read(path);
            let name = path.display().to_string();
            assert!(parses(&text), "{name}: a messy input must be a valid file, only badly laid out");
            let formatted = format(&name, &text);
            assert_formatted_form(&name, &text, &formatted);
            insta::assert_snapshot!(formatted);
        });
    });
}
