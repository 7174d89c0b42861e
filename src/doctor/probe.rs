//! The effects the checks judge: asking git, looking along PATH, running
//! `<program> --version` (argv only, stdin closed, a time limit), looking
//! for files, and asking Telegram. GitHub is asked through `GitHubApi`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use teloxide::RequestError;
use teloxide::prelude::Requester;
use teloxide::types::{ChatFullInfo, ChatFullInfoKind, ChatFullInfoPublicKind, ChatId};

use super::telegram::{ChatKind, Probe, TgFailure};
use super::worker::Program;
use crate::approval::telegram;
use crate::git::Git;

/// How long `<program> --version` may take: a CLI that needs longer is
/// stuck (waiting for a login, say), which is worth a warning of its own.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// `git --version`, or why git did not run.
pub async fn git_version(cwd: &Path) -> Result<String, String> {
    Git::new(cwd).version().await.map_err(|e| e.to_string())
}

/// The program `name` as the worker would be started: a name with a slash
/// is a path (relative to `dir`, where the worker runs); any other name is
/// looked up along `path` (the `PATH` value), as exec does. A few lines
/// rather than a crate: only "where" is needed, not a shell's full rules.
pub fn find_program(name: &str, dir: &Path, path: Option<&OsStr>) -> Option<PathBuf> {
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let candidate = dir.join(name);
        return is_executable(&candidate).then_some(candidate);
    }
    std::env::split_paths(path?)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Finds the worker program and asks it for its version.
pub async fn program(name: &str, dir: &Path) -> Program {
    let path_var = std::env::var_os("PATH");
    match find_program(name, dir, path_var.as_deref()) {
        None => Program::NotFound,
        Some(path) => {
            let version = version_of(&path, VERSION_TIMEOUT).await;
            Program::Found { path, version }
        }
    }
}

/// The first line `<path> --version` prints (stdout, else stderr), or why
/// there is none: it did not start, failed, or outlived `limit` (then it is killed).
pub async fn version_of(path: &Path, limit: Duration) -> Result<String, String> {
    let mut command = tokio::process::Command::new(path);
    command
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = match tokio::time::timeout(limit, command.output()).await {
        Err(_) => return Err(format!("did not answer within {limit:?}")),
        Ok(Err(e)) => return Err(format!("could not start ({e})")),
        Ok(Ok(output)) => output,
    };
    let first = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| l.chars().take(120).collect::<String>())
    };
    let line = first(&output.stdout).or_else(|| first(&output.stderr));
    match (output.status.success(), line) {
        (true, Some(line)) => Ok(line),
        (true, None) => Err("printed nothing".into()),
        (false, line) => Err(format!(
            "failed ({}){}",
            output.status,
            line.map(|l| format!(": {l}")).unwrap_or_default()
        )),
    }
}

/// The checkout's and the user's `/auto-issue` command files, those that exist.
pub fn command_files(
    root: Option<&Path>,
    home: Option<&Path>,
) -> (Option<PathBuf>, Option<PathBuf>) {
    let file =
        |base: &Path| Some(base.join(".claude/commands/auto-issue.md")).filter(|p| p.is_file());
    (root.and_then(file), home.and_then(file))
}

/// Asks the bot for itself (`getMe`), then for the chat (`getChat`).
pub async fn telegram(token: &str, api_url: Option<&str>, chat: i64, restricted: bool) -> Probe {
    let mut probe = Probe {
        chat,
        restricted,
        me: Err(TgFailure::Unreachable(String::new())),
        chat_kind: None,
    };
    let bot = match telegram::bot(token, api_url) {
        Ok(bot) => bot,
        Err(e) => {
            probe.me = Err(TgFailure::Unreachable(e.to_string()));
            return probe;
        }
    };
    probe.me = bot
        .get_me()
        .await
        .map(|me| {
            me.user
                .username
                .clone()
                .unwrap_or(me.user.first_name.clone())
        })
        .map_err(failure);
    if probe.me.is_ok() {
        let info = bot.get_chat(ChatId(chat)).await;
        probe.chat_kind = Some(info.map(kind).map_err(failure));
    }
    probe
}

fn failure(e: RequestError) -> TgFailure {
    match e {
        RequestError::Api(api) => TgFailure::Rejected(api.to_string()),
        other => TgFailure::Unreachable(other.to_string()),
    }
}

fn kind(info: ChatFullInfo) -> ChatKind {
    match info.kind {
        ChatFullInfoKind::Private(p) => ChatKind::Private {
            name: p
                .username
                .map(|u| format!("@{u}"))
                .or(p.first_name)
                .unwrap_or_else(|| "someone".into()),
        },
        ChatFullInfoKind::Public(p) => {
            let title = p.title.unwrap_or_default();
            match p.kind {
                ChatFullInfoPublicKind::Channel(_) => ChatKind::Channel { title },
                _ => ChatKind::Group { title },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn programs_are_found_along_path_or_as_paths() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let agent = script(&bin, "agent", "true");
        std::fs::write(bin.join("notes"), "not executable").unwrap();
        let path = std::env::join_paths([dir.path().join("empty"), bin.clone()]).unwrap();
        assert_eq!(
            find_program("agent", dir.path(), Some(&path)),
            Some(agent.clone())
        );
        assert_eq!(find_program("notes", dir.path(), Some(&path)), None);
        assert_eq!(find_program("agent", dir.path(), None), None);
        assert_eq!(find_program("bin/agent", dir.path(), None), Some(agent));
        assert_eq!(find_program("", dir.path(), Some(&path)), None);
    }

    #[tokio::test]
    async fn the_version_is_the_first_line_printed() {
        let dir = tempfile::tempdir().unwrap();
        let ok = script(
            dir.path(),
            "ok",
            "echo; echo '2.1.3 (Claude Code)'; echo more",
        );
        assert_eq!(
            version_of(&ok, VERSION_TIMEOUT).await.as_deref(),
            Ok("2.1.3 (Claude Code)")
        );
        let on_stderr = script(dir.path(), "err", "echo 'agent 1.0' >&2");
        assert_eq!(
            version_of(&on_stderr, VERSION_TIMEOUT).await.as_deref(),
            Ok("agent 1.0")
        );
        let failing = script(
            dir.path(),
            "bad",
            "echo 'unknown option --version' >&2; exit 3",
        );
        let err = version_of(&failing, VERSION_TIMEOUT).await.unwrap_err();
        assert!(err.starts_with("failed (exit status: 3)"), "{err}");
        assert!(err.ends_with(": unknown option --version"), "{err}");
    }

    #[tokio::test]
    async fn a_program_that_hangs_is_stopped_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let stuck = script(dir.path(), "stuck", "exec sleep 30");
        let err = version_of(&stuck, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert_eq!(err, "did not answer within 200ms");
    }

    #[test]
    fn command_files_are_reported_only_when_they_exist() {
        let dir = tempfile::tempdir().unwrap();
        let (root, home) = (dir.path().join("repo"), dir.path().join("home"));
        let commands = home.join(".claude/commands");
        std::fs::create_dir_all(&commands).unwrap();
        std::fs::write(commands.join("auto-issue.md"), "Implement #$ARGUMENTS").unwrap();
        let (project, user) = command_files(Some(&root), Some(&home));
        assert_eq!(project, None);
        assert_eq!(user, Some(commands.join("auto-issue.md")));
        assert_eq!(command_files(None, None), (None, None));
    }
}
