//! The human's answers at the terminal, end to end: `changes:` feedback goes
//! to a changes worker exactly as typed, then CI and the question again;
//! `skip` skips the issue and its dependents while the rest merges.

mod support;

use std::sync::{Arc, Mutex};

use auto_milestone::checkpoint::{IssueState, RunStatus};
use gh_sandbox::CiScript;
use gh_sandbox::ItemState;
use support::world::{Human, MILESTONE, Prompt, World, sim_text_argv, text};

/// Feedback a shell would mangle: quotes, a command substitution, backticks,
/// a variable, a glob and a number that must not read as a PR.
const FEEDBACK: &str =
    r#"say "hello, world" and keep $(rm -rf ~) and `id` and $HOME *.rs literal; see #12 \o/"#;

#[test]
fn changes_feedback_reaches_the_worker_verbatim_then_ci_runs_and_the_human_is_asked_again() {
    let mut world = World::new();
    world.repo.set_ci(Some(CiScript::default()));
    let argv = sim_text_argv("changes", "{feedback}");
    let calls = world.record_argv("AUTO_MILESTONE_CHANGES_COMMAND", &argv, "exec \"$@\"");
    let issue = world.issue("Greet the user", "", "");
    let asked = Arc::new(Mutex::new(0));
    let human = {
        let asked = asked.clone();
        Human::new(move |p| {
            let Prompt::Merge { pr, .. } = p else {
                return Some("approve".into());
            };
            let mut n = asked.lock().unwrap();
            *n += 1;
            Some(if *n == 1 {
                format!("changes: {FEEDBACK}")
            } else {
                format!("merge #{pr}")
            })
        })
    };
    let out = world.start(&[MILESTONE], human).wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(
        *asked.lock().unwrap(),
        2,
        "asked again after the changes\n{log}"
    );
    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");

    let (pr, pull) = world.pull_of(issue);
    let runs = world.runs_in_mode("changes");
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0].pr, Some(pr.0));
    assert!(world.log_file(&format!("changes-{}.log", pr.0)).is_some());
    let calls = calls.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0][5], FEEDBACK, "the feedback argument");
    let merged = world
        .file_at("main", &format!("sim/issue-{}.md", issue.0))
        .unwrap();
    assert!(
        merged.contains(&format!("changes requested:\n{FEEDBACK}\n")),
        "the committed file:\n{merged}"
    );

    // CI ran again on the changed head before the second question.
    let changed = pull.head_sha.clone();
    let before = world.parents(&changed).pop().unwrap();
    for head in [&before, &changed] {
        let runs = world.repo.check_runs(head);
        assert_eq!(runs.len(), 1, "CI on {head}");
        assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
    }
    let questions = log.matches("ready for review.").count();
    assert_eq!(questions, 2, "{log}");
    assert_eq!(
        log.lines()
            .filter(|l| l.starts_with("CI: passed | CodeRabbit: no review"))
            .count(),
        2,
        "{log}"
    );
}

#[test]
fn skip_skips_the_issue_and_its_dependents_and_the_independent_issue_merges() {
    let world = World::new();
    let idea = world.issue("Try an idea", "", "");
    let child = world.issue("Build on the idea", &format!("Blocked by {idea}"), "");
    let other = world.issue("Unrelated fix", "Depends on: none", "");
    let human = Human::new(move |p| {
        Some(match p {
            Prompt::Merge { pr, issue } if *issue == idea.0 => format!("skip #{pr}"),
            Prompt::Merge { pr, .. } => format!("merge #{pr}"),
            Prompt::Plan => "approve".into(),
            Prompt::Budget => "stop".into(),
        })
    });
    let out = world.start(&[MILESTONE], human).wait();
    let log = text(&out);

    let row = world.row(idea);
    assert_eq!(row.state, IssueState::Skipped, "{log}");
    assert_eq!(row.skip_reason.as_deref(), Some("skipped by terminal"));
    let (pr, _) = world.pull_of(idea);
    let item = world.repo.issue(pr.0).unwrap();
    assert_eq!(item.state, ItemState::Open, "a skipped PR is left alone");
    assert!(!item.pull.unwrap().merged);
    assert!(
        world
            .file_at("main", &format!("sim/issue-{}.md", idea.0))
            .is_none()
    );

    let child_row = world.row(child);
    assert_eq!(child_row.state, IssueState::Skipped);
    assert_eq!(
        child_row.skip_reason.unwrap(),
        format!("blocked by {idea}, which was skipped: skipped by terminal")
    );
    assert!(world.worker_events(child, "start").is_empty());
    assert_eq!(world.row(other).state, IssueState::Merged, "{log}");

    // `completion_problem`: every issue final, none failed, one merged. A
    // human's skip is a decision, not a failure, so the run is complete.
    assert_eq!(world.latest_run().status, RunStatus::Completed, "{log}");
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("MILESTONE COMPLETE"), "{log}");
}

/// The run stopped after a human's skip was recorded but before its
/// dependent was (a crash between the two writes): `--resume` skips the
/// dependent in the checkpoint, saying why, instead of leaving it pending.
#[test]
fn a_resume_skips_the_waiting_dependents_of_a_human_skip() {
    let world = World::new();
    let idea = world.issue("Try an idea", "", "");
    let child = world.issue("Build on the idea", &format!("Blocked by {idea}"), "");
    let human = Human::new(move |p| {
        Some(match p {
            Prompt::Merge { pr, .. } => format!("skip #{pr}"),
            Prompt::Plan => "approve".into(),
            Prompt::Budget => "stop".into(),
        })
    });
    let first = world.start(&[MILESTONE], human).wait();
    assert_eq!(
        world.row(child).state,
        IssueState::Skipped,
        "{}",
        text(&first)
    );
    // Undo the dependent's skip and the run's end, as a crash between them would.
    let db = rusqlite::Connection::open(world.db()).unwrap();
    db.execute(
        "UPDATE run_issues SET state = 'pending', skip_reason = NULL, machine = NULL, finished_at = NULL WHERE issue = ?1",
        [child.0 as i64],
    )
    .unwrap();
    db.execute(
        "UPDATE runs SET status = 'interrupted', finished_at = NULL",
        [],
    )
    .unwrap();
    drop(db);

    let out = world.run(&[MILESTONE, "--resume"]);
    let log = text(&out);
    let row = world.row(child);
    assert_eq!(row.state, IssueState::Skipped, "{log}");
    assert_eq!(
        row.skip_reason.as_deref(),
        Some(format!("blocked by {idea}, which was skipped: skipped by terminal").as_str()),
        "{log}"
    );
    assert!(world.worker_events(child, "start").is_empty(), "{log}");
    assert_eq!(world.row(idea).state, IssueState::Skipped, "{log}");
}
