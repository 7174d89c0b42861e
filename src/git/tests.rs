//! `Git` against real repositories in temporary directories: a bare `origin`
//! and clones of it, as the orchestrator sees them.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::ids::{BranchName, CommitSha};

/// A bare `origin.git` with one commit on `main`, and a clone `work` of it.
struct Repos {
    _dir: tempfile::TempDir,
    root: PathBuf,
    origin: PathBuf,
    work: PathBuf,
}

/// Runs git for the fixture itself (not the code under test).
fn run_git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Repos {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let origin = root.join("origin.git");
        run_git(
            &root,
            &["init", "--quiet", "--bare", "-b", "main", "origin.git"],
        );
        let work = Repos::clone_of(&root, &origin, "work");
        std::fs::write(work.join("README.md"), "hello\n").unwrap();
        run_git(&work, &["add", "README.md"]);
        run_git(&work, &["commit", "--quiet", "-m", "first"]);
        run_git(&work, &["push", "--quiet", "-u", "origin", "main"]);
        Repos {
            _dir: dir,
            root,
            origin,
            work,
        }
    }

    fn clone_of(root: &Path, origin: &Path, name: &str) -> PathBuf {
        let path = root.join(name);
        run_git(root, &["clone", "--quiet", origin.to_str().unwrap(), name]);
        for (key, value) in [
            ("user.name", "Test"),
            ("user.email", "test@example.com"),
            ("commit.gpgsign", "false"),
        ] {
            run_git(&path, &["config", key, value]);
        }
        path
    }

    /// A second clone, as another machine (or a worker) would push from.
    fn other(&self) -> PathBuf {
        Repos::clone_of(&self.root, &self.origin, "other")
    }

    fn git(&self) -> Git {
        Git::new(&self.work)
    }
}

/// Commits a file change in `repo` and returns the new commit.
fn commit(repo: &Path, file: &str, message: &str) -> CommitSha {
    std::fs::write(repo.join(file), message).unwrap();
    run_git(repo, &["add", file]);
    run_git(repo, &["commit", "--quiet", "-m", message]);
    CommitSha(run_git(repo, &["rev-parse", "HEAD"]))
}

fn branch(name: &str) -> BranchName {
    BranchName(name.into())
}

#[tokio::test]
async fn version_is_gits_own_line() {
    let repos = Repos::new();
    let version = repos.git().version().await.unwrap();
    assert!(version.starts_with("git version "), "{version}");
}

#[tokio::test]
async fn finds_the_root_and_the_current_branch() {
    let repos = Repos::new();
    std::fs::create_dir(repos.work.join("sub")).unwrap();
    assert_eq!(
        Git::new(repos.work.join("sub")).repo_root().await.unwrap(),
        repos.work
    );
    let git = repos.git();
    assert_eq!(git.current_branch().await.unwrap(), Some(branch("main")));
    run_git(&repos.work, &["checkout", "--quiet", "--detach"]);
    assert_eq!(git.current_branch().await.unwrap(), None);
    git.checkout(&branch("main")).await.unwrap();
    assert_eq!(git.current_branch().await.unwrap(), Some(branch("main")));
}

#[tokio::test]
async fn untracked_files_are_not_uncommitted_changes() {
    let repos = Repos::new();
    let git = repos.git();
    assert!(git.uncommitted_changes().await.unwrap().is_empty());
    std::fs::write(repos.work.join("notes.log"), "untracked").unwrap();
    assert!(git.uncommitted_changes().await.unwrap().is_empty());
    std::fs::write(repos.work.join("README.md"), "changed\n").unwrap();
    assert_eq!(git.uncommitted_changes().await.unwrap(), ["README.md"]);
    std::fs::write(repos.work.join("with space.rs"), "new").unwrap();
    run_git(&repos.work, &["add", "with space.rs"]);
    let mut changes = git.uncommitted_changes().await.unwrap();
    changes.sort();
    assert_eq!(changes, ["README.md", "with space.rs"]);
}

#[tokio::test]
async fn sees_remote_branches_and_counts_commits() {
    let repos = Repos::new();
    let other = repos.other();
    run_git(&other, &["checkout", "--quiet", "-b", "feat/issue-1-x"]);
    commit(&other, "a.txt", "one");
    let head = commit(&other, "b.txt", "two");
    run_git(&other, &["push", "--quiet", "origin", "feat/issue-1-x"]);

    let git = repos.git();
    let heads = git.ls_remote_heads("origin").await.unwrap();
    assert!(
        heads.contains(&(branch("feat/issue-1-x"), head.clone())),
        "{heads:?}"
    );
    assert!(heads.iter().any(|(b, _)| b.0 == "main"));

    assert_eq!(
        git.rev_parse("origin/feat/issue-1-x").await.unwrap(),
        None,
        "not fetched yet"
    );
    git.fetch("origin", &["main", "feat/issue-1-x"])
        .await
        .unwrap();
    assert_eq!(
        git.rev_parse("origin/feat/issue-1-x").await.unwrap(),
        Some(head)
    );
    assert_eq!(git.rev_parse("no-such-branch").await.unwrap(), None);
    assert_eq!(
        git.commits_ahead("origin/main", "origin/feat/issue-1-x")
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        git.commits_ahead("origin/feat/issue-1-x", "origin/main")
            .await
            .unwrap(),
        0
    );
    assert!(
        git.is_ancestor("origin/main", "origin/feat/issue-1-x")
            .await
            .unwrap()
    );
    assert!(
        !git.is_ancestor("origin/feat/issue-1-x", "origin/main")
            .await
            .unwrap()
    );
    assert!(git.is_ancestor("no-such", "main").await.is_err());
    assert_eq!(
        git.remote_url("origin").await.unwrap(),
        repos.origin.to_str().unwrap()
    );
}

#[tokio::test]
async fn pull_fast_forwards_and_refuses_to_merge() {
    let repos = Repos::new();
    let other = repos.other();
    let ahead = commit(&other, "c.txt", "from elsewhere");
    run_git(&other, &["push", "--quiet", "origin", "main"]);
    let git = repos.git();
    git.pull_ff_only("origin", &branch("main")).await.unwrap();
    assert_eq!(git.rev_parse("HEAD").await.unwrap(), Some(ahead));

    commit(&other, "d.txt", "remote side");
    run_git(&other, &["push", "--quiet", "origin", "main"]);
    commit(&repos.work, "e.txt", "local side");
    let err = git
        .pull_ff_only("origin", &branch("main"))
        .await
        .unwrap_err();
    assert!(err.status.is_some_and(|s| s != 0), "{err:?}");
    assert!(
        err.args.ends_with(&[
            "--ff-only".into(),
            "--quiet".into(),
            "refs/remotes/origin/main".into()
        ]),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("run `git -C {} merge", repos.work.display())),
        "{message}"
    );
    assert!(message.contains("exit status"), "{message}");
}

#[tokio::test]
async fn errors_carry_the_command_and_stderr() {
    let repos = Repos::new();
    let err = repos
        .git()
        .checkout(&branch("no-such-branch"))
        .await
        .unwrap_err();
    assert_eq!(
        err.args[..4],
        ["git", "-C", repos.work.to_str().unwrap(), "switch"]
    );
    assert!(err.stderr.contains("no-such-branch"), "{}", err.stderr);
    assert!(err.to_string().contains(&err.stderr));
    let refused = repos.git().checkout(&branch("--orphan")).await.unwrap_err();
    assert_eq!(refused.status, None);
    assert!(refused.stderr.contains("option"), "{}", refused.stderr);
    let outside = Git::new(repos.root.join("missing"))
        .repo_root()
        .await
        .unwrap_err();
    assert!(outside.to_string().starts_with("run `git -C"), "{outside}");
}

#[tokio::test]
async fn worktrees_are_added_listed_and_removed() {
    let repos = Repos::new();
    let git = repos.git();
    let path = repos.root.join("wt-1");
    let added = git
        .worktree_add(&path, &branch("feat/issue-1-x"), "origin/main")
        .await
        .unwrap();
    assert_eq!(added, WorktreeBranch::Created);
    let main = git.rev_parse("origin/main").await.unwrap();
    let wt = Git::new(&path);
    assert_eq!(
        wt.current_branch().await.unwrap(),
        Some(branch("feat/issue-1-x"))
    );
    assert_eq!(wt.rev_parse("HEAD").await.unwrap(), main);
    assert_eq!(
        wt.rev_parse("@{upstream}").await.ok().flatten(),
        None,
        "no upstream on new branches"
    );

    let list = git.worktree_list().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].path, repos.work);
    assert_eq!(
        list[1],
        Worktree {
            path: path.clone(),
            branch: Some(branch("feat/issue-1-x")),
            head: main.clone()
        }
    );

    let wt_git = Git::new(&path);
    std::fs::write(path.join("build.log"), "ignored").unwrap();
    std::fs::write(repos.work.join(".git/info/exclude"), "*.log\n").unwrap();
    std::fs::write(path.join("notes.txt"), "untracked").unwrap();
    assert_eq!(
        wt_git.work_left().await.unwrap(),
        WorkLeft {
            changed: vec![],
            untracked: vec!["notes.txt".into()]
        },
        "ignored files are not work"
    );
    assert!(
        git.worktree_remove(&path).await.is_err(),
        "untracked files keep a worktree"
    );
    std::fs::remove_file(path.join("notes.txt")).unwrap();
    std::fs::write(path.join("README.md"), "dirty").unwrap();
    assert_eq!(wt_git.work_left().await.unwrap().changed, ["README.md"]);
    assert!(
        git.worktree_remove(&path).await.is_err(),
        "so do changed files"
    );
    run_git(&path, &["checkout", "--", "README.md"]);
    assert!(wt_git.work_left().await.unwrap().is_empty());
    git.worktree_remove(&path).await.unwrap();
    assert!(!path.exists(), "ignored files go with it");
    assert_eq!(git.worktree_list().await.unwrap().len(), 1);

    // The branch survives its worktree; adding again checks it out as it is.
    let again = git
        .worktree_add(&path, &branch("feat/issue-1-x"), "origin/main")
        .await
        .unwrap();
    assert_eq!(again, WorktreeBranch::Existing);
    std::fs::remove_dir_all(&path).unwrap();
    git.worktree_prune().await.unwrap();
    assert_eq!(git.worktree_list().await.unwrap().len(), 1);

    git.branch_delete(&branch("feat/issue-1-x"), true)
        .await
        .unwrap();
    assert_eq!(
        git.rev_parse("refs/heads/feat/issue-1-x").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn unmerged_branches_need_force_to_delete() {
    let repos = Repos::new();
    let git = repos.git();
    run_git(
        &repos.work,
        &["checkout", "--quiet", "-b", "feat/issue-2-y"],
    );
    commit(&repos.work, "y.txt", "unmerged");
    git.checkout(&branch("main")).await.unwrap();
    assert!(
        git.branch_delete(&branch("feat/issue-2-y"), false)
            .await
            .is_err()
    );
    git.branch_delete(&branch("feat/issue-2-y"), true)
        .await
        .unwrap();
    assert_eq!(git.rev_parse("feat/issue-2-y").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_worktree_adds_all_succeed() {
    let repos = Repos::new();
    let adds = (1..=6).map(|n| {
        let git = repos.git();
        let path = repos.root.join(format!("wt-{n}"));
        tokio::spawn(async move {
            git.worktree_add(
                &path,
                &BranchName(format!("feat/issue-{n}-x")),
                "origin/main",
            )
            .await
        })
    });
    let results = futures_join_all(adds.collect()).await;
    for result in results {
        assert_eq!(result.unwrap().unwrap(), WorktreeBranch::Created);
    }
    let list = repos.git().worktree_list().await.unwrap();
    assert_eq!(list.len(), 7);
    for n in 1..=6 {
        let path = repos.root.join(format!("wt-{n}"));
        let wt = list.iter().find(|w| w.path == path).expect("listed");
        assert_eq!(wt.branch, Some(BranchName(format!("feat/issue-{n}-x"))));
    }
}

async fn futures_join_all<T>(
    handles: Vec<tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await);
    }
    results
}

#[tokio::test]
async fn worktree_changes_wait_for_the_write_lock() {
    let repos = Repos::new();
    let git = repos.git();
    let path = repos.root.join("wt-locked");
    let held = super::command::write_lock().await;
    let name = branch("feat/issue-9-z");
    let mut add = std::pin::pin!(git.worktree_add(&path, &name, "origin/main"));
    let early = tokio::time::timeout(std::time::Duration::from_millis(100), add.as_mut()).await;
    assert!(
        early.is_err(),
        "worktree_add ran while another git write held the lock"
    );
    assert!(!path.exists());
    drop(held);
    assert_eq!(add.await.unwrap(), WorktreeBranch::Created);
}

#[tokio::test]
async fn a_silent_remote_hits_the_network_timeout() {
    let repos = Repos::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and then says nothing, like a dead server behind a live socket.
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let git = repos
        .git()
        .with_network_timeout(std::time::Duration::from_millis(300));
    let err = git
        .ls_remote_heads(&format!("git://127.0.0.1:{port}/repo"))
        .await
        .unwrap_err();
    assert_eq!(err.status, None);
    assert!(err.stderr.contains("no answer from the remote"), "{err}");
    server.abort();
}

#[tokio::test]
async fn the_common_dir_is_shared_by_every_worktree() {
    let repos = Repos::new();
    let common = repos.work.join(".git");
    assert_eq!(repos.git().common_dir().await.unwrap(), common);
    let path = repos.root.join("wt-common");
    repos
        .git()
        .worktree_add(&path, &branch("feat/issue-3-c"), "origin/main")
        .await
        .unwrap();
    assert_eq!(Git::new(&path).common_dir().await.unwrap(), common);
}

/// Refs the fetches left in their scratch namespace.
fn scratch_refs(repo: &Path) -> String {
    run_git(repo, &["for-each-ref", "refs/auto-milestone/"])
}

#[tokio::test]
async fn a_fetch_moves_only_its_branches_and_leaves_no_scratch_refs() {
    let repos = Repos::new();
    let other = repos.other();
    let main = commit(&other, "m.txt", "main moves");
    run_git(&other, &["push", "--quiet", "origin", "main"]);
    run_git(&other, &["checkout", "--quiet", "-b", "feat/issue-4-d"]);
    let feat = commit(&other, "d.txt", "feature");
    run_git(&other, &["push", "--quiet", "origin", "feat/issue-4-d"]);
    let git = repos.git();
    let before = git.rev_parse("origin/main").await.unwrap();

    git.fetch("origin", &["feat/issue-4-d"]).await.unwrap();
    assert_eq!(
        git.rev_parse("origin/feat/issue-4-d").await.unwrap(),
        Some(feat)
    );
    assert_eq!(
        git.rev_parse("origin/main").await.unwrap(),
        before,
        "no opportunistic update of a branch nobody asked for"
    );
    assert!(!repos.work.join(".git/FETCH_HEAD").exists());
    git.pull_ff_only("origin", &branch("main")).await.unwrap();
    assert_eq!(git.rev_parse("HEAD").await.unwrap(), Some(main.clone()));
    assert_eq!(git.rev_parse("origin/main").await.unwrap(), Some(main));

    let err = git.fetch("origin", &["no-such-branch"]).await.unwrap_err();
    assert!(err.stderr.contains("no-such-branch"), "{err}");
    assert_eq!(scratch_refs(&repos.work), "", "nothing left behind");
    let refused = git.fetch("origin", &["a:b"]).await.unwrap_err();
    assert!(refused.stderr.contains("refusing"), "{refused}");
}

/// A stand-in for the remote's `git-upload-pack` that writes its pid to
/// `pid`, then waits until `release` exists before serving the fetch.
fn slow_upload_pack(repos: &Repos) -> (PathBuf, PathBuf) {
    let pid = repos.root.join("upload-pack.pid");
    let release = repos.root.join("release");
    let script = repos.root.join("slow-upload-pack");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nwhile [ ! -e '{}' ]; do sleep 0.02; done\nexec git upload-pack \"$@\"\n",
            pid.display(),
            release.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    run_git(
        &repos.work,
        &[
            "config",
            "remote.origin.uploadpack",
            script.to_str().unwrap(),
        ],
    );
    (pid, release)
}

/// Waits for `path` to appear (an event the script announces), with a guard
/// against waiting forever.
async fn appears(path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{path:?} never appeared"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_slow_fetch_does_not_hold_up_a_worktree_add() {
    let repos = Repos::new();
    let other = repos.other();
    let head = commit(&other, "s.txt", "slow");
    run_git(&other, &["push", "--quiet", "origin", "main"]);
    let (pid, release) = slow_upload_pack(&repos);
    let git = repos.git();
    let fetch = tokio::spawn({
        let git = git.clone();
        async move { git.fetch("origin", &["main"]).await }
    });
    appears(&pid).await;

    // The fetch now waits on its remote; a worktree add goes ahead meanwhile.
    let path = repos.root.join("wt-during-fetch");
    let name = branch("feat/issue-5-e");
    let add = git.worktree_add(&path, &name, "main");
    let added = tokio::time::timeout(std::time::Duration::from_secs(20), add)
        .await
        .expect("the worktree add waited for the fetch");
    assert_eq!(added.unwrap(), WorktreeBranch::Created);
    assert!(!fetch.is_finished(), "the remote has not answered yet");

    std::fs::write(&release, "").unwrap();
    fetch.await.unwrap().unwrap();
    assert_eq!(git.rev_parse("origin/main").await.unwrap(), Some(head));
    assert_eq!(scratch_refs(&repos.work), "");
}

#[tokio::test]
async fn a_hung_fetch_ends_at_the_timeout_and_takes_its_helpers_with_it() {
    let repos = Repos::new();
    let (pid_file, _never) = slow_upload_pack(&repos);
    let git = repos
        .git()
        .with_network_timeout(std::time::Duration::from_millis(500));
    let err = git.fetch("origin", &["main"]).await.unwrap_err();
    assert_eq!(err.status, None);
    let message = err.to_string();
    assert!(
        message.contains("no answer from the remote within 500ms (git_network_timeout)"),
        "{message}"
    );
    assert!(
        message.contains("AUTO_MILESTONE_GIT_NETWORK_TIMEOUT"),
        "{message}"
    );
    assert_eq!(scratch_refs(&repos.work), "");

    // The stand-in upload-pack got SIGKILL with git's whole process group.
    appears(&pid_file).await;
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while crate::worker::group::read_stat(pid).is_some_and(|s| s.is_running()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the hung helper {pid} still runs"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
