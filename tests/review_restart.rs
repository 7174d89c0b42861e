//! A restart while a merge question waits for its answer: SIGTERM, then
//! `--resume`. Over Telegram an answer given while the program was down is
//! picked up and the question is not sent twice; at the terminal the
//! question is asked again. Needs `npm ci --prefix tests/peers` once.

mod support;

use std::time::Duration;

use auto_milestone::checkpoint::{IssueState, QuestionKind, RunStatus};
use support::world::chat::{self, ANN, Telegram};
use support::world::{Human, MILESTONE, Running, World, text};

const PATIENCE: Duration = Duration::from_secs(30);

/// Stops the run with SIGTERM and checks it stopped as a stop should.
fn terminate(world: &World, running: Running) {
    running.signal(libc::SIGTERM);
    let out = running.wait();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out));
    assert_eq!(world.latest_run().status, RunStatus::Interrupted);
}

#[test]
fn an_answer_given_on_telegram_while_the_program_was_down_is_taken_after_resume() {
    let tg = Telegram::start();
    let mut world = World::new();
    world.use_telegram(&tg, &[]);
    let issue = world.issue("Add the sprocket", "", "");
    let running = world.start(&[MILESTONE], Human::new(|_| None));
    let question = tg.message_with("ready for review.");
    world.wait_for(PATIENCE, "the question to be recorded as sent", |w| {
        w.open_questions()
            .iter()
            .any(|q| q.chat_message_id == Some(chat::id(&question)))
    });
    terminate(&world, running);
    assert_eq!(world.row(issue).state, IssueState::AwaitingApproval);
    assert_eq!(world.open_questions().len(), 1, "the question stays open");

    // The human answers while nothing is running.
    tg.press(ANN, &question, "Merge");
    let out = world
        .start(&[MILESTONE, "--resume"], Human::new(|_| None))
        .wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}\n{}", tg.log());
    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    assert!(world.open_questions().is_empty());
    let asked = tg
        .texts()
        .iter()
        .filter(|t| t.contains("ready for review."))
        .count();
    assert_eq!(asked, 1, "the question was sent again: {:#?}", tg.texts());
    let closed = tg.message_with("✅ merge — by Tester (77)");
    assert_eq!(chat::id(&closed), chat::id(&question));
}

#[test]
fn a_question_open_at_sigterm_is_asked_again_at_the_terminal_after_resume() {
    let world = World::new();
    let issue = world.issue("Add the flange", "", "");
    let running = world.start(&[MILESTONE], Human::new(|_| None));
    world.wait_for(PATIENCE, "the question on the terminal", |_| {
        running.stdout().contains("ready for review.")
    });
    world.wait_for(PATIENCE, "the question in the checkpoint", |w| {
        w.open_questions().len() == 1
    });
    terminate(&world, running);
    let open = world.open_questions();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0].kind, QuestionKind::Merge);
    assert_eq!(open[0].issue, Some(issue));

    let out = world.run(&[MILESTONE, "--resume"]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let pr = open[0].pr.unwrap();
    assert!(
        log.contains(&format!("{pr} for issue {issue} ready for review.")),
        "not asked again\n{log}"
    );
    assert_eq!(world.row(issue).state, IssueState::Merged);
    assert!(world.open_questions().is_empty());
    assert_eq!(world.latest_run().status, RunStatus::Completed);
}
