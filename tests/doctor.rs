//! `auto-milestone doctor` end to end: the real binary in a clone of a bare
//! origin that the sandbox GitHub serves, with the simulated worker, and the
//! Telegram emulator where Telegram is checked. Every check on a world that
//! is ready, then each failure with its fix. The binary sees a PATH with only
//! git (no `gh`) and a HOME of its own. Telegram tests need
//! `npm ci --prefix tests/peers` once.

mod support;

use std::path::PathBuf;
use std::process::Output;

use gh_sandbox::{BranchProtection, RepoPermissions};
use serde_json::Value;
use support::world::chat::{self, Telegram};
use support::world::{BIN, World, git, text};

/// A world whose binary finds only git on PATH and has its own HOME.
fn world() -> World {
    let mut world = World::new();
    let bin = world.dir.path().join("bin");
    let home = world.dir.path().join("home");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let real_git = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("git"))
        .find(|p| p.is_file())
        .expect("git on the test's PATH");
    std::os::unix::fs::symlink(real_git, bin.join("git")).unwrap();
    world.set("PATH", bin.to_str().unwrap());
    world.set("HOME", home.to_str().unwrap());
    world
}

fn home(world: &World) -> PathBuf {
    world.dir.path().join("home")
}

/// Runs `doctor --json` and returns the report with the exit code.
fn doctor_json(world: &World) -> (Value, i32) {
    let out = world.run_unattended(&["doctor", "--json"]);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --json printed no JSON ({e})\n{}", text(&out)));
    assert!(
        !text(&out).contains("sandbox-token"),
        "the token was printed\n{}",
        text(&out)
    );
    (report, out.status.code().expect("doctor exited"))
}

/// The check called `name`: (status, detail, fix or "").
fn check(report: &Value, name: &str) -> (String, String, String) {
    let found = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {report:#}"));
    let s = |k: &str| found[k].as_str().unwrap_or_default().to_string();
    (s("status"), s("detail"), s("fix"))
}

/// A world as a careful user would have it: a classic token with `repo`, a
/// protected main, Telegram configured in a chat the user opened.
fn ready(tg: &Telegram) -> World {
    let mut world = world();
    world
        .sandbox
        .state()
        .set_oauth_scopes(Some("repo, workflow"));
    world
        .repo
        .protect_branch("main", BranchProtection::requiring(&["ci"], true));
    world.use_telegram(tg, &[]);
    tg.write(chat::CHAT, chat::ANN, "/start", None);
    world
}

#[test]
fn every_check_is_reported_on_a_ready_world_and_exits_0() {
    let tg = Telegram::start();
    let world = ready(&tg);
    let out = world.run_unattended(&["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<(&str, &str)> = stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    let names: Vec<&str> = lines.iter().map(|(_, name)| *name).collect();
    assert_eq!(
        names,
        [
            "settings",
            "git",
            "checkout",
            "repository",
            "token",
            "access",
            "rights",
            "worker",
            "auto-issue",
            "telegram",
            "telegram-chat",
            "protection"
        ],
        "{}",
        text(&out)
    );
    assert!(lines.iter().all(|(status, _)| *status == "ok"), "{stdout}");
    assert!(
        stdout.ends_with("\n0 failed, 0 warnings, 12 ok\n"),
        "{stdout}"
    );

    let (report, code) = doctor_json(&world);
    assert_eq!(code, 0);
    assert!(check(&report, "git").1.starts_with("git version "));
    assert!(check(&report, "checkout").1.contains("origin.git"));
    assert_eq!(check(&report, "repository").1, "acme/widgets (from --repo)");
    assert_eq!(
        check(&report, "token").1,
        "found in GITHUB_TOKEN; GitHub accepted it"
    );
    assert_eq!(
        check(&report, "access").1,
        "acme/widgets: public, default branch main"
    );
    assert!(check(&report, "rights").1.contains("scopes repo, workflow"));
    assert!(check(&report, "worker").1.starts_with(BIN));
    assert!(check(&report, "worker").1.contains("(auto-milestone "));
    assert!(check(&report, "auto-issue").1.starts_with("not needed"));
    assert_eq!(check(&report, "telegram").1, "bot @TestNameBot answers");
    assert_eq!(
        check(&report, "telegram-chat").1,
        format!("chat {} is a private chat with Tester", chat::CHAT)
    );
    assert!(
        check(&report, "protection")
            .1
            .starts_with("main: required checks: ci; branches must be up to date"),
        "{report:#}"
    );
    assert_eq!(report["failed"], 0);
}

#[test]
fn a_fine_grained_token_and_no_telegram_are_warnings_not_failures() {
    let world = world();
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 0, "{report:#}");
    let (status, detail, fix) = check(&report, "rights");
    assert_eq!(status, "warn");
    assert!(detail.contains("not verified"), "{detail}");
    assert!(fix.contains("Pull requests: read and write"), "{fix}");
    let (status, detail, _) = check(&report, "telegram");
    assert_eq!(status, "warn");
    assert_eq!(
        detail,
        "not configured: questions will be asked in the terminal"
    );
    assert_eq!(
        check(&report, "protection").1,
        "main is not protected: GitHub requires nothing before a merge"
    );
}

#[test]
fn no_token_fails_and_leaves_github_unchecked() {
    let mut world = world();
    world.set("GITHUB_TOKEN", "");
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 1);
    let (status, _, fix) = check(&report, "token");
    assert_eq!(status, "fail");
    assert!(
        fix.contains("export GITHUB_TOKEN") && fix.contains("gh auth login"),
        "{fix}"
    );
    for name in ["access", "rights", "protection"] {
        assert_eq!(
            check(&report, name).1,
            "not checked: there is no GitHub token",
            "{name}"
        );
    }
    assert!(
        world.sandbox.requests().all().is_empty(),
        "nothing was asked"
    );
}

#[test]
fn a_token_without_push_rights_fails_and_protection_only_warns() {
    let world = world();
    world.sandbox.state().set_oauth_scopes(Some("repo"));
    world.repo.set_permissions(RepoPermissions::read_only());
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 1);
    let (status, detail, fix) = check(&report, "rights");
    assert_eq!(status, "fail");
    assert_eq!(
        detail,
        "your account may only pull on acme/widgets: pushing branches and opening PRs needs write access"
    );
    assert!(fix.contains("Write role"), "{fix}");
    assert_eq!(check(&report, "protection").0, "warn");
}

#[test]
fn unreadable_protection_warns_naming_the_admin_right() {
    let world = world();
    world.sandbox.state().set_oauth_scopes(Some("repo"));
    world.repo.set_permissions(RepoPermissions {
        admin: false,
        ..RepoPermissions::all()
    });
    world
        .repo
        .protect_branch("main", BranchProtection::requiring(&["ci"], true));
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 0, "a warning does not fail: {report:#}");
    let (status, detail, fix) = check(&report, "protection");
    assert_eq!(status, "warn");
    assert!(
        detail.starts_with("cannot read the protection of main (403)")
            && detail.contains("only to admins of acme/widgets")
            && detail.contains("Administration: read"),
        "{detail}"
    );
    assert!(fix.starts_with("nothing is needed for a run"), "{fix}");
}

#[test]
fn a_missing_worker_program_fails_with_how_to_install_it() {
    let mut world = world();
    world.set(
        "AUTO_MILESTONE_WORKER_COMMAND",
        r#"["no-such-agent", "-p", "{issue}"]"#,
    );
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 1);
    let (status, detail, fix) = check(&report, "worker");
    assert_eq!(status, "fail");
    assert_eq!(
        detail,
        "`no-such-agent` (argv[0] of worker.command) is not on PATH"
    );
    assert!(fix.contains("AUTO_MILESTONE_WORKER_COMMAND"), "{fix}");
}

#[test]
fn the_auto_issue_command_is_looked_for_in_the_checkout_then_the_home() {
    let mut world = world();
    let argv = serde_json::to_string(&[BIN, "-p", "/auto-issue {issue}"]).unwrap();
    world.set("AUTO_MILESTONE_WORKER_COMMAND", &argv);
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 1);
    let (status, _, fix) = check(&report, "auto-issue");
    assert_eq!(status, "fail");
    assert!(fix.contains(".claude/commands/auto-issue.md"), "{fix}");
    assert_eq!(check(&report, "worker").0, "ok");

    let user = home(&world).join(".claude/commands");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("auto-issue.md"), "Implement issue #$ARGUMENTS.\n").unwrap();
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        check(&report, "auto-issue")
            .1
            .ends_with("auto-issue.md (yours)")
    );

    let project = world.work().join(".claude/commands");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("auto-issue.md"),
        "Implement issue #$ARGUMENTS.\n",
    )
    .unwrap();
    let (report, _) = doctor_json(&world);
    assert_eq!(
        check(&report, "auto-issue").1,
        format!(
            "{}/.claude/commands/auto-issue.md (this repository's)",
            world.work().display()
        )
    );
}

#[test]
fn a_telegram_chat_the_bot_cannot_reach_fails_and_a_group_is_named() {
    let tg = Telegram::start();
    let mut world = world();
    world.use_telegram(&tg, &[]);
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 1, "{report:#}\n{}", tg.log());
    assert_eq!(check(&report, "telegram").0, "ok");
    let (status, detail, fix) = check(&report, "telegram-chat");
    assert_eq!(status, "fail");
    assert_eq!(
        detail,
        format!(
            "the bot cannot reach chat {} (Bad Request: chat not found)",
            chat::CHAT
        )
    );
    assert!(
        fix.starts_with("send your bot a message from that chat first"),
        "{fix}"
    );

    let group = -4001;
    world.set("TELEGRAM_CHAT_ID", &group.to_string());
    tg.write(group, chat::ANN, "/start@TestNameBot", None);
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        check(&report, "telegram-chat").1,
        format!(
            "chat {group} is the group \"Test group\": anyone in it may answer; TELEGRAM_ALLOWED_USERS can limit that"
        )
    );
}

#[test]
fn a_checkout_without_origin_fails_with_the_remote_to_add() {
    let world = world();
    git(&world.work(), &["remote", "remove", "origin"]);
    let (report, code) = doctor_json(&world);
    assert_eq!(code, 1);
    let (status, detail, fix) = check(&report, "checkout");
    assert_eq!(status, "fail");
    assert!(detail.ends_with("has no `origin` remote: workers push their branches to origin"));
    assert!(
        fix.contains("git remote add origin git@github.com:acme/widgets.git"),
        "{fix}"
    );
    assert_eq!(
        check(&report, "repository").0,
        "ok",
        "--repo still names it"
    );
}

#[test]
fn a_bad_command_line_exits_2() {
    let world = world();
    let out = world.run_unattended(&["doctor", "--parallel", "2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
}

#[test]
fn the_text_report_puts_each_fix_under_its_check() {
    let mut world = world();
    world.set("AUTO_MILESTONE_WORKER_COMMAND", r#"["no-such-agent"]"#);
    let out: Output = world.run_unattended(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let at = stdout
        .lines()
        .position(|l| l.starts_with("fail  worker "))
        .unwrap_or_else(|| panic!("no worker line\n{stdout}"));
    let fix = stdout.lines().nth(at + 1).unwrap();
    assert!(
        fix.trim_start().starts_with("fix: install `no-such-agent`"),
        "{fix}"
    );
    assert!(
        stdout.ends_with("\n1 failed, 2 warnings, 8 ok\n"),
        "{stdout}"
    );
}
