//! Which channel asks the human, chosen once at start, and the few things
//! the engine does differently per channel: Telegram, the terminal, the
//! automatic approver, or nobody.

use std::io::Write;

use crate::approval::grammar::Verdict;
use crate::approval::routing::{Gate, Origin, Plain, Screen};
use crate::approval::telegram::{self, TelegramChannel, TelegramConfig};
use crate::approval::terminal::{Printer, TerminalChannel, TerminalIo, subject};
use crate::checkpoint::QuestionRow;
use crate::config::Settings;

/// What a question that nobody can answer tells the user to do.
pub const HOW_TO_RESUME: &str = "the question is saved in the checkpoint: configure Telegram \
     (TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID) or run on a terminal, then run again with --resume";

/// `answered_by` of the automatic approver.
pub const AUTO: &str = "auto";

/// The channel the approval actor asks through.
pub enum ChannelChoice {
    /// A bot that answered `getMe` at start.
    Telegram(TelegramConfig),
    /// The terminal: questions to `output`, answers from `input`.
    Terminal(TerminalIo),
    /// Answers every question itself (merge, approve, stop), reporting on `output`.
    Auto(Box<dyn Write + Send>),
    /// Nobody can be asked; `why` says what is missing.
    None { why: String },
}

impl ChannelChoice {
    /// The terminal on stdin and stdout.
    pub fn terminal() -> ChannelChoice {
        ChannelChoice::Terminal(TerminalIo::stdio())
    }

    /// The automatic approver, reporting on stdout (`demo --approve-all`).
    pub fn auto() -> ChannelChoice {
        ChannelChoice::Auto(Box::new(crate::progress::console::Above::stdout()))
    }

    /// A short name for logs and progress lines (never the token).
    pub fn describe(&self) -> String {
        match self {
            ChannelChoice::Telegram(c) => format!("telegram chat {}", c.chat),
            ChannelChoice::Terminal(_) => "the terminal".into(),
            ChannelChoice::Auto(_) => "the automatic approver".into(),
            ChannelChoice::None { .. } => "nobody".into(),
        }
    }
}

/// Where Telegram would come from, or why it is not configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelegramSetup {
    Configured {
        token: String,
        chat: i64,
    },
    NotConfigured,
    /// Half configured: the missing part, to tell the user.
    Incomplete(&'static str),
}

/// Reads the token (environment only) and the chat (settings).
pub fn telegram_setup(settings: &Settings, env: impl Fn(&str) -> Option<String>) -> TelegramSetup {
    let token = env("TELEGRAM_BOT_TOKEN").filter(|t| !t.trim().is_empty());
    match (token, settings.telegram.chat_id) {
        (Some(token), Some(chat)) => TelegramSetup::Configured {
            token: token.trim().to_string(),
            chat,
        },
        (None, None) => TelegramSetup::NotConfigured,
        (Some(_), None) => TelegramSetup::Incomplete("TELEGRAM_CHAT_ID is not set"),
        (None, Some(_)) => TelegramSetup::Incomplete("TELEGRAM_BOT_TOKEN is not set"),
    }
}

/// Telegram gives a private chat the id of the user in it (positive), and
/// groups, supergroups and channels negative ids.
pub fn is_private_chat(chat: i64) -> bool {
    chat > 0
}

/// Why the run must not start with these Telegram settings: in a group
/// chat, without `telegram.allowed_users`, anyone who joins the group could
/// approve a merge.
pub fn unsafe_telegram(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let TelegramSetup::Configured { chat, .. } = telegram_setup(settings, env) else {
        return None;
    };
    if is_private_chat(chat) || !settings.telegram.allowed_users.is_empty() {
        return None;
    }
    Some(format!(
        "TELEGRAM_CHAT_ID {chat} is a group chat, and telegram.allowed_users is empty, so anyone in \
         the group could approve a merge. Set telegram.allowed_users (or TELEGRAM_ALLOWED_USERS) to \
         the Telegram user ids who may answer, or use a private chat with the bot."
    ))
}

/// Chooses at start: Telegram when configured and `getMe` answers, else the
/// terminal (the spec: "Telegram unavailable → continue in terminal").
/// Whether the terminal can answer shows when its input ends.
pub async fn choose_channel(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
) -> ChannelChoice {
    let (token, chat) = match telegram_setup(settings, env) {
        TelegramSetup::Configured { token, chat } => (token, chat),
        TelegramSetup::NotConfigured => {
            tracing::info!("telegram is not configured; questions go to the terminal");
            return ChannelChoice::terminal();
        }
        TelegramSetup::Incomplete(missing) => {
            tracing::warn!("telegram is half configured ({missing}); questions go to the terminal");
            return ChannelChoice::terminal();
        }
    };
    let t = &settings.telegram;
    match TelegramConfig::connect(&token, t.api_url.as_deref(), chat, t.allowed_users.clone()).await
    {
        Ok(config) => ChannelChoice::Telegram(config),
        Err(e) => {
            tracing::warn!(error = %e, "telegram is unreachable at start; questions go to the terminal");
            ChannelChoice::terminal()
        }
    }
}

/// The live channel inside the engine.
pub enum Channel {
    Telegram(TelegramChannel),
    Terminal(Box<TerminalChannel>),
    Auto(Printer),
    None(String),
}

impl Channel {
    /// The `channel` column of the questions asked here.
    pub fn name(&self) -> String {
        match self {
            Channel::Telegram(t) => t.config.channel_name(),
            Channel::Terminal(_) => "terminal".into(),
            Channel::Auto(_) => AUTO.into(),
            Channel::None(_) => "none".into(),
        }
    }

    pub fn gate(&self) -> Option<Gate> {
        match self {
            Channel::Telegram(t) => Some(t.config.gate()),
            _ => None,
        }
    }

    /// What a plain text arriving now may answer; `last_change` is when a
    /// question was last asked or voided.
    pub fn plain(&self, last_change: Option<tokio::time::Instant>) -> Plain {
        match self {
            Channel::Telegram(t) => {
                let quiet = last_change.is_none_or(|at| at.elapsed() >= t.config.plain_quiet);
                Plain::telegram(is_private_chat(t.config.chat), quiet)
            }
            Channel::Terminal(t) => Plain::terminal(t.screen(std::time::Instant::now())),
            _ => Plain::terminal(Screen::Empty),
        }
    }

    /// Why nobody can answer here, if nobody can.
    pub fn unavailable(&self) -> Option<String> {
        match self {
            Channel::None(why) => Some(format!("{why}; {HOW_TO_RESUME}")),
            Channel::Terminal(t) if t.is_closed() => Some(format!(
                "Telegram is not available and the terminal's input is closed; {HOW_TO_RESUME}"
            )),
            _ => None,
        }
    }

    /// Whether the question is in front of the human, so a reminder makes sense.
    pub fn shows(&self, q: &QuestionRow) -> bool {
        match self {
            Channel::Telegram(_) => q.chat_message_id.is_some(),
            Channel::Terminal(t) => t.was_shown(&q.id) && !t.is_closed(),
            _ => false,
        }
    }

    /// Confirms an accepted answer to whoever gave it and closes the question's message.
    pub async fn answered(&mut self, from: &Origin, q: &QuestionRow, verdict: &Verdict, by: &str) {
        match self {
            Channel::Telegram(t) => {
                let about = q.pr.map(|pr| format!(" — PR {pr}")).unwrap_or_default();
                t.respond(from, &format!("✅ {}{about}", verdict.label()), false)
                    .await;
                t.close(q, &telegram::answered_note(verdict, by)).await;
            }
            Channel::Terminal(t) => t.answered(q, verdict, by),
            Channel::Auto(p) => p.line(&format!(
                "✅ {}: {} (automatic approval)",
                subject(q),
                verdict.label()
            )),
            Channel::None(_) => {}
        }
    }

    pub async fn voided(&mut self, q: &QuestionRow, why: &str) {
        match self {
            Channel::Telegram(t) => t.close(q, &telegram::void_note(why)).await,
            Channel::Terminal(t) if t.was_shown(&q.id) => t.voided(q, why),
            _ => {}
        }
    }

    /// Tells whoever sent a reply that did not answer anything why.
    pub async fn respond(&mut self, to: &Origin, text: &str) {
        match self {
            Channel::Telegram(t) => t.respond(to, text, true).await,
            Channel::Terminal(t) => t.say(text),
            _ => {}
        }
    }

    pub async fn notify(&mut self, text: &str) {
        match self {
            Channel::Telegram(t) => t.notify(text).await,
            Channel::Terminal(t) => t.say(text),
            Channel::Auto(p) => p.line(text),
            Channel::None(_) => tracing::info!(notice = text, "nobody to tell"),
        }
    }

    pub async fn remind(&mut self, q: &QuestionRow) {
        match self {
            Channel::Telegram(t) => {
                if let Err(e) = t.remind(q).await {
                    tracing::warn!(question = %q.id, error = %e, "could not send the reminder");
                }
            }
            Channel::Terminal(t) => t.remind(q),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_group_chat_needs_an_allow_list_and_a_private_chat_does_not() {
        let token = env(&[("TELEGRAM_BOT_TOKEN", "1:x")]);
        let mut settings = Settings::default();
        settings.telegram.chat_id = Some(-100_123);
        let why = unsafe_telegram(&settings, &token).expect("a group without a list is refused");
        assert!(why.contains("telegram.allowed_users"), "{why}");
        settings.telegram.allowed_users = vec![7];
        assert_eq!(unsafe_telegram(&settings, &token), None);
        settings.telegram.allowed_users.clear();
        settings.telegram.chat_id = Some(42);
        assert_eq!(unsafe_telegram(&settings, &token), None);
        // Without a token Telegram is not used, so there is nothing to refuse.
        settings.telegram.chat_id = Some(-100_123);
        assert_eq!(unsafe_telegram(&settings, env(&[])), None);
    }

    fn with_chat(chat: Option<i64>) -> Settings {
        let mut s = Settings::default();
        s.telegram.chat_id = chat;
        s
    }

    #[test]
    fn telegram_needs_both_the_token_and_the_chat() {
        assert_eq!(
            telegram_setup(
                &with_chat(Some(-5)),
                env(&[("TELEGRAM_BOT_TOKEN", " 1:abc ")])
            ),
            TelegramSetup::Configured {
                token: "1:abc".into(),
                chat: -5
            }
        );
        assert_eq!(
            telegram_setup(&with_chat(None), env(&[])),
            TelegramSetup::NotConfigured
        );
        assert_eq!(
            telegram_setup(&with_chat(None), env(&[("TELEGRAM_BOT_TOKEN", "1:abc")])),
            TelegramSetup::Incomplete("TELEGRAM_CHAT_ID is not set")
        );
        assert_eq!(
            telegram_setup(&with_chat(Some(1)), env(&[("TELEGRAM_BOT_TOKEN", "  ")])),
            TelegramSetup::Incomplete("TELEGRAM_BOT_TOKEN is not set")
        );
    }

    #[tokio::test]
    async fn without_telegram_the_terminal_asks() {
        let choice = choose_channel(&with_chat(None), env(&[])).await;
        assert!(
            matches!(choice, ChannelChoice::Terminal(_)),
            "{}",
            choice.describe()
        );
    }

    #[tokio::test]
    async fn unreachable_telegram_falls_back_to_the_terminal() {
        // A closed port on loopback: getMe fails at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut settings = with_chat(Some(5));
        settings.telegram.api_url = Some(format!("http://127.0.0.1:{port}"));
        let choice = choose_channel(&settings, env(&[("TELEGRAM_BOT_TOKEN", "1:abc")])).await;
        assert!(
            matches!(choice, ChannelChoice::Terminal(_)),
            "{}",
            choice.describe()
        );
    }

    #[test]
    fn a_closed_terminal_or_nobody_says_how_to_resume() {
        let mut t = TerminalChannel::new(Box::new(std::io::sink()));
        assert_eq!(
            Channel::Terminal(Box::new(TerminalChannel::new(Box::new(std::io::sink()))))
                .unavailable(),
            None
        );
        t.close_input();
        let why = Channel::Terminal(Box::new(t)).unavailable().unwrap();
        assert!(
            why.contains("terminal's input is closed") && why.contains("--resume"),
            "{why}"
        );
        let why = Channel::None("no approver".into()).unavailable().unwrap();
        assert!(
            why.starts_with("no approver; ") && why.contains("TELEGRAM_CHAT_ID"),
            "{why}"
        );
    }
}
