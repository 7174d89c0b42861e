//! The repository's own ignore list, `<git common dir>/info/exclude`: git
//! reads it in every worktree, it is never committed, and lines added to it
//! keep our per-issue worktrees out of `git status` and `git add -A` in the
//! user's checkout.

use std::io::Write as _;
use std::path::{Component, Path};

/// The `info/exclude` line that ignores the directory `dir`, given relative
/// to the repository root, and only that one: anchored with a leading `/`,
/// a directory pattern with a trailing `/`, and git's glob characters
/// escaped. `None` when `dir` is not a plain path inside the root.
pub fn dir_pattern(dir: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in dir.components() {
        match component {
            Component::Normal(name) => parts.push(escape(name.to_str()?)),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("/{}/", parts.join("/")))
}

/// Backslash before the characters a gitignore pattern gives meaning to.
/// A trailing space would be dropped, so it is escaped too.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '\\' | '*' | '?' | '[' | ']' | '!' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    if out.ends_with(' ') {
        out.pop();
        out.push_str("\\ ");
    }
    out
}

/// The text to append to an exclude file holding `existing` so that it has
/// `pattern` as a line; `None` when it already has.
fn addition(existing: &str, pattern: &str, why: &str) -> Option<String> {
    if existing.lines().any(|line| line.trim_end() == pattern) {
        return None;
    }
    let mut add = String::new();
    if !existing.is_empty() && !existing.ends_with('\n') {
        add.push('\n');
    }
    add.push_str(&format!("# {why}\n{pattern}\n"));
    Some(add)
}

/// Makes sure `<common_dir>/info/exclude` has `pattern` as a line, appending
/// it (after a `# why` comment) once; whatever the file held stays as it was.
/// Returns whether it was added.
pub fn ensure_excluded(common_dir: &Path, pattern: &str, why: &str) -> std::io::Result<bool> {
    let info = common_dir.join("info");
    let file = info.join("exclude");
    let existing = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let Some(add) = addition(&existing, pattern, why) else {
        return Ok(false);
    };
    std::fs::create_dir_all(&info)?;
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)?;
    out.write_all(add.as_bytes())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_anchored_directories_with_globs_escaped() {
        assert_eq!(
            dir_pattern(Path::new(".worktrees")).unwrap(),
            "/.worktrees/"
        );
        assert_eq!(dir_pattern(Path::new("./a/b")).unwrap(), "/a/b/");
        assert_eq!(
            dir_pattern(Path::new("#wt/[x]*?!")).unwrap(),
            r"/\#wt/\[x\]\*\?\!/"
        );
        assert_eq!(dir_pattern(Path::new("trail ")).unwrap(), r"/trail\ /");
        assert_eq!(dir_pattern(Path::new("../outside")), None);
        assert_eq!(dir_pattern(Path::new("/abs")), None);
        assert_eq!(dir_pattern(Path::new(".")), None);
    }

    #[test]
    fn a_pattern_is_added_once_after_what_is_there() {
        assert_eq!(addition("", "/.wt/", "why").unwrap(), "# why\n/.wt/\n");
        assert_eq!(
            addition("*.log", "/.wt/", "why").unwrap(),
            "\n# why\n/.wt/\n",
            "a last line without a newline keeps its own line"
        );
        assert_eq!(addition("*.log\n/.wt/\n", "/.wt/", "why"), None);
        assert_eq!(addition("/.wt/  \n", "/.wt/", "why"), None);
        assert!(addition("/.wt/x/\n", "/.wt/", "why").is_some());
    }

    #[test]
    fn the_file_is_created_or_appended_to_and_never_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        assert!(ensure_excluded(dir.path(), "/.wt/", "worktrees").unwrap());
        let file = dir.path().join("info").join("exclude");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# worktrees\n/.wt/\n"
        );

        std::fs::write(&file, "# mine\n*.swp").unwrap();
        assert!(ensure_excluded(dir.path(), "/.wt/", "worktrees").unwrap());
        assert!(!ensure_excluded(dir.path(), "/.wt/", "worktrees").unwrap());
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# mine\n*.swp\n# worktrees\n/.wt/\n"
        );
    }
}
