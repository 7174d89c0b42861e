//! Where a run keeps its own files, through the real binary: the checkpoint
//! and the logs under the checkout's git directory, the worktrees listed in
//! `info/exclude`, so `git status` shows nothing of ours during and after a
//! run; an old checkpoint at `.claude/execution-state.db` still found (with
//! how to move it); and a file at the checkpoint's place that is not one
//! refused with what to do, untouched.

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use auto_milestone::checkpoint::{NewIssue, NewRun, Store};
use auto_milestone::ids::{IssueNumber, RepoSlug};
use serde_json::json;
use support::world::{Human, MILESTONE, World, git, text};

/// What `git status` shows in the checkout, ignored files aside.
fn status(world: &World) -> String {
    git(&world.work(), &["status", "--porcelain", "--ignored=no"])
}

fn exclude_file(world: &World) -> PathBuf {
    world.work().join(".git/info/exclude")
}

fn two_issues(world: &World, sim: &str) -> (IssueNumber, IssueNumber) {
    (
        world.issue("First", "Depends on: none", sim),
        world.issue("Second", "Depends on: none", ""),
    )
}

/// The run's files are under `.git/auto-milestone/`, none in the checkout.
fn assert_state_in_git_dir(world: &World, issues: &[IssueNumber], log: &str) {
    let state = world.state_dir();
    assert!(world.db().is_file(), "{log}");
    assert!(state.join("state.db.lock").is_file(), "{log}");
    assert!(state.join("logs/run-1.log").is_file(), "{log}");
    for issue in issues {
        let name = format!("logs/issue-{}.log", issue.0);
        assert!(state.join(&name).is_file(), "no {name}\n{log}");
    }
    assert!(!world.work().join(".claude").exists(), "{log}");
}

#[test]
fn a_parallel_run_leaves_nothing_of_its_own_in_git_status() {
    let world = World::new();
    let (slow, quick) = two_issues(&world, "slow=1500ms");
    // The user's own exclude lines, the last without a newline, stay as they are.
    std::fs::write(exclude_file(&world), "# mine\n*.swp").unwrap();

    let running = world.start(&[MILESTONE, "--parallel", "2"], Human::default_answers());
    world.wait_for(Duration::from_secs(20), "the slow worker to start", |w| {
        !w.worker_events(slow, "start").is_empty()
    });
    let worktree = world.worker_events(slow, "start")[0].cwd.clone();
    assert!(worktree.starts_with(world.work().join(".worktrees")));
    assert_eq!(
        status(&world),
        "",
        "a live worktree and checkpoint are not ours to show"
    );
    let out = running.wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");

    assert_eq!(status(&world), "", "{log}");
    assert_state_in_git_dir(&world, &[slow, quick], &log);
    assert_eq!(
        std::fs::read_to_string(exclude_file(&world)).unwrap(),
        "# mine\n*.swp\n# auto-milestone: per-issue worktrees of parallel runs\n/.worktrees/\n"
    );
}

#[test]
fn a_sequential_run_leaves_nothing_of_its_own_in_git_status() {
    let world = World::new();
    let (one, two) = two_issues(&world, "");
    let out = world.run(&[MILESTONE, "--parallel", "1"]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(status(&world), "", "{log}");
    assert_state_in_git_dir(&world, &[one, two], &log);
}

/// A checkpoint with one unfinished run of the world's milestone, at `path`.
fn checkpoint_with_a_run(path: &Path) {
    let mut store = Store::open(path).unwrap();
    store
        .create_run(&NewRun {
            repo: RepoSlug::new("acme", "widgets"),
            target_key: format!("milestone:{MILESTONE}"),
            target_label: format!("Milestone \"{MILESTONE}\""),
            options: json!({}),
            plan: json!({}),
            budget_usd: None,
            issues: vec![NewIssue {
                number: IssueNumber(7),
                title: "From before the move".into(),
                wave: 1,
            }],
        })
        .unwrap();
}

fn run_status(world: &World) -> Output {
    world.command(&["status"]).output().unwrap()
}

#[test]
fn an_old_checkpoint_is_used_with_how_to_move_it_and_ignored_once_there_is_a_new_one() {
    let world = World::new();
    let legacy = world.work().join(".claude/execution-state.db");
    checkpoint_with_a_run(&legacy);

    let out = run_status(&world);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("From before the move"), "{log}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let note = stderr
        .lines()
        .find(|l| l.starts_with("note: using the checkpoint at its old place"))
        .unwrap_or_else(|| panic!("no note\n{log}"));
    assert!(!world.db().exists(), "reading moves nothing");

    // The note's commands, as the user would paste them, move it.
    let commands = note
        .split(" is active): ")
        .nth(1)
        .expect("commands in the note");
    let moved = Command::new("sh").arg("-c").arg(commands).output().unwrap();
    assert!(moved.status.success(), "{}", text(&moved));
    assert!(world.db().is_file() && !legacy.exists());
    let out = run_status(&world);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("From before the move"));
    assert!(out.stderr.is_empty(), "no note any more: {}", text(&out));

    // Both: the new one counts, the old one is named as ignored.
    drop(Store::open(&legacy).unwrap());
    let out = run_status(&world);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("From before the move"), "{log}");
    assert!(
        log.contains(&format!(
            "note: using the checkpoint {}; the one at the old place {} is ignored",
            world.db().display(),
            legacy.display()
        )),
        "{log}"
    );
}

#[test]
fn another_programs_database_at_the_old_place_is_not_taken_for_ours() {
    let world = World::new();
    let legacy = world.work().join(".claude/execution-state.db");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&legacy).unwrap();
    conn.execute_batch("CREATE TABLE workflows (id TEXT)")
        .unwrap();
    drop(conn);
    let out = run_status(&world);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!("no checkpoint at {}", world.db().display())),
        "{log}"
    );
    assert!(!log.contains("note:"), "{log}");
}

#[test]
fn a_run_keeps_writing_an_old_checkpoint_until_it_is_moved() {
    let world = World::new();
    let legacy = world.work().join(".claude/execution-state.db");
    drop(Store::open(&legacy).unwrap());
    let (one, two) = two_issues(&world, "");
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("note: using the checkpoint at its old place"),
        "{log}"
    );
    assert!(!world.db().exists(), "{log}");
    let store = Store::open_read_only(&legacy).unwrap();
    let run = store
        .latest_run_any()
        .unwrap()
        .expect("the run is in the old checkpoint");
    let numbers: Vec<_> = store
        .load_issues(run.id)
        .unwrap()
        .iter()
        .map(|r| r.issue)
        .collect();
    assert_eq!(numbers, [one, two]);
    assert!(
        world.state_dir().join("logs/run-1.log").is_file(),
        "logs go to the new place"
    );
}

/// Runs `command` as a user who may not read a file root made unreadable:
/// root reads anything, so as root the command runs as `nobody`, with the
/// world's directories opened to it, git told to trust them, and a home of
/// its own (git refuses to start when it cannot read root's config).
fn as_a_user_bound_by_permissions(world: &World, mut command: Command) -> Output {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        for dir in [
            world.dir.path().to_path_buf(),
            world.work(),
            world.work().join(".git"),
            world.state_dir(),
        ] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        command
            .uid(65534)
            .gid(65534)
            .env("HOME", world.dir.path())
            .env_remove("XDG_CONFIG_HOME")
            .env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "safe.directory")
            .env("GIT_CONFIG_VALUE_0", "*");
    }
    command.output().unwrap()
}

/// Something at the checkpoint's place that is not a checkpoint.
struct Foreign {
    what: &'static str,
    make: fn(&Path),
    /// What the error says it is.
    says: &'static str,
    /// Only a user bound by file permissions sees it (root reads anything).
    bound: bool,
}

#[test]
fn what_is_not_a_checkpoint_at_the_new_place_is_refused_and_left_alone() {
    let world = World::new();
    std::fs::create_dir_all(world.state_dir()).unwrap();
    let db = world.db();
    let cases = [
        Foreign {
            what: "a text file",
            make: |p| std::fs::write(p, "my notes\n").unwrap(),
            says: "the file is not a SQLite database",
            bound: false,
        },
        Foreign {
            what: "a directory",
            make: |p| std::fs::create_dir(p).unwrap(),
            says: "it is a directory, not a checkpoint file",
            bound: false,
        },
        Foreign {
            what: "another program's database",
            make: |p| {
                let conn = rusqlite::Connection::open(p).unwrap();
                conn.execute_batch("CREATE TABLE workflows (id TEXT)")
                    .unwrap();
            },
            says: "the file is a database but not an auto-milestone checkpoint",
            bound: false,
        },
        Foreign {
            what: "a file nobody may read",
            make: |p| {
                std::fs::write(p, "").unwrap();
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o000)).unwrap();
            },
            says: "Permission denied",
            bound: true,
        },
    ];
    for Foreign {
        what,
        make,
        says,
        bound,
    } in cases
    {
        make(&db);
        let before = snapshot(&world.state_dir());
        for args in [vec!["status"], vec![MILESTONE]] {
            let command = world.command(&args);
            let out = if bound {
                as_a_user_bound_by_permissions(&world, command)
            } else {
                output(command)
            };
            let log = text(&out);
            assert_eq!(out.status.code(), Some(1), "{what}, {args:?}: {log}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(&db.display().to_string()), "{what}: {log}");
            assert!(err.contains(says), "{what}: {log}");
            assert!(
                err.contains("or point --db elsewhere"),
                "{what} says what to do: {log}"
            );
        }
        assert_eq!(
            snapshot(&world.state_dir()),
            before,
            "{what} is left as it was"
        );
        if db.is_dir() {
            std::fs::remove_dir(&db).unwrap();
        } else {
            std::fs::remove_file(&db).unwrap();
        }
    }
}

fn output(mut command: Command) -> Output {
    command.output().unwrap()
}

/// Names, sizes and change times of what is in `dir` (directories by name only).
fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<u64>, Option<std::time::SystemTime>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            let file = meta.is_file();
            (
                path,
                file.then_some(meta.len()),
                file.then(|| meta.modified().unwrap()),
            )
        })
        .collect();
    all.sort();
    all
}
