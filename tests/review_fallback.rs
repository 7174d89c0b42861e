//! Who asks when Telegram cannot: Telegram configured but unreachable at
//! start sends the questions to the terminal; with nobody at the terminal
//! either, the run stops at the question (exit 4), keeps it open in the
//! checkpoint, says how to resume, and a resume with a human merges.

mod support;

use auto_milestone::checkpoint::{IssueState, QuestionKind, QuestionStatus};
use support::world::{MILESTONE, World, chat, text};

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn telegram_unreachable_at_start_sends_the_questions_to_the_terminal() {
    let mut world = World::new();
    world.set("TELEGRAM_BOT_TOKEN", chat::TOKEN);
    world.set("TELEGRAM_CHAT_ID", &chat::CHAT.to_string());
    world.set(
        "TELEGRAM_API_URL",
        &format!("http://127.0.0.1:{}", closed_port()),
    );
    let issue = world.issue("Add the bracket", "", "");
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let (pr, _) = world.pull_of(issue);
    assert!(
        log.contains(&format!(
            "PR #{} for issue #{} ready for review.",
            pr.0, issue.0
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "✅ PR #{} (issue #{}): merge — by terminal",
            pr.0, issue.0
        )),
        "{log}"
    );
    assert_eq!(world.row(issue).state, IssueState::Merged);
}

#[test]
fn with_nobody_to_ask_the_run_stops_at_the_question_and_a_resume_with_a_human_merges() {
    let world = World::new();
    let issue = world.issue("Add the hinge", "", "");
    let out = world.run_unattended(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(4), "{log}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("run the same command with --resume"),
        "{log}"
    );
    assert_eq!(world.row(issue).state, IssueState::AwaitingApproval);
    assert!(!world.latest_run().status.is_final());
    let open = world.open_questions();
    assert_eq!(open.len(), 1, "{open:#?}");
    let (pr, pull) = world.pull_of(issue);
    assert_eq!(open[0].kind, QuestionKind::Merge);
    assert_eq!(open[0].status, QuestionStatus::Open);
    assert_eq!(open[0].pr, Some(pr));
    assert_eq!(
        open[0].head_sha.as_ref().map(|h| h.0.as_str()),
        Some(pull.head_sha.as_str())
    );
    assert!(!pull.merged);

    let resumed = world.run(&[MILESTONE, "--resume"]);
    let log = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{log}");
    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    assert!(world.open_questions().is_empty());
    assert_eq!(world.pulls_for(issue).len(), 1, "one PR, not a second");
}
