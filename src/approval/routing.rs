//! Which question an incoming reply answers, if any. Pure: the caller looks
//! up the question a button or a reply points at and passes it in.
//!
//! The rules (field notes item 7: replies were not tied to questions):
//! - Only the configured chat counts, and only the allowed users when a list
//!   is set; anything else is ignored without a reply.
//! - A button answers the question whose token it carries, only while that
//!   question is open: a used token (answered) or a voided question is refused.
//! - A text reply to a question's message answers that question.
//! - Otherwise a text must name the PR (`merge #456`) when several questions
//!   are open; with exactly one open question a plain `merge` answers it.
//!   With several open, a budget or plan word (`stop`, `approve`) answers the
//!   one question of that kind that accepts it.
//! - Anything else gets a short help reply and every question stays open.

use crate::approval::grammar::{self, Verdict};
use crate::checkpoint::{QuestionKind, QuestionRow, QuestionStatus};
use crate::ids::PrNumber;

/// Who may answer on Telegram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub chat: i64,
    /// User ids allowed to answer; empty means anyone in the chat.
    pub allowed_users: Vec<i64>,
}

/// Where an incoming reply came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line typed (or piped) on the terminal: whoever runs the program.
    Terminal,
    Telegram {
        chat: i64,
        user: Option<i64>,
        /// How answers name the user: `@username`, else `user <id>`.
        name: String,
        /// The user's message, to reply to.
        message_id: Option<i64>,
        /// The callback query of a button press, to answer.
        callback_id: Option<String>,
    },
}

impl Origin {
    /// The `answered_by` of an answer from here.
    pub fn author(&self) -> &str {
        match self {
            Origin::Terminal => "terminal",
            Origin::Telegram { name, .. } => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A text message, possibly a reply to one of the bot's messages.
    Text { text: String, reply_to: Option<i64> },
    /// An inline button press with its callback data.
    Button { data: String },
}

/// A reply to be routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub origin: Origin,
    pub body: Body,
}

/// What the incoming reply points at, for the caller to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A button's question token (the question id).
    Token(String),
    /// The bot message a text replies to.
    Message(i64),
}

impl Incoming {
    pub fn reference(&self) -> Option<Reference> {
        match &self.body {
            Body::Button { data } => {
                grammar::parse_callback(data).map(|(token, _)| Reference::Token(token.into()))
            }
            Body::Text { reply_to, .. } => reply_to.map(Reference::Message),
        }
    }
}

/// Why an incoming reply was ignored without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    OtherChat { chat: i64 },
    NotAllowed { user: Option<i64> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Not from someone who may answer; log it, say nothing.
    Ignore(Ignored),
    /// `verdict` answers the open question `question`, given by `by`.
    Answer {
        question: String,
        verdict: Verdict,
        by: String,
    },
    /// Reply with this text; no question changes.
    Respond(String),
}

/// Routes `incoming` to one of the `open` questions (this run's, oldest
/// first). `referenced` is the question its button token or reply-to message
/// names, whatever its status, if the checkpoint knows one.
pub fn route(
    incoming: &Incoming,
    gate: Option<&Gate>,
    open: &[QuestionRow],
    referenced: Option<&QuestionRow>,
) -> Route {
    if let Err(ignored) = admit(&incoming.origin, gate) {
        return Route::Ignore(ignored);
    }
    let by = incoming.origin.author();
    match &incoming.body {
        Body::Button { data } => route_button(data, open, referenced, by),
        Body::Text { text, .. } => route_text(&incoming.origin, text, open, referenced, by),
    }
}

fn admit(origin: &Origin, gate: Option<&Gate>) -> Result<(), Ignored> {
    let Origin::Telegram { chat, user, .. } = origin else {
        return Ok(());
    };
    // Telegram without a gate cannot happen; refuse rather than trust anyone.
    let Some(gate) = gate else {
        return Err(Ignored::OtherChat { chat: *chat });
    };
    if *chat != gate.chat {
        return Err(Ignored::OtherChat { chat: *chat });
    }
    let allowed =
        gate.allowed_users.is_empty() || user.is_some_and(|u| gate.allowed_users.contains(&u));
    if !allowed {
        return Err(Ignored::NotAllowed { user: *user });
    }
    Ok(())
}

fn route_button(
    data: &str,
    open: &[QuestionRow],
    referenced: Option<&QuestionRow>,
    by: &str,
) -> Route {
    let Some((_, action)) = grammar::parse_callback(data) else {
        return Route::Respond("I do not know this button.".into());
    };
    let question = match target(referenced, open) {
        Ok(q) => q,
        Err(refusal) => return Route::Respond(refusal),
    };
    match action.verdict(question.kind) {
        Some(verdict) => answer(question, verdict, by),
        None => Route::Respond(grammar::help(question.kind).into()),
    }
}

/// The open question a button or reply points at, or the refusal to send.
fn target<'a>(
    referenced: Option<&QuestionRow>,
    open: &'a [QuestionRow],
) -> Result<&'a QuestionRow, String> {
    let Some(q) = referenced else {
        return Err("This question is no longer known, so it cannot be answered.".into());
    };
    match q.status {
        QuestionStatus::Answered => Err(already_answered(q)),
        QuestionStatus::Void => Err(void_refusal(q)),
        QuestionStatus::Open => open
            .iter()
            .find(|o| o.id == q.id)
            .ok_or_else(|| "This question belongs to an earlier run and no longer applies.".into()),
    }
}

fn already_answered(q: &QuestionRow) -> String {
    let what = q.answer.as_deref().unwrap_or("answered");
    match &q.answered_by {
        Some(by) => format!("This question was already answered ({what}, by {by})."),
        None => format!("This question was already answered ({what})."),
    }
}

/// The refusal for an answer to a voided question.
pub fn void_refusal(q: &QuestionRow) -> String {
    match q.pr {
        Some(pr) => format!(
            "PR {pr} changed since this question, so this answer does not count. \
             Answer the newer question about it."
        ),
        None => "This question no longer applies, so this answer does not count.".into(),
    }
}

fn route_text(
    origin: &Origin,
    text: &str,
    open: &[QuestionRow],
    referenced: Option<&QuestionRow>,
    by: &str,
) -> Route {
    // A reply to a message that carries no question (a help text, a
    // reminder) is read like a plain message.
    if let Some(q) = referenced {
        return match target(Some(q), open) {
            Ok(q) => parse_for(q, text, by),
            Err(refusal) => Route::Respond(refusal),
        };
    }
    if let Some(pr) = grammar::named_pr(text) {
        return match open.iter().find(|q| q.pr == Some(pr)) {
            Some(q) => parse_for(q, text, by),
            None => Route::Respond(no_question_about(pr, open)),
        };
    }
    match open {
        [] => Route::Respond("No question is waiting for an answer.".into()),
        [only] => parse_for(only, text, by),
        several => by_word(several, text, by)
            .unwrap_or_else(|| Route::Respond(name_the_pr(origin, several))),
    }
}

/// With several open questions, a plan or budget word answers the single
/// question of that kind; merge questions always need their PR named.
fn by_word(open: &[QuestionRow], text: &str, by: &str) -> Option<Route> {
    let mut fits = open.iter().filter_map(|q| {
        if q.kind == QuestionKind::Merge {
            return None;
        }
        match grammar::parse_reply(q.kind, text) {
            Ok(r) if !matches!(r.verdict, Verdict::Feedback(_)) => Some((q, r.verdict)),
            _ => None,
        }
    });
    let (q, verdict) = fits.next()?;
    fits.next().is_none().then(|| answer(q, verdict, by))
}

fn parse_for(q: &QuestionRow, text: &str, by: &str) -> Route {
    match grammar::parse_reply(q.kind, text) {
        Ok(reply) => match (reply.pr, q.pr) {
            (Some(named), Some(asked)) if named != asked => Route::Respond(format!(
                "This question is about PR {asked}, not PR {named}."
            )),
            _ => answer(q, reply.verdict, by),
        },
        Err(unparsed) => Route::Respond(unparsed.message(q.kind)),
    }
}

fn answer(q: &QuestionRow, verdict: Verdict, by: &str) -> Route {
    Route::Answer {
        question: q.id.clone(),
        verdict,
        by: by.to_string(),
    }
}

fn open_prs(open: &[QuestionRow]) -> String {
    let prs: Vec<String> = open
        .iter()
        .filter_map(|q| q.pr.map(|p| format!("PR {p}")))
        .collect();
    prs.join(", ")
}

fn no_question_about(pr: PrNumber, open: &[QuestionRow]) -> String {
    let waiting = open_prs(open);
    if waiting.is_empty() {
        format!("No question about PR {pr} is waiting for an answer.")
    } else {
        format!("No question about PR {pr} is waiting for an answer; waiting: {waiting}.")
    }
}

fn name_the_pr(origin: &Origin, open: &[QuestionRow]) -> String {
    let example = open
        .iter()
        .find_map(|q| q.pr)
        .map_or_else(|| "merge #456".to_string(), |pr| format!("merge #{}", pr.0));
    let how = match origin {
        Origin::Terminal => format!("name the PR, e.g. `{example}`"),
        Origin::Telegram { .. } => {
            format!("reply to the question's message, or name the PR, e.g. `{example}`")
        }
    };
    format!(
        "{} questions are waiting ({}): {how}.",
        open.len(),
        open_prs(open)
    )
}

#[cfg(test)]
mod tests;
