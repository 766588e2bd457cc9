//! The diagnostics corpus: every `.journey` file under `tests/diagnostics/` at the
//! root of the repository is checked as a project of its own, and its rendered
//! diagnostics are compared with the snapshot beside it
//! (`tests/diagnostics/snapshots/`). Review new snapshots with `cargo insta review`.

use std::path::{Path, PathBuf};

use journey_check::{Mode, Project, check};
use journey_diagnostics::render::{Summary, render_human};

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root exists")
}

/// The output a user sees for one file: the reports, then a summary line.
fn rendered(path: &Path) -> String {
    let root = repository_root();
    let path = path.canonicalize().expect("corpus files exist");
    let shown = path.strip_prefix(&root).expect("corpus files are in the repository").to_path_buf();
    let bytes = std::fs::read(&path).expect("corpus files are readable");
    let mut project = Project::default();
    project.add_bytes(shown, bytes);
    let analysis = check(&project, Mode::Design);
    let mut out = Vec::new();
    render_human(&project.sources, &analysis.diagnostics, false, &mut out).expect("rendering to memory cannot fail");
    let mut text = String::from_utf8(out).expect("reports are UTF-8");
    text.push_str(&format!("{}\n", Summary::of(&analysis.diagnostics).describe()));
    text
}

#[test]
fn diagnostics_corpus() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repository_root().join("tests/diagnostics/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("../../../tests/diagnostics", "*.journey", |path| {
            insta::assert_snapshot!(rendered(path));
        });
    });
}
