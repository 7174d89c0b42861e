//! The terminal channel and the automatic approver through the real
//! `ApprovalActor` and a real checkpoint: answers are piped into the
//! channel's stdin, and its output is read back from a pipe.

mod support;

use std::io::{BufRead, BufReader, PipeWriter, Write};
use std::path::Path;
use std::time::Duration;

use actix::System;
use tokio::sync::mpsc;

use auto_milestone::approval::{ChannelChoice, TerminalIo};
use auto_milestone::checkpoint::{QuestionKind, QuestionRow, RunId, Store};
use auto_milestone::ids::{CommitSha, IssueNumber, PrNumber};
use auto_milestone::messages::approval::{Answer, AskError, Notify, Question, Withdraw};
use auto_milestone::messages::checkpoint::OpenQuestions;
use support::approval::{Bench, NO_REMINDER, PATIENCE, answer_of, ask, new_checkpoint};

fn merge_question(issue: u64) -> Question {
    let pr = issue + 333;
    Question {
        kind: QuestionKind::Merge,
        issue: Some(IssueNumber(issue)),
        pr: Some(PrNumber(pr)),
        head_sha: Some(CommitSha("c".repeat(40))),
        text: format!("PR #{pr} for issue #{issue} ready for review."),
    }
}

fn run_question(kind: QuestionKind, text: &str) -> Question {
    Question {
        kind,
        issue: None,
        pr: None,
        head_sha: None,
        text: text.into(),
    }
}

/// A terminal made of pipes: what the test types, and what the channel printed.
struct Terminal {
    keyboard: Option<PipeWriter>,
    screen: mpsc::UnboundedReceiver<String>,
}

impl Terminal {
    /// The channel's side (its stdin and stdout) and the test's side. The
    /// test types as soon as it reads, so a question counts as read at once.
    fn new() -> (TerminalIo, Terminal) {
        Terminal::reading_for(Duration::ZERO)
    }

    /// A terminal whose questions take `read_time` to be read.
    fn reading_for(read_time: Duration) -> (TerminalIo, Terminal) {
        let (stdin, keyboard) = std::io::pipe().unwrap();
        let (screen_reader, stdout) = std::io::pipe().unwrap();
        let (tx, screen) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(screen_reader).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let io = TerminalIo::new(BufReader::new(stdin), stdout).with_read_time(read_time);
        (
            io,
            Terminal {
                keyboard: Some(keyboard),
                screen,
            },
        )
    }

    fn type_line(&mut self, line: &str) {
        let keyboard = self.keyboard.as_mut().expect("stdin is still open");
        writeln!(keyboard, "{line}").unwrap();
    }

    /// Closes stdin: end of input.
    fn hang_up(&mut self) {
        self.keyboard = None;
    }

    /// Reads printed lines until one contains `needle`.
    async fn expect(&mut self, needle: &str) -> String {
        loop {
            let line = tokio::time::timeout(PATIENCE, self.screen.recv())
                .await
                .unwrap_or_else(|_| panic!("the terminal never printed {needle:?}"))
                .unwrap_or_else(|| panic!("the terminal closed before printing {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }
}

fn bench(path: &Path, run: RunId, channel: ChannelChoice) -> Bench {
    Bench::start(path, run, channel, NO_REMINDER)
}

async fn open_questions(b: &Bench, run: RunId) -> Vec<QuestionRow> {
    b.checkpoint
        .send(OpenQuestions { run })
        .await
        .unwrap()
        .unwrap()
}

#[test]
fn a_piped_line_answers_the_question_printed_with_its_pr() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    let (io, mut term) = Terminal::new();
    System::new().block_on(async {
        let b = bench(&path, run, ChannelChoice::Terminal(io));
        let pending = ask(&b, run, merge_question(123));
        term.expect("PR #456 (issue #123)").await;
        term.expect("ready for review").await;
        term.expect("Answer here").await;
        term.type_line("what?");
        term.expect("did not understand").await;
        term.type_line("");
        term.type_line("Changes: keep the old name");
        assert_eq!(
            answer_of(pending).await,
            Ok(Answer::Changes {
                feedback: "keep the old name".into(),
                by: "terminal".into()
            })
        );
        term.expect("✅ PR #456 (issue #123): changes requested — by terminal")
            .await;
        assert!(open_questions(&b, run).await.is_empty());

        b.approval
            .send(Notify {
                text: "MILESTONE COMPLETE".into(),
            })
            .await
            .unwrap();
        term.expect("MILESTONE COMPLETE").await;
    });
}

#[test]
fn one_question_is_on_screen_at_a_time_and_a_plain_line_answers_it() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    let (io, mut term) = Terminal::new();
    System::new().block_on(async {
        let b = bench(&path, run, ChannelChoice::Terminal(io));
        let first = ask(&b, run, merge_question(123));
        term.expect("── PR #456 (issue #123) ──").await;
        let second = ask(&b, run, merge_question(124));
        let waiting = term.expect("PR #457 (issue #124) is waiting").await;
        assert!(waiting.contains("merge #457"), "{waiting}");

        term.type_line("merge #999");
        term.expect("No question about PR #999").await;
        // A plain line is for the question on screen, however many wait.
        term.type_line("merge");
        assert_eq!(
            answer_of(first).await,
            Ok(Answer::Merge {
                by: "terminal".into()
            })
        );
        // The next in line comes up in full.
        term.expect("── PR #457 (issue #124) ──").await;
        term.expect("ready for review").await;
        term.type_line("skip.");
        assert_eq!(
            answer_of(second).await,
            Ok(Answer::Skip {
                by: "terminal".into()
            })
        );
    });
}

#[test]
fn a_plain_ok_typed_as_one_question_is_voided_and_another_asked_answers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    let read_time = Duration::from_millis(600);
    let (io, mut term) = Terminal::reading_for(read_time);
    System::new().block_on(async {
        let b = bench(&path, run, ChannelChoice::Terminal(io));
        let old = ask(&b, run, merge_question(123));
        term.expect("── PR #456 (issue #123) ──").await;
        let next = ask(&b, run, merge_question(124));
        term.expect("PR #457 (issue #124) is waiting").await;
        tokio::time::sleep(read_time).await;
        let withdraw = Withdraw {
            run,
            kind: QuestionKind::Merge,
            issue: Some(IssueNumber(123)),
            why: "PR #456 was closed on GitHub".into(),
        };
        b.approval.send(withdraw).await.unwrap();
        assert!(matches!(answer_of(old).await, Err(AskError::Withdrawn(_))));
        term.expect("── PR #457 (issue #124) ──").await;
        // Typed for the question that just went away.
        term.type_line("ok");
        term.expect("PR #457 just came up").await;
        let open = open_questions(&b, run).await;
        assert_eq!(open.len(), 1, "nothing was answered: {open:?}");
        assert_eq!(open[0].pr, Some(PrNumber(457)));

        tokio::time::sleep(read_time).await;
        term.type_line("ok");
        assert_eq!(
            answer_of(next).await,
            Ok(Answer::Merge {
                by: "terminal".into()
            })
        );
    });
}

#[test]
fn end_of_input_makes_the_ask_unavailable_and_the_question_stays_open() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    let (io, mut term) = Terminal::new();
    System::new().block_on(async {
        let b = bench(&path, run, ChannelChoice::Terminal(io));
        let pending = ask(&b, run, merge_question(123));
        term.expect("PR #456").await;
        term.hang_up();
        let Err(AskError::Unavailable(why)) = answer_of(pending).await else {
            panic!("expected the terminal to be unavailable");
        };
        assert!(
            why.contains("--resume") && why.contains("TELEGRAM_BOT_TOKEN"),
            "{why}"
        );
        let open = open_questions(&b, run).await;
        assert_eq!(open.len(), 1);

        // Asked again (as a resume would): the same question, still unavailable.
        let again = answer_of(ask(&b, run, merge_question(123))).await;
        assert!(matches!(again, Err(AskError::Unavailable(_))), "{again:?}");
        assert_eq!(open_questions(&b, run).await, open);
    });
}

#[test]
fn an_empty_stdin_cannot_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    System::new().block_on(async {
        let io = TerminalIo::new(std::io::empty(), std::io::sink());
        let b = bench(&path, run, ChannelChoice::Terminal(io));
        // The reader may not have seen the end yet when the first ask comes:
        // then that ask waits until it does.
        let answer = answer_of(ask(&b, run, run_question(QuestionKind::Plan, "PLAN?"))).await;
        assert!(
            matches!(answer, Err(AskError::Unavailable(_))),
            "{answer:?}"
        );
        assert_eq!(open_questions(&b, run).await.len(), 1);
    });
}

#[test]
fn nobody_to_ask_says_why_and_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    System::new().block_on(async {
        let why = "approvals are off".to_string();
        let b = bench(&path, run, ChannelChoice::None { why });
        let answer = answer_of(ask(&b, run, merge_question(123))).await;
        let Err(AskError::Unavailable(text)) = answer else {
            panic!("expected unavailable, got {answer:?}");
        };
        assert!(
            text.starts_with("approvals are off; ") && text.contains("--resume"),
            "{text}"
        );
        assert_eq!(open_questions(&b, run).await.len(), 1);
    });
}

#[test]
fn the_automatic_approver_answers_and_records_like_a_human() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    let (io, mut term) = Terminal::new();
    System::new().block_on(async {
        let b = bench(&path, run, ChannelChoice::Auto(io.output));
        let auto = || "auto".to_string();
        let plan = answer_of(ask(&b, run, run_question(QuestionKind::Plan, "PLAN?"))).await;
        assert_eq!(plan, Ok(Answer::Approve { by: auto() }));
        let merge = answer_of(ask(&b, run, merge_question(123))).await;
        assert_eq!(merge, Ok(Answer::Merge { by: auto() }));
        term.expect("✅ PR #456 (issue #123): merge (automatic approval)")
            .await;
        let budget = answer_of(ask(&b, run, run_question(QuestionKind::Budget, "BUDGET?"))).await;
        assert_eq!(budget, Ok(Answer::Stop { by: auto() }));
        assert!(open_questions(&b, run).await.is_empty());
    });
    let store = Store::open_read_only(&path).unwrap();
    let events = store.events(run).unwrap();
    let answers: Vec<String> = events
        .iter()
        .filter(|e| e.kind == "question_answered")
        .filter_map(|e| e.detail.clone())
        .collect();
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|d| d.contains(r#""answered_by":"auto""#)),
        "{answers:?}"
    );
}

#[test]
fn an_answer_nobody_waited_for_is_kept_for_the_next_ask() {
    let dir = tempfile::tempdir().unwrap();
    let (path, run) = new_checkpoint(dir.path());
    let (io, mut term) = Terminal::new();
    System::new().block_on(async {
        let b = bench(&path, run, ChannelChoice::Terminal(io));
        // The asker stops waiting (its actor restarted, say).
        let gone = ask(&b, run, merge_question(123));
        term.expect("PR #456").await;
        gone.abort();
        assert!(gone.await.unwrap_err().is_cancelled());
        term.type_line("lgtm");
        term.expect("✅ PR #456").await;
        let answer = answer_of(ask(&b, run, merge_question(123))).await;
        assert_eq!(
            answer,
            Ok(Answer::Merge {
                by: "terminal".into()
            })
        );
    });
}
