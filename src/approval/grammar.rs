//! The reply grammar: what a human may answer to each kind of question, the
//! data the inline buttons carry, and how an answer is written to the
//! checkpoint. Pure: no I/O.
//!
//! Merge questions: `merge`, `lgtm`, `ok`, `changes: <feedback>`, `skip`,
//! each optionally naming the PR (`merge #456`, `changes #456: ...`).
//! Plan questions: `approve`, `proceed`, `ok`, `abort`, or any other text as
//! feedback. Budget questions: `raise <usd>`, `stop`. Words are matched
//! without regard to case, and a trailing `.` or `!` is fine.

use std::sync::LazyLock;

use regex::Regex;

use crate::checkpoint::QuestionKind;
use crate::ids::PrNumber;
use crate::messages::approval::Answer;

/// A parsed answer before we know who gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Merge,
    Changes(String),
    Skip,
    Approve,
    Abort,
    Feedback(String),
    Raise(f64),
    Stop,
}

impl Verdict {
    /// The protocol's `Answer`, given by `by`.
    pub fn answer(self, by: &str) -> Answer {
        let by = by.to_string();
        match self {
            Verdict::Merge => Answer::Merge { by },
            Verdict::Changes(feedback) => Answer::Changes { feedback, by },
            Verdict::Skip => Answer::Skip { by },
            Verdict::Approve => Answer::Approve { by },
            Verdict::Abort => Answer::Abort { by },
            Verdict::Feedback(text) => Answer::Feedback { text, by },
            Verdict::Raise(usd) => Answer::Raise { usd, by },
            Verdict::Stop => Answer::Stop { by },
        }
    }

    /// How the checkpoint's `answer` column records it; [`Verdict::from_stored`]
    /// reads it back.
    pub fn stored(&self) -> String {
        match self {
            Verdict::Merge => "merge".into(),
            Verdict::Changes(feedback) => format!("changes: {feedback}"),
            Verdict::Skip => "skip".into(),
            Verdict::Approve => "approve".into(),
            Verdict::Abort => "abort".into(),
            Verdict::Feedback(text) => format!("feedback: {text}"),
            Verdict::Raise(usd) => format!("raise {usd}"),
            Verdict::Stop => "stop".into(),
        }
    }

    /// Reads an `answer` column written by [`Verdict::stored`].
    pub fn from_stored(kind: QuestionKind, text: &str) -> Option<Verdict> {
        match (kind, text) {
            (QuestionKind::Plan, "approve") => Some(Verdict::Approve),
            (QuestionKind::Plan, "abort") => Some(Verdict::Abort),
            (QuestionKind::Plan, _) => text
                .strip_prefix("feedback: ")
                .map(|t| Verdict::Feedback(t.to_string())),
            _ => parse_reply(kind, text).ok().map(|r| r.verdict),
        }
    }

    /// A short label for the edited question ("✅ merge — by @alice").
    pub fn label(&self) -> String {
        match self {
            Verdict::Changes(_) => "changes requested".into(),
            Verdict::Feedback(_) => "feedback".into(),
            Verdict::Raise(usd) => format!("raise to ${usd}"),
            other => other.stored(),
        }
    }
}

/// A reply understood for a kind of question.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub verdict: Verdict,
    /// The PR the reply names (`merge #456`), if any.
    pub pr: Option<PrNumber>,
}

/// Why a reply was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unparsed {
    /// Not one of the accepted forms (or `help`).
    Unknown,
    /// `changes:` without saying what to change.
    EmptyFeedback,
    /// `raise` without a positive amount.
    BadAmount,
}

impl Unparsed {
    /// The reply to send back: what went wrong, then what is accepted.
    pub fn message(&self, kind: QuestionKind) -> String {
        let why = match self {
            Unparsed::Unknown => "I did not understand that.",
            Unparsed::EmptyFeedback => "Say what to change after `changes:`.",
            Unparsed::BadAmount => "`raise` needs the new total in USD, e.g. `raise 50`.",
        };
        format!("{why} {}", help(kind))
    }
}

/// What a question of this kind accepts, in one or two sentences.
pub fn help(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Merge => {
            "Reply `merge` (or `lgtm`, `ok`), `changes: <what to change>`, or `skip`. \
             When several PRs wait, name one: `merge #456`."
        }
        QuestionKind::Plan => {
            "Reply `approve` (or `proceed`, `ok`) to go ahead, `abort` to stop, \
             or write feedback for the planner."
        }
        QuestionKind::Budget => "Reply `raise <usd>` to set a new total budget, or `stop`.",
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the grammar's patterns are valid")
}

// `(?:\s+(?:pr\s*)?#(\d+))?` names the PR: `merge #456`, `merge PR #456`.
static MERGE_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(merge|lgtm|ok|skip)(?:\s+(?:pr\s*)?#(\d+))?[\s.!]*$"));
static CHANGES: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?is)^changes(?:\s+(?:pr\s*)?#(\d+))?\s*:(.*)$"));
static NAMED_PR: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?:merge|lgtm|ok|skip|changes)\s+(?:pr\s*)?#(\d+)\b"));
static PLAN_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(approve|proceed|ok|abort)[\s.!]*$"));
static RAISE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^raise\s+\$?(\d+(?:\.\d+)?)\s*(?:usd|\$)?[\s.!]*$"));
static STOP: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^stop[\s.!]*$"));
static RAISE_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^raise\b"));
static HELP: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(help|\?|/help)[\s.!]*$"));

/// Parses a text reply to a question of `kind`.
pub fn parse_reply(kind: QuestionKind, text: &str) -> Result<Reply, Unparsed> {
    let text = text.trim();
    if text.is_empty() || HELP.is_match(text) {
        return Err(Unparsed::Unknown);
    }
    match kind {
        QuestionKind::Merge => parse_merge(text),
        QuestionKind::Plan => Ok(Reply {
            verdict: parse_plan(text),
            pr: None,
        }),
        QuestionKind::Budget => parse_budget(text),
    }
}

fn pr_of(m: Option<regex::Match<'_>>) -> Option<PrNumber> {
    m.and_then(|m| m.as_str().parse().ok()).map(PrNumber)
}

fn parse_merge(text: &str) -> Result<Reply, Unparsed> {
    if let Some(c) = MERGE_WORD.captures(text) {
        let verdict = match c[1].to_ascii_lowercase().as_str() {
            "skip" => Verdict::Skip,
            _ => Verdict::Merge,
        };
        return Ok(Reply {
            verdict,
            pr: pr_of(c.get(2)),
        });
    }
    if let Some(c) = CHANGES.captures(text) {
        let feedback = c[2].trim();
        if feedback.is_empty() {
            return Err(Unparsed::EmptyFeedback);
        }
        return Ok(Reply {
            verdict: Verdict::Changes(feedback.to_string()),
            pr: pr_of(c.get(1)),
        });
    }
    Err(Unparsed::Unknown)
}

fn parse_plan(text: &str) -> Verdict {
    match PLAN_WORD.captures(text) {
        Some(c) if c[1].eq_ignore_ascii_case("abort") => Verdict::Abort,
        Some(_) => Verdict::Approve,
        None => Verdict::Feedback(text.to_string()),
    }
}

fn parse_budget(text: &str) -> Result<Reply, Unparsed> {
    let verdict = if let Some(c) = RAISE.captures(text) {
        match c[1].parse::<f64>() {
            Ok(usd) if usd > 0.0 && usd.is_finite() => Verdict::Raise(usd),
            _ => return Err(Unparsed::BadAmount),
        }
    } else if STOP.is_match(text) {
        Verdict::Stop
    } else if RAISE_WORD.is_match(text) {
        return Err(Unparsed::BadAmount);
    } else {
        return Err(Unparsed::Unknown);
    };
    Ok(Reply { verdict, pr: None })
}

/// The PR a merge-style reply names right after its command word
/// (`merge #456`, `changes #456: ...`); a number inside feedback does not count.
pub fn named_pr(text: &str) -> Option<PrNumber> {
    NAMED_PR.captures(text.trim()).and_then(|c| pr_of(c.get(1)))
}

/// What an inline button does.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ButtonAction {
    Merge,
    Skip,
    Approve,
    Abort,
    Stop,
}

impl ButtonAction {
    const ALL: [ButtonAction; 5] = [
        ButtonAction::Merge,
        ButtonAction::Skip,
        ButtonAction::Approve,
        ButtonAction::Abort,
        ButtonAction::Stop,
    ];

    pub fn word(self) -> &'static str {
        match self {
            ButtonAction::Merge => "merge",
            ButtonAction::Skip => "skip",
            ButtonAction::Approve => "approve",
            ButtonAction::Abort => "abort",
            ButtonAction::Stop => "stop",
        }
    }

    /// The button's caption.
    pub fn caption(self) -> &'static str {
        match self {
            ButtonAction::Merge => "Merge",
            ButtonAction::Skip => "Skip",
            ButtonAction::Approve => "Approve",
            ButtonAction::Abort => "Abort",
            ButtonAction::Stop => "Stop",
        }
    }

    /// The answer this button gives to a question of `kind`, if it belongs there.
    pub fn verdict(self, kind: QuestionKind) -> Option<Verdict> {
        match (kind, self) {
            (QuestionKind::Merge, ButtonAction::Merge) => Some(Verdict::Merge),
            (QuestionKind::Merge, ButtonAction::Skip) => Some(Verdict::Skip),
            (QuestionKind::Plan, ButtonAction::Approve) => Some(Verdict::Approve),
            (QuestionKind::Plan, ButtonAction::Abort) => Some(Verdict::Abort),
            (QuestionKind::Budget, ButtonAction::Stop) => Some(Verdict::Stop),
            _ => None,
        }
    }
}

/// The buttons under a question of `kind` (answers that need text have none).
pub fn buttons(kind: QuestionKind) -> &'static [ButtonAction] {
    match kind {
        QuestionKind::Merge => &[ButtonAction::Merge, ButtonAction::Skip],
        QuestionKind::Plan => &[ButtonAction::Approve, ButtonAction::Abort],
        QuestionKind::Budget => &[ButtonAction::Stop],
    }
}

/// Telegram allows at most this many bytes of callback data.
pub const CALLBACK_DATA_MAX: usize = 64;

/// A new question token: 16 lowercase hex digits, unguessable enough that
/// a button cannot be forged for a question one has not seen.
pub fn new_token() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The callback data of a button: `<token>:<action>` (at most 24 bytes).
pub fn callback_data(token: &str, action: ButtonAction) -> String {
    let data = format!("{token}:{}", action.word());
    debug_assert!(data.len() <= CALLBACK_DATA_MAX);
    data
}

/// Reads callback data written by [`callback_data`]: the question token and the action.
pub fn parse_callback(data: &str) -> Option<(&str, ButtonAction)> {
    let (token, word) = data.rsplit_once(':')?;
    let valid_token = !token.is_empty()
        && token.len() <= 32
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let action = ButtonAction::ALL.into_iter().find(|a| a.word() == word)?;
    valid_token.then_some((token, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuestionKind::*;

    fn verdict(kind: QuestionKind, text: &str) -> (Verdict, Option<u64>) {
        let reply = parse_reply(kind, text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        (reply.verdict, reply.pr.map(|p| p.0))
    }

    #[test]
    fn merge_words_in_any_case_with_trailing_punctuation() {
        for text in [
            "merge", "MERGE", "Lgtm", "ok", "OK!", "merge.", "  lgtm  ", "ok!!",
        ] {
            assert_eq!(verdict(Merge, text), (Verdict::Merge, None), "{text}");
        }
        for text in ["skip", "Skip.", "SKIP!"] {
            assert_eq!(verdict(Merge, text), (Verdict::Skip, None), "{text}");
        }
    }

    #[test]
    fn merge_replies_may_name_the_pr() {
        assert_eq!(verdict(Merge, "merge #456"), (Verdict::Merge, Some(456)));
        assert_eq!(verdict(Merge, "LGTM PR #7."), (Verdict::Merge, Some(7)));
        assert_eq!(verdict(Merge, "skip #12"), (Verdict::Skip, Some(12)));
        assert_eq!(
            verdict(Merge, "changes #456: rename it"),
            (Verdict::Changes("rename it".into()), Some(456))
        );
        assert_eq!(named_pr("merge #456"), Some(PrNumber(456)));
        assert_eq!(named_pr("Changes PR #9: x"), Some(PrNumber(9)));
        assert_eq!(named_pr("changes: see #12"), None);
        assert_eq!(named_pr("merge"), None);
        assert_eq!(named_pr("please look at #5"), None);
    }

    #[test]
    fn changes_keep_their_feedback_exactly() {
        let feedback = "Use `Result` here.\nAnd MIND the #3 case: x != y";
        assert_eq!(
            verdict(Merge, &format!("changes: {feedback}")),
            (Verdict::Changes(feedback.into()), None)
        );
        assert_eq!(
            verdict(Merge, "Changes:tidy up"),
            (Verdict::Changes("tidy up".into()), None)
        );
        assert_eq!(parse_reply(Merge, "changes:"), Err(Unparsed::EmptyFeedback));
        assert_eq!(
            parse_reply(Merge, "changes #4:   "),
            Err(Unparsed::EmptyFeedback)
        );
    }

    #[test]
    fn anything_else_on_a_merge_question_is_not_understood() {
        for text in [
            "",
            "merge it",
            "yes",
            "changes please",
            "ok?",
            "help",
            "?",
            "mergeX",
        ] {
            assert_eq!(parse_reply(Merge, text), Err(Unparsed::Unknown), "{text:?}");
        }
        let msg = Unparsed::Unknown.message(Merge);
        assert!(msg.contains("`merge`") && msg.contains("changes:") && msg.contains("`skip`"));
        assert!(msg.contains("merge #456"), "{msg}");
    }

    #[test]
    fn plan_answers_approve_abort_or_feedback() {
        for text in ["approve", "Proceed.", "OK", "ok!"] {
            assert_eq!(verdict(Plan, text), (Verdict::Approve, None), "{text}");
        }
        assert_eq!(verdict(Plan, "ABORT"), (Verdict::Abort, None));
        assert_eq!(
            verdict(Plan, " #12 must wait for #11 \n"),
            (Verdict::Feedback("#12 must wait for #11".into()), None)
        );
        assert_eq!(
            verdict(Plan, "merge"),
            (Verdict::Feedback("merge".into()), None)
        );
        assert_eq!(parse_reply(Plan, "help"), Err(Unparsed::Unknown));
        assert_eq!(parse_reply(Plan, "  "), Err(Unparsed::Unknown));
        assert!(Unparsed::Unknown.message(Plan).contains("`abort`"));
    }

    #[test]
    fn budget_answers_raise_or_stop() {
        assert_eq!(verdict(Budget, "raise 50"), (Verdict::Raise(50.0), None));
        assert_eq!(verdict(Budget, "Raise $12.5"), (Verdict::Raise(12.5), None));
        assert_eq!(
            verdict(Budget, "raise 30 USD."),
            (Verdict::Raise(30.0), None)
        );
        assert_eq!(verdict(Budget, "STOP!"), (Verdict::Stop, None));
        assert_eq!(parse_reply(Budget, "raise"), Err(Unparsed::BadAmount));
        assert_eq!(parse_reply(Budget, "raise lots"), Err(Unparsed::BadAmount));
        assert_eq!(parse_reply(Budget, "raise 0"), Err(Unparsed::BadAmount));
        assert_eq!(parse_reply(Budget, "stopping"), Err(Unparsed::Unknown));
        assert_eq!(parse_reply(Budget, "stop now"), Err(Unparsed::Unknown));
        assert_eq!(parse_reply(Budget, "merge"), Err(Unparsed::Unknown));
        assert!(Unparsed::BadAmount.message(Budget).contains("raise 50"));
    }

    #[test]
    fn stored_answers_read_back() {
        let cases = [
            (Merge, Verdict::Merge),
            (Merge, Verdict::Skip),
            (Merge, Verdict::Changes("a: b\nc".into())),
            (Plan, Verdict::Approve),
            (Plan, Verdict::Abort),
            (Plan, Verdict::Feedback("approve".into())),
            (Budget, Verdict::Raise(42.5)),
            (Budget, Verdict::Stop),
        ];
        for (kind, v) in cases {
            assert_eq!(
                Verdict::from_stored(kind, &v.stored()),
                Some(v.clone()),
                "{v:?}"
            );
        }
        assert_eq!(Verdict::from_stored(Plan, "whatever"), None);
    }

    #[test]
    fn verdicts_become_answers_with_their_author() {
        assert_eq!(
            Verdict::Changes("x".into()).answer("@ann"),
            Answer::Changes {
                feedback: "x".into(),
                by: "@ann".into()
            }
        );
        assert_eq!(
            Verdict::Raise(3.0).answer("auto"),
            Answer::Raise {
                usd: 3.0,
                by: "auto".into()
            }
        );
    }

    #[test]
    fn callback_data_round_trips_and_stays_short() {
        let token = new_token();
        assert_eq!(token.len(), 16);
        assert_ne!(token, new_token());
        for &kind in QuestionKind::ALL {
            for &action in buttons(kind) {
                let data = callback_data(&token, action);
                assert!(data.len() <= CALLBACK_DATA_MAX, "{data}");
                assert_eq!(parse_callback(&data), Some((token.as_str(), action)));
                assert!(action.verdict(kind).is_some(), "{kind} {action:?}");
            }
        }
        assert_eq!(parse_callback("merge"), None);
        assert_eq!(parse_callback(":merge"), None);
        assert_eq!(parse_callback("abc:explode"), None);
        assert_eq!(parse_callback("a b:merge"), None);
        assert_eq!(ButtonAction::Merge.verdict(Plan), None);
        assert_eq!(ButtonAction::Stop.verdict(Merge), None);
    }
}
