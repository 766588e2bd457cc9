//! Every explanation printed by `journey explain` shows a mistake that really
//! produces its code and a fix that really removes it.

use journey_check::{Mode, Project, check};
use journey_diagnostics::Code;

/// The ```journey blocks of an explanation, in order.
fn journey_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```journey") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn codes_of(source: &str) -> Vec<Code> {
    let project = Project::from_texts([("example.journey", source.to_owned())]);
    check(&project, Mode::Design).diagnostics.iter().map(|d| d.code).collect()
}

/// Codes whose mistake cannot be shown as text: invalid UTF-8, and nesting 65 levels deep.
const ILLUSTRATED_ONLY: [Code; 2] = [Code::InvalidUtf8, Code::NestingTooDeep];

#[test]
fn each_example_reports_its_code_and_each_fix_removes_it() {
    for &code in Code::ALL {
        let blocks = journey_blocks(code.explanation());
        assert!(blocks.len() >= 2, "{code}: needs a mistake and a fix");
        if ILLUSTRATED_ONLY.contains(&code) {
            continue;
        }
        let mistake = codes_of(&blocks[0]);
        assert!(mistake.contains(&code), "{code}: the example reports {mistake:?}, not {code}");
        let fixed = codes_of(blocks.last().expect("at least two blocks"));
        assert!(!fixed.contains(&code), "{code}: the fix still reports {code}");
    }
}
