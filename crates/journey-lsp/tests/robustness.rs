//! Every feature at the start of every token of every `.journey` file of the repository:
//! the examples, the diagnostics corpus (one syntax error class a file) and the
//! rules corpus (a failing and a passing project per rule). Nothing may panic,
//! and every range must lie inside its file.

use std::path::{Path, PathBuf};

use journey_diagnostics::{ColumnUnit, Span};
use journey_lsp::features;
use journey_lsp::world::World;
use tower_lsp_server::ls_types::{Location, Range};

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["examples", "tests/diagnostics", "tests/rules"] {
        files.extend(journey_check::discover(&root.join(dir)).unwrap());
    }
    assert!(files.len() > 100, "the corpus is there: {} files", files.len());
    files
}

fn inside(range: &Range, lines: usize) {
    assert!(range.start <= range.end, "{range:?}");
    assert!((range.end.line as usize) < lines.max(1) + 1, "{range:?} beyond {lines} lines");
}

fn check_locations(world: &mut World, locations: &[Location]) {
    for l in locations {
        let path = l.uri.to_file_path().unwrap().into_owned();
        let snap = world.snapshot_of(&path);
        let id = snap.file_id(&path).expect("a location in the project");
        inside(&l.range, snap.file(id).lines().line_count());
    }
}

#[test]
fn every_feature_at_every_token_of_every_file() {
    for unit in [ColumnUnit::Utf16, ColumnUnit::Utf8] {
        // No workspace folder: each file is a project with the files of its folder.
        let mut world = World::new(Vec::new(), unit);
        for path in corpus() {
            let snap = world.snapshot_of(&path);
            let id = snap.file_id(&path).unwrap();
            let file = snap.file(id);
            let text = file.text().to_owned();
            let lines = file.lines().line_count();
            let whole = Span::new(0, text.len());
            for s in features::document_symbols(&snap, id) {
                inside(&s.range, lines);
            }
            for r in features::folding_ranges(&snap, id) {
                assert!(r.start_line < r.end_line && (r.end_line as usize) < lines, "{r:?}");
            }
            let _ = features::semantic_tokens(&snap, id, None);
            let _ = features::inlay_hints(&snap, id, whole);
            let _ = features::code_lenses(&snap, id);
            let _ = features::formatting(&snap, id);
            for a in features::code_actions(&snap, id, whole) {
                assert!(a.edit.is_some());
            }
            // the start of every token (`touches` takes the end of the previous one too)
            let mut offsets: Vec<usize> =
                journey_syntax::lex(id, &text).tokens.iter().map(|t| t.span.start as usize).collect();
            offsets.push(text.len());
            for offset in offsets {
                let _ = features::hover(&snap, id, offset);
                let _ = features::completion(&snap, id, offset);
                let definition: Vec<Location> = features::definition(&snap, id, offset).into_iter().collect();
                check_locations(&mut world, &definition);
                let references = features::references(&snap, id, offset, true);
                check_locations(&mut world, &references);
                if let Ok(Some(edit)) = features::rename(&snap, id, offset, "renamed_name") {
                    for edits in edit.changes.unwrap().values() {
                        assert!(!edits.is_empty());
                    }
                }
            }
        }
    }
}
