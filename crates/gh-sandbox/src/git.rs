//! The git backing of a sandbox repository: a local bare repository read and
//! written with the `git` binary through argv (never a shell). Every function
//! blocks; async callers run them in `spawn_blocking`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use super::model::DiffLine;

/// Why a git command did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("run git {args}: {source}")]
    Spawn {
        args: String,
        source: std::io::Error,
    },
    #[error("git {args} exited with {code:?}: {stderr}")]
    Failed {
        args: String,
        code: Option<i32>,
        stderr: String,
    },
}

/// The result of merging two commits in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeTree {
    Clean { tree: String },
    Conflict,
}

/// A bare repository the sandbox reads and writes.
#[derive(Clone, Debug)]
pub struct GitDir {
    path: PathBuf,
}

impl GitDir {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    fn output(&self, args: &[&str]) -> Result<Output, GitError> {
        self.command(args)
            .output()
            .map_err(|source| GitError::Spawn {
                args: args.join(" "),
                source,
            })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command
            .arg("--git-dir")
            .arg(&self.path)
            .args(args)
            // Commits must work on a machine with no git identity configured.
            .env("GIT_AUTHOR_NAME", "GitHub")
            .env("GIT_AUTHOR_EMAIL", "noreply@github.com")
            .env("GIT_COMMITTER_NAME", "GitHub")
            .env("GIT_COMMITTER_EMAIL", "noreply@github.com")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C");
        command
    }

    /// Runs git and returns its trimmed stdout, or an error for a non-zero exit.
    fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let out = self.output(args)?;
        if !out.status.success() {
            return Err(failed(args, &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Every branch and its head commit.
    pub fn branches(&self) -> Result<BTreeMap<String, String>, GitError> {
        let out = self.run(&[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/heads",
        ])?;
        let heads = out.lines().filter_map(|line| {
            let (name, sha) = line.split_once(' ')?;
            Some((
                name.strip_prefix("refs/heads/")?.to_string(),
                sha.to_string(),
            ))
        });
        Ok(heads.collect())
    }

    /// The commit a branch points at, if the branch exists.
    pub fn branch_head(&self, branch: &str) -> Result<Option<String>, GitError> {
        self.commit_of(&format!("refs/heads/{branch}"))
    }

    /// The commit a revision (SHA, branch, ref) names, if any.
    pub fn commit_of(&self, rev: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{rev}^{{commit}}");
        let out = self.output(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])?;
        let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok((out.status.success() && !sha.is_empty()).then_some(sha))
    }

    /// Whether `ancestor` is reachable from `descendant`.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        let args = ["merge-base", "--is-ancestor", ancestor, descendant];
        let out = self.output(&args)?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(failed(&args, &out)),
        }
    }

    /// Merges `theirs` into `ours` without touching any ref.
    pub fn merge_tree(&self, ours: &str, theirs: &str) -> Result<MergeTree, GitError> {
        let args = ["merge-tree", "--write-tree", "--no-messages", ours, theirs];
        let out = self.output(&args)?;
        match out.status.code() {
            Some(0) => {
                let stdout = String::from_utf8_lossy(&out.stdout);
                let tree = stdout.lines().next().unwrap_or_default().trim().to_string();
                Ok(MergeTree::Clean { tree })
            }
            Some(1) => Ok(MergeTree::Conflict),
            _ => Err(failed(&args, &out)),
        }
    }

    /// Writes a commit of `tree` with `parents` and returns its SHA.
    pub fn commit_tree(
        &self,
        tree: &str,
        parents: &[&str],
        message: &str,
    ) -> Result<String, GitError> {
        let mut args = vec!["commit-tree", tree];
        for parent in parents {
            args.extend(["-p", parent]);
        }
        args.extend(["-m", message]);
        self.run(&args)
    }

    /// Stores `content` as a blob and returns its id.
    pub fn write_blob(&self, content: &str) -> Result<String, GitError> {
        let args = ["hash-object", "-w", "--stdin"];
        let spawn = |source| GitError::Spawn {
            args: args.join(" "),
            source,
        };
        let mut child = self
            .command(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn)?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(content.as_bytes()).map_err(spawn)?;
        }
        let out = child.wait_with_output().map_err(spawn)?;
        if !out.status.success() {
            return Err(failed(&args, &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The tree of `commit` with the file at `path` set to `blob`, written
    /// through an index of its own (a bare repository has none).
    pub fn tree_with_file(&self, commit: &str, path: &str, blob: &str) -> Result<String, GitError> {
        static INDEXES: AtomicU64 = AtomicU64::new(0);
        let n = INDEXES.fetch_add(1, Ordering::Relaxed);
        let index = self
            .path
            .join(format!("sandbox-index-{}-{n}", std::process::id()));
        let written = self.with_index(&index, commit, path, blob);
        let _ = std::fs::remove_file(&index);
        written
    }

    fn with_index(
        &self,
        index: &Path,
        commit: &str,
        path: &str,
        blob: &str,
    ) -> Result<String, GitError> {
        let run = |args: &[&str]| {
            let out = self
                .command(args)
                .env("GIT_INDEX_FILE", index)
                .output()
                .map_err(|source| GitError::Spawn {
                    args: args.join(" "),
                    source,
                })?;
            match out.status.success() {
                true => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
                false => Err(failed(args, &out)),
            }
        };
        run(&["read-tree", commit])?;
        let entry = format!("100644,{blob},{path}");
        run(&["update-index", "--add", "--cacheinfo", &entry])?;
        run(&["write-tree"])
    }

    /// The tree a commit records.
    pub fn tree_of(&self, commit: &str) -> Result<String, GitError> {
        self.run(&[
            "rev-parse",
            "--verify",
            "--end-of-options",
            &format!("{commit}^{{tree}}"),
        ])
    }

    /// Moves `branch` to `new` only if it is still at `old`.
    pub fn move_branch(&self, branch: &str, new: &str, old: &str) -> Result<(), GitError> {
        let name = format!("refs/heads/{branch}");
        self.run(&["update-ref", &name, new, old]).map(drop)
    }

    /// Points `branch` at `sha`, creating it or moving it wherever it was.
    pub fn set_branch(&self, branch: &str, sha: &str) -> Result<(), GitError> {
        let name = format!("refs/heads/{branch}");
        self.run(&["update-ref", &name, sha]).map(drop)
    }

    /// Deletes `branch`; false when it did not exist.
    pub fn delete_branch(&self, branch: &str) -> Result<bool, GitError> {
        if self.branch_head(branch)?.is_none() {
            return Ok(false);
        }
        let name = format!("refs/heads/{branch}");
        self.run(&["update-ref", "-d", &name]).map(|_| true)
    }

    /// Whether any file in `commit`'s tree contains `needle`.
    pub fn tree_contains(&self, commit: &str, needle: &str) -> Result<bool, GitError> {
        let args = ["grep", "-q", "-F", "-e", needle, commit, "--"];
        let out = self.output(&args)?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(failed(&args, &out)),
        }
    }

    /// The lines `head` adds relative to its merge base with `base`.
    pub fn added_lines(&self, base: &str, head: &str) -> Result<Vec<DiffLine>, GitError> {
        let range = format!("{base}...{head}");
        let diff = self.run(&["diff", "--no-color", "--no-ext-diff", "--unified=0", &range])?;
        Ok(parse_added_lines(&diff))
    }
}

fn failed(args: &[&str], out: &Output) -> GitError {
    GitError::Failed {
        args: args.join(" "),
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    }
}

/// Added lines of a unified diff with their new-file line numbers.
pub fn parse_added_lines(diff: &str) -> Vec<DiffLine> {
    let mut lines = Vec::new();
    let mut path: Option<String> = None;
    let mut in_header = false;
    let mut next_line = 0u64;
    for raw in diff.lines() {
        if raw.starts_with("diff --git ") {
            in_header = true;
            path = None;
        } else if in_header && raw.starts_with("+++ ") {
            path = raw[4..].strip_prefix("b/").map(str::to_string);
        } else if raw.starts_with("@@") {
            in_header = false;
            next_line = hunk_new_start(raw).unwrap_or(0);
        } else if !in_header && let Some(text) = raw.strip_prefix('+') {
            if let Some(path) = &path {
                lines.push(DiffLine {
                    path: path.clone(),
                    line: next_line,
                    text: text.to_string(),
                });
            }
            next_line += 1;
        } else if !in_header && raw.starts_with(' ') {
            next_line += 1;
        }
    }
    lines
}

/// The new-file start line of a hunk header `@@ -a,b +c,d @@`.
fn hunk_new_start(header: &str) -> Option<u64> {
    let plus = header
        .split_whitespace()
        .find(|part| part.starts_with('+'))?;
    plus[1..].split(',').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_carry_path_and_new_line_numbers() {
        let diff = "diff --git a/src/a.rs b/src/a.rs\nindex 1..2 100644\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -3,0 +4,2 @@ fn x()\n+let a = 1; // NIT: name\n++++ plus line\n@@ -10 +12 @@\n-old\n+new\ndiff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n";
        let lines = parse_added_lines(diff);
        let got: Vec<(&str, u64, &str)> = lines
            .iter()
            .map(|l| (l.path.as_str(), l.line, l.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("src/a.rs", 4, "let a = 1; // NIT: name"),
                ("src/a.rs", 5, "+++ plus line"),
                ("src/a.rs", 12, "new"),
            ]
        );
    }

    #[test]
    fn hunk_header_start_is_read_with_or_without_count() {
        assert_eq!(hunk_new_start("@@ -1,2 +7,3 @@"), Some(7));
        assert_eq!(hunk_new_start("@@ -1 +9 @@ ctx"), Some(9));
        assert_eq!(hunk_new_start("@@ nonsense"), None);
    }
}
