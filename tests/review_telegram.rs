//! Approvals over Telegram end to end: the binary runs with the Telegram
//! emulator as its Bot API, and the test plays the human in the chat — reads
//! the bot's question, presses its buttons or replies to it. Also who may
//! answer, and a question whose PR changed under it. Needs
//! `npm ci --prefix tests/peers` once.

mod support;

use auto_milestone::checkpoint::{IssueState, QuestionStatus, RunStatus};
use gh_sandbox::CiScript;
use gh_sandbox::ItemState;
use support::world::chat::{self, ANN, CHAT, STRANGER, Telegram};
use support::world::{Human, MILESTONE, World, text};

/// Nobody at the terminal: every answer comes over Telegram.
fn nobody() -> Human {
    Human::new(|_| None)
}

#[test]
fn a_green_pr_is_squash_merged_after_merge_is_pressed_on_telegram() {
    let tg = Telegram::start();
    let mut world = World::new();
    world.use_telegram(&tg, &[]);
    world.repo.set_ci(Some(CiScript::default()));
    let issue = world.issue("Add the widget type", "", "");
    let running = world.start(&[MILESTONE], nobody());

    let question = tg.message_with("ready for review.");
    let (pr, pull) = world.pull_of(issue);
    let lines: Vec<&str> = chat::text(&question).lines().collect();
    assert_eq!(
        lines[0],
        format!("PR #{} for issue #{} ready for review.", pr.0, issue.0)
    );
    assert_eq!(lines[1], "Add the widget type");
    assert!(
        lines[2].starts_with("http") && lines[2].ends_with(&format!("/acme/widgets/pull/{}", pr.0)),
        "{lines:?}"
    );
    assert_eq!(lines[3], "CI: passed | CodeRabbit: no review");
    assert_eq!(
        lines.last().copied(),
        Some("Reply: merge / changes: <feedback> / skip")
    );
    let captions: Vec<String> = chat::buttons(&question).into_iter().map(|b| b.0).collect();
    assert_eq!(captions, ["Merge", "Skip"]);
    assert_eq!(world.row(issue).state, IssueState::AwaitingApproval);

    tg.press(ANN, &question, "Merge");
    let out = running.wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");

    let row = world.row(issue);
    assert_eq!(row.state, IssueState::Merged, "{log}");
    assert_eq!(row.pr, Some(pr));
    assert_eq!(world.latest_run().status, RunStatus::Completed);
    // Squash: one new commit on main, with one parent, titled after the PR.
    let commits = world.main_log();
    assert_eq!(
        commits,
        [
            format!("Add the widget type (#{})", pr.0),
            "Initial commit".to_string()
        ]
    );
    assert_eq!(world.parents("main").len(), 1);
    assert!(
        world
            .file_at("main", &format!("sim/issue-{}.md", issue.0))
            .is_some()
    );
    let merged = world.pull_of(issue).1;
    assert!(merged.merged, "{log}");
    assert_eq!(
        world.repo.branch(&pull.head_ref),
        None,
        "branch left on origin"
    );
    assert!(world.repo.deleted_branches().contains(&pull.head_ref));

    // The question was closed in place, and the run's end was announced.
    let closed = tg.message_with("✅ merge — by Tester (77)");
    assert_eq!(chat::id(&closed), chat::id(&question));
    assert!(chat::buttons(&closed).is_empty());
    let q = world
        .store()
        .question(&chat::token_of(&chat::button(&question, "Merge")))
        .unwrap()
        .expect("the question is in the checkpoint");
    assert_eq!(q.status, QuestionStatus::Answered);
    assert_eq!(q.answered_by.as_deref(), Some("Tester (77)"));
    tg.message_with("MILESTONE COMPLETE");
}

#[test]
fn answers_from_another_chat_or_a_user_not_allowed_are_ignored() {
    let tg = Telegram::start();
    let mut world = World::new();
    world.use_telegram(&tg, &[ANN]);
    let issue = world.issue("Rename the widget", "", "");
    let running = world.start(&[MILESTONE], nobody());
    let question = tg.message_with("ready for review.");

    // The allowed user in another chat, then a stranger in this one: a
    // button and a reply to the question. None of them may count.
    tg.write(CHAT + 1, ANN, "skip", None);
    tg.press(STRANGER, &question, "Skip");
    tg.write(CHAT, STRANGER, "skip", Some(&question));
    tg.write(CHAT, STRANGER, "skip", None);
    // Updates are handled in order: had a stranger's skip counted, this
    // reply would answer a closed question and the issue would be skipped.
    tg.write(CHAT, ANN, "merge", Some(&question));

    let out = running.wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}\n{}", tg.log());
    let row = world.row(issue);
    assert_eq!(row.state, IssueState::Merged, "{log}");
    assert_eq!(row.skip_reason, None);
    let q = world
        .store()
        .question(&chat::token_of(&chat::button(&question, "Merge")))
        .unwrap()
        .unwrap();
    assert_eq!(q.answer.as_deref(), Some("merge"));
    assert_eq!(q.answered_by.as_deref(), Some("Tester (77)"));
    assert!(
        tg.messages_in(CHAT + 1).is_empty(),
        "the bot answered in another chat"
    );
    let said: Vec<String> = tg.texts();
    assert!(
        !said.iter().any(|t| t.contains("✅ skip")),
        "the bot took up a stranger's skip: {said:#?}"
    );
}

#[test]
fn a_question_about_an_old_head_is_voided_and_answers_to_it_are_refused() {
    let tg = Telegram::start();
    let mut world = World::new();
    world.use_telegram(&tg, &[]);
    let issue = world.issue("Add the gadget", "", "");
    let running = world.start(&[MILESTONE], nobody());
    let old = tg.message_with("ready for review.");
    let (pr, pull) = world.pull_of(issue);
    let old_token = chat::token_of(&chat::button(&old, "Merge"));

    // Someone pushes to the PR after the question went out.
    let new_head = world.push_commit(&pull.head_ref, "sim/late.md", "pushed after the question\n");
    let voided = tg.wait_for("the old question to be voided", |all| {
        all.iter()
            .find(|m| chat::id(m) == chat::id(&old) && chat::text(m).contains("No longer applies"))
            .cloned()
    });
    assert!(chat::buttons(&voided).is_empty(), "{voided}");
    let newer = tg.wait_for("the question about the new head", |all| {
        all.iter()
            .find(|m| chat::id(m) != chat::id(&old) && chat::asks_about(m, pr.0))
            .cloned()
    });
    assert!(!chat::buttons(&newer).is_empty());

    // Answers to the old question: its button, then a reply to it.
    tg.press(ANN, &old, "Merge");
    tg.write(CHAT, ANN, "merge", Some(&old));
    tg.message_with(&format!("PR #{} changed since this question", pr.0));
    let store = world.store();
    assert_eq!(
        store.question(&old_token).unwrap().unwrap().status,
        QuestionStatus::Void
    );
    let open = world.open_questions();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(
        open[0].head_sha.as_ref().map(|h| h.0.clone()),
        Some(new_head.clone())
    );
    let item = world.repo.issue(pr.0).unwrap();
    assert_eq!(item.state, ItemState::Open, "merged on a refused answer");

    tg.press(ANN, &newer, "Merge");
    let out = running.wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(world.row(issue).state, IssueState::Merged);
    assert_eq!(
        world.file_at("main", "sim/late.md").as_deref(),
        Some("pushed after the question\n"),
        "the merge is of the new head"
    );
}

#[test]
fn an_unanswered_question_gets_exactly_one_reminder() {
    let tg = Telegram::start();
    let mut world = World::new();
    world.use_telegram(&tg, &[]);
    world.set("AUTO_MILESTONE_TELEGRAM_REMINDER", "300ms");
    let issue = world.issue("Add the latch", "", "");
    let running = world.start(&[MILESTONE], nobody());
    let question = tg.message_with("ready for review.");
    let (pr, _) = world.pull_of(issue);
    tg.message_with(&format!("Still waiting for your answer about PR #{}", pr.0));
    let reminded = world.open_questions();
    assert!(reminded[0].reminded_at.is_some(), "{reminded:#?}");
    // Three more reminder delays pass without a second reminder; the
    // emulator offers nothing to wait on for "nothing happened".
    std::thread::sleep(std::time::Duration::from_millis(900));
    let reminders = tg
        .texts()
        .iter()
        .filter(|t| t.contains("Still waiting"))
        .count();
    assert_eq!(reminders, 1, "{:#?}", tg.texts());

    tg.press(ANN, &question, "Merge");
    let out = running.wait();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(world.row(issue).state, IssueState::Merged);
}
