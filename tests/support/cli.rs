//! Running the real `auto-milestone` binary the way a user would, but sealed
//! off: an environment that holds only what the test sets (so a developer's
//! `GH_TOKEN`, `GITHUB_REPOSITORY`, `AUTO_MILESTONE_*` or `TELEGRAM_*` never
//! leak in), a temporary working directory that is not inside any git
//! checkout, a `PATH` with only `git`, `sh` and `cat` (so a real `gh` is never
//! found; a test can install a fake one), the GitHub API on loopback, and a
//! timeout.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

/// What the harness puts in `GITHUB_TOKEN`; the sandbox accepts any token.
pub const DUMMY_TOKEN: &str = "ghp_sandbox_dummy_token";

/// A binary that has not finished by then is killed and the test fails.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The programs the binary (and the tests' planner commands) may run.
const TOOLS: &[&str] = &["git", "sh", "cat"];

/// How a run ended and what it printed.
pub struct Output {
    pub args: Vec<String>,
    /// `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The exit code; panics (showing both streams) if a signal ended the run.
    pub fn code(&self) -> i32 {
        self.code
            .unwrap_or_else(|| panic!("auto-milestone was killed by a signal\n{self}"))
    }

    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        self
    }

    /// Stdout as one JSON value; panics (showing both streams) when it is not.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e})\n{self}"))
    }

    /// Asserts that stdout contains every one of `parts`.
    #[track_caller]
    pub fn stdout_has(&self, parts: &[&str]) -> &Self {
        for part in parts {
            assert!(self.stdout.contains(part), "stdout lacks {part:?}\n{self}");
        }
        self
    }

    /// Asserts that stderr contains every one of `parts`.
    #[track_caller]
    pub fn stderr_has(&self, parts: &[&str]) -> &Self {
        for part in parts {
            assert!(self.stderr.contains(part), "stderr lacks {part:?}\n{self}");
        }
        self
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "$ auto-milestone {}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

/// One sealed place to run the binary from; files live until it drops.
pub struct Cli {
    root: TempDir,
    env: BTreeMap<String, String>,
    timeout: Duration,
}

impl Cli {
    /// Talks to the GitHub API at `api_url` (loopback only) with a dummy token.
    pub fn new(api_url: &str) -> Cli {
        assert!(
            api_url.starts_with("http://127.0.0.1:"),
            "tests talk to loopback only, not {api_url}"
        );
        let mut cli = Cli::offline();
        cli.env("GITHUB_API_URL", api_url)
            .env("GITHUB_TOKEN", DUMMY_TOKEN);
        cli
    }

    /// No API URL and no token: for `demo` and for errors that come first.
    pub fn offline() -> Cli {
        let root = tempfile::tempdir().expect("temp dir");
        for dir in ["work", "home", "bin", "files"] {
            std::fs::create_dir(root.path().join(dir)).expect("create harness dir");
        }
        for tool in TOOLS {
            let found = which(tool).unwrap_or_else(|| panic!("{tool} is not on PATH"));
            std::os::unix::fs::symlink(found, root.path().join("bin").join(tool))
                .expect("link a tool into the harness PATH");
        }
        let mut env = BTreeMap::new();
        let path = |p: &str| root.path().join(p).display().to_string();
        env.insert("PATH".into(), path("bin"));
        env.insert("HOME".into(), path("home"));
        // git must not find a checkout above the working directory, nor read
        // the machine's config, nor use any network transport.
        env.insert("GIT_CEILING_DIRECTORIES".into(), path(""));
        env.insert("GIT_CONFIG_NOSYSTEM".into(), "1".into());
        env.insert("GIT_ALLOW_PROTOCOL".into(), "file".into());
        env.insert("RUST_BACKTRACE".into(), "1".into());
        if let Ok(profile) = std::env::var("LLVM_PROFILE_FILE") {
            env.insert("LLVM_PROFILE_FILE".into(), profile);
        }
        Cli {
            root,
            env,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn env(&mut self, name: &str, value: &str) -> &mut Cli {
        if name == "GITHUB_API_URL" {
            assert!(value.starts_with("http://127.0.0.1:"), "loopback only");
        }
        self.env.insert(name.into(), value.into());
        self
    }

    pub fn unset(&mut self, name: &str) -> &mut Cli {
        self.env.remove(name);
        self
    }

    pub fn timeout(&mut self, timeout: Duration) -> &mut Cli {
        self.timeout = timeout;
        self
    }

    /// The working directory the binary runs in.
    pub fn cwd(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Writes a file outside the working directory; returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.root.path().join("files").join(name);
        std::fs::write(&path, contents).expect("write a harness file");
        path
    }

    /// Puts an executable `gh` on the binary's PATH running `script` (sh).
    pub fn install_gh(&self, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let gh = self.root.path().join("bin/gh");
        std::fs::write(&gh, format!("#!/bin/sh\n{script}\n")).expect("write fake gh");
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755))
            .expect("make fake gh executable");
    }

    /// Makes the working directory a git checkout, with `origin` at `url` if given.
    pub fn git_checkout(&self, origin: Option<&str>) {
        self.git(&["init", "-q"]);
        if let Some(url) = origin {
            self.git(&["remote", "add", "origin", url]);
        }
    }

    /// Runs git in the working directory with the binary's environment.
    pub fn git(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(self.root.path().join("bin/git"))
            .args(args)
            .current_dir(self.cwd())
            .env_clear()
            .envs(&self.env)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs the binary with `args` and waits (at most the timeout) for it.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_auto-milestone"));
        command
            .args(args)
            .current_dir(self.cwd())
            .env_clear()
            .envs(&self.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime to wait on the binary");
        let output = runtime
            .block_on(async {
                let child = command.spawn().expect("start auto-milestone");
                tokio::time::timeout(self.timeout, child.wait_with_output()).await
            })
            .unwrap_or_else(|_| {
                panic!(
                    "auto-milestone {args:?} did not finish within {:?}",
                    self.timeout
                )
            })
            .expect("wait for auto-milestone");
        Output {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The first executable called `name` on the test process's own PATH.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
