//! End-to-end tests of `journey fmt`: files rewritten in place, `--check` for CI,
//! standard input to standard output for editors, and files with syntax errors
//! refused with their diagnostics.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn journey(args: &[&str], dir: &Path) -> Output {
    journey_with_input(args, dir, None)
}

fn journey_with_input(args: &[&str], dir: &Path, input: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the journey binary runs");
    if let Some(input) = input {
        child.stdin.take().expect("stdin is piped").write_all(input).expect("stdin is writable");
    }
    child.wait_with_output().expect("the journey binary ends")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// A fresh folder holding `files` (relative path, contents).
fn project(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-fmt-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a folder")).expect("temp dir is writable");
        std::fs::write(path, contents).expect("temp dir is writable");
    }
    dir
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository exists")
}

const MESSY: &[u8] =
    b"trigger SignedUp{source custom   // where it comes from\nstatus published plan:{name:text,seats:int}}";
const FORMATTED: &str = "trigger SignedUp {\n  source custom // where it comes from\n  status published\n  plan: { name: text, seats: int }\n}\n";
const BROKEN: &[u8] = b"journey Cart {\n  sned Reminder\n}\n";

#[test]
fn files_are_rewritten_in_place_and_a_second_run_changes_nothing() {
    let dir = project("rewrite", &[("a.journey", MESSY), ("sub/b.journey", MESSY)]);
    let out = journey(&["fmt"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "formatting lists nothing");
    assert_eq!(stderr(&out), "2 files formatted, 0 unchanged\n", "one summary line");
    assert_eq!(read(dir.join("a.journey")), FORMATTED);
    assert_eq!(read(dir.join("sub/b.journey")), FORMATTED, "folders are searched recursively");

    let again = journey(&["fmt", "--check", "."], &dir);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(stdout(&again).is_empty());
    assert_eq!(stderr(&again), "0 files would be reformatted, 2 unchanged\n");
    let once_more = journey(&["fmt"], &dir);
    assert_eq!(stderr(&once_more), "0 files formatted, 2 unchanged\n");
}

#[test]
fn check_lists_the_files_that_would_change_and_writes_nothing() {
    let dir = project(
        "check",
        &[("messy.journey", MESSY), ("tidy.journey", FORMATTED.as_bytes()), ("more/messy.journey", MESSY)],
    );
    let out = journey(&["fmt", "--check"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let listed: Vec<String> = stdout(&out).lines().map(|l| l.replace('\\', "/")).collect();
    assert_eq!(listed, ["./messy.journey", "./more/messy.journey"], "only the files that would change");
    assert_eq!(stderr(&out), "2 files would be reformatted, 1 unchanged\n");
    assert_eq!(read(dir.join("messy.journey")).as_bytes(), MESSY, "--check writes nothing");
    let one = journey(&["fmt", "--check", "messy.journey"], &dir);
    assert_eq!(stderr(&one), "1 file would be reformatted, 0 unchanged\n");
}

#[test]
fn each_file_keeps_its_line_ending_so_check_passes_on_a_windows_checkout() {
    let crlf = FORMATTED.replace('\n', "\r\n");
    let messy_crlf = String::from_utf8_lossy(MESSY).replace(" //", "\r\n//").replace("comes from", "comes from\r\n");
    let dir = project(
        "crlf",
        &[
            ("windows.journey", crlf.as_bytes()),
            ("unix.journey", FORMATTED.as_bytes()),
            ("messy.journey", messy_crlf.as_bytes()),
        ],
    );
    let check = journey(&["fmt", "--check", "windows.journey", "unix.journey"], &dir);
    assert_eq!(check.status.code(), Some(0), "{}{}", stdout(&check), stderr(&check));
    assert_eq!(stderr(&check), "0 files would be reformatted, 2 unchanged\n");
    let out = journey(&["fmt"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "1 file formatted, 2 unchanged\n");
    assert_eq!(read(dir.join("windows.journey")), crlf, "CRLF kept");
    assert_eq!(read(dir.join("unix.journey")), FORMATTED, "LF kept");
    let messy = read(dir.join("messy.journey"));
    assert!(messy.ends_with("}\r\n") && !messy.replace("\r\n", "").contains('\n'), "every line in CRLF: {messy:?}");
}

#[test]
fn files_and_folders_can_be_named_and_hidden_folders_and_target_are_skipped() {
    let dir = project(
        "paths",
        &[
            ("one.journey", MESSY),
            ("two.journey", MESSY),
            ("src/three.journey", MESSY),
            (".hidden/skip.journey", MESSY),
            ("target/skip.journey", MESSY),
        ],
    );
    let out = journey(&["fmt", "one.journey", "src"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read(dir.join("one.journey")), FORMATTED);
    assert_eq!(read(dir.join("src/three.journey")), FORMATTED);
    assert_eq!(read(dir.join("two.journey")).as_bytes(), MESSY, "files not named are left alone");

    journey(&["fmt"], &dir);
    assert_eq!(read(dir.join("two.journey")), FORMATTED);
    assert_eq!(read(dir.join(".hidden/skip.journey")).as_bytes(), MESSY);
    assert_eq!(read(dir.join("target/skip.journey")).as_bytes(), MESSY);
}

#[test]
fn a_file_with_syntax_errors_is_reported_like_check_and_left_unchanged() {
    let dir = project("broken", &[("cart.journey", BROKEN), ("ok.journey", MESSY)]);
    let out = journey(&["fmt", "--color", "never"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("[J0007] Error: expected a journey setting, a step or `}`, found `sned`"), "{err}");
    assert!(err.contains("cart.journey:2:3"), "{err}");
    assert!(err.contains("did you mean `send`?"), "{err}");
    assert!(err.contains("not formatted"), "{err}");
    assert!(err.ends_with("1 file formatted, 0 unchanged, 1 not formatted because of errors\n"), "{err}");
    assert_eq!(read(dir.join("cart.journey")).as_bytes(), BROKEN, "never mangled");
    assert_eq!(read(dir.join("ok.journey")), FORMATTED, "the other files are still formatted");

    let check = journey(&["fmt", "--check", "--color", "never"], &dir);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).is_empty(), "a refused file is not listed as one to reformat");
}

#[test]
fn standard_input_is_formatted_to_standard_output() {
    let dir = project("stdin", &[]);
    let out = journey_with_input(&["fmt", "-"], &dir, Some(MESSY));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), FORMATTED);

    let check = journey_with_input(&["fmt", "--check", "-"], &dir, Some(MESSY));
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(stdout(&check), "<stdin>\n");
    let tidy = journey_with_input(&["fmt", "--check", "-"], &dir, Some(FORMATTED.as_bytes()));
    assert_eq!(tidy.status.code(), Some(0));

    let broken = journey_with_input(&["fmt", "--color", "never", "-"], &dir, Some(BROKEN));
    assert_eq!(broken.status.code(), Some(1));
    assert!(stdout(&broken).is_empty(), "nothing for the editor to replace its buffer with");
    assert!(stderr(&broken).contains("<stdin>:2:3"), "{}", stderr(&broken));
}

#[test]
fn a_file_that_is_not_utf8_is_reported_and_left_unchanged() {
    let bytes: &[u8] = b"trigger T { source custom }\n// caf\xe9\n";
    let dir = project("utf8", &[("latin1.journey", bytes)]);
    let out = journey(&["fmt", "--color", "never"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("[J0011]"), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.join("latin1.journey")).expect("readable"), bytes);
}

#[test]
fn usage_errors_exit_2() {
    let dir = project("usage", &[("a.journey", MESSY)]);
    let missing = journey(&["fmt", "nowhere"], &dir);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("`nowhere` does not exist"), "{}", stderr(&missing));
    let mixed = journey(&["fmt", "-", "a.journey"], &dir);
    assert_eq!(mixed.status.code(), Some(2));
    assert_eq!(read(dir.join("a.journey")).as_bytes(), MESSY);
}

#[test]
fn the_examples_are_formatted() {
    let out = journey(&["fmt", "--check", "examples"], &repository_root());
    assert_eq!(out.status.code(), Some(0), "run `journey fmt examples`:\n{}{}", stdout(&out), stderr(&out));
}
