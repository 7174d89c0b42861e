//! The planning gate end to end: a plan that needs review (two issues that
//! say nothing about dependencies) asks "MILESTONE PLAN REVIEW" before any
//! worker starts; `abort` ends the run, feedback without a planner command
//! gets a notice and the question again, `approve` goes on.

mod support;

use std::sync::{Arc, Mutex};

use auto_milestone::checkpoint::{IssueState, RunStatus};
use support::world::{Human, MILESTONE, Prompt, World, text};

/// Answers the plan question with each of `answers` in turn and merges every PR.
fn plan_answers(answers: &'static [&'static str], asked: Arc<Mutex<usize>>) -> Human {
    Human::new(move |p| match p {
        Prompt::Plan => {
            let mut n = asked.lock().unwrap();
            *n += 1;
            answers.get(*n - 1).map(|a| a.to_string())
        }
        Prompt::Merge { pr, .. } => Some(format!("merge #{pr}")),
        Prompt::Budget => Some("stop".into()),
    })
}

#[test]
fn abort_at_the_planning_gate_ends_the_run_before_any_worker() {
    let world = World::new();
    let one = world.issue("Add the cog", "", "");
    let two = world.issue("Add the spring", "", "");
    let asked = Arc::new(Mutex::new(0));
    let out = world
        .start(&[MILESTONE], plan_answers(&["abort"], asked.clone()))
        .wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert_eq!(*asked.lock().unwrap(), 1);

    let stdout = String::from_utf8_lossy(&out.stdout);
    let question = stdout
        .split("MILESTONE PLAN REVIEW\n")
        .nth(1)
        .expect("the plan question");
    assert!(
        question.starts_with("Milestone \"Sprint 1\"\nPlanning issues detected:\n"),
        "{question}"
    );
    assert!(
        question.contains(&format!("- {one} and {two} say nothing about dependencies")),
        "{question}"
    );
    assert!(
        question.contains("Reply 'approve' to continue, 'abort' to stop, or provide feedback."),
        "{question}"
    );
    assert!(
        stdout.contains("Aborted at the planning gate by terminal"),
        "{log}"
    );

    // Checkpointed: the run is over, nothing started, the answer recorded.
    assert_eq!(world.latest_run().status, RunStatus::Failed);
    assert!(
        world.trace().is_empty(),
        "a worker started: {:#?}",
        world.trace()
    );
    assert!(world.repo.pulls().is_empty());
    for issue in [one, two] {
        assert_eq!(world.row(issue).state, IssueState::Pending);
    }
    let answers = world.events_of_kind("question_answered");
    assert_eq!(answers.len(), 1, "{answers:#?}");
    assert!(
        answers[0].detail.as_deref().unwrap_or("").contains("abort"),
        "{answers:#?}"
    );
    assert!(world.open_questions().is_empty());
}

#[test]
fn feedback_without_a_planner_gets_a_notice_and_the_question_again_then_approve_runs() {
    let world = World::new();
    let one = world.issue("Add the cog", "", "");
    let two = world.issue("Add the spring", "", "");
    let asked = Arc::new(Mutex::new(0));
    let answers = &["run the spring after the cog, please", "approve"];
    let out = world
        .start(&[MILESTONE], plan_answers(answers, asked.clone()))
        .wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(
        *asked.lock().unwrap(),
        2,
        "asked again after the feedback\n{log}"
    );

    let stdout = String::from_utf8_lossy(&out.stdout);
    let notice = stdout
        .find("No planner command is configured (planner.command)")
        .expect("the notice");
    let second = stdout.rfind("MILESTONE PLAN REVIEW").unwrap();
    let first = stdout.find("MILESTONE PLAN REVIEW").unwrap();
    assert!(
        first < notice && notice < second,
        "notice between the questions\n{log}"
    );
    for issue in [one, two] {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{issue}\n{log}");
    }
    assert_eq!(world.latest_run().status, RunStatus::Completed);
}

/// Feedback starts a re-plan; the run is killed while the planner works.
/// Nobody approved any plan, so the resume asks the question again before
/// any worker starts, instead of running the plan it had saved.
#[test]
fn a_resume_after_an_interrupted_re_plan_asks_the_plan_question_again() {
    let mut world = World::new();
    let one = world.issue("Add the cog", "", "");
    let two = world.issue("Add the spring", "", "");
    let marker = world.work().join("..").join("replanning");
    // First planning (no feedback): the planner declines and the built-in
    // plan stands; with feedback it marks that it started and works on.
    let script = format!(
        "if [ -n \"$1\" ]; then touch '{}'; sleep 20; fi; exit 1",
        marker.display()
    );
    let argv = serde_json::json!(["sh", "-c", script, "planner", "{feedback}"]).to_string();
    world.set("AUTO_MILESTONE_PLANNER_COMMAND", &argv);
    let asked = Arc::new(Mutex::new(0));
    let mut first = world.start(
        &[MILESTONE],
        plan_answers(&["run the spring after the cog, please"], asked.clone()),
    );
    world.wait_for(
        std::time::Duration::from_secs(60),
        "the re-plan to start",
        |_| marker.exists(),
    );
    first.kill();
    assert!(world.trace().is_empty(), "no worker before approval");

    let again = Arc::new(Mutex::new(0));
    let out = world
        .start(
            &[MILESTONE, "--resume"],
            plan_answers(&["approve"], again.clone()),
        )
        .wait();
    let log = text(&out);
    assert_eq!(
        *again.lock().unwrap(),
        1,
        "the resume asks the plan question again\n{log}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let asked_at = stdout.find("MILESTONE PLAN REVIEW").expect("the question");
    assert!(
        !stdout[..asked_at].contains("worker"),
        "nothing ran before the question\n{log}"
    );
    for issue in [one, two] {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{issue}\n{log}");
    }
    assert_eq!(out.status.code(), Some(0), "{log}");
}
