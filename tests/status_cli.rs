//! `auto-milestone status` through the real binary, over a checkpoint built
//! with the store's API: while a run is going on (its writer holds the file
//! open), after it finished, as JSON, for a target, and with no checkpoint.
//! Also after a real run in the sandbox, with the default checkpoint path,
//! and the run's log file beside the worker logs; and whether a run's
//! process lives: running with its pid, or crashed once it was SIGKILLed.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use auto_milestone::checkpoint::{
    IssuePatch, IssueState, NewIssue, NewRun, RunId, RunStatus, Store, WorkerRef,
};
use auto_milestone::ids::{BranchName, IssueNumber, PrNumber, RepoSlug};
use chrono::{DateTime, FixedOffset};
use serde_json::json;
use support::cli::{Cli, Output};
use support::world::World;

/// A sealed place to run the binary from (see `support::cli`).
fn cli() -> Cli {
    let mut cli = Cli::offline();
    cli.env("RUST_LOG", "warn");
    cli
}

/// `auto-milestone status` with `args`.
fn status(cli: &Cli, args: &[&str]) -> Output {
    cli.run(&[&["status"], args].concat())
}

/// A run of four issues in two waves: #1 merged, #2 failed, #3 reviewing
/// with a worker fixing CI, #4 pending behind them.
fn checkpoint(dir: &Path) -> (PathBuf, Store, RunId) {
    let db = dir.join("state").join("checkpoint.db");
    let mut store = Store::open(&db).unwrap();
    let issue = |n, title: &str, wave| NewIssue {
        number: IssueNumber(n),
        title: title.into(),
        wave,
    };
    let run = store
        .create_run(&NewRun {
            repo: RepoSlug::new("acme", "widgets"),
            target_key: "milestone:M1".into(),
            target_label: "Milestone \"M1\"".into(),
            options: json!({ "parallel": 2 }),
            plan: json!({}),
            budget_usd: Some(10.0),
            issues: vec![
                issue(1, "Add the parser", 1),
                issue(2, "Add the printer", 1),
                issue(3, "Wire them", 1),
                issue(4, "Document it", 2),
            ],
        })
        .unwrap();
    let (one, two, three) = (IssueNumber(1), IssueNumber(2), IssueNumber(3));
    let step = |store: &mut Store, n, to, patch| store.transition(run, n, to, patch).unwrap();
    step(
        &mut store,
        one,
        IssueState::Running,
        IssuePatch::new().count_attempt(),
    );
    let branch = IssuePatch::new()
        .branch(BranchName("feat/issue-1-parser".into()))
        .pr(PrNumber(11));
    step(&mut store, one, IssueState::PrOpen, branch);
    step(&mut store, one, IssueState::Merged, IssuePatch::new());
    store.add_cost(run, one, 1.25).unwrap();

    step(
        &mut store,
        two,
        IssueState::Running,
        IssuePatch::new().count_attempt(),
    );
    let failed = IssuePatch::new().last_error("worker exited 0 but pushed no branch");
    step(&mut store, two, IssueState::Failed, failed);

    step(
        &mut store,
        three,
        IssueState::Running,
        IssuePatch::new().count_attempt(),
    );
    step(
        &mut store,
        three,
        IssueState::PrOpen,
        IssuePatch::new().pr(PrNumber(13)),
    );
    step(
        &mut store,
        three,
        IssueState::Reviewing,
        IssuePatch::new().count_ci_fix(),
    );
    let worker = WorkerRef {
        pid: 4242,
        start_ticks: 7,
    };
    store.record_worker(run, three, worker, None).unwrap();
    (db, store, run)
}

#[test]
fn status_reads_a_run_while_it_goes_on_and_after_it() {
    let cli = cli();
    let (db, mut writer, run) = checkpoint(&cli.cwd());
    let db_arg = db.to_str().unwrap();

    // During: the run's writer still holds the checkpoint.
    let out = status(&cli, &["--db", db_arg]);
    out.expect_code(0);
    let text = &out.stdout;
    assert!(
        text.starts_with("Milestone \"M1\" · acme/widgets · run 1 · running\n"),
        "{text}"
    );
    let me = std::process::id();
    assert_eq!(
        text.lines().nth(1),
        Some(format!("Process: running (pid {me})").as_str()),
        "this test holds the checkpoint: {text}"
    );
    assert!(text.contains("so far"), "{text}");
    assert!(
        text.contains(
            "4 issues: 1 pending, 1 reviewing, 1 merged, 1 failed · cost $1.25 of $10.00 cap"
        ),
        "{text}"
    );
    assert!(text.contains("\nWave 1 · 1 of 3 merged\n"), "{text}");
    assert!(text.contains("\nWave 2 · 0 of 1 merged\n"), "{text}");
    let merged = line_of(text, "#1 Add the parser");
    assert!(merged.starts_with("  ✓ #1 Add the parser"), "{merged}");
    assert!(
        merged.contains("merged") && merged.ends_with("PR #11  $1.25"),
        "{merged}"
    );
    assert!(
        text.contains("└ reason: worker exited 0 but pushed no branch"),
        "{text}"
    );
    assert!(
        line_of(text, "#3 Wire them").ends_with("PR #13  CI fixes 1"),
        "{text}"
    );
    assert!(line_of(text, "#4 Document it").contains("○"), "{text}");
    assert!(
        text.ends_with("Workers running now: #3 (pid 4242)\n"),
        "{text}"
    );

    let out = status(&cli, &["--db", db_arg, "--json"]);
    out.expect_code(0);
    let value = out.json();
    assert_eq!(value["status"], "running");
    assert_eq!(value["counts"]["reviewing"], 1);
    assert_eq!(value["issues"][2]["worker_pid"], 4242);
    assert_eq!(value["issues"][2]["ci_fix_attempts"], 1);
    assert_eq!(value["cost_usd_total"], 1.25);
    assert_eq!(value["process"]["state"], "running");
    assert_eq!(value["process"]["pid"], me);
    assert!(value["process"]["last_seen"].is_string(), "{value}");

    // After: the run finished and its writer is gone.
    writer.clear_worker(run, IssueNumber(3)).unwrap();
    writer
        .transition(run, IssueNumber(3), IssueState::Merged, IssuePatch::new())
        .unwrap();
    let skip = IssuePatch::new().skip_reason("skipped by a human");
    writer
        .transition(run, IssueNumber(4), IssueState::Skipped, skip)
        .unwrap();
    writer.finish_run(run, RunStatus::Partial).unwrap();
    drop(writer);

    let out = status(&cli, &["--db", db_arg]);
    out.expect_code(0);
    let text = &out.stdout;
    assert!(
        text.starts_with("Milestone \"M1\" · acme/widgets · run 1 · partial\n"),
        "{text}"
    );
    assert!(text.contains(" after "), "{text}");
    assert!(
        text.contains("4 issues: 2 merged, 1 skipped, 1 failed"),
        "{text}"
    );
    assert!(text.contains("└ reason: skipped by a human"), "{text}");
    assert!(!text.contains("Workers"), "{text}");
    assert!(!text.contains("Process:"), "a finished run: {text}");

    let out = status(&cli, &["--db", db_arg, "--json"]);
    let value = out.json();
    assert_eq!(value["status"], "partial");
    assert_eq!(value["process"]["state"], "finished");
    assert_eq!(value["process"]["pid"], serde_json::Value::Null);
    assert!(value["finished_at"].is_string());
    assert_eq!(value["counts"]["merged"], 2);
}

#[test]
fn an_interrupted_run_shows_what_a_resume_would_do() {
    let cli = cli();
    let (db, mut writer, run) = checkpoint(&cli.cwd());
    writer.set_run_status(run, RunStatus::Interrupted).unwrap();
    drop(writer);
    let out = status(&cli, &["--db", db.to_str().unwrap()]);
    out.expect_code(0);
    let text = &out.stdout;
    assert!(
        text.contains("\nProcess: stopped (interrupted)\n"),
        "{text}"
    );
    assert!(text.contains("What --resume would do with run 1"), "{text}");
    assert!(text.contains("  #1 skip: merged as PR #11\n"), "{text}");
    assert!(
        text.contains("  #2 run the worker again (attempt 2)\n"),
        "{text}"
    );
    assert!(text.contains("  #3 review PR #13"), "{text}");
    assert!(text.contains("  #4 run the worker\n"), "{text}");
    assert!(
        text.ends_with("Resume it with: auto-milestone \"M1\" --resume\n"),
        "{text}"
    );
}

#[test]
fn a_target_picks_its_latest_run() {
    let cli = cli();
    let (db, writer, _run) = checkpoint(&cli.cwd());
    drop(writer);
    let db_arg = db.to_str().unwrap();
    let out = status(&cli, &["M1", "--db", db_arg, "--repo", "acme/widgets"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("Milestone \"M1\""));

    let out = status(&cli, &["Other", "--db", db_arg, "--repo", "acme/widgets"]);
    out.expect_code(1);
    let err = &out.stderr;
    assert!(
        err.contains("holds no run for Milestone \"Other\" in acme/widgets"),
        "{err}"
    );
    assert!(
        err.contains("start one with `auto-milestone \"Other\"`"),
        "{err}"
    );
}

#[test]
fn no_checkpoint_is_a_clear_error() {
    let cli = cli();
    let db = cli.cwd().join("none.db");
    let out = status(&cli, &["--db", db.to_str().unwrap()]);
    out.expect_code(1);
    let err = &out.stderr;
    assert!(err.contains("no checkpoint at"), "{err}");
    assert!(err.contains("start one with `auto-milestone"), "{err}");
    assert!(out.stdout.is_empty());
    assert!(!db.exists(), "status must not create a checkpoint");
}

#[test]
fn a_checkpoint_without_runs_says_how_to_start_one() {
    let cli = cli();
    let db = cli.cwd().join("empty.db");
    drop(Store::open(&db).unwrap());
    let out = status(&cli, &["--db", db.to_str().unwrap(), "--json"]);
    out.expect_code(1);
    let err = &out.stderr;
    assert!(err.contains("holds no run yet; start one with"), "{err}");
}

#[test]
fn after_a_real_run_status_reads_the_default_checkpoint_and_the_run_log_is_there() {
    let world = support::world::World::new();
    let one = world.issue("First thing", "", "");
    let two = world.issue("Second thing", &format!("Blocked by {one}"), "");
    let out = world.run(&[support::world::MILESTONE]);
    let log = support::world::text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");

    // The world's own command line: in its checkout, sealed like its runs.
    let out = world.command(&["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", support::world::text(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(" · run 1 · completed\n"), "{text}");
    assert!(text.contains("2 issues: 2 merged"), "{text}");
    assert!(
        line_of(&text, &format!("{two} Second thing")).contains("PR #"),
        "{text}"
    );

    let run_log = world.state_dir().join("logs/run-1.log");
    let file = std::fs::read_to_string(&run_log).expect("the run log exists");
    assert!(
        file.contains("planning"),
        "from before the run had an id: {file}"
    );
    assert!(file.contains("worker started"), "{file}");
    assert!(file.contains(" DEBUG "), "at debug level: {file}");
    assert!(!file.contains('\x1b'), "no ANSI: {file:?}");
    assert!(!file.contains("sandbox-token"), "never a token");
}

/// The run, killed mid-way: while its workers run, `status` names its pid;
/// after SIGKILL the checkpoint still says running, and `status` says it
/// crashed, at the local time of its last write.
#[test]
fn status_tells_a_live_run_from_one_killed_mid_way() {
    let world = World::new();
    for title in ["One", "Two"] {
        // Saying so keeps the plan from asking for review.
        world.issue(title, "Depends on: none", "slow=20s");
    }
    let mut run = Killed(
        world
            .command(&[support::world::MILESTONE, "--parallel", "2"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = run.0.id();
    world.wait_for(Duration::from_secs(30), "a worker to start", |w| {
        w.trace().iter().any(|e| e.event == "start")
    });

    let (text, value) = world_status(&world);
    assert!(text.contains(" · run 1 · running\n"), "{text}");
    assert_eq!(
        text.lines().nth(1),
        Some(format!("Process: running (pid {pid})").as_str()),
        "{text}"
    );
    assert!(text.contains("\nWorkers running now: #"), "{text}");
    assert_eq!(value["process"]["state"], "running", "{value}");
    assert_eq!(value["process"]["pid"], pid, "{value}");

    run.0.kill().unwrap(); // SIGKILL: no chance to record anything
    run.0.wait().unwrap();
    assert_eq!(
        world.latest_run().status,
        RunStatus::Running,
        "a crash leaves the run as it was"
    );

    let (text, value) = world_status(&world);
    let process = &value["process"];
    assert_eq!(process["state"], "crashed", "{value}");
    assert_eq!(process["pid"], serde_json::Value::Null, "{value}");
    assert_eq!(value["status"], "running", "the checkpoint's word is kept");
    let last_seen = DateTime::parse_from_rfc3339(process["last_seen"].as_str().unwrap()).unwrap();
    let store = world.store();
    let recorded = store.last_update(RunId(1)).unwrap().unwrap();
    assert_eq!(
        last_seen.timestamp(),
        recorded.timestamp(),
        "the run's last write"
    );
    let local = last_seen.with_timezone(&india()).format("%H:%M");
    assert!(text.contains(" · run 1 · running\n"), "{text}");
    assert_eq!(
        text.lines().nth(1),
        Some(format!("Process: crashed at {local} (no process)").as_str()),
        "in the local time zone: {text}"
    );
    assert!(!text.contains("Workers running now"), "{text}");
    assert!(
        text.ends_with("Resume it with: auto-milestone \"Sprint 1\" --resume\n"),
        "{text}"
    );
}

/// A child killed when the test ends however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The zone `world_status` runs in: +05:30, so local time differs from UTC.
fn india() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap()
}

/// `status` and `status --json` in the world's checkout, in India's time zone.
fn world_status(world: &World) -> (String, serde_json::Value) {
    let run = |args: &[&str]| {
        let out = world
            .command(args)
            .env("TZ", "Asia/Kolkata")
            .output()
            .unwrap();
        let log = support::world::text(&out);
        assert_eq!(out.status.code(), Some(0), "{log}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["status"]);
    let value = serde_json::from_str(&run(&["status", "--json"])).unwrap();
    (text, value)
}

fn line_of<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
}
