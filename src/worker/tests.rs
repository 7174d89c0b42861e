//! Worker processes end to end, with `sh -c` scripts as fake workers (they
//! hold no issue text): exits, the log, timeouts, stopping, the group sweep,
//! the registry and leftover detection.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::ids::IssueNumber;

const LONG: Duration = Duration::from_secs(30);

fn spec(dir: &Path, script: &str) -> WorkerSpec {
    WorkerSpec {
        kind: WorkerKind::Implement,
        issue: IssueNumber(7),
        argv: vec!["sh".into(), "-c".into(), script.into()],
        cwd: dir.to_path_buf(),
        env: Vec::new(),
        env_remove: Vec::new(),
        stdin: None,
        mark: new_mark(),
        log_path: dir.join("logs").join("issue-7.log"),
        wall_timeout: LONG,
        stall_timeout: Duration::ZERO,
        grace: Duration::from_millis(200),
    }
}

async fn run(spec: WorkerSpec) -> WorkerOutcome {
    spawn(spec).unwrap().wait(StopSignal::new(), None).await
}

/// The worker's own output: the log without our header and footer lines.
fn body(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap();
    text.lines()
        .filter(|l| !l.starts_with("=== "))
        .map(String::from)
        .collect()
}

/// Running, not a zombie.
fn running(pid: u32) -> bool {
    ProcessIdentity::of(pid).is_some_and(|id| id.is_alive())
}

/// Polls the log until it holds `needle`: scripts announce that their traps
/// are set, so a stop cannot arrive before them.
async fn until_logged(log: &Path, needle: &str) {
    for _ in 0..2000 {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains(needle)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{needle:?} never appeared in {}", log.display());
}

fn when_logged(log: PathBuf, needle: &'static str, then: impl FnOnce() + Send + 'static) {
    tokio::spawn(async move {
        until_logged(&log, needle).await;
        then();
    });
}

fn pid_from(path: &Path) -> u32 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn exit_codes_and_signals_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ok = run(spec(dir.path(), "exit 0")).await;
    assert_eq!(ok.exit, WorkerExit::Exited(0));
    assert!(ok.exit.succeeded());
    let failed = run(spec(dir.path(), "exit 3")).await;
    assert_eq!(failed.exit, WorkerExit::Exited(3));
    assert!(!failed.exit.succeeded());
    let signaled = run(spec(dir.path(), "kill -USR1 $$")).await;
    assert_eq!(signaled.exit, WorkerExit::Signaled(libc::SIGUSR1));
}

#[tokio::test]
async fn both_streams_land_in_the_log_in_order_after_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(
        dir.path(),
        r#"echo one; echo two >&2; echo "three $AM_ISSUE""#,
    );
    spec.env = vec![
        ("AM_ISSUE".into(), "7".into()),
        ("AM_SECRET".into(), "s3cr3t".into()),
    ];
    let outcome = run(spec).await;
    assert_eq!(body(&outcome.log_path), ["one", "two", "three 7"]);
    let text = std::fs::read_to_string(&outcome.log_path).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("kind=implement issue=#7 program=sh"),
        "{header}"
    );
    assert!(
        !text.contains("s3cr3t"),
        "the environment must not be logged"
    );
    let footer = text.lines().last().unwrap();
    assert!(
        footer.starts_with("=== worker exited with code 0 after "),
        "{footer}"
    );
}

#[tokio::test]
async fn the_log_is_appended_to_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    run(spec(dir.path(), "echo first")).await;
    let outcome = run(spec(dir.path(), "echo second")).await;
    assert_eq!(body(&outcome.log_path), ["first", "second"]);
}

#[tokio::test]
async fn stdin_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"readlink /proc/$$/fd/0; if read x; then echo "read:$x"; else echo eof; fi"#;
    let outcome = run(spec(dir.path(), script)).await;
    assert_eq!(outcome.exit, WorkerExit::Exited(0));
    assert_eq!(body(&outcome.log_path), ["/dev/null", "eof"]);
}

#[tokio::test]
async fn hostile_arguments_reach_the_worker_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let text = "it's \"x\" $(touch pwned) `touch pwned2`;\nsecond line";
    let vars = Vars {
        feedback: Some(text.into()),
        ..Vars::default()
    };
    let mut spec = spec(dir.path(), "");
    spec.argv = ArgvTemplate::new(["printf", "%s|", "{feedback}"]).expand(&vars);
    let outcome = run(spec).await;
    assert_eq!(outcome.exit, WorkerExit::Exited(0));
    let log = std::fs::read_to_string(&outcome.log_path).unwrap();
    assert!(log.contains(&format!("{text}|")), "{log}");
    assert!(!dir.path().join("pwned").exists() && !dir.path().join("pwned2").exists());
}

#[tokio::test]
async fn wall_timeout_kills_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(dir.path(), "echo started; sleep 30");
    spec.wall_timeout = Duration::from_millis(100);
    let worker = spawn(spec).unwrap();
    let pid = worker.pid();
    let outcome = worker.wait(StopSignal::new(), None).await;
    assert_eq!(outcome.exit, WorkerExit::TimedOut(TimeoutKind::Wall));
    assert!(
        outcome.duration >= Duration::from_millis(100)
            && outcome.duration < Duration::from_secs(10)
    );
    assert!(!running(pid));
}

#[tokio::test]
async fn silence_without_cpu_or_file_changes_is_a_stall() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(dir.path(), "echo started; sleep 30");
    spec.stall_timeout = Duration::from_millis(300);
    let outcome = run(spec).await;
    let WorkerExit::TimedOut(TimeoutKind::Stall { quiet, .. }) = outcome.exit else {
        panic!("{:?}", outcome.exit);
    };
    assert!(quiet >= Duration::from_millis(300), "{quiet:?}");
    assert!(
        outcome
            .exit
            .to_string()
            .starts_with("stalled: no output or file change for")
    );
}

#[tokio::test]
async fn a_silent_worker_burning_cpu_is_busy_not_stalled() {
    let dir = tempfile::tempdir().unwrap();
    // A grandchild does the work, as an agent's test suite would.
    let mut spec = spec(dir.path(), "echo started; sh -c 'while :; do :; done'");
    spec.stall_timeout = Duration::from_millis(300);
    spec.wall_timeout = Duration::from_millis(1500);
    let outcome = run(spec).await;
    assert_eq!(outcome.exit, WorkerExit::TimedOut(TimeoutKind::Wall));
}

#[tokio::test]
async fn a_silent_worker_changing_files_is_busy_not_stalled() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()
        .unwrap();
    assert!(git.success());
    let mut spec = spec(
        &repo,
        "echo started; i=0; while :; do i=$((i+1)); echo $i > f$i; sleep 0.1; done",
    );
    spec.log_path = dir.path().join("issue-7.log");
    spec.stall_timeout = Duration::from_millis(400);
    spec.wall_timeout = Duration::from_millis(2000);
    let outcome = run(spec).await;
    assert_eq!(outcome.exit, WorkerExit::TimedOut(TimeoutKind::Wall));
}

#[tokio::test]
async fn a_worker_that_keeps_printing_is_not_stalled() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(dir.path(), "while :; do echo tick; sleep 0.02; done");
    spec.stall_timeout = Duration::from_millis(300);
    spec.wall_timeout = Duration::from_millis(900);
    let outcome = run(spec).await;
    assert_eq!(outcome.exit, WorkerExit::TimedOut(TimeoutKind::Wall));
}

#[tokio::test]
async fn stop_sends_sigterm_and_the_worker_may_clean_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(
        dir.path(),
        "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done",
    );
    spec.grace = LONG;
    let stop = StopSignal::new();
    let trigger = stop.clone();
    when_logged(spec.log_path.clone(), "ready", move || trigger.stop());
    let outcome = spawn(spec).unwrap().wait(stop, None).await;
    assert_eq!(outcome.exit, WorkerExit::Stopped);
    assert!(body(&outcome.log_path).contains(&"got-term".to_string()));
    assert!(
        outcome.duration < Duration::from_secs(10),
        "exited on SIGTERM, not after the grace"
    );
}

const IGNORES_TERM: &str = "trap '' TERM; echo ready; while :; do sleep 0.05; done";

#[tokio::test]
async fn a_worker_ignoring_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(dir.path(), IGNORES_TERM);
    let stop = StopSignal::new();
    let trigger = stop.clone();
    when_logged(spec.log_path.clone(), "ready", move || trigger.stop());
    let worker = spawn(spec).unwrap();
    let pid = worker.pid();
    let outcome = worker.wait(stop, None).await;
    assert_eq!(outcome.exit, WorkerExit::Stopped);
    assert!(
        outcome.duration >= Duration::from_millis(200),
        "{:?}",
        outcome.duration
    );
    assert!(!running(pid));
}

#[tokio::test]
async fn stop_now_skips_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(dir.path(), IGNORES_TERM);
    spec.grace = LONG;
    let stop = StopSignal::new();
    let trigger = stop.clone();
    when_logged(spec.log_path.clone(), "ready", move || {
        trigger.stop();
        trigger.stop_now();
    });
    let outcome = spawn(spec).unwrap().wait(stop, None).await;
    assert_eq!(outcome.exit, WorkerExit::Stopped);
    assert!(
        outcome.duration < Duration::from_secs(10),
        "{:?}",
        outcome.duration
    );
}

#[tokio::test]
async fn grandchildren_do_not_outlive_a_worker_that_exits() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("grandchildren");
    let script = "sleep 1000 & echo $! > grandchildren; \
                  (trap '' TERM; exec sleep 1000) & echo $! >> grandchildren; exit 0";
    let outcome = run(spec(dir.path(), script)).await;
    assert_eq!(outcome.exit, WorkerExit::Exited(0));
    let text = std::fs::read_to_string(&pids).unwrap();
    let pids: Vec<u32> = text.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert!(!running(pid), "grandchild {pid} outlived the worker");
    }
}

#[tokio::test]
async fn grandchildren_do_not_outlive_a_stopped_worker() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(
        dir.path(),
        "sleep 1000 & echo $! > grandchild; echo ready; wait",
    );
    let stop = StopSignal::new();
    let trigger = stop.clone();
    when_logged(spec.log_path.clone(), "ready", move || trigger.stop());
    let outcome = spawn(spec).unwrap().wait(stop, None).await;
    assert_eq!(outcome.exit, WorkerExit::Stopped);
    assert!(!running(pid_from(&dir.path().join("grandchild"))));
}

#[tokio::test]
async fn cost_comes_from_the_result_event_of_this_worker_only() {
    let dir = tempfile::tempdir().unwrap();
    let envelope = r#"{"type":"result","result":"PR: #9","is_error":true,"total_cost_usd":1.25,"session_id":"s"}"#;
    let outcome = run(spec(
        dir.path(),
        &format!("echo working; echo '{envelope}'"),
    ))
    .await;
    assert_eq!(outcome.cost_usd(), Some(1.25));
    assert_eq!(outcome.reported_error(), Some(true));
    let plain = run(spec(dir.path(), "echo done")).await;
    // The same log file, but the earlier worker's result is not this one's.
    assert_eq!((plain.cost_usd(), plain.reported_error()), (None, None));
    assert!(!plain.activity.is_stream());
}

#[tokio::test]
async fn the_event_stream_is_reported_while_the_worker_runs() {
    let dir = tempfile::tempdir().unwrap();
    let init = r#"{"type":"system","subtype":"init","session_id":"abc","model":"m"}"#;
    let tool = r#"{"type":"assistant","message":{"id":"m1","content":[{"type":"tool_use","name":"Bash","input":{"command":"cargo test"}}],"usage":{"input_tokens":10,"output_tokens":5}}}"#;
    let script = format!(
        "echo '{init}'; echo '{tool}'; echo '{{\"type\": broken'; sleep 0.6; \
         echo '{{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"total_cost_usd\":0.5,\"num_turns\":1,\"session_id\":\"abc\"}}'"
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let outcome = spawn(spec(dir.path(), &script))
        .unwrap()
        .wait(StopSignal::new(), Some(tx))
        .await;
    let mut updates = Vec::new();
    while let Ok(update) = rx.try_recv() {
        updates.push(update);
    }
    assert_eq!(updates[0], WorkerUpdate::Session("abc".into()));
    let running_tool = updates.iter().any(|u| {
        matches!(u,
        WorkerUpdate::Activity(a) if a.tool.as_ref().is_some_and(|t| t.input == "cargo test"))
    });
    assert!(running_tool, "{updates:?}");
    assert_eq!(outcome.exit, WorkerExit::Exited(0));
    assert_eq!(outcome.cost_usd(), Some(0.5));
    assert_eq!(outcome.activity.malformed, 1, "the broken line is skipped");
    assert_eq!(outcome.activity.session_id.as_deref(), Some("abc"));
}

#[tokio::test]
async fn a_long_prompt_arrives_on_stdin_and_secrets_stay_behind() {
    let dir = tempfile::tempdir().unwrap();
    let prompt = dir.path().join("prompt.txt");
    std::fs::write(&prompt, "x".repeat(300 * 1024)).unwrap();
    let mut spec = spec(
        dir.path(),
        "wc -c; echo \"token=${SECRET_FOR_TEST:-unset}\"",
    );
    spec.stdin = Some(prompt);
    spec.env_remove = vec!["SECRET_FOR_TEST".into()];
    // SAFETY: tests in this binary do not read this variable concurrently.
    unsafe { std::env::set_var("SECRET_FOR_TEST", "hunter2") };
    let outcome = run(spec).await;
    let body = body(&outcome.log_path);
    assert_eq!(body[0].trim(), (300 * 1024).to_string());
    assert_eq!(body[1], "token=unset");
}

#[tokio::test]
async fn spawn_errors_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mut empty = spec(dir.path(), "");
    empty.argv.clear();
    assert!(matches!(spawn(empty), Err(SpawnError::EmptyArgv)));
    let mut missing = spec(dir.path(), "");
    missing.argv = vec!["auto-milestone-no-such-program".into()];
    let err = spawn(missing).unwrap_err();
    assert!(matches!(err, SpawnError::Spawn { .. }));
    assert!(
        err.to_string().contains("auto-milestone-no-such-program"),
        "{err}"
    );
    let mut bad_log = spec(dir.path(), "exit 0");
    bad_log.log_path = dir.path().join("logs");
    std::fs::create_dir_all(&bad_log.log_path).unwrap();
    assert!(matches!(spawn(bad_log), Err(SpawnError::Log { .. })));
}

#[tokio::test]
async fn dropping_an_unwaited_worker_kills_it() {
    let dir = tempfile::tempdir().unwrap();
    let worker = spawn(spec(dir.path(), "sleep 1000")).unwrap();
    let identity = worker.identity();
    assert!(identity.is_alive());
    drop(worker);
    let mut tries = 0;
    while identity.is_alive() {
        tries += 1;
        assert!(tries < 1000, "the worker survived its handle");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!Registry::global().live().contains(&identity));
}

#[tokio::test]
async fn a_worker_outlives_the_thread_that_asked_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(dir.path(), "sleep 0.3; echo alive");
    let runtime = tokio::runtime::Handle::current();
    // PDEATHSIG follows the forking thread; this thread ends before the worker.
    let worker = std::thread::spawn(move || {
        let _entered = runtime.enter();
        spawn(spec)
    })
    .join()
    .unwrap()
    .unwrap();
    let outcome = worker.wait(StopSignal::new(), None).await;
    assert_eq!(outcome.exit, WorkerExit::Exited(0));
    assert_eq!(body(&outcome.log_path), ["alive"]);
}

/// Set in the child copy of this test binary that plays the orchestrator.
const ORCHESTRATOR_DIR: &str = "AUTO_MILESTONE_TEST_ORCHESTRATOR_DIR";

#[tokio::test]
async fn a_worker_dies_with_a_sigkilled_orchestrator() {
    if let Ok(dir) = std::env::var(ORCHESTRATOR_DIR) {
        // `exec`: PDEATHSIG reaches only the worker itself, not its children.
        let worker = spawn(spec(Path::new(&dir), "exec sleep 1000")).unwrap();
        std::fs::write(Path::new(&dir).join("worker.pid"), worker.pid().to_string()).unwrap();
        return std::future::pending().await;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut orchestrator = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "worker::tests::a_worker_dies_with_a_sigkilled_orchestrator",
        ])
        .env(ORCHESTRATOR_DIR, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("worker.pid");
    for _ in 0..2000 {
        if std::fs::read_to_string(&pid_file).is_ok_and(|t| !t.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let worker = ProcessIdentity::of(pid_from(&pid_file)).expect("the worker is running");
    orchestrator.start_kill().unwrap();
    orchestrator.wait().await.unwrap();
    for _ in 0..1000 {
        if !worker.is_alive() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop_leftover(worker, Duration::ZERO, "").await;
    panic!("the worker outlived its SIGKILLed orchestrator");
}

#[tokio::test]
async fn registry_kill_all_now_kills_every_group() {
    static REGISTRY: Registry = Registry::new();
    let dir = tempfile::tempdir().unwrap();
    let a = spawn_in(spec(dir.path(), "sleep 1000"), &REGISTRY).unwrap();
    let b = spawn_in(spec(dir.path(), IGNORES_TERM), &REGISTRY).unwrap();
    let mut live = REGISTRY.live();
    live.sort_by_key(|id| id.pid);
    let mut expected = vec![a.identity(), b.identity()];
    expected.sort_by_key(|id| id.pid);
    assert_eq!(live, expected);
    REGISTRY.kill_all_now();
    let (a, b) = tokio::join!(
        a.wait(StopSignal::new(), None),
        b.wait(StopSignal::new(), None)
    );
    assert_eq!(a.exit, WorkerExit::Signaled(libc::SIGKILL));
    assert_eq!(b.exit, WorkerExit::Signaled(libc::SIGKILL));
    assert!(
        REGISTRY.live().is_empty(),
        "waits unregister finished groups"
    );
}

#[tokio::test]
async fn registry_terminate_all_escalates_after_the_grace() {
    static REGISTRY: Registry = Registry::new();
    let dir = tempfile::tempdir().unwrap();
    let polite = spawn_in(spec(dir.path(), "sleep 1000"), &REGISTRY).unwrap();
    let stubborn_spec = spec(dir.path(), IGNORES_TERM);
    let log = stubborn_spec.log_path.clone();
    let stubborn = spawn_in(stubborn_spec, &REGISTRY).unwrap();
    let waits = tokio::spawn(async move {
        tokio::join!(
            polite.wait(StopSignal::new(), None),
            stubborn.wait(StopSignal::new(), None)
        )
    });
    until_logged(&log, "ready").await;
    REGISTRY.terminate_all(Duration::from_millis(100)).await;
    let (polite, stubborn) = waits.await.unwrap();
    assert_eq!(polite.exit, WorkerExit::Signaled(libc::SIGTERM));
    assert_eq!(stubborn.exit, WorkerExit::Signaled(libc::SIGKILL));
}

#[tokio::test]
async fn what_a_dead_leader_left_is_stopped_by_its_group_and_its_mark() {
    let dir = tempfile::tempdir().unwrap();
    // The leader starts a child in its group, one in a session of its own
    // (as Claude Code runs its Bash tool), and one in its own session with
    // the worker's mark taken out of its environment (standing for any
    // process that is not the worker's); then it dies, as a worker
    // SIGKILLed with its orchestrator would.
    let spec = spec(
        dir.path(),
        "sleep 1000 & echo $! > grouped; setsid sleep 1000 & echo $! > session; \
         setsid env -u AUTO_MILESTONE_WORKER sleep 1000 & echo $! > foreign; echo ready; exit 0",
    );
    let log = spec.log_path.clone();
    let worker = spawn(spec).unwrap();
    let (identity, mark) = (worker.identity(), worker.mark().to_string());
    until_logged(&log, "ready").await;
    // The orchestrator died: no wait, no sweep.
    std::mem::forget(worker);
    let pid = |name: &str| pid_from(&dir.path().join(name));
    let (grouped, session, foreign) = (pid("grouped"), pid("session"), pid("foreign"));
    for _ in 0..400 {
        if !identity.is_alive() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!identity.is_alive(), "the leader exited");
    assert!(running(grouped) && running(session) && running(foreign));
    // Until `env` has exec'd `sleep`, the foreign process still carries the
    // mark it inherited; on a loaded machine that takes a moment.
    let cmdline = |pid: u32| std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    for _ in 0..400 {
        if cmdline(foreign).starts_with(b"sleep") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        stop_leftover(identity, Duration::from_millis(200), &mark).await,
        Leftover::Stopped
    );
    assert!(!running(grouped), "the group's member is stopped");
    assert!(
        !running(session),
        "the marked process in its own session is stopped"
    );
    assert!(running(foreign), "a process without the mark is left alone");
    unsafe { libc::kill(foreign as i32, libc::SIGKILL) };
    assert_eq!(
        stop_leftover(identity, Duration::from_millis(200), &mark).await,
        Leftover::Gone
    );
}

#[tokio::test]
async fn leftovers_are_recognised_by_pid_and_start_time() {
    let dir = tempfile::tempdir().unwrap();
    // `exec`: one process. A shell's child would start a tick later on a
    // loaded machine and count as started after the reused identity.
    let worker = spawn(spec(dir.path(), "exec sleep 1000")).unwrap();
    let identity = worker.identity();
    let mark = worker.mark().to_string();
    assert!(identity.start_ticks > 0);
    assert!(identity.is_alive());
    let reused = ProcessIdentity {
        start_ticks: identity.start_ticks + 1,
        ..identity
    };
    assert!(
        !reused.is_alive(),
        "same pid, other start time: another process"
    );
    assert_eq!(
        stop_leftover(reused, Duration::from_millis(100), &mark).await,
        Leftover::Gone
    );
    assert!(
        identity.is_alive(),
        "a mismatched identity must not be killed"
    );

    assert_eq!(
        stop_leftover(identity, Duration::from_millis(100), &mark).await,
        Leftover::Stopped
    );
    assert!(!identity.is_alive());
    assert_eq!(
        worker.wait(StopSignal::new(), None).await.exit,
        WorkerExit::Signaled(libc::SIGTERM)
    );
    assert_eq!(
        stop_leftover(identity, Duration::from_millis(100), &mark).await,
        Leftover::Gone
    );
}
