//! A project's files are parsed on several threads (`Project::from_texts`,
//! `Project::read`, `Project::add_files`): the parses, and so the analysis, are
//! exactly those of parsing the files one by one, in the same order.

use std::path::PathBuf;

use journey_check::{Mode, Project, check};

/// Every file of the rules corpus, many times over under distinct paths: more
/// than the size from which files are parsed in parallel, with files of many
/// sizes and some with syntax errors.
fn files() -> Vec<(PathBuf, String)> {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests");
    let mut sources = Vec::new();
    for folder in ["rules", "diagnostics"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(format!("{corpus}/{folder}"))
            .expect("the corpus is readable")
            .map(|entry| entry.expect("readable").path())
            .filter(|path| path.extension().is_some_and(|e| e == "journey"))
            .collect();
        paths.sort();
        for path in paths {
            if let Ok(text) = std::fs::read_to_string(&path) {
                sources.push((path, text));
            }
        }
    }
    let mut files = Vec::new();
    for copy in 0..12 {
        for (path, text) in &sources {
            files.push((PathBuf::from(format!("copy{copy}")).join(path.file_name().expect("a file")), text.clone()));
        }
    }
    files
}

#[test]
fn files_parsed_together_are_parsed_as_one_by_one() {
    let files = files();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    assert!(bytes > 512 * 1024, "the project is large enough to be parsed in parallel: {bytes} bytes");

    let together = Project::from_texts(files.clone());
    let mut one_by_one = Project::default();
    for (path, text) in files.clone() {
        one_by_one.add(path, text);
    }
    assert_eq!(together.parses.len(), files.len());
    for (i, (a, b)) in together.parses.iter().zip(&one_by_one.parses).enumerate() {
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "file {i}: {}", files[i].0.display());
    }
    let (a, b) = (check(&together, Mode::Design), check(&one_by_one, Mode::Design));
    assert!(!a.diagnostics.is_empty(), "the corpus has findings");
    assert_eq!(format!("{:?}", a.diagnostics), format!("{:?}", b.diagnostics));
}

#[test]
fn add_files_returns_the_ids_in_order_and_reports_invalid_utf8() {
    let mut project = Project::default();
    let ids = project.add_files([
        (PathBuf::from("a.journey"), b"segment A { source list }".to_vec()),
        (PathBuf::from("b.journey"), b"segment B { source list } // caf\xE9".to_vec()),
    ]);
    assert_eq!(ids.len(), 2);
    assert_eq!(project.sources.get(ids[1]).path(), PathBuf::from("b.journey"));
    assert_eq!(project.parses.len(), 2);
    assert_eq!(project.load_diagnostics.len(), 1);
    assert_eq!(project.load_diagnostics[0].primary.file, ids[1]);
}
