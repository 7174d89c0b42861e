//! Which question an incoming reply answers, if any. Pure: the caller looks
//! up the question a button or a reply points at and passes it in.
//!
//! The rules (field notes item 7: replies were not tied to questions):
//! - Only the configured chat counts, and only the allowed users when a list
//!   is set; anything else is ignored without a reply.
//! - A button answers the question whose token it carries, only while that
//!   question is open: a used token (answered) or a voided question is refused.
//! - A text reply to a question's message answers that question.
//! - Otherwise a text must name the PR (`merge #456`), except a plain one:
//!   - on Telegram, only in a private chat, only with exactly one question
//!     open, and only when no question was asked or voided in the last 30 s
//!     (field notes: a plain "ok" typed as one question was voided and
//!     another asked must answer nothing);
//!   - on the terminal, it answers the question on screen, and only if that
//!     one was already on screen when the line was typed; with none there, a
//!     budget or plan word (`stop`, `approve`) answers the one question of
//!     that kind that accepts it.
//! - Anything else gets a reply saying what to send instead, and every
//!   question stays open.

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
    /// A button on the run's web page (its URL carries the run's token).
    Web,
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
            Origin::Web => "web",
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

/// What a plain text (no reply, no PR named) may answer, as the engine
/// sees the conversation when it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// Telegram: the configured chat is a private chat with the bot.
    pub private_chat: bool,
    /// Telegram: no question was asked or voided within the quiet period.
    pub quiet: bool,
    /// The terminal: the question on screen.
    pub screen: Screen,
}

impl Plain {
    /// What a plain text may answer on the terminal.
    pub fn terminal(screen: Screen) -> Plain {
        Plain {
            private_chat: true,
            quiet: true,
            screen,
        }
    }

    /// What a plain text may answer on Telegram.
    pub fn telegram(private_chat: bool, quiet: bool) -> Plain {
        Plain {
            private_chat,
            quiet,
            screen: Screen::Empty,
        }
    }
}

/// The question the terminal shows as the one to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// None is shown.
    Empty,
    /// This question came up so recently that a line arriving now was typed
    /// before it could be read: for the one shown before it, if any.
    JustShown(String),
    /// This question was on screen when the line arriving now was typed.
    Shown(String),
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
/// `plain` says what a text that neither replies to a question nor names a
/// PR may answer.
pub fn route(
    incoming: &Incoming,
    gate: Option<&Gate>,
    open: &[QuestionRow],
    referenced: Option<&QuestionRow>,
    plain: &Plain,
) -> Route {
    if let Err(ignored) = admit(&incoming.origin, gate) {
        return Route::Ignore(ignored);
    }
    let by = incoming.origin.author();
    match &incoming.body {
        Body::Button { data } => route_button(data, open, referenced, by),
        Body::Text { text, .. } => route_text(&incoming.origin, text, open, referenced, plain, by),
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
    plain: &Plain,
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
    if open.is_empty() {
        return Route::Respond("No question is waiting for an answer.".into());
    }
    match origin {
        Origin::Terminal | Origin::Web => plain_on_terminal(text, open, &plain.screen, by),
        Origin::Telegram { .. } => plain_on_telegram(origin, text, open, plain, by),
    }
}

/// A plain line answers the question on screen, if it was there when the
/// line was typed.
fn plain_on_terminal(text: &str, open: &[QuestionRow], screen: &Screen, by: &str) -> Route {
    let find = |id: &str| open.iter().find(|q| q.id == id);
    match screen {
        Screen::Shown(id) if let Some(q) = find(id) => parse_for(q, text, by),
        Screen::JustShown(id) if let Some(q) = find(id) => Route::Respond(format!(
            "{} just came up, so that line was typed before it was on screen: \
             answer again if you meant it for this one.",
            subject_of(q)
        )),
        _ => by_word(open, text, by)
            .unwrap_or_else(|| Route::Respond(name_the_pr(&Origin::Terminal, open))),
    }
}

/// A plain message counts only in a private chat, with one question open
/// and nothing asked or voided for a while.
fn plain_on_telegram(
    origin: &Origin,
    text: &str,
    open: &[QuestionRow],
    plain: &Plain,
    by: &str,
) -> Route {
    match open {
        [only] if plain.private_chat && plain.quiet => parse_for(only, text, by),
        [only] if !plain.private_chat => Route::Respond(format!(
            "In a group chat a message must say which question it answers: {}.",
            how_to_name(origin, Some(only))
        )),
        [only] => Route::Respond(format!(
            "A question was just asked or withdrawn, so a plain answer could land on the wrong one: {}.",
            how_to_name(origin, Some(only))
        )),
        several => Route::Respond(name_the_pr(origin, several)),
    }
}

/// How a question is named in a refusal: `PR #456`, or its kind.
fn subject_of(q: &QuestionRow) -> String {
    match q.pr {
        Some(pr) => format!("PR {pr}"),
        None => format!("The {} question", q.kind),
    }
}

/// How to say which question an answer is for, on `origin`.
fn how_to_name(origin: &Origin, q: Option<&QuestionRow>) -> String {
    let pr = q.and_then(|q| q.pr);
    let example = pr.map_or_else(|| "merge #456".to_string(), |pr| format!("merge #{}", pr.0));
    match (origin, pr.is_some() || q.is_none()) {
        (Origin::Terminal | Origin::Web, _) => format!("name the PR, e.g. `{example}`"),
        (Origin::Telegram { .. }, true) => {
            format!("reply to the question's message, or name the PR, e.g. `{example}`")
        }
        (Origin::Telegram { .. }, false) => {
            "reply to the question's message, or press one of its buttons".to_string()
        }
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
    let example = open.iter().find(|q| q.pr.is_some()).or(open.first());
    let how = how_to_name(origin, example);
    format!(
        "{} questions are waiting ({}): {how}.",
        open.len(),
        open_prs(open)
    )
}

#[cfg(test)]
mod tests;
