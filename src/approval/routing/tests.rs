use chrono::Utc;

use super::*;
use crate::approval::grammar::{ButtonAction, callback_data};
use crate::checkpoint::RunId;
use crate::ids::{CommitSha, IssueNumber};

/// A private chat (Telegram gives those positive ids).
const CHAT: i64 = 100;
const ANN: i64 = 7;

fn question(id: &str, kind: QuestionKind, pr: Option<u64>) -> QuestionRow {
    QuestionRow {
        id: id.into(),
        run_id: RunId(1),
        issue: pr.map(|p| IssueNumber(p - 100)),
        pr: pr.map(PrNumber),
        head_sha: pr.map(|_| CommitSha("a".repeat(40))),
        kind,
        channel: format!("telegram:{CHAT}"),
        chat_message_id: Some(pr.map_or(1, |p| p as i64 * 10)),
        text: "question".into(),
        status: QuestionStatus::Open,
        answer: None,
        answered_by: None,
        asked_at: Utc::now(),
        answered_at: None,
        reminded_at: None,
    }
}

fn merge_q(id: &str, pr: u64) -> QuestionRow {
    question(id, QuestionKind::Merge, Some(pr))
}

fn gate() -> Gate {
    Gate {
        chat: CHAT,
        allowed_users: vec![ANN],
    }
}

fn from(chat: i64, user: i64) -> Origin {
    Origin::Telegram {
        chat,
        user: Some(user),
        name: format!("user {user}"),
        message_id: Some(99),
        callback_id: None,
    }
}

fn text(origin: Origin, text: &str, reply_to: Option<i64>) -> Incoming {
    Incoming {
        origin,
        body: Body::Text {
            text: text.into(),
            reply_to,
        },
    }
}

fn button(origin: Origin, token: &str, action: ButtonAction) -> Incoming {
    Incoming {
        origin,
        body: Body::Button {
            data: callback_data(token, action),
        },
    }
}

/// Routes like the engine does: looks up what the reply references among `known`.
fn go(incoming: &Incoming, open: &[QuestionRow], known: &[QuestionRow]) -> Route {
    let referenced = incoming.reference().and_then(|r| {
        known.iter().find(|q| match &r {
            Reference::Token(t) => &q.id == t,
            Reference::Message(m) => q.chat_message_id == Some(*m),
        })
    });
    route(
        incoming,
        Some(&gate()),
        open,
        referenced,
        &private_and_quiet(),
    )
}

/// A private chat where nothing was asked or voided lately.
fn private_and_quiet() -> Plain {
    Plain::telegram(true, true)
}

fn answered(route: Route) -> (String, Verdict, String) {
    match route {
        Route::Answer {
            question,
            verdict,
            by,
        } => (question, verdict, by),
        other => panic!("expected an answer, got {other:?}"),
    }
}

fn responded(route: Route) -> String {
    match route {
        Route::Respond(text) => text,
        other => panic!("expected a reply, got {other:?}"),
    }
}

#[test]
fn a_button_answers_the_open_question_its_token_names() {
    let open = [merge_q("q1", 456), merge_q("q2", 457)];
    let route = go(
        &button(from(CHAT, ANN), "q2", ButtonAction::Skip),
        &open,
        &open,
    );
    assert_eq!(
        answered(route),
        ("q2".into(), Verdict::Skip, format!("user {ANN}"))
    );
}

#[test]
fn a_used_token_is_refused() {
    let mut done = merge_q("q1", 456);
    done.status = QuestionStatus::Answered;
    done.answer = Some("merge".into());
    done.answered_by = Some("@ann".into());
    let reply = responded(go(
        &button(from(CHAT, ANN), "q1", ButtonAction::Merge),
        &[],
        &[done],
    ));
    assert!(
        reply.contains("already answered (merge, by @ann)"),
        "{reply}"
    );
}

#[test]
fn an_unknown_or_malformed_button_is_refused() {
    let open = [merge_q("q1", 456)];
    let reply = responded(go(
        &button(from(CHAT, ANN), "nope", ButtonAction::Merge),
        &open,
        &open,
    ));
    assert!(reply.contains("no longer known"), "{reply}");
    let bad = Incoming {
        origin: from(CHAT, ANN),
        body: Body::Button {
            data: "q1:explode".into(),
        },
    };
    assert!(responded(go(&bad, &open, &open)).contains("do not know this button"));
}

#[test]
fn a_button_of_another_kind_gets_help() {
    let open = [question("p1", QuestionKind::Plan, None)];
    let reply = responded(go(
        &button(from(CHAT, ANN), "p1", ButtonAction::Merge),
        &open,
        &open,
    ));
    assert!(reply.contains("`approve`"), "{reply}");
}

#[test]
fn an_answer_to_a_voided_question_says_the_pr_changed() {
    let mut old = merge_q("q1", 456);
    old.status = QuestionStatus::Void;
    let new = QuestionRow {
        id: "q2".into(),
        chat_message_id: Some(4561),
        ..merge_q("q2", 456)
    };
    let open = [new.clone()];
    let known = [old.clone(), new];
    let by_button = responded(go(
        &button(from(CHAT, ANN), "q1", ButtonAction::Merge),
        &open,
        &known,
    ));
    assert!(by_button.contains("PR #456 changed"), "{by_button}");
    let by_reply = responded(go(
        &text(from(CHAT, ANN), "merge", Some(4560)),
        &open,
        &known,
    ));
    assert!(by_reply.contains("PR #456 changed"), "{by_reply}");
    let mut plan = question("p1", QuestionKind::Plan, None);
    plan.status = QuestionStatus::Void;
    assert!(void_refusal(&plan).contains("no longer applies"));
}

#[test]
fn an_open_question_of_an_earlier_run_is_refused() {
    let stale = merge_q("q0", 456);
    let reply = responded(go(
        &button(from(CHAT, ANN), "q0", ButtonAction::Merge),
        &[],
        &[stale],
    ));
    assert!(reply.contains("earlier run"), "{reply}");
}

#[test]
fn a_text_reply_to_the_question_message_answers_it() {
    let open = [merge_q("q1", 456), merge_q("q2", 457)];
    let route = go(
        &text(from(CHAT, ANN), "changes: add a test", Some(4570)),
        &open,
        &open,
    );
    assert_eq!(answered(route).1, Verdict::Changes("add a test".into()));
}

#[test]
fn a_reply_naming_another_pr_than_the_question_is_refused() {
    let open = [merge_q("q1", 456), merge_q("q2", 457)];
    let reply = responded(go(
        &text(from(CHAT, ANN), "merge #457", Some(4560)),
        &open,
        &open,
    ));
    assert!(reply.contains("about PR #456, not PR #457"), "{reply}");
}

#[test]
fn with_several_open_a_plain_text_must_name_the_pr() {
    let open = [merge_q("q1", 456), merge_q("q2", 457)];
    let reply = responded(go(&text(from(CHAT, ANN), "merge", None), &open, &open));
    assert!(
        reply.contains("2 questions are waiting (PR #456, PR #457)"),
        "{reply}"
    );
    assert!(reply.contains("merge #456"), "{reply}");
    let route = go(&text(from(CHAT, ANN), "merge #457", None), &open, &open);
    assert_eq!(answered(route).0, "q2");
    let nothing_on_screen = Plain::terminal(Screen::Empty);
    let terminal = route_text(
        &Origin::Terminal,
        "lgtm",
        &open,
        None,
        &nothing_on_screen,
        "terminal",
    );
    let reply = responded(terminal);
    assert!(!reply.contains("reply to"), "{reply}");
}

#[test]
fn a_wrong_pr_named_gets_the_list_of_waiting_ones() {
    let open = [merge_q("q1", 456)];
    let reply = responded(go(&text(from(CHAT, ANN), "merge #999", None), &open, &open));
    assert!(reply.contains("No question about PR #999"), "{reply}");
    assert!(reply.contains("waiting: PR #456"), "{reply}");
}

#[test]
fn with_one_open_question_a_plain_reply_counts() {
    let open = [merge_q("q1", 456)];
    let route = go(&text(from(CHAT, ANN), "LGTM!", None), &open, &open);
    assert_eq!(
        answered(route),
        ("q1".into(), Verdict::Merge, format!("user {ANN}"))
    );
    let plan = [question("p1", QuestionKind::Plan, None)];
    let route = go(&text(from(CHAT, ANN), "do #3 first", None), &plan, &plan);
    assert_eq!(answered(route).1, Verdict::Feedback("do #3 first".into()));
}

#[test]
fn unreadable_text_gets_help_and_changes_nothing() {
    let open = [merge_q("q1", 456)];
    let reply = responded(go(
        &text(from(CHAT, ANN), "hmm, not sure", None),
        &open,
        &open,
    ));
    assert!(reply.contains("did not understand"), "{reply}");
    let reply = responded(go(&text(from(CHAT, ANN), "merge", None), &[], &[]));
    assert!(reply.contains("No question is waiting"), "{reply}");
}

#[test]
fn on_the_terminal_with_nothing_on_screen_a_budget_word_answers_the_budget_question() {
    let open = [
        merge_q("q1", 456),
        merge_q("q2", 457),
        question("b1", QuestionKind::Budget, None),
    ];
    let incoming = text(Origin::Terminal, "stop", None);
    let nothing = Plain::terminal(Screen::Empty);
    assert_eq!(
        answered(route(&incoming, None, &open, None, &nothing)),
        ("b1".into(), Verdict::Stop, "terminal".into())
    );
    // Feedback is not a word: with several open it needs the PR named.
    let open = [merge_q("q1", 456), question("p1", QuestionKind::Plan, None)];
    let incoming = text(Origin::Terminal, "do #3 first", None);
    responded(route(&incoming, None, &open, None, &nothing));
    // On Telegram a plain word never picks among several questions.
    let open = [
        merge_q("q1", 456),
        question("b1", QuestionKind::Budget, None),
    ];
    let reply = responded(go(&text(from(CHAT, ANN), "stop", None), &open, &open));
    assert!(reply.contains("reply to the question's message"), "{reply}");
}

#[test]
fn in_a_group_chat_a_plain_message_answers_nothing() {
    let open = [merge_q("q1", 456)];
    let group = Plain::telegram(false, true);
    let incoming = text(from(CHAT, ANN), "merge", None);
    let reply = responded(route(&incoming, Some(&gate()), &open, None, &group));
    assert!(reply.contains("In a group chat"), "{reply}");
    assert!(reply.contains("merge #456"), "{reply}");
    // Naming the PR, or replying to the question, still counts there.
    let named = text(from(CHAT, ANN), "merge #456", None);
    assert!(matches!(
        route(&named, Some(&gate()), &open, None, &group),
        Route::Answer { .. }
    ));
    let reply_to = text(from(CHAT, ANN), "ok", Some(4560));
    assert!(matches!(
        route(&reply_to, Some(&gate()), &open, Some(&open[0]), &group),
        Route::Answer { .. }
    ));
}

#[test]
fn a_plain_ok_just_after_a_question_was_asked_or_voided_answers_nothing() {
    // One question was voided and another asked a moment ago: "ok" may have
    // been typed for the old one.
    let open = [merge_q("q2", 457)];
    let busy = Plain::telegram(true, false);
    let incoming = text(from(CHAT, ANN), "ok", None);
    let reply = responded(route(&incoming, Some(&gate()), &open, None, &busy));
    assert!(reply.contains("just asked or withdrawn"), "{reply}");
    assert!(reply.contains("merge #457"), "{reply}");
    assert!(matches!(
        route(&incoming, Some(&gate()), &open, None, &private_and_quiet()),
        Route::Answer { .. }
    ));
}

#[test]
fn on_the_terminal_a_plain_line_answers_the_question_on_screen() {
    let open = [merge_q("q1", 456), merge_q("q2", 457)];
    let incoming = text(Origin::Terminal, "merge", None);
    let shown = Plain::terminal(Screen::Shown("q2".into()));
    assert_eq!(
        answered(route(&incoming, None, &open, None, &shown)),
        ("q2".into(), Verdict::Merge, "terminal".into())
    );
    // `merge #N` still answers any of them.
    let named = text(Origin::Terminal, "skip #456", None);
    assert_eq!(answered(route(&named, None, &open, None, &shown)).0, "q1");
}

#[test]
fn a_line_typed_before_the_question_on_screen_came_up_answers_nothing() {
    let open = [merge_q("q2", 457)];
    let incoming = text(Origin::Terminal, "merge", None);
    let just = Plain::terminal(Screen::JustShown("q2".into()));
    let reply = responded(route(&incoming, None, &open, None, &just));
    assert!(reply.contains("PR #457 just came up"), "{reply}");
}

#[test]
fn strangers_and_disallowed_users_are_ignored() {
    let open = [merge_q("q1", 456)];
    assert_eq!(
        go(&text(from(CHAT + 1, ANN), "merge", None), &open, &open),
        Route::Ignore(Ignored::OtherChat { chat: CHAT + 1 })
    );
    assert_eq!(
        go(
            &button(from(CHAT, 8), "q1", ButtonAction::Merge),
            &open,
            &open
        ),
        Route::Ignore(Ignored::NotAllowed { user: Some(8) })
    );
    let anyone = Gate {
        chat: CHAT,
        allowed_users: vec![],
    };
    let incoming = text(from(CHAT, 8), "merge", None);
    assert!(matches!(
        route(&incoming, Some(&anyone), &open, None, &private_and_quiet()),
        Route::Answer { .. }
    ));
    assert!(matches!(
        route(&incoming, None, &open, None, &private_and_quiet()),
        Route::Ignore(Ignored::OtherChat { .. })
    ));
}

#[test]
fn the_terminal_needs_no_gate_and_answers_as_terminal() {
    let open = [merge_q("q1", 456)];
    let incoming = text(Origin::Terminal, "skip", None);
    assert_eq!(
        answered(route(
            &incoming,
            None,
            &open,
            None,
            &Plain::terminal(Screen::Shown("q1".into()))
        )),
        ("q1".into(), Verdict::Skip, "terminal".into())
    );
}
