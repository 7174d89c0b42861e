//! A whole world for end-to-end runs of the binary: a sandbox GitHub on
//! loopback backed by a local bare repository (`origin`), a clone of it to
//! run in, a milestone to fill with issues, and the binary configured to use
//! the simulated worker with short timeouts.

#![allow(dead_code)] // every test binary that declares `mod support;` uses a different part

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use auto_milestone::checkpoint::{IssueRow, RunRow, Store};
use auto_milestone::ids::IssueNumber;
use gh_sandbox::{IssueSpec, Item, ItemState, PullInfo, RepoHandle, Sandbox};

use super::convert::{ToProduct, ToSandbox};
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
    /// Workers are the real Claude Code CLI with the default commands,
    /// not the simulated worker.
    pub real_agent: bool,
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
            real_agent: false,
        }
    }

    /// Runs the real Claude Code CLI as every worker, with the default
    /// commands, against `api`: `claude` on PATH, a HOME of its own, and the
    /// `/auto-issue` command committed to the repository (it says "Work on
    /// GitHub issue #N of this repository.", which the API's rules match).
    pub fn use_real_agent(&mut self, api: &super::peers::ClaudeApi) {
        let home = self.dir.path().join("agent-home");
        std::fs::create_dir_all(&home).unwrap();
        self.env.extend(api.env(&home));
        self.real_agent = true;
        let work = self.work();
        let commands = work.join(".claude/commands");
        std::fs::create_dir_all(&commands).unwrap();
        std::fs::write(
            commands.join("auto-issue.md"),
            "---\ndescription: Implement a GitHub issue\n---\nWork on GitHub issue #$ARGUMENTS of this repository.\n",
        )
        .unwrap();
        git(&work, &["add", ".claude/commands/auto-issue.md"]);
        git(
            &work,
            &["commit", "-q", "-m", "Add the /auto-issue command"],
        );
        git(&work, &["push", "-q", "origin", "main"]);
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
            .product()
    }

    /// Records GitHub's native "blocked by" dependency: `issue` waits for `blocker`.
    pub fn add_blocked_by(&self, issue: IssueNumber, blocker: IssueNumber) {
        let slug = SLUG.parse().expect("the world's slug parses");
        self.repo
            .add_blocked_by(issue.sandbox(), &slug, blocker.sandbox());
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
        let json = |argv: &[&str]| serde_json::to_string(argv).unwrap();
        let sim = |mode: &str, arg: &str| json(&[BIN, "sim-worker", "--mode", mode, arg]);
        let sim_text = |mode: &str, text: &str| json(&sim_text_argv(mode, text));
        if !self.real_agent {
            cmd.env("AUTO_MILESTONE_WORKER_COMMAND", sim("work", "{issue}"))
                .env(
                    "AUTO_MILESTONE_WORKER_RESUME_COMMAND",
                    json(&[BIN, "sim-worker", "--resume", "{session}", "0"]),
                )
                .env("AUTO_MILESTONE_CI_FIX_COMMAND", sim("fix-ci", "{pr}"))
                .env(
                    "AUTO_MILESTONE_REVIEW_FIX_COMMAND",
                    sim_text("fix-review", "{comments}"),
                )
                .env(
                    "AUTO_MILESTONE_CHANGES_COMMAND",
                    sim_text("changes", "{feedback}"),
                );
        }
        cmd.env("GITHUB_API_URL", self.sandbox.url())
            .env("GITHUB_TOKEN", "sandbox-token")
            .env("AUTO_MILESTONE_CI_GRACE", "300ms")
            .env("AUTO_MILESTONE_CI_POLL_MIN", "30ms")
            .env("AUTO_MILESTONE_CI_POLL_MAX", "150ms")
            .env("AUTO_MILESTONE_REVIEW_WAIT", "400ms")
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

    /// Runs the binary to its end, a default human answering every
    /// question (merge, approve).
    pub fn run(&self, args: &[&str]) -> Output {
        self.start(args, Human::default_answers()).wait()
    }

    /// Runs with nobody to answer: stdin is empty.
    pub fn run_unattended(&self, args: &[&str]) -> Output {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let exited = exit_within(&mut child, run_limit()).is_some();
        let out = child.wait_with_output().unwrap();
        assert!(
            exited,
            "the run took longer than {:?}\n{}",
            run_limit(),
            text(&out)
        );
        out
    }

    /// Starts the binary with `human` at its terminal.
    pub fn start(&self, args: &[&str], human: Human) -> Running {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let err = Arc::new(Mutex::new(String::new()));
        let reader = {
            let out = out.clone();
            std::thread::spawn(move || human.attend(stdout, stdin, out))
        };
        let err_reader = {
            let err = err.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    err.lock().unwrap().push_str(&format!("{line}\n"));
                }
            })
        };
        Running {
            child,
            out,
            err,
            readers: vec![reader, err_reader],
        }
    }

    /// The run's own files: under the checkout's git directory by default.
    pub fn state_dir(&self) -> PathBuf {
        self.work().join(".git/auto-milestone")
    }

    pub fn db(&self) -> PathBuf {
        self.state_dir().join("state.db")
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

/// The simulated worker's argv for a fix `mode` that gets `text` (a
/// placeholder such as `{comments}`) and the PR, as the world configures it.
pub fn sim_text_argv<'a>(mode: &'a str, text: &'a str) -> [&'a str; 7] {
    [BIN, "sim-worker", "--mode", mode, "--text", text, "{pr}"]
}

/// How long a run of the binary may take before the test kills it and
/// fails: 90 s, or `TEST_RUN_LIMIT_SECS` for runs made long on purpose.
fn run_limit() -> Duration {
    let secs = std::env::var("TEST_RUN_LIMIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90);
    Duration::from_secs(secs)
}

/// How `child` exited, or `None` (having killed it) when it outlived `limit`.
fn exit_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            return None;
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
    pub fn trace(&self) -> Vec<sim_agent::TraceEvent> {
        sim_agent::trace::read(&self.trace_dir()).unwrap_or_default()
    }

    /// Trace events of one issue's implementing worker.
    pub fn worker_events(&self, issue: IssueNumber, event: &str) -> Vec<sim_agent::TraceEvent> {
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

/// A question the binary asked on its terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// "PR #<pr> for issue #<issue> ready for review."
    Merge { pr: u64, issue: u64 },
    /// "MILESTONE PLAN REVIEW"
    Plan,
    /// "BUDGET REACHED"
    Budget,
}

/// Plays the human at the binary's terminal: reads its output, and answers
/// each question with what `answer` says (`None`: no answer).
/// What the human says to a prompt (`None`: nothing).
type Answering = Box<dyn FnMut(&Prompt) -> Option<String> + Send>;

pub struct Human {
    answer: Answering,
}

impl Human {
    pub fn new(answer: impl FnMut(&Prompt) -> Option<String> + Send + 'static) -> Human {
        Human {
            answer: Box::new(answer),
        }
    }

    /// Merges every PR (naming it, as several questions may be open) and approves plans.
    pub fn default_answers() -> Human {
        Human::new(|p| {
            Some(match p {
                Prompt::Merge { pr, .. } => format!("merge #{pr}"),
                Prompt::Plan => "approve".into(),
                Prompt::Budget => "stop".into(),
            })
        })
    }

    fn attend(mut self, stdout: ChildStdout, mut stdin: ChildStdin, out: Arc<Mutex<String>>) {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            out.lock().unwrap().push_str(&format!("{line}\n"));
            let Some(prompt) = prompt_in(&line) else {
                continue;
            };
            if let Some(reply) = (self.answer)(&prompt) {
                // The binary may be gone already; a lost answer then does not matter.
                let _ = writeln!(stdin, "{reply}").and_then(|()| stdin.flush());
            }
        }
    }
}

fn prompt_in(line: &str) -> Option<Prompt> {
    match line.trim() {
        "MILESTONE PLAN REVIEW" => return Some(Prompt::Plan),
        "BUDGET REACHED" => return Some(Prompt::Budget),
        _ => {}
    }
    // A question waiting behind the one on screen is announced by its PR:
    // the human may answer it at once, naming the PR.
    if let Some(rest) = line.strip_prefix("⏳ PR #") {
        let (pr, rest) = rest.split_once(" (issue #")?;
        let (issue, _) = rest.split_once(") is waiting")?;
        return Some(Prompt::Merge {
            pr: pr.parse().ok()?,
            issue: issue.parse().ok()?,
        });
    }
    let rest = line.strip_prefix("PR #")?;
    let (pr, rest) = rest.split_once(" for issue #")?;
    let (issue, _) = rest.split_once(" ready for review.")?;
    Some(Prompt::Merge {
        pr: pr.parse().ok()?,
        issue: issue.parse().ok()?,
    })
}

/// A binary started with a human at its terminal.
pub struct Running {
    child: Child,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    pub fn signal(&self, sig: i32) {
        signal(&self.child, sig);
    }

    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn stdout(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// What it printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.err.lock().unwrap().clone()
    }

    /// Waits for the end (at most [`run_limit`]) and collects what it printed.
    pub fn wait(mut self) -> Output {
        let Some(status) = exit_within(&mut self.child, run_limit()) else {
            panic!(
                "the run took longer than {:?}\nstdout:\n{}\nstderr:\n{}",
                run_limit(),
                self.stdout(),
                self.err.lock().unwrap()
            );
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let stdout = self.out.lock().unwrap().clone().into_bytes();
        let stderr = self.err.lock().unwrap().clone().into_bytes();
        Output {
            status,
            stdout,
            stderr,
        }
    }
}

// ---------------------------------------------------------------------------
// Additions for the review-cycle tests (`tests/review_*.rs`).

/// The Telegram emulator as the binary's Bot API.
pub mod chat;

/// Every call of a recorded command: its argv, oldest call first.
pub struct ArgvLog {
    dir: PathBuf,
}

impl ArgvLog {
    /// The argv of each call so far (the recorder's own path not included).
    pub fn calls(&self) -> Vec<Vec<String>> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries.map_while(Result::ok).map(|e| e.path()).collect(),
            Err(_) => return Vec::new(),
        };
        files.sort();
        files
            .iter()
            .map(|f| {
                let raw = std::fs::read(f).unwrap();
                let mut args: Vec<String> = raw
                    .split(|b| *b == 0)
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                // printf '%s\0' ends every argument with a NUL: the last piece is empty.
                args.pop();
                args
            })
            .collect()
    }
}

impl World {
    /// The bare repository the sandbox serves and everyone pushes to.
    pub fn origin(&self) -> PathBuf {
        self.dir.path().join("origin.git")
    }

    /// Subjects of the commits on origin's main, newest first.
    pub fn main_log(&self) -> Vec<String> {
        git(&self.origin(), &["log", "--format=%s", "main"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `path` as origin has it at `rev` (a branch or a SHA); `None` when absent.
    pub fn file_at(&self, rev: &str, path: &str) -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.origin())
            .args(["show", &format!("{rev}:{path}")])
            .output()
            .expect("git runs");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The parents of commit `rev` in origin.
    pub fn parents(&self, rev: &str) -> Vec<String> {
        git(&self.origin(), &["rev-list", "--parents", "-n", "1", rev])
            .split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect()
    }

    /// Pushes one commit that writes `content` to `file` onto `branch` of
    /// origin, as someone else would: from a clone of the test's own, never
    /// from the checkout the binary runs in. Returns the new head.
    pub fn push_commit(&self, branch: &str, file: &str, content: &str) -> String {
        let clone = self.dir.path().join("pusher");
        if !clone.exists() {
            git(self.dir.path(), &["clone", "-q", "origin.git", "pusher"]);
        }
        git(&clone, &["fetch", "-q", "origin"]);
        git(
            &clone,
            &["checkout", "-q", "-B", branch, &format!("origin/{branch}")],
        );
        let path = clone.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        git(&clone, &["add", file]);
        git(
            &clone,
            &["commit", "-q", "-m", &format!("Edit {file} on {branch}")],
        );
        git(
            &clone,
            &["push", "-q", "origin", &format!("{branch}:{branch}")],
        );
        git(&clone, &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// A worker log of the run (`issue-N.log`, `ci-fix-N.log`, ...), if written.
    pub fn log_file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.state_dir().join("logs").join(name)).ok()
    }

    /// The one pull request of `issue`: its number and what the sandbox holds.
    pub fn pull_of(&self, issue: IssueNumber) -> (auto_milestone::ids::PrNumber, PullInfo) {
        let pulls = self.pulls_for(issue);
        assert_eq!(pulls.len(), 1, "{issue}: expected exactly one PR");
        let pull = pulls[0].pull.clone().expect("a pull request");
        (auto_milestone::ids::PrNumber(pulls[0].number), pull)
    }

    /// Trace `start` events of the workers that ran in `mode` (`work`,
    /// `fix-ci`, `fix-review`, `changes`).
    pub fn runs_in_mode(&self, mode: &str) -> Vec<sim_agent::TraceEvent> {
        self.trace()
            .into_iter()
            .filter(|e| e.mode == mode && e.event == "start")
            .collect()
    }

    /// The questions of the latest run still waiting for an answer.
    pub fn open_questions(&self) -> Vec<auto_milestone::checkpoint::QuestionRow> {
        let store = self.store();
        let run = store.latest_run_any().unwrap().expect("a run exists");
        store.open_questions(run.id).unwrap()
    }

    /// Events of the latest run's log with this `kind`, oldest first.
    pub fn events_of_kind(&self, kind: &str) -> Vec<auto_milestone::checkpoint::EventRow> {
        let store = self.store();
        let run = store.latest_run_any().unwrap().expect("a run exists");
        store
            .events(run.id)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .collect()
    }

    /// Points the binary's approvals at `tg` (chat [`chat::CHAT`]); with
    /// `allowed`, only those users may answer.
    pub fn use_telegram(&mut self, tg: &chat::Telegram, allowed: &[i64]) {
        self.set("TELEGRAM_BOT_TOKEN", chat::TOKEN);
        self.set("TELEGRAM_CHAT_ID", &chat::CHAT.to_string());
        self.set("TELEGRAM_API_URL", &tg.url());
        if !allowed.is_empty() {
            let ids: Vec<String> = allowed.iter().map(i64::to_string).collect();
            self.set("TELEGRAM_ALLOWED_USERS", &ids.join(","));
        }
    }

    /// Replaces the command in `var` (e.g. `AUTO_MILESTONE_REVIEW_FIX_COMMAND`)
    /// by a recorder that saves its argv, then runs `then` with the same
    /// arguments through `/bin/sh -c 'script' recorder "$@"`: `then` is a
    /// shell body where `"$@"` is the real command's argv (`exec "$@"` runs
    /// it). The arguments are never evaluated by the shell, only passed on.
    pub fn record_argv(&mut self, var: &str, argv: &[&str], then: &str) -> ArgvLog {
        let dir = self.dir.path().join(format!("argv-{}", var.to_lowercase()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = format!(
            "printf '%s\\0' \"$@\" > \"{}/$(date +%s%N)-$$\"\n{then}\n",
            dir.display()
        );
        let mut full: Vec<String> = vec!["/bin/sh".into(), "-c".into(), script, "recorder".into()];
        full.extend(argv.iter().map(|a| a.to_string()));
        self.set(var, &serde_json::to_string(&full).unwrap());
        ArgvLog { dir }
    }
}
