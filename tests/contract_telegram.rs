//! Contract test of the Telegram channel: the real `ApprovalActor` (with a
//! real checkpoint in a temporary directory) drives teloxide against the
//! npm `telegram-test-api` emulator on loopback, and the test plays the
//! human through the emulator. Needs `npm ci --prefix tests/peers` once.

mod support;

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use actix::System;
use serde_json::Value;

use auto_milestone::approval::telegram::{SavedOffset, offset_key};
use auto_milestone::approval::{ChannelChoice, TelegramConfig};
use auto_milestone::checkpoint::{QuestionKind, QuestionStatus, RunId, Store};
use auto_milestone::ids::{CommitSha, IssueNumber, PrNumber};
use auto_milestone::messages::approval::{Answer, AskError, Notify, Question, Withdraw};
use auto_milestone::messages::checkpoint::GetQuestion;
use support::approval::{Bench, NO_REMINDER, PATIENCE, answer_of, ask, new_checkpoint};
use support::peers::TelegramEmulator;
use support::world::chat;

const TOKEN: &str = "4242:contract-test-token";
const BOT_ID: u64 = 4242;
const CHAT: i64 = 5001;
const ANN: i64 = 77;
const STRANGER: i64 = 666;

fn merge_question(issue: u64, head: char) -> Question {
    let pr = issue + 333;
    Question {
        kind: QuestionKind::Merge,
        issue: Some(IssueNumber(issue)),
        pr: Some(PrNumber(pr)),
        head_sha: Some(CommitSha(head.to_string().repeat(40))),
        text: format!(
            "PR #{pr} for issue #{issue} ready for review.\nIssue {issue}\n\
             CI: passed | CodeRabbit: 0 comments (0 addressed)\n\nReply: merge / changes: <feedback> / skip"
        ),
    }
}

/// The approval actor on Telegram (through the emulator) and the checkpoint actor under it.
async fn bench(
    tg: &TelegramEmulator,
    path: &Path,
    run: RunId,
    allowed: Vec<i64>,
    reminder: Duration,
) -> Bench {
    let mut config = TelegramConfig::connect(TOKEN, Some(&tg.url()), CHAT, allowed)
        .await
        .expect("the emulator answers getMe");
    config.retry = Duration::from_millis(50);
    // These tests send plain messages right after asking; the 30 s rule
    // itself is covered by the routing tests.
    config.plain_quiet = Duration::ZERO;
    Bench::start(path, run, ChannelChoice::Telegram(config), reminder)
}

/// Polls `probe` until it returns something (the emulator offers no push).
async fn wait_for<T, F: Future<Output = Option<T>>>(what: &str, mut probe: impl FnMut() -> F) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn messages(tg: &TelegramEmulator) -> Vec<Value> {
    tg.bot_messages(TOKEN, CHAT).await
}

/// Waits for the bot's message whose text contains `needle`.
async fn bot_message(tg: &TelegramEmulator, needle: &str) -> Value {
    wait_for(&format!("a bot message with {needle:?}"), || async {
        messages(tg)
            .await
            .into_iter()
            .find(|m| chat::text(m).contains(needle))
    })
    .await
}

async fn question_status(
    b: &Bench,
    token: &str,
) -> (QuestionStatus, Option<String>, Option<String>) {
    let q = b
        .checkpoint
        .send(GetQuestion {
            id: token.to_string(),
        })
        .await
        .unwrap()
        .unwrap()
        .expect("the question is in the checkpoint");
    (q.status, q.answer, q.answered_by)
}

#[test]
fn a_button_answers_the_question_and_the_message_is_closed() {
    let tg = TelegramEmulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    System::new().block_on(async {
        let b = bench(&tg, &path, run, vec![], NO_REMINDER).await;
        let pending = ask(&b, run, merge_question(123, 'a'));
        let question = bot_message(&tg, "PR #456 for issue #123").await;
        let captions: Vec<String> = chat::buttons(&question)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(captions, ["Merge", "Skip"]);
        let data = chat::button(&question, "Merge");
        assert!(data.len() <= 64 && data.ends_with(":merge"), "{data}");

        tg.send_callback(TOKEN, CHAT, ANN, &data, chat::id(&question))
            .await;
        let answer = answer_of(pending).await.unwrap();
        assert_eq!(
            answer,
            Answer::Merge {
                by: format!("Tester ({ANN})")
            }
        );

        let closed = bot_message(&tg, "✅ merge — by Tester").await;
        assert_eq!(chat::id(&closed), chat::id(&question));
        assert!(
            chat::buttons(&closed).is_empty(),
            "buttons stay on {closed}"
        );
        let (status, stored, by) = question_status(&b, &chat::token_of(&data)).await;
        assert_eq!(status, QuestionStatus::Answered);
        assert_eq!(stored.as_deref(), Some("merge"));
        assert_eq!(by, Some(format!("Tester ({ANN})")));

        // The token was for one answer: pressing again (or replying) is refused.
        let skip = data_of_opt(&question, "Skip").expect("a Skip button");
        tg.send_callback(TOKEN, CHAT, ANN, &skip, chat::id(&question))
            .await;
        tg.send_message(TOKEN, CHAT, ANN, "skip", Some(chat::id(&question)))
            .await;
        bot_message(&tg, "already answered (merge").await;
        assert_eq!(
            question_status(&b, &chat::token_of(&data))
                .await
                .1
                .as_deref(),
            Some("merge")
        );
    });
}

#[test]
fn a_text_reply_to_the_question_answers_it_and_strangers_are_ignored() {
    let tg = TelegramEmulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    System::new().block_on(async {
        let b = bench(&tg, &path, run, vec![ANN], NO_REMINDER).await;
        let pending = ask(&b, run, merge_question(123, 'a'));
        let question = bot_message(&tg, "PR #456").await;
        let id = chat::id(&question);

        // Another chat, and a user of this chat who is not allowed.
        tg.send_message(TOKEN, CHAT + 1, ANN, "skip", None).await;
        tg.send_callback(TOKEN, CHAT, STRANGER, &chat::button(&question, "Skip"), id)
            .await;
        tg.send_message(TOKEN, CHAT, STRANGER, "skip", Some(id))
            .await;
        // Updates are handled in order: had a stranger counted, this would not.
        tg.send_message(
            TOKEN,
            CHAT,
            ANN,
            "changes: add a test for #12\nand rename it",
            Some(id),
        )
        .await;

        let answer = answer_of(pending).await.unwrap();
        assert_eq!(
            answer,
            Answer::Changes {
                feedback: "add a test for #12\nand rename it".into(),
                by: format!("Tester ({ANN})"),
            }
        );
        bot_message(&tg, "changes requested — by Tester").await;
        assert!(
            tg.bot_messages(TOKEN, CHAT + 1).await.is_empty(),
            "the other chat got an answer"
        );
        let texts: Vec<String> = messages(&tg)
            .await
            .iter()
            .map(|m| chat::text(m).to_string())
            .collect();
        assert_eq!(
            texts.len(),
            2,
            "only the question and the confirmation: {texts:?}"
        );
        assert!(
            texts[1].starts_with("✅ changes requested — PR #456"),
            "{texts:?}"
        );
    });
}

#[test]
fn several_questions_need_the_pr_named_and_help_leaves_them_open() {
    let tg = TelegramEmulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    System::new().block_on(async {
        let b = bench(&tg, &path, run, vec![], NO_REMINDER).await;
        let first = ask(&b, run, merge_question(123, 'a'));
        bot_message(&tg, "PR #456").await;
        let second = ask(&b, run, merge_question(124, 'b'));
        bot_message(&tg, "PR #457").await;

        tg.send_message(TOKEN, CHAT, ANN, "merge", None).await;
        bot_message(&tg, "2 questions are waiting (PR #456, PR #457)").await;
        tg.send_message(TOKEN, CHAT, ANN, "merge #999", None).await;
        bot_message(&tg, "No question about PR #999").await;
        tg.send_message(TOKEN, CHAT, ANN, "skip #457", None).await;
        assert!(matches!(answer_of(second).await, Ok(Answer::Skip { .. })));
        tg.send_message(TOKEN, CHAT, ANN, "lgtm", None).await;
        assert!(matches!(answer_of(first).await, Ok(Answer::Merge { .. })));
    });
}

#[test]
fn a_withdrawn_question_is_edited_and_answers_to_it_are_refused() {
    let tg = TelegramEmulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    System::new().block_on(async {
        let b = bench(&tg, &path, run, vec![], NO_REMINDER).await;
        let pending = ask(&b, run, merge_question(123, 'a'));
        let question = bot_message(&tg, "PR #456").await;
        let data = chat::button(&question, "Merge");

        let why = "PR #456 changed (new head bbbbbbb)".to_string();
        let withdraw = Withdraw {
            run,
            kind: QuestionKind::Merge,
            issue: Some(IssueNumber(123)),
            why: why.clone(),
        };
        b.approval.send(withdraw).await.unwrap();
        assert_eq!(answer_of(pending).await, Err(AskError::Withdrawn(why)));
        let edited = bot_message(&tg, "No longer applies: PR #456 changed").await;
        assert!(chat::buttons(&edited).is_empty());

        tg.send_callback(TOKEN, CHAT, ANN, &data, chat::id(&question))
            .await;
        tg.send_message(TOKEN, CHAT, ANN, "merge", Some(chat::id(&question)))
            .await;
        bot_message(&tg, "PR #456 changed since this question").await;
        assert_eq!(
            question_status(&b, &chat::token_of(&data)).await.0,
            QuestionStatus::Void
        );

        // Asking about the new head sends a new question.
        let again = ask(&b, run, merge_question(123, 'b'));
        let newer = wait_for("the new question", || async {
            let all = messages(&tg).await;
            all.into_iter()
                .rev()
                .find(|m| data_of_opt(m, "Merge").is_some_and(|d| d != data))
        })
        .await;
        tg.send_callback(
            TOKEN,
            CHAT,
            ANN,
            &chat::button(&newer, "Skip"),
            chat::id(&newer),
        )
        .await;
        assert!(matches!(answer_of(again).await, Ok(Answer::Skip { .. })));
    });
}

/// The callback data of the button captioned `caption`, if there is one.
fn data_of_opt(m: &Value, caption: &str) -> Option<String> {
    chat::buttons(m)
        .into_iter()
        .find(|(c, _)| c == caption)
        .map(|(_, d)| d)
}

#[test]
fn an_answer_given_while_the_program_was_down_is_found_after_a_restart() {
    let tg = TelegramEmulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());

    let question_id = System::new().block_on(async {
        let b = bench(&tg, &path, run, vec![], NO_REMINDER).await;
        let _pending = ask(&b, run, merge_question(123, 'a'));
        let question = bot_message(&tg, "PR #456").await;
        // Handled updates move the offset: a help reply proves one was handled.
        tg.send_message(TOKEN, CHAT, ANN, "what?", None).await;
        bot_message(&tg, "did not understand").await;
        chat::id(&question)
    });
    // The system is gone: the actors, the poller and the checkpoint connection.
    System::new().block_on(async {
        tg.send_message(TOKEN, CHAT, ANN, "merge", Some(question_id))
            .await;
    });
    System::new().block_on(async {
        let b = bench(&tg, &path, run, vec![], NO_REMINDER).await;
        let answer = answer_of(ask(&b, run, merge_question(123, 'a'))).await;
        assert_eq!(
            answer,
            Ok(Answer::Merge {
                by: format!("Tester ({ANN})")
            })
        );
        let closed = bot_message(&tg, "✅ merge — by").await;
        assert_eq!(chat::id(&closed), question_id);
        let asked = messages(&tg)
            .await
            .iter()
            .filter(|m| chat::text(m).contains("ready for review"))
            .count();
        assert_eq!(asked, 1, "the question was sent again");
    });

    let store = Store::open_read_only(&path).unwrap();
    let saved = store.kv_get(&offset_key(BOT_ID)).unwrap();
    let offset = SavedOffset::usable(saved.as_deref(), chrono::Utc::now());
    assert!(offset.is_some_and(|o| o > 1), "offset not saved: {saved:?}");
}

#[test]
fn one_reminder_after_the_delay_and_notices_are_plain_messages() {
    let tg = TelegramEmulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    System::new().block_on(async {
        let b = bench(&tg, &path, run, vec![], Duration::from_millis(200)).await;
        let pending = ask(&b, run, merge_question(123, 'a'));
        let question = bot_message(&tg, "PR #456").await;
        bot_message(&tg, "Still waiting for your answer about PR #456").await;
        let data = chat::button(&question, "Merge");
        let q = b
            .checkpoint
            .send(GetQuestion {
                id: chat::token_of(&data),
            })
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(q.reminded_at.is_some());

        b.approval
            .send(Notify {
                text: "MILESTONE COMPLETE".into(),
            })
            .await
            .unwrap();
        bot_message(&tg, "MILESTONE COMPLETE").await;
        let reminders = messages(&tg)
            .await
            .iter()
            .filter(|m| chat::text(m).contains("Still waiting"))
            .count();
        assert_eq!(reminders, 1);
        tg.send_callback(TOKEN, CHAT, ANN, &data, chat::id(&question))
            .await;
        assert!(matches!(answer_of(pending).await, Ok(Answer::Merge { .. })));
    });
}
