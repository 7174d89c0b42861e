//! Running `git -C <dir> ...` with argv only: a fixed, prompt-free, C-locale
//! environment, and errors that carry the command line and git's own stderr.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::process::Command;

/// A failed git command: the full argv, the exit status (`None` when git did
/// not start, was killed, or timed out) and what git wrote to stderr.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run `{}`: {}", .args.join(" "), self.detail())]
pub struct GitError {
    pub args: Vec<String>,
    pub status: Option<i32>,
    pub stderr: String,
}

impl GitError {
    fn detail(&self) -> String {
        let stderr = self.stderr.trim();
        match (self.status, stderr.is_empty()) {
            (Some(code), true) => format!("exit status {code}"),
            (Some(code), false) => format!("exit status {code}: {stderr}"),
            (None, _) => stderr.to_string(),
        }
    }
}

/// Serialises every command that writes refs, config or worktree metadata,
/// across the whole process. Concurrent `git worktree add` calls race on the
/// shared `.git` (field note 2): with upstream tracking, two of six parallel
/// adds failed with "could not lock config file" in our runs. Fetches race on
/// ref locks, and deleting a branch rewrites `packed-refs` and the config.
/// Network commands hold the lock too, which is why they take
/// `with_network_timeout`.
static WRITE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) async fn write_lock() -> tokio::sync::MutexGuard<'static, ()> {
    WRITE_LOCK.lock().await
}

/// Git in one directory (a checkout or a worktree).
#[derive(Clone, Debug)]
pub struct Git {
    pub(crate) dir: PathBuf,
    network_timeout: Option<Duration>,
}

/// Variables that would point git at another repository than `-C <dir>`
/// (they are set when we run inside a git hook, for instance).
const INHERITED_REPO_VARS: [&str; 6] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
];

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Git {
            dir: dir.into(),
            network_timeout: None,
        }
    }

    /// Limits commands that talk to a remote (fetch, pull, ls-remote): git
    /// has no timeout of its own and a dead connection would hang forever.
    pub fn with_network_timeout(mut self, timeout: Duration) -> Self {
        self.network_timeout = Some(timeout);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn network_timeout(&self) -> Option<Duration> {
        self.network_timeout
    }

    fn argv(&self, args: &[&OsStr]) -> Vec<String> {
        let mut argv = vec![
            "git".to_string(),
            "-C".to_string(),
            self.dir.display().to_string(),
        ];
        argv.extend(args.iter().map(|a| a.to_string_lossy().into_owned()));
        argv
    }

    pub(crate) fn error(
        &self,
        args: &[&OsStr],
        status: Option<i32>,
        stderr: impl Into<String>,
    ) -> GitError {
        GitError {
            args: self.argv(args),
            status,
            stderr: stderr.into(),
        }
    }

    /// Runs git and returns its output whatever the exit status, for callers
    /// that read meaning into a non-zero status.
    pub(crate) async fn output(
        &self,
        args: &[&OsStr],
        timeout: Option<Duration>,
    ) -> Result<Output, GitError> {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            // Never wait for a password or passphrase on the terminal.
            .env("GIT_TERMINAL_PROMPT", "0")
            // Messages and porcelain output we parse stay in English.
            .env("LC_ALL", "C")
            // `status` would otherwise refresh the index under index.lock and
            // make concurrent git commands in the same worktree fail.
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for var in INHERITED_REPO_VARS {
            command.env_remove(var);
        }
        let run = command.output();
        let result = match timeout {
            Some(limit) => match tokio::time::timeout(limit, run).await {
                Ok(result) => result,
                Err(_) => {
                    return Err(self.error(
                        args,
                        None,
                        format!("git did not finish within {limit:?}"),
                    ));
                }
            },
            None => run.await,
        };
        result.map_err(|e| {
            self.error(
                args,
                None,
                format!("could not start git ({e}); install git and put it on PATH"),
            )
        })
    }

    /// Runs git, requires success, and returns stdout.
    pub(crate) async fn run(&self, args: &[&OsStr]) -> Result<String, GitError> {
        self.run_with(args, None).await
    }

    pub(crate) async fn run_with(
        &self,
        args: &[&OsStr],
        timeout: Option<Duration>,
    ) -> Result<String, GitError> {
        let output = self.output(args, timeout).await?;
        if !output.status.success() {
            return Err(self.failed(args, &output));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    pub(crate) fn failed(&self, args: &[&OsStr], output: &Output) -> GitError {
        self.error(
            args,
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).trim(),
        )
    }

    /// Refuses caller-supplied names that git would read as options.
    pub(crate) fn reject_options(&self, args: &[&OsStr], values: &[&str]) -> Result<(), GitError> {
        match values.iter().find(|v| v.starts_with('-')) {
            Some(value) => Err(self.error(
                args,
                None,
                format!("refusing {value:?}: git would read it as an option"),
            )),
            None => Ok(()),
        }
    }
}

/// Builds the `[&OsStr; N]` the runners take from strings and paths alike.
macro_rules! args {
    ($($arg:expr),* $(,)?) => { [$(::std::ffi::OsStr::new($arg)),*] };
}
pub(crate) use args;
