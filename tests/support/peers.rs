//! The npm test peers (`tests/peers/`) as Rust values: Prism serving GitHub's
//! own API description, and the Telegram Bot API emulator. Each is a child
//! process on 127.0.0.1 with its output captured; dropping the value kills it,
//! and because the test holds the child's stdin (which the peer watches), a
//! test process that dies in any other way takes its peers with it.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a peer may take to say it is listening (Prism needs about 2 s).
const START_TIMEOUT: Duration = Duration::from_secs(60);

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

/// Panics with the command that fixes it when `npm ci` has not run.
fn require_installed(file: &Path) {
    let dir = peers_dir();
    if !dir.join("node_modules").is_dir() {
        panic!(
            "the test peers are not installed ({} is missing): run `npm ci --prefix tests/peers` \
             from the repository root (it also writes tests/peers/github-trimmed.json)",
            dir.join("node_modules").display()
        );
    }
    if !file.exists() {
        panic!(
            "{} is missing: run `npm run trim --prefix tests/peers` (or `npm ci --prefix tests/peers`)",
            file.display()
        );
    }
}

/// A running peer: the child, its stdin (held open: the peer exits when it
/// closes), and everything it printed.
struct PeerProcess {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    log: Arc<Mutex<String>>,
}

impl PeerProcess {
    /// Starts `node --import exit-with-stdin.mjs <args>` in `tests/peers` and
    /// waits for the first output line that `ready` turns into a value.
    fn start<T>(
        name: &'static str,
        args: &[&str],
        ready: impl Fn(&str) -> Option<T>,
    ) -> (PeerProcess, T) {
        let mut child = Command::new("node")
            .arg("--import")
            .arg("./exit-with-stdin.mjs")
            .args(args)
            .current_dir(peers_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} (is node 20 on PATH?): {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines) = mpsc::channel();
        capture(child.stdout.take(), &log, lines_tx.clone());
        capture(child.stderr.take(), &log, lines_tx);
        let peer = PeerProcess {
            name,
            stdin: child.stdin.take(),
            child,
            log,
        };
        let value = peer.wait_ready(&lines, ready);
        (peer, value)
    }

    fn wait_ready<T>(&self, lines: &Receiver<String>, ready: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(value) = ready(&line) {
                        return value;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{} did not start within {START_TIMEOUT:?}; its output:\n{}",
                    self.name,
                    self.log()
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "{} exited before it was listening; its output:\n{}",
                    self.name,
                    self.log()
                ),
            }
        }
    }

    fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Copies a child's stream into the log, line by line, and offers each line
/// to whoever waits for readiness (nobody listens once it is ready).
fn capture(
    stream: Option<impl Read + Send + 'static>,
    log: &Arc<Mutex<String>>,
    lines: Sender<String>,
) {
    let Some(stream) = stream else { return };
    let log = Arc::clone(log);
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut log) = log.lock() {
                log.push_str(&line);
                log.push('\n');
            }
            let _ = lines.send(line);
        }
    });
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        // Closing stdin asks the peer to exit; the kill makes sure of it.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Prism mocking GitHub's REST API from `tests/peers/github-trimmed.json`.
/// It answers with GitHub's own examples and answers 422 (with the reason in
/// the `sl-violations` header and the log) to a request GitHub would refuse.
pub struct Prism {
    process: PeerProcess,
    url: String,
}

impl Prism {
    /// Starts Prism on a free port and waits until it listens (about 2 s).
    pub fn start() -> Prism {
        let spec = peers_dir().join("github-trimmed.json");
        require_installed(&spec);
        let args = [
            "node_modules/.bin/prism",
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            "0",
            "github-trimmed.json",
        ];
        let (process, url) = PeerProcess::start("prism", &args, |line| {
            let (_, url) = line.split_once("Prism is listening on ")?;
            Some(url.trim().trim_end_matches('/').to_string())
        });
        Prism { process, url }
    }

    /// The API base, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Everything Prism printed so far: each request, how it was matched, and violations.
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// The Telegram Bot API emulator (`tests/peers/telegram-emulator.mjs`): a bot
/// uses `url()` as its API base (`Bot::new(token).set_api_url(url)`); the test
/// plays the human through `send_message` / `send_callback` and reads what
/// the bot said with `bot_messages`.
pub struct TelegramEmulator {
    process: PeerProcess,
    url: String,
    http: reqwest::Client,
}

impl TelegramEmulator {
    /// Starts the emulator on a free port and waits until it listens (about 0.3 s).
    pub fn start() -> TelegramEmulator {
        let script = peers_dir().join("telegram-emulator.mjs");
        require_installed(&script);
        let (process, port) = PeerProcess::start(
            "telegram emulator",
            &["telegram-emulator.mjs", "0"],
            |line| line.strip_prefix("READY ")?.trim().parse::<u16>().ok(),
        );
        TelegramEmulator {
            process,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }

    /// The Bot API base, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every bot call the emulator answered, one line each, and any error.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// A user (`from_user_id`) writes `text` in `chat_id`, optionally as a
    /// reply to one of the bot's messages.
    pub async fn send_message(
        &self,
        bot_token: &str,
        chat_id: i64,
        from_user_id: i64,
        text: &str,
        reply_to_message_id: Option<i64>,
    ) {
        let mut body = json!({
            "botToken": bot_token,
            "date": unix_now(),
            "text": text,
            "from": user(from_user_id),
            "chat": { "id": chat_id, "type": "private", "first_name": "Tester" },
        });
        if let Some(id) = reply_to_message_id {
            body["reply_to_message_id"] = json!(id);
        }
        self.post("/sendMessage", &body).await;
    }

    /// A user presses the inline button carrying `data` under the bot's message `message_id`.
    pub async fn send_callback(
        &self,
        bot_token: &str,
        chat_id: i64,
        from_user_id: i64,
        data: &str,
        message_id: i64,
    ) {
        let body = json!({
            "botToken": bot_token,
            "data": data,
            "from": user(from_user_id),
            "message": { "message_id": message_id, "chat": { "id": chat_id } },
        });
        self.post("/sendCallback", &body).await;
    }

    /// The messages the bot has in `chat_id` now, oldest first, as Telegram
    /// `Message` objects (`message_id`, `text`, `reply_markup.inline_keyboard`,
    /// `edit_date`): edits applied, deleted messages gone.
    pub async fn bot_messages(&self, bot_token: &str, chat_id: i64) -> Vec<Value> {
        let answer = self
            .post(
                "/botMessages",
                &json!({ "token": bot_token, "chatId": chat_id }),
            )
            .await;
        match answer.get("result") {
            Some(Value::Array(messages)) => messages.clone(),
            _ => panic!("the telegram emulator answered /botMessages with {answer}"),
        }
    }

    async fn post(&self, route: &str, body: &Value) -> Value {
        let response = self
            .http
            .post(format!("{}{route}", self.url))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("telegram emulator {route}: {e}"));
        let status = response.status();
        let answer: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("telegram emulator {route} answered non-JSON: {e}"));
        assert!(
            status.is_success() && answer["ok"] == json!(true),
            "telegram emulator {route} answered {status}: {answer}\nits log:\n{}",
            self.log()
        );
        answer
    }
}

fn user(id: i64) -> Value {
    json!({ "id": id, "is_bot": false, "first_name": "Tester" })
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The scripted Anthropic Messages API (`tests/peers/claude-api.mjs`) that
/// the real Claude Code CLI (`tests/peers/node_modules/.bin/claude`) talks to
/// through `ANTHROPIC_BASE_URL`. The script (rules matched on the prompt,
/// each a list of turns: `bash`, `text`, `delay_ms`, `hang`, `error`) is a
/// JSON file the test may rewrite between runs; every request is logged.
pub struct ClaudeApi {
    _process: PeerProcess,
    url: String,
    script: PathBuf,
    requests: PathBuf,
}

impl ClaudeApi {
    /// Starts the API in `dir` with `rules` and waits until it listens.
    pub fn start(dir: &Path, rules: Value) -> ClaudeApi {
        let server = peers_dir().join("claude-api.mjs");
        require_installed(&server);
        require_installed(&Self::cli());
        let script = dir.join("claude-api-script.json");
        let requests = dir.join("claude-api-requests.jsonl");
        std::fs::write(
            &script,
            json!({ "request_log": requests, "rules": rules }).to_string(),
        )
        .unwrap();
        let script_arg = script.display().to_string();
        let (process, port) = PeerProcess::start(
            "claude api",
            &["claude-api.mjs", &script_arg, "0"],
            |line| line.strip_prefix("READY ")?.trim().parse::<u16>().ok(),
        );
        ClaudeApi {
            _process: process,
            url: format!("http://127.0.0.1:{port}"),
            script,
            requests,
        }
    }

    /// The real CLI, as npm installed it.
    pub fn cli() -> PathBuf {
        peers_dir().join("node_modules/.bin/claude")
    }

    /// Replaces the script's rules (read again on every request).
    pub fn set_rules(&self, rules: Value) {
        let text = json!({ "request_log": self.requests, "rules": rules }).to_string();
        std::fs::write(&self.script, text).unwrap();
    }

    /// What the CLI needs to talk to this API and only to it, with a HOME of
    /// its own (`home`), as root (`IS_SANDBOX`), found on PATH as `claude`.
    pub fn env(&self, home: &Path) -> Vec<(String, String)> {
        let bin = peers_dir().join("node_modules/.bin");
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        [
            ("PATH", path),
            ("HOME", home.display().to_string()),
            ("ANTHROPIC_BASE_URL", self.url.clone()),
            ("ANTHROPIC_API_KEY", "sk-test-scripted".to_string()),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".to_string()),
            ("DISABLE_TELEMETRY", "1".to_string()),
            ("IS_SANDBOX", "1".to_string()),
            ("GIT_AUTHOR_NAME", "agent".to_string()),
            ("GIT_AUTHOR_EMAIL", "agent@example.invalid".to_string()),
            ("GIT_COMMITTER_NAME", "agent".to_string()),
            ("GIT_COMMITTER_EMAIL", "agent@example.invalid".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Every request so far, as logged (`rule`, `turn`, `prompt`,
    /// `latest_prompt`, `history`, `last_tool_result`, ...).
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.requests)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The requests answered by the rule named `name`.
    pub fn requests_for(&self, name: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["rule"] == name)
            .collect()
    }
}
