//! An in-process tester, bors style: the real actor tree (milestone, wave
//! and issue actors, the checkpoint and approval actors) runs on an actix
//! system in a thread of this test, against the sandbox GitHub served from
//! this process. Workers and the workspace are fakes behind the product's
//! seams (`Launcher`, `Workspace`): a worker opens or updates its PR on the
//! sandbox directly. No subprocess, no git, no sleeps: every wait is for a
//! condition, with a deadline.
//!
//! ```ignore
//! let t = Tester::new();
//! let a = t.issue("Add the lever", "");
//! let run = t.start();
//! let pr = run.asked(a);
//! run.merge_on_github(pr, "octocat");
//! run.expect_state(a, IssueState::Merged);
//! ```

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use auto_milestone::approval::{ChannelChoice, TerminalIo};
use auto_milestone::checkpoint::{IssueRow, IssueState, NewIssue, NewRun, RunId, Store};
use auto_milestone::config::{Dur, Settings};
use auto_milestone::context::{RunContext, RunFiles, RunIssue, RunParts};
use auto_milestone::coord::BudgetGate;
use auto_milestone::github::auth::Token;
use auto_milestone::github::retry::RetryPolicy;
use auto_milestone::github::{GitHubApi, OctoGitHub};
use auto_milestone::ids::{BranchName, IssueNumber, RepoSlug};
use auto_milestone::issue::effects::{
    Crash, IssueStore, Launcher, Running, Tidied, Waiting, Workspace,
};
use auto_milestone::messages::RunEnd;
use auto_milestone::plan::Target;
use auto_milestone::run::launch::{Seams, start_services_on, start_tree};
use auto_milestone::schedule::{PlannedIssue, Scheduler};
use auto_milestone::worker::{
    Activity, ProcessIdentity, SpawnError, StopLevel, StopSignal, WorkerExit, WorkerKind,
    WorkerOutcome, WorkerSpec, WorkerUpdate,
};
use gh_sandbox::{IssueSpec, ItemState, PrNumber, PullSpec, RepoHandle, Sandbox, fake_sha};
use tempfile::TempDir;
use tokio::sync::mpsc::UnboundedSender;

const SLUG: &str = "acme/widgets";
const MILESTONE: &str = "Sprint 1";
/// How long any one expectation may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// The world before the run: the sandbox, its repository and milestone.
pub struct Tester {
    sandbox: Sandbox,
    repo: RepoHandle,
    milestone: u64,
    dir: TempDir,
    settings: Settings,
}

impl Tester {
    pub fn new() -> Tester {
        let sandbox = Sandbox::start();
        let repo = sandbox.state().add_repo(SLUG, "main");
        repo.set_branch("main", &fake_sha("main"));
        let milestone = repo.add_milestone(MILESTONE, ItemState::Open);
        let mut settings = Settings {
            api_url: sandbox.url().to_string(),
            parallel: 2,
            github_retry_delay: ms(10),
            shutdown_grace: ms(500),
            ..Settings::default()
        };
        settings.ci.grace = ms(200);
        settings.ci.poll_min = ms(20);
        settings.ci.poll_max = ms(60);
        settings.review.wait = ms(200);
        Tester {
            sandbox,
            repo,
            milestone,
            dir: tempfile::tempdir().unwrap(),
            settings,
        }
    }

    /// The sandbox, for its request log and faults.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Runs at most `n` workers at once (`--parallel n`).
    pub fn parallel(mut self, n: usize) -> Tester {
        self.settings.parallel = n;
        self
    }

    /// Adds an issue to the milestone.
    pub fn issue(&self, title: &str, body: &str) -> IssueNumber {
        let n = self.repo.add_issue(IssueSpec {
            milestone: Some(self.milestone),
            ..IssueSpec::new(title).body(body)
        });
        IssueNumber(n.0)
    }

    /// Plans the milestone as a run would, and starts the actor tree on it.
    pub fn start(self) -> TestRun {
        let (answers, input) = channel::<String>();
        let screen = Arc::new(Mutex::new(String::new()));
        let origin = Arc::new(FakeOrigin::new(self.repo.clone()));
        let (ended_tx, ended) = channel();
        let db = self.dir.path().join("state.db");
        let (run_tx, run_rx) = channel();
        let world = StartWorld {
            settings: self.settings.clone(),
            db: db.clone(),
            dir: self.dir.path().to_path_buf(),
            origin: origin.clone(),
            io: TerminalIo::new(BufReader::new(LineFeed::new(input)), Screen(screen.clone())),
        };
        let thread = std::thread::spawn(move || {
            let system = actix::System::new();
            let end = system.block_on(run_tree(world, run_tx));
            let _ = ended_tx.send(end.map_err(|e| format!("{e:#}")));
        });
        let run = run_rx
            .recv_timeout(PATIENCE)
            .expect("the run was created in the checkpoint");
        TestRun {
            tester: self,
            answers,
            screen,
            origin,
            db,
            run,
            ended,
            thread: Some(thread),
        }
    }
}

fn ms(n: u64) -> Dur {
    Dur(Duration::from_millis(n))
}

/// What the run's thread needs.
struct StartWorld {
    settings: Settings,
    db: PathBuf,
    dir: PathBuf,
    origin: Arc<FakeOrigin>,
    io: TerminalIo,
}

/// Plans, records the run, starts the services and the tree, and waits for the end.
async fn run_tree(world: StartWorld, created: Sender<RunId>) -> anyhow::Result<RunEnd> {
    let repo: RepoSlug = SLUG.parse()?;
    let policy = RetryPolicy {
        base_delay: world.settings.github_retry_delay.get(),
        ..RetryPolicy::default()
    };
    let gh: Arc<dyn GitHubApi> = Arc::new(OctoGitHub::new(
        &world.settings.api_url,
        &Token::new("sandbox-token"),
        repo.clone(),
        policy,
    )?);
    let target = Target::Milestone(MILESTONE.into());
    let planned =
        auto_milestone::command::plan_cmd::make_plan(&*gh, &target, &world.settings, None).await?;
    let plan = planned.plan;
    let issues: BTreeMap<IssueNumber, RunIssue> = plan
        .scheduled()
        .map(|i| {
            let issue = RunIssue {
                number: i.number,
                title: i.title.clone(),
                wave: plan.wave_of(i.number).unwrap_or(1),
                blockers: plan.blockers_of(i.number),
            };
            (i.number, issue)
        })
        .collect();
    let scheduler = Scheduler::new(
        issues.values().map(|i| PlannedIssue {
            number: i.number,
            wave: i.wave,
            blockers: i.blockers.clone(),
        }),
        world.settings.schedule,
        None,
    )?;
    let mut store = Store::open(&world.db)?;
    let run = store.create_run(&NewRun {
        repo: repo.clone(),
        target_key: target.key(),
        target_label: target.label(),
        options: serde_json::json!({}),
        plan: serde_json::to_value(&plan)?,
        budget_usd: None,
        issues: issues
            .values()
            .map(|i| NewIssue {
                number: i.number,
                title: i.title.clone(),
                wave: i.wave,
            })
            .collect(),
    })?;
    let _ = created.send(run);
    let services = start_services_on(
        store,
        run,
        &world.settings,
        ChannelChoice::Terminal(world.io),
    );
    let parts = RunParts {
        settings: world.settings.clone(),
        repo,
        root: world.dir.clone(),
        gh,
        files: RunFiles {
            db: world.db.clone(),
            log_dir: world.dir.join("logs"),
            worktree_dir: world.dir.join("worktrees"),
            common_dir: world.dir.join("git"),
        },
        worker_env: Vec::new(),
    };
    std::fs::create_dir_all(world.dir.join("logs"))?;
    let ctx = Arc::new(RunContext::new(
        parts,
        run,
        target.label(),
        BranchName("main".into()),
        issues,
    ));
    let seams = Seams {
        workspace: world.origin.clone(),
        launcher: world.origin.clone(),
    };
    let progress = Box::new(auto_milestone::progress::lines::Lines::new(std::io::sink()));
    let (_tree, ended) = start_tree(
        ctx,
        services,
        scheduler,
        BudgetGate::new(None, 0.0),
        seams,
        progress,
    );
    Ok(ended.await?)
}

/// A run in progress, and what a test does to it.
pub struct TestRun {
    tester: Tester,
    answers: Sender<String>,
    screen: Arc<Mutex<String>>,
    origin: Arc<FakeOrigin>,
    db: PathBuf,
    run: RunId,
    ended: Receiver<Result<RunEnd, String>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestRun {
    pub fn repo(&self) -> &RepoHandle {
        &self.tester.repo
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.tester.sandbox
    }

    /// Waits for the merge question about `issue`'s PR, and answers its number.
    pub fn asked(&self, issue: IssueNumber) -> PrNumber {
        let pr = self.until(&format!("a PR for {issue}"), || self.origin.pr_of(issue));
        // On screen in full, or announced as waiting behind the one there.
        let shown = format!("PR #{} for issue #{} ready for review", pr.0, issue.0);
        let waiting = format!("PR #{} (issue #{}) is waiting", pr.0, issue.0);
        self.until(&format!("the question about PR #{}", pr.0), || {
            let screen = self.screen();
            (screen.contains(&shown) || screen.contains(&waiting)).then_some(())
        });
        pr
    }

    /// The human answers `reply` about `pr` at the terminal.
    pub fn answer(&self, pr: PrNumber, reply: &str) {
        self.answers
            .send(format!("{reply} #{}", pr.0))
            .expect("the approval channel reads");
    }

    /// A person merges `pr` on GitHub.
    pub fn merge_on_github(&self, pr: PrNumber, login: &str) {
        self.repo().merge_pull_as(pr, login);
    }

    /// A person closes `pr` on GitHub.
    pub fn close_pr(&self, pr: PrNumber, login: &str) {
        self.repo().close_pull_as(pr, login);
    }

    /// Waits until the checkpoint shows `issue` in `state`; its row.
    pub fn expect_state(&self, issue: IssueNumber, state: IssueState) -> IssueRow {
        self.until(&format!("{issue} {state:?}"), || {
            self.row(issue).filter(|r| r.state == state)
        })
    }

    /// The issue's checkpoint row.
    pub fn row(&self, issue: IssueNumber) -> Option<IssueRow> {
        let store = Store::open_read_only(&self.db).ok()?;
        let rows = store.load_issues(self.run).ok()?;
        rows.into_iter().find(|r| r.issue == issue)
    }

    /// Waits until the approval channel has printed `text`.
    pub fn expect_screen(&self, text: &str) {
        self.until(&format!("{text:?} on screen"), || {
            self.screen().contains(text).then_some(())
        });
    }

    /// What the approval channel has printed.
    pub fn screen(&self) -> String {
        self.screen.lock().unwrap().clone()
    }

    /// How many times `kind` workers ran for `issue`.
    /// The issues whose implementing workers started, in order.
    pub fn started_order(&self) -> Vec<IssueNumber> {
        let state = self.origin.state.lock().unwrap();
        state
            .launched
            .iter()
            .filter(|(_, kind)| *kind == WorkerKind::Implement)
            .map(|(issue, _)| *issue)
            .collect()
    }

    pub fn workers(&self, issue: IssueNumber, kind: WorkerKind) -> usize {
        self.origin.launched(issue, kind)
    }

    /// Waits for the run's end.
    pub fn end(mut self) -> RunEnd {
        let end = self
            .ended
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("the run did not end\n{}", self.screen()));
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        end.unwrap_or_else(|e| panic!("the run failed: {e}\n{}", self.screen()))
    }

    fn until<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(found) = check() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "waited {PATIENCE:?} for {what}\nscreen:\n{}\nrows: {:#?}",
                self.screen(),
                Store::open_read_only(&self.db).and_then(|s| s.load_issues(self.run))
            );
            // Not a sleep that stands for time passing: a yield while the
            // actor thread works, before the condition is read again.
            std::thread::yield_now();
            std::thread::park_timeout(Duration::from_millis(5));
        }
    }
}

/// The terminal's input: lines a test sends, read as a stream (end of
/// input only when the tester is gone).
struct LineFeed {
    lines: Receiver<String>,
    pending: Vec<u8>,
}

impl LineFeed {
    fn new(lines: Receiver<String>) -> Self {
        LineFeed {
            lines,
            pending: Vec::new(),
        }
    }
}

impl Read for LineFeed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            match self.lines.recv() {
                Ok(line) => self.pending = format!("{line}\n").into_bytes(),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

/// The terminal's output, kept for the test to read.
struct Screen(Arc<Mutex<String>>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The fake local side: origin's branches are the sandbox's, a worker
/// pushes a commit and (implementing) opens its PR through the handle.
pub struct FakeOrigin {
    repo: RepoHandle,
    state: Mutex<OriginState>,
}

#[derive(Default)]
struct OriginState {
    branches: BTreeMap<IssueNumber, String>,
    pulls: BTreeMap<IssueNumber, PrNumber>,
    launched: Vec<(IssueNumber, WorkerKind)>,
}

impl FakeOrigin {
    fn new(repo: RepoHandle) -> Self {
        FakeOrigin {
            repo,
            state: Mutex::new(OriginState::default()),
        }
    }

    fn pr_of(&self, issue: IssueNumber) -> Option<PrNumber> {
        self.state.lock().unwrap().pulls.get(&issue).copied()
    }

    fn launched(&self, issue: IssueNumber, kind: WorkerKind) -> usize {
        let state = self.state.lock().unwrap();
        state
            .launched
            .iter()
            .filter(|l| **l == (issue, kind))
            .count()
    }

    /// What a worker of `kind` does for `issue`, the `n`th one of the run.
    fn work(&self, issue: IssueNumber, kind: WorkerKind, n: usize) {
        let sha = fake_sha(&format!("{issue}-{}-{n}", kind.as_str()));
        let mut state = self.state.lock().unwrap();
        match (kind, state.pulls.get(&issue).copied()) {
            (WorkerKind::Implement, None) => {
                let branch = format!("feat/issue-{}", issue.0);
                self.repo.set_branch(&branch, &sha);
                let pr = self.repo.add_pull(PullSpec {
                    head_sha: Some(sha),
                    body: Some(format!("Closes #{}", issue.0)),
                    ..PullSpec::new(format!("Work on {issue}"), &branch)
                });
                state.branches.insert(issue, branch);
                state.pulls.insert(issue, pr);
            }
            (_, Some(pr)) => self.repo.push_pull_head(pr, &sha),
            (_, None) => {}
        }
    }
}

#[async_trait]
impl Workspace for FakeOrigin {
    async fn issue_branches(&self, issue: IssueNumber) -> Result<Vec<BranchName>, Crash> {
        let state = self.state.lock().unwrap();
        Ok(state
            .branches
            .get(&issue)
            .map(|b| vec![BranchName(b.clone())])
            .unwrap_or_default())
    }

    async fn with_commits(&self, branches: Vec<BranchName>) -> Result<Option<BranchName>, Crash> {
        let main = self.repo.branch("main");
        Ok(branches
            .into_iter()
            .find(|b| self.repo.branch(&b.0).is_some_and(|sha| Some(sha) != main)))
    }

    async fn issue_dir(
        &self,
        issue: IssueNumber,
        _branch: &BranchName,
        _store: &dyn IssueStore,
    ) -> Result<Result<PathBuf, String>, Crash> {
        Ok(Ok(scratch(issue)))
    }

    async fn pr_dir(
        &self,
        issue: IssueNumber,
        _branch: &BranchName,
        _store: &dyn IssueStore,
    ) -> Result<Result<PathBuf, String>, Crash> {
        Ok(Ok(scratch(issue)))
    }

    async fn tidy(&self, _issue: IssueNumber) -> Result<Tidied, Crash> {
        Ok(Tidied::default())
    }

    fn shares_checkout(&self) -> bool {
        false
    }
}

/// A directory a fake worker "runs" in: nothing is written there.
fn scratch(issue: IssueNumber) -> PathBuf {
    Path::new("/nonexistent/auto-milestone-tester").join(issue.0.to_string())
}

impl Launcher for FakeOrigin {
    fn spawn(&self, spec: WorkerSpec) -> Result<Box<dyn Running>, SpawnError> {
        let n = {
            let mut state = self.state.lock().unwrap();
            state.launched.push((spec.issue, spec.kind));
            state.launched.len()
        };
        self.work(spec.issue, spec.kind, n);
        Ok(Box::new(FakeWorker {
            log_path: spec.log_path,
        }))
    }
}

/// A worker that has already done its work: it ends at once, or when stopped.
struct FakeWorker {
    log_path: PathBuf,
}

impl Running for FakeWorker {
    fn identity(&self) -> ProcessIdentity {
        // No process: an identity no live process has (pid 0 is never a
        // process; start time 0 matches nothing a resume would stop).
        ProcessIdentity {
            pid: u32::MAX,
            start_ticks: 0,
        }
    }

    fn wait(
        self: Box<Self>,
        stop: StopSignal,
        _updates: Option<UnboundedSender<WorkerUpdate>>,
    ) -> Waiting {
        Box::pin(async move {
            let exit = if stop.level() >= StopLevel::Graceful {
                WorkerExit::Stopped
            } else {
                WorkerExit::Exited(0)
            };
            WorkerOutcome {
                exit,
                duration: Duration::ZERO,
                log_path: self.log_path,
                activity: Activity::default(),
            }
        })
    }
}
