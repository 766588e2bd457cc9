//! `journey.toml`, the file that marks the root folder of a project.
//!
//! The file is TOML, read by the `toml` crate: empty, or naming the project,
//! `name = "shop"`. Any other key is refused, so that a setting the tool does not know
//! is never silently ignored.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The name of the file that marks a project's root folder.
pub const MANIFEST: &str = "journey.toml";

/// The contents of a `journey.toml`.
#[derive(Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The project's name, when given.
    #[serde(default)]
    pub name: Option<String>,
}

/// Reads the `journey.toml` of folder `dir`, if there is one.
pub fn read(dir: &Path) -> Result<Option<Manifest>, String> {
    let path = dir.join(MANIFEST);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("`{}` cannot be read: {e}", path.display()))?;
    parse(&text).map(Some).map_err(|(line, message)| format!("{}:{line}: {message}", path.display()))
}

/// Parses the text of a `journey.toml` (TOML); `Err` holds the 1-based line and what is wrong.
pub fn parse(text: &str) -> Result<Manifest, (usize, String)> {
    toml::from_str(text).map_err(|error: toml::de::Error| {
        let at = error.span().map_or(0, |span| span.start.min(text.len()));
        let line = text[..at].matches('\n').count() + 1;
        let message = error.message().trim_end();
        (line, format!("{message}: `journey.toml` is empty or holds `name = \"...\"`"))
    })
}

/// The root folder of the project that file `file` belongs to: the nearest folder
/// above it holding a `journey.toml`, else the file's own folder. The folder is
/// spelled as `file` is (relative stays relative) when it lies on `file`'s own path.
pub fn project_root(file: &Path) -> Result<PathBuf, String> {
    let own = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let absolute = std::fs::canonicalize(&own).map_err(|e| format!("`{}` cannot be read: {e}", own.display()))?;
    let mut spelled = own.clone();
    for folder in absolute.ancestors() {
        if folder.join(MANIFEST).is_file() {
            return Ok(if spelled.as_os_str().is_empty() { PathBuf::from(".") } else { spelled });
        }
        // One folder up: drop a named last folder, else add `..`.
        match spelled.components().next_back() {
            Some(std::path::Component::Normal(_)) => {
                spelled.pop();
            }
            _ => spelled.push(".."),
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_is_empty_or_names_the_project() {
        assert_eq!(parse(""), Ok(Manifest { name: None }));
        assert_eq!(parse("# the shop\n\nname = \"shop\" # short\n"), Ok(Manifest { name: Some("shop".to_owned()) }));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_with_their_line() {
        assert_eq!(
            parse("name = \"a\"\nversion = 2\n"),
            Err((
                2,
                "unknown field `version`, expected `name`: `journey.toml` is empty or holds `name = \"...\"`"
                    .to_owned()
            ))
        );
        assert_eq!(parse("name = shop").map_err(|e| e.0), Err(1));
        assert_eq!(parse("[project]").map_err(|e| e.0), Err(1));
        assert_eq!(parse("name = \"a\"\nname = \"b\"").map_err(|e| e.0), Err(2));
    }
}
