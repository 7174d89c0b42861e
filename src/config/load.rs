//! Loading settings: defaults, then the TOML file, then environment
//! variables (named in the catalog). Flags are applied by the caller last.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::catalog::{CATALOG, Entry, Kind};
use super::duration::Dur;
use super::settings::Settings;
use crate::worker::ArgvTemplate;

/// Why the settings could not be loaded; each says where to look.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: &'static str, message: String },
    #[error("invalid settings{origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// Loads settings from an optional TOML file and the environment, as read by `env`.
pub fn load(
    file: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let mut table = match file {
        Some(path) => read_file(path)?,
        None => Table::new(),
    };
    for entry in CATALOG {
        if let Some(text) = env(entry.env).filter(|t| !t.trim().is_empty()) {
            let value = env_value(entry, &text)?;
            set_path(&mut table, entry.key, value);
        }
    }
    let origin = match file {
        Some(path) => format!(" (from {} and the environment)", path.display()),
        None => " (from the environment)".to_string(),
    };
    let settings: Settings = Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Invalid {
            origin: origin.clone(),
            message: e.message().to_string(),
        })?;
    validate(&settings).map_err(|message| ConfigError::Invalid { origin, message })?;
    Ok(settings)
}

fn read_file(path: &Path) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    text.parse::<Table>().map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim().to_string(),
    })
}

/// Checks what types alone cannot.
pub fn validate(s: &Settings) -> Result<(), String> {
    if s.parallel == 0 {
        return Err("parallel must be at least 1".into());
    }
    if s.git_network_timeout.get().is_zero() {
        return Err("git_network_timeout must be longer than 0s".into());
    }
    if s.ci.poll_min > s.ci.poll_max {
        return Err(format!(
            "ci.poll_min ({}) is longer than ci.poll_max ({})",
            s.ci.poll_min, s.ci.poll_max
        ));
    }
    if let Some(repo) = &s.repo {
        repo.parse::<crate::ids::RepoSlug>()
            .map_err(|e| e.to_string())?;
    }
    for (key, argv, allowed, required) in commands(s) {
        if argv.is_empty() || argv[0].trim().is_empty() {
            return Err(format!("{key} must name a program"));
        }
        ArgvTemplate::new(argv.iter().cloned())
            .check(allowed, required)
            .map_err(|e| format!("{key}: cannot {e}"))?;
    }
    for name in s.worker.env.keys() {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(format!("worker.env: {name:?} is not a variable name"));
        }
    }
    for (key, url) in s.notify.urls() {
        if let Some(url) = url {
            check_hook_url(key, url)?;
        }
    }
    Ok(())
}

/// A notification hook must be an http(s) URL with a host. The value is
/// not repeated in the error: a webhook URL's path is its secret.
fn check_hook_url(key: &str, text: &str) -> Result<(), String> {
    let example = match key {
        "notify.slack_url" => "Slack's incoming webhook URL, https://hooks.slack.com/services/...",
        "notify.discord_url" => {
            "Discord's channel webhook URL, https://discord.com/api/webhooks/..."
        }
        _ => {
            "the http(s) URL that takes the JSON posts, e.g. https://example.com/hooks/auto-milestone"
        }
    };
    let refuse = |why: String| {
        Err(format!(
            "{key} {why}; put {example} there, or leave it unset"
        ))
    };
    match url::Url::parse(text.trim()) {
        Err(e) => refuse(format!("is not a URL ({e})")),
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            refuse(format!("must be an http(s) URL, not {}:", url.scheme()))
        }
        Ok(url) if url.host_str().is_none_or(str::is_empty) => refuse("has no host".to_string()),
        Ok(_) => Ok(()),
    }
}

/// Each command setting, the placeholders it can be given, and those it must use.
type CommandSetting<'a> = (
    &'static str,
    &'a [String],
    &'static [&'static str],
    &'static [&'static str],
);

fn commands(s: &Settings) -> Vec<CommandSetting<'_>> {
    const WORK: &[&str] = &["issue", "branch", "prompt", "repo"];
    const RESUME: &[&str] = &["session", "prompt", "issue", "branch", "repo", "pr"];
    const CI: &[&str] = &["pr", "issue", "branch", "repo", "prompt"];
    const REVIEW: &[&str] = &["pr", "comments", "issue", "branch", "repo", "prompt"];
    const CHANGES: &[&str] = &["pr", "feedback", "issue", "branch", "repo", "prompt"];
    const PLANNER: &[&str] = &["target", "mode", "feedback"];
    let mut out: Vec<CommandSetting<'_>> = vec![
        ("worker.command", &s.worker.command, WORK, &[]),
        (
            "worker.resume_command",
            &s.worker.resume_command,
            RESUME,
            &["session"],
        ),
        ("ci.fix_command", &s.ci.fix_command, CI, &[]),
        ("review.fix_command", &s.review.fix_command, REVIEW, &[]),
        (
            "review.changes_command",
            &s.review.changes_command,
            CHANGES,
            &[],
        ),
    ];
    if let Some(planner) = &s.planner.command {
        out.push(("planner.command", planner, PLANNER, &[]));
    }
    out
}

fn env_value(entry: &Entry, text: &str) -> Result<Value, ConfigError> {
    let fail = |message: String| ConfigError::Env {
        var: entry.env,
        message,
    };
    let t = text.trim();
    match entry.kind {
        Kind::Text => Ok(Value::String(t.to_string())),
        Kind::Integer => t
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| fail(format!("expected a whole number, got {t:?}"))),
        Kind::Float => t
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| fail(format!("expected a number, got {t:?}"))),
        Kind::Bool => parse_bool(t)
            .map(Value::Boolean)
            .ok_or_else(|| fail(format!("expected true or false, got {t:?}"))),
        Kind::Duration => t
            .parse::<Dur>()
            .map(|_| Value::String(t.to_string()))
            .map_err(|e| fail(e.to_string())),
        Kind::Argv => parse_array(t).map_err(|_| {
            fail(r#"expected an argv array such as ["claude", "-p", "/auto-issue {issue}"]"#.into())
        }),
        Kind::TextList => list(t, |item| Some(Value::String(item.to_string())))
            .ok_or_else(|| fail("expected a comma-separated list".into())),
        Kind::IntegerList => list(t, |item| item.parse::<i64>().ok().map(Value::Integer))
            .ok_or_else(|| fail(format!("expected comma-separated whole numbers, got {t:?}"))),
        Kind::TextMap => text_map(t).ok_or_else(|| {
            fail(r#"expected a table of names to text, such as { CI = "1" } or {"CI": "1"}"#.into())
        }),
    }
}

/// A TOML inline table or a JSON object whose values are all text.
fn text_map(t: &str) -> Option<Value> {
    let table = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(t) {
        Ok(map) => map
            .into_iter()
            .map(|(k, v)| Some((k, Value::String(v.as_str()?.to_string()))))
            .collect::<Option<Table>>()?,
        Err(_) => match format!("v = {t}").parse::<Table>().ok()?.remove("v")? {
            Value::Table(table) => table,
            _ => return None,
        },
    };
    table
        .values()
        .all(Value::is_str)
        .then_some(Value::Table(table))
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Parses a TOML (and so also JSON) array literal.
fn parse_array(t: &str) -> Result<Value, ()> {
    let doc: Table = format!("v = {t}").parse().map_err(|_| ())?;
    match doc.get("v") {
        Some(v @ Value::Array(_)) => Ok(v.clone()),
        _ => Err(()),
    }
}

fn list(t: &str, item: impl Fn(&str) -> Option<Value>) -> Option<Value> {
    if t.starts_with('[') {
        return parse_array(t).ok();
    }
    let items: Option<Vec<Value>> = t
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(item)
        .collect();
    items.map(Value::Array)
}

fn set_path(table: &mut Table, dotted: &str, value: Value) {
    let mut parts: Vec<&str> = dotted.split('.').collect();
    let last = parts.pop().expect("catalog keys are never empty");
    let mut node = table;
    for part in parts {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        node = entry.as_table_mut().expect("just made a table");
    }
    node.insert(last.to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::{
        BudgetSettings, NotifySettings, PlannerSettings, TelegramSettings,
    };
    use std::collections::HashMap;
    use std::time::Duration;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_without_file_or_environment() {
        let s = load(None, env_of(&[])).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(
            s.worker.command[..3],
            ["claude", "-p", "/auto-issue {issue}"]
        );
        assert_eq!(s.ci.max_fix_attempts, 2);
    }

    #[test]
    fn file_then_environment_override() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("am.toml");
        std::fs::write(
            &path,
            "parallel = 2\n[ci]\ngrace = \"30s\"\n[worker]\ncommand = [\"my-agent\", \"{issue}\"]\n",
        )
        .unwrap();
        let env = env_of(&[
            ("AUTO_MILESTONE_PARALLEL", "4"),
            (
                "AUTO_MILESTONE_REVIEW_BOTS",
                "coderabbitai[bot], reviewer-bot",
            ),
            ("TELEGRAM_ALLOWED_USERS", "11,22"),
        ]);
        let s = load(Some(&path), env).unwrap();
        assert_eq!(s.parallel, 4, "environment wins over the file");
        assert_eq!(
            s.ci.grace.get(),
            Duration::from_secs(30),
            "file wins over defaults"
        );
        assert_eq!(s.worker.command, ["my-agent", "{issue}"]);
        assert_eq!(s.review.bots, ["coderabbitai[bot]", "reviewer-bot"]);
        assert_eq!(s.telegram.allowed_users, [11, 22]);
    }

    #[test]
    fn argv_from_environment_keeps_spaces_inside_arguments() {
        let env = env_of(&[(
            "AUTO_MILESTONE_WORKER_COMMAND",
            r#"["claude", "-p", "/auto-issue {issue}"]"#,
        )]);
        let s = load(None, env).unwrap();
        assert_eq!(s.worker.command, ["claude", "-p", "/auto-issue {issue}"]);
    }

    #[test]
    fn bad_values_name_their_source() {
        let err = load(None, env_of(&[("AUTO_MILESTONE_PARALLEL", "lots")])).unwrap_err();
        assert!(err.to_string().contains("AUTO_MILESTONE_PARALLEL"), "{err}");
        let err = load(
            None,
            env_of(&[("AUTO_MILESTONE_WORKER_COMMAND", "claude -p")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("argv array"), "{err}");
        let err = load(None, env_of(&[("AUTO_MILESTONE_PARALLEL", "0")])).unwrap_err();
        assert!(
            err.to_string().contains("parallel must be at least 1"),
            "{err}"
        );
    }

    #[test]
    fn command_templates_are_checked_at_start_naming_the_setting() {
        let typo = load(
            None,
            env_of(&[(
                "AUTO_MILESTONE_WORKER_COMMAND",
                r#"["claude", "/auto-issue {isue}"]"#,
            )]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            typo.contains("worker.command") && typo.contains("{isue}"),
            "{typo}"
        );
        let wrong_place = load(
            None,
            env_of(&[(
                "AUTO_MILESTONE_WORKER_COMMAND",
                r#"["claude", "fix PR {pr}"]"#,
            )]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            wrong_place.contains("{pr}") && wrong_place.contains("may use only"),
            "{wrong_place}"
        );
        let no_session = load(
            None,
            env_of(&[(
                "AUTO_MILESTONE_WORKER_RESUME_COMMAND",
                r#"["claude", "-p", "--resume"]"#,
            )]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            no_session.contains("worker.resume_command") && no_session.contains("{session}"),
            "{no_session}"
        );
    }

    #[test]
    fn worker_env_reads_from_toml_and_json() {
        let toml = load(
            None,
            env_of(&[("AUTO_MILESTONE_WORKER_ENV", r#"{ CI = "1", LANG = "C" }"#)]),
        )
        .unwrap();
        assert_eq!(toml.worker.env.get("LANG").map(String::as_str), Some("C"));
        let json = load(
            None,
            env_of(&[("AUTO_MILESTONE_WORKER_ENV", r#"{"CI": "1"}"#)]),
        )
        .unwrap();
        assert_eq!(json.worker.env.get("CI").map(String::as_str), Some("1"));
        let err = load(
            None,
            env_of(&[("AUTO_MILESTONE_WORKER_ENV", r#"{"CI": 1}"#)]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("AUTO_MILESTONE_WORKER_ENV"),
            "{err}"
        );
    }

    #[test]
    fn state_paths_default_to_unset_and_network_waits_are_bounded() {
        let s = load(None, env_of(&[])).unwrap();
        assert_eq!(
            (s.db, s.log_dir),
            (None, None),
            "resolved under the git dir"
        );
        assert_eq!(
            s.git_network_timeout.get(),
            crate::git::DEFAULT_NETWORK_TIMEOUT
        );
        let s = load(
            None,
            env_of(&[
                ("AUTO_MILESTONE_DB", "state/c.db"),
                ("AUTO_MILESTONE_LOG_DIR", "/var/log/am"),
                ("AUTO_MILESTONE_GIT_NETWORK_TIMEOUT", "90s"),
            ]),
        )
        .unwrap();
        assert_eq!(s.db.as_deref(), Some(Path::new("state/c.db")));
        assert_eq!(s.log_dir.as_deref(), Some(Path::new("/var/log/am")));
        assert_eq!(s.git_network_timeout.get().as_secs(), 90);
        let err = load(
            None,
            env_of(&[("AUTO_MILESTONE_GIT_NETWORK_TIMEOUT", "0s")]),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("git_network_timeout must be longer"),
            "{err}"
        );
    }

    #[test]
    fn notification_hooks_must_be_http_urls_and_the_error_names_the_setting() {
        let s = load(
            None,
            env_of(&[
                (
                    "AUTO_MILESTONE_NOTIFY_SLACK_URL",
                    "https://hooks.slack.com/services/T0/B0/secret",
                ),
                (
                    "AUTO_MILESTONE_NOTIFY_WEBHOOK_URL",
                    "http://127.0.0.1:8080/hook",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(
            s.notify.slack_url.as_deref(),
            Some("https://hooks.slack.com/services/T0/B0/secret")
        );
        assert_eq!(s.notify.discord_url, None);
        let err = load(
            None,
            env_of(&[("AUTO_MILESTONE_NOTIFY_SLACK_URL", "ftp://x")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("notify.slack_url must be an http(s) URL, not ftp:")
                && err.contains("https://hooks.slack.com/services/"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("am.toml");
        std::fs::write(
            &path,
            "[notify]\ndiscord_url = \"discord.com/api/webhooks/1/s3cr3tT0ken\"\n",
        )
        .unwrap();
        let err = load(Some(&path), env_of(&[])).unwrap_err().to_string();
        assert!(
            err.contains("notify.discord_url is not a URL") && !err.contains("s3cr3tT0ken"),
            "the error names the setting, never the secret: {err}"
        );
        let err = load(
            None,
            env_of(&[("AUTO_MILESTONE_NOTIFY_WEBHOOK_URL", "https://")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("notify.webhook_url"), "{err}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("am.toml");
        std::fs::write(&path, "paralel = 2\n").unwrap();
        let err = load(Some(&path), env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("paralel") && err.contains("am.toml"), "{err}");
    }

    fn leaf_keys(prefix: &str, table: &Table, out: &mut Vec<String>) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                Value::Table(inner) => leaf_keys(&path, inner, out),
                _ => out.push(path),
            }
        }
    }

    #[test]
    fn every_setting_has_a_catalog_entry() {
        // Optional settings are absent from the serialised defaults; give them values.
        let s = Settings {
            repo: Some("o/r".into()),
            base_branch: Some("main".into()),
            planner: PlannerSettings {
                command: Some(vec!["p".into()]),
                ..PlannerSettings::default()
            },
            telegram: TelegramSettings {
                chat_id: Some(1),
                api_url: Some("http://127.0.0.1:1".into()),
                ..TelegramSettings::default()
            },
            notify: NotifySettings {
                slack_url: Some("https://hooks.slack.com/services/T/B/x".into()),
                discord_url: Some("https://discord.com/api/webhooks/1/x".into()),
                webhook_url: Some("http://127.0.0.1:1/hook".into()),
            },
            budget: BudgetSettings {
                max_total_usd: Some(1.0),
            },
            ..Settings::default()
        };
        let table: Table = toml::Value::try_from(&s)
            .unwrap()
            .as_table()
            .unwrap()
            .clone();
        let mut keys = Vec::new();
        leaf_keys("", &table, &mut keys);
        for key in keys {
            assert!(
                CATALOG.iter().any(|e| e.key == key),
                "setting {key} has no catalog entry (and so no variable)"
            );
        }
    }

    #[test]
    fn every_catalog_key_is_a_real_setting() {
        // Setting each catalog key from its variable must be accepted, so the
        // catalog cannot drift from the struct.
        for entry in CATALOG {
            let sample = match entry.kind {
                Kind::Text if entry.key == "repo" => "o/r",
                Kind::Text if entry.key == "schedule" => "waves",
                Kind::Text if entry.key.starts_with("notify.") => "https://hooks.example.com/x",
                Kind::Text => "x",
                Kind::Integer => "3",
                Kind::Float => "2.5",
                Kind::Bool => "true",
                // Short enough for ci.poll_min, which may not pass poll_max.
                Kind::Duration => "3s",
                Kind::Argv if entry.key == "worker.resume_command" => r#"["prog", "{session}"]"#,
                Kind::Argv if entry.key == "planner.command" => r#"["prog", "{target}"]"#,
                Kind::Argv => r#"["prog", "{issue}"]"#,
                Kind::TextList => "a,b",
                Kind::IntegerList => "1,2",
                Kind::TextMap => r#"{"CI": "1"}"#,
            };
            load(None, env_of(&[(entry.env, sample)]))
                .unwrap_or_else(|e| panic!("{} via {}: {e}", entry.key, entry.env));
        }
    }
}
