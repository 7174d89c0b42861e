//! Running `git -C <dir> ...` with argv only: a fixed, prompt-free, C-locale
//! environment, and errors that carry the command line and git's own stderr.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
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
/// adds failed with "could not lock config file" in our runs. Deleting a
/// branch rewrites `packed-refs` and the config. Network commands never hold
/// it while they wait on a remote: a fetch lands in refs of its own without
/// the lock and takes it only for the quick local ref update (`fetch`).
static WRITE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) async fn write_lock() -> tokio::sync::MutexGuard<'static, ()> {
    WRITE_LOCK.lock().await
}

/// How long a command that talks to a remote may take when nobody said
/// otherwise (the `git_network_timeout` setting's default).
pub const DEFAULT_NETWORK_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Git in one directory (a checkout or a worktree).
#[derive(Clone, Debug)]
pub struct Git {
    pub(crate) dir: PathBuf,
    network_timeout: Duration,
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
            network_timeout: DEFAULT_NETWORK_TIMEOUT,
        }
    }

    /// Limits commands that talk to a remote (fetch, pull, ls-remote): git
    /// has no timeout of its own and a dead connection would hang forever.
    pub fn with_network_timeout(mut self, timeout: Duration) -> Self {
        self.network_timeout = timeout;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
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

    /// `git -C <dir> <args>`, prompt-free, in the C locale, with the
    /// variables that would redirect it to another repository removed.
    fn command(&self, args: &[&OsStr]) -> Command {
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
        command
    }

    fn start_error(&self, args: &[&OsStr], e: std::io::Error) -> GitError {
        self.error(
            args,
            None,
            format!("could not start git ({e}); install git and put it on PATH"),
        )
    }

    /// Runs a local git command and returns its output whatever the exit
    /// status, for callers that read meaning into a non-zero status.
    pub(crate) async fn output(&self, args: &[&OsStr]) -> Result<Output, GitError> {
        self.command(args)
            .output()
            .await
            .map_err(|e| self.start_error(args, e))
    }

    /// Runs `args` with `input` on its stdin.
    pub(crate) async fn output_with_input(
        &self,
        args: &[&OsStr],
        input: &str,
    ) -> Result<Output, GitError> {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| self.start_error(args, e))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let written = stdin.write_all(input.as_bytes()).await;
        drop(stdin);
        let output = child
            .wait_with_output()
            .await
            .map_err(|e| self.start_error(args, e))?;
        if let Err(e) = written
            && output.status.success()
        {
            return Err(self.error(args, None, format!("could not write to git: {e}")));
        }
        Ok(output)
    }

    /// Runs a command that talks to a remote, within the network timeout.
    /// It gets a process group of its own, so a timeout (or a caller that
    /// gives up) ends everything it started, an ssh or a remote helper too,
    /// not only git; one that finishes keeps what it left running (an ssh
    /// control master, say).
    pub(crate) async fn network_output(&self, args: &[&OsStr]) -> Result<Output, GitError> {
        let mut command = self.command(args);
        command.process_group(0);
        let child = command.spawn().map_err(|e| self.start_error(args, e))?;
        let mut group = GroupKill(child.id().and_then(|id| i32::try_from(id).ok()));
        let limit = self.network_timeout;
        match tokio::time::timeout(limit, child.wait_with_output()).await {
            Ok(result) => {
                group.0 = None;
                result.map_err(|e| self.start_error(args, e))
            }
            Err(_) => Err(self.error(
                args,
                None,
                format!(
                    "no answer from the remote within {} (git_network_timeout); check the \
                     network and the remote, or raise AUTO_MILESTONE_GIT_NETWORK_TIMEOUT",
                    crate::config::Dur(limit)
                ),
            )),
        }
    }

    /// Runs a local git command, requires success, and returns stdout.
    pub(crate) async fn run(&self, args: &[&OsStr]) -> Result<String, GitError> {
        let output = self.output(args).await?;
        self.stdout_of(args, output)
    }

    /// Runs a command that talks to a remote (see `network_output`),
    /// requires success, and returns stdout.
    pub(crate) async fn run_network(&self, args: &[&OsStr]) -> Result<String, GitError> {
        let output = self.network_output(args).await?;
        self.stdout_of(args, output)
    }

    pub(crate) fn stdout_of(&self, args: &[&OsStr], output: Output) -> Result<String, GitError> {
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

/// SIGKILLs a network command's process group when dropped armed: on a
/// timeout, or when the caller stops waiting.
struct GroupKill(Option<i32>);

impl Drop for GroupKill {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            crate::worker::group::signal_group(pgid, libc::SIGKILL);
        }
    }
}

/// Builds the `[&OsStr; N]` the runners take from strings and paths alike.
macro_rules! args {
    ($($arg:expr),* $(,)?) => { [$(::std::ffi::OsStr::new($arg)),*] };
}
pub(crate) use args;
