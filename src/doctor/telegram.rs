//! The checks about Telegram approvals: configured or not (then questions
//! go to the terminal), the bot answers `getMe`, and the chat is one the bot
//! can reach (`getChat`), private or group. Pure: each takes the answers.

use super::check::Check;

/// Why a Bot API call gave no answer to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TgFailure {
    /// Telegram answered with an error (`Unauthorized`, `chat not found`).
    Rejected(String),
    /// No answer: the network, or a bad `TELEGRAM_API_URL`.
    Unreachable(String),
}

/// What kind of chat `getChat` described.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChatKind {
    /// A private chat with a person (their @username or name).
    Private {
        name: String,
    },
    /// A group or supergroup, by title.
    Group {
        title: String,
    },
    Channel {
        title: String,
    },
}

/// What probing a configured bot found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub chat: i64,
    /// Whether `TELEGRAM_ALLOWED_USERS` limits who may answer.
    pub restricted: bool,
    /// `getMe`: the bot's @username.
    pub me: Result<String, TgFailure>,
    /// `getChat`, asked once the bot answered.
    pub chat_kind: Option<Result<ChatKind, TgFailure>>,
}

const SETUP: &str = "README, \"Approvals on Telegram\"";

/// Neither the bot token nor the chat is set.
pub fn not_configured() -> Check {
    Check::warn(
        "telegram",
        "not configured: questions will be asked in the terminal",
        format!(
            "optional: to answer from your phone, set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID ({SETUP})"
        ),
    )
}

/// One of the two is set; `missing` says which is not.
pub fn incomplete(missing: &str) -> Check {
    Check::fail(
        "telegram",
        format!("half configured ({missing}): a run would ask in the terminal instead"),
        "set both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, or neither",
    )
}

/// The bot's check and the chat's.
pub fn probed(p: &Probe) -> Vec<Check> {
    let bot = match &p.me {
        Ok(name) => Check::ok("telegram", format!("bot @{name} answers")),
        Err(TgFailure::Rejected(why)) => Check::fail(
            "telegram",
            format!("Telegram rejected the bot token ({why})"),
            "copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN",
        ),
        Err(TgFailure::Unreachable(why)) => Check::fail(
            "telegram",
            format!("could not reach the Telegram Bot API: {why}"),
            "check the network, or TELEGRAM_API_URL for a self-hosted Bot API server",
        ),
    };
    let chat = match &p.chat_kind {
        None => Check::not_checked("telegram-chat", "the bot did not answer"),
        Some(answer) => chat(p.chat, p.restricted, answer),
    };
    vec![bot, chat]
}

fn chat(id: i64, restricted: bool, answer: &Result<ChatKind, TgFailure>) -> Check {
    const NAME: &str = "telegram-chat";
    match answer {
        Ok(ChatKind::Private { name }) => {
            Check::ok(NAME, format!("chat {id} is a private chat with {name}"))
        }
        Ok(ChatKind::Group { title }) => {
            let who = if restricted {
                "only TELEGRAM_ALLOWED_USERS may answer"
            } else {
                "anyone in it may answer; TELEGRAM_ALLOWED_USERS can limit that"
            };
            Check::ok(NAME, format!("chat {id} is the group \"{title}\": {who}"))
        }
        Ok(ChatKind::Channel { title }) => Check::fail(
            NAME,
            format!("chat {id} is the channel \"{title}\": answers there do not reach the bot"),
            "use a private chat with the bot, or a group it is in, as TELEGRAM_CHAT_ID",
        ),
        Err(TgFailure::Rejected(why)) => Check::fail(
            NAME,
            format!("the bot cannot reach chat {id} ({why})"),
            format!(
                "send your bot a message from that chat first (a group: add the bot to it), then check TELEGRAM_CHAT_ID against getUpdates ({SETUP})"
            ),
        ),
        Err(TgFailure::Unreachable(why)) => Check::fail(
            NAME,
            format!("could not ask Telegram about chat {id}: {why}"),
            "check the network, or TELEGRAM_API_URL for a self-hosted Bot API server",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    fn probe(chat_kind: Option<Result<ChatKind, TgFailure>>) -> Probe {
        Probe {
            chat: 5001,
            restricted: false,
            me: Ok("widget_bot".into()),
            chat_kind,
        }
    }

    fn statuses(checks: &[Check]) -> Vec<(&str, Status)> {
        checks.iter().map(|c| (c.name, c.status)).collect()
    }

    #[test]
    fn not_configured_warns_that_the_terminal_asks() {
        let c = not_configured();
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.contains("asked in the terminal"));
        assert_eq!(
            incomplete("TELEGRAM_CHAT_ID is not set").status,
            Status::Fail
        );
    }

    #[test]
    fn a_private_chat_and_a_group_are_named() {
        let private = Ok(ChatKind::Private {
            name: "@ann".into(),
        });
        let checks = probed(&probe(Some(private)));
        assert_eq!(
            statuses(&checks),
            [("telegram", Status::Ok), ("telegram-chat", Status::Ok)]
        );
        assert_eq!(checks[0].detail, "bot @widget_bot answers");
        assert_eq!(checks[1].detail, "chat 5001 is a private chat with @ann");
        let group = Ok(ChatKind::Group {
            title: "Releases".into(),
        });
        let checks = probed(&probe(Some(group)));
        assert!(
            checks[1]
                .detail
                .starts_with("chat 5001 is the group \"Releases\": anyone")
        );
    }

    #[test]
    fn an_unreachable_chat_fails_with_how_to_reach_it() {
        let lost = Err(TgFailure::Rejected("Bad Request: chat not found".into()));
        let checks = probed(&probe(Some(lost)));
        assert_eq!(checks[1].status, Status::Fail);
        assert_eq!(
            checks[1].detail,
            "the bot cannot reach chat 5001 (Bad Request: chat not found)"
        );
        assert!(
            checks[1]
                .fix
                .as_ref()
                .unwrap()
                .contains("send your bot a message")
        );
    }

    #[test]
    fn a_bot_that_does_not_answer_leaves_the_chat_unchecked() {
        let mut p = probe(None);
        p.me = Err(TgFailure::Rejected("Unauthorized".into()));
        let checks = probed(&p);
        assert_eq!(
            statuses(&checks),
            [("telegram", Status::Fail), ("telegram-chat", Status::Warn)]
        );
        assert!(checks[0].fix.as_ref().unwrap().contains("@BotFather"));
        p.me = Err(TgFailure::Unreachable("connection refused".into()));
        assert!(probed(&p)[0].detail.contains("could not reach"));
    }

    #[test]
    fn a_channel_cannot_take_answers() {
        let channel = Ok(ChatKind::Channel {
            title: "News".into(),
        });
        assert_eq!(probed(&probe(Some(channel)))[1].status, Status::Fail);
    }
}
