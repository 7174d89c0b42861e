//! A whole world for end-to-end runs of the binary: a sandbox GitHub on
//! loopback backed by a local bare repository (`origin`), a clone of it to
//! run in, a milestone to fill with issues, and the binary configured to use
//! the simulated worker with short timeouts.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use auto_milestone::checkpoint::{IssueRow, RunRow, Store};
use auto_milestone::github::ItemState;
use auto_milestone::ids::IssueNumber;
use auto_milestone::sandbox::{IssueSpec, Item, PullInfo, RepoHandle, Sandbox};
use tempfile::TempDir;

pub const SLUG: &str = "acme/widgets";
pub const MILESTONE: &str = "Sprint 1";
pub const BIN: &str = env!("CARGO_BIN_EXE_auto-milestone");

pub struct World {
    pub sandbox: Sandbox,
    pub repo: RepoHandle,
    pub dir: TempDir,
    pub milestone: u64,
    /// Extra environment for every run of the binary.
    pub env: Vec<(String, String)>,
}

/// Runs git with argv in `dir`, with an identity, and returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {dir:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        git(
            dir.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        git(dir.path(), &["clone", "-q", "origin.git", "work"]);
        let work = dir.path().join("work");
        git(&work, &["checkout", "-q", "-b", "main"]);
        std::fs::write(work.join("README.md"), "# widgets\n").unwrap();
        git(&work, &["add", "README.md"]);
        git(&work, &["commit", "-q", "-m", "Initial commit"]);
        git(&work, &["push", "-q", "origin", "main"]);
        let sandbox = Sandbox::start();
        let repo = sandbox
            .state()
            .add_git_repo(SLUG, "main", dir.path().join("origin.git"));
        let milestone = repo.add_milestone(MILESTONE, ItemState::Open);
        World {
            sandbox,
            repo,
            dir,
            milestone,
            env: Vec::new(),
        }
    }

    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn trace_dir(&self) -> PathBuf {
        self.dir.path().join("trace")
    }

    /// Adds an issue to the milestone; `sim` is the simulated worker's directive list.
    pub fn issue(&self, title: &str, body: &str, sim: &str) -> IssueNumber {
        let body = if sim.is_empty() {
            body.to_string()
        } else {
            format!("{body}\n\n<!-- sim: {sim} -->")
        };
        self.repo
            .add_issue(IssueSpec::new(title).body(body).milestone(self.milestone))
    }

    pub fn set(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    /// The binary, configured for this world, with `args` after the target flags.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.work())
            .args(args)
            .args(["--repo", SLUG]);
        for (k, _) in std::env::vars() {
            if k.starts_with("AUTO_MILESTONE_")
                || k.starts_with("TELEGRAM_")
                || k.starts_with("GITHUB_")
                || k == "GH_TOKEN"
            {
                cmd.env_remove(k);
            }
        }
        let sim = |mode: &str, arg: &str| {
            format!(r#"["{BIN}", "sim-worker", "--mode", "{mode}", "{arg}"]"#)
        };
        cmd.env("GITHUB_API_URL", self.sandbox.url())
            .env("GITHUB_TOKEN", "sandbox-token")
            .env("AUTO_MILESTONE_WORKER_COMMAND", sim("work", "{issue}"))
            .env("AUTO_MILESTONE_CI_FIX_COMMAND", sim("fix-ci", "{pr}"))
            .env("AUTO_MILESTONE_WORKER_TIMEOUT", "60s")
            .env("AUTO_MILESTONE_WORKER_STALL_TIMEOUT", "3s")
            .env("AUTO_MILESTONE_WORKER_GRACE", "300ms")
            .env("AUTO_MILESTONE_SHUTDOWN_GRACE", "2s")
            .env("AUTO_MILESTONE_SIM_TRACE", self.trace_dir())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the binary to its end (at most `limit`).
    pub fn run(&self, args: &[&str]) -> Output {
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_with_limit(child, Duration::from_secs(90))
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn db(&self) -> PathBuf {
        self.work().join(".claude/execution-state.db")
    }

    pub fn store(&self) -> Store {
        Store::open_read_only(self.db()).expect("the run left a checkpoint")
    }

    pub fn latest_run(&self) -> RunRow {
        self.store()
            .latest_run_any()
            .unwrap()
            .expect("a run exists")
    }

    pub fn issues(&self) -> Vec<IssueRow> {
        let store = self.store();
        let run = store.latest_run_any().unwrap().expect("a run exists");
        store.load_issues(run.id).unwrap()
    }

    pub fn row(&self, issue: IssueNumber) -> IssueRow {
        self.issues()
            .into_iter()
            .find(|r| r.issue == issue)
            .expect("issue in the run")
    }

    /// Pull requests whose head branch names `issue`.
    pub fn pulls_for(&self, issue: IssueNumber) -> Vec<Item> {
        let needle = format!("issue-{}", issue.0);
        let names_issue = |p: &PullInfo| {
            p.head_ref
                .split('/')
                .nth(1)
                .is_some_and(|rest| rest == needle || rest.starts_with(&format!("{needle}-")))
        };
        self.repo
            .pulls()
            .into_iter()
            .filter(|item| item.pull.as_ref().is_some_and(names_issue))
            .collect()
    }

    /// Files on origin's main.
    pub fn main_files(&self) -> Vec<String> {
        git(
            &self.dir.path().join("origin.git"),
            &["ls-tree", "-r", "--name-only", "main"],
        )
        .lines()
        .map(str::to_string)
        .collect()
    }
}

/// Waits for a child, killing it (and failing) after `limit`.
pub fn wait_with_limit(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the run took longer than {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl World {
    /// What the simulated workers traced, in order.
    pub fn trace(&self) -> Vec<auto_milestone::simworker::TraceEvent> {
        auto_milestone::simworker::trace::read(&self.trace_dir()).unwrap_or_default()
    }

    /// Trace events of one issue's implementing worker.
    pub fn worker_events(
        &self,
        issue: IssueNumber,
        event: &str,
    ) -> Vec<auto_milestone::simworker::TraceEvent> {
        self.trace()
            .into_iter()
            .filter(|e| e.issue == Some(issue.0) && e.mode == "work" && e.event == event)
            .collect()
    }

    /// Pushes a branch with one commit to origin, as a worker from an earlier run would have.
    pub fn push_branch(&self, branch: &str, file: &str) {
        let work = self.work();
        git(&work, &["checkout", "-q", "-b", branch, "main"]);
        std::fs::create_dir_all(work.join("sim")).unwrap();
        std::fs::write(work.join(file), format!("work on {branch}\n")).unwrap();
        git(&work, &["add", file]);
        git(&work, &["commit", "-q", "-m", &format!("Work on {branch}")]);
        git(
            &work,
            &["push", "-q", "origin", &format!("{branch}:{branch}")],
        );
        git(&work, &["checkout", "-q", "main"]);
    }

    /// Waits until `done` holds (checked every 20 ms), failing after `limit`.
    pub fn wait_for(&self, limit: Duration, what: &str, done: impl Fn(&World) -> bool) {
        let started = Instant::now();
        while !done(self) {
            assert!(started.elapsed() < limit, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether a process is still running (a zombie counts as gone).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

/// Sends a signal to a child process.
pub fn signal(child: &Child, sig: i32) {
    let rc = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(rc, 0, "signal {sig} to {}", child.id());
}
