//! The checks about the worker: its program (argv[0] of `worker.command`)
//! is on PATH and answers `--version`, and the `/auto-issue` command it is
//! asked to run exists where Claude Code looks for it. Pure.

use std::path::{Path, PathBuf};

use super::check::Check;

/// The slash command the default worker runs.
pub const AUTO_ISSUE: &str = "/auto-issue";

/// What looking for the worker's program found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Program {
    NotFound,
    /// Found at `path`; `version` is the first line `<program> --version`
    /// printed, or why it printed none.
    Found {
        path: PathBuf,
        version: Result<String, String>,
    },
}

const WORKER_SETTING: &str = "worker.command (AUTO_MILESTONE_WORKER_COMMAND)";

/// The worker program's check. `program` is argv[0] of `worker.command`.
pub fn worker(program: &str, found: &Program) -> Check {
    match found {
        Program::NotFound => Check::fail(
            "worker",
            format!("`{program}` (argv[0] of worker.command) is not on PATH"),
            install_hint(program),
        ),
        Program::Found {
            path,
            version: Ok(version),
        } => Check::ok("worker", format!("{} ({version})", path.display())),
        Program::Found {
            path,
            version: Err(why),
        } => Check::warn(
            "worker",
            format!("{} found, but `{program} --version` {why}", path.display()),
            format!(
                "run `{program} --version` yourself to see why; a worker that cannot start fails every issue"
            ),
        ),
    }
}

fn install_hint(program: &str) -> String {
    if program == "claude" {
        format!(
            "install Claude Code (`npm install -g @anthropic-ai/claude-code`) and log in once with `claude`, or set {WORKER_SETTING} to your worker"
        )
    } else {
        format!("install `{program}` or put its directory on PATH, or correct {WORKER_SETTING}")
    }
}

/// Whether any argument of the worker command runs the `/auto-issue` slash
/// command (`/auto-issue {issue}`; `/auto-issue-v2` is another command).
pub fn uses_auto_issue(command: &[String]) -> bool {
    command.iter().any(|arg| {
        arg.match_indices(AUTO_ISSUE).any(|(at, _)| {
            let before = arg[..at].chars().next_back();
            let after = arg[at + AUTO_ISSUE.len()..].chars().next();
            before.is_none_or(char::is_whitespace) && after.is_none_or(char::is_whitespace)
        })
    })
}

/// The `/auto-issue` check: not needed unless the worker uses it; else the
/// checkout's `.claude/commands/auto-issue.md` or the user's
/// `~/.claude/commands/auto-issue.md`, whichever exists (`project`, `user`).
pub fn auto_issue(uses: bool, project: Option<&Path>, user: Option<&Path>) -> Check {
    const NAME: &str = "auto-issue";
    if !uses {
        return Check::ok(NAME, "not needed: worker.command does not run /auto-issue");
    }
    match (project, user) {
        (Some(file), _) => Check::ok(NAME, format!("{} (this repository's)", file.display())),
        (None, Some(file)) => Check::ok(NAME, format!("{} (yours)", file.display())),
        (None, None) => Check::fail(
            NAME,
            "worker.command runs /auto-issue, but neither .claude/commands/auto-issue.md in this checkout nor ~/.claude/commands/auto-issue.md exists",
            format!(
                "write the command to .claude/commands/auto-issue.md (committed, so worktrees have it): a prompt that implements issue $ARGUMENTS, pushes a branch feat/issue-<N>-<slug> and opens a PR saying \"Closes #<N>\"; or change {WORKER_SETTING}"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::check::Status;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn a_found_program_shows_where_and_its_version() {
        let found = Program::Found {
            path: "/usr/local/bin/claude".into(),
            version: Ok("2.1.3 (Claude Code)".into()),
        };
        let c = worker("claude", &found);
        assert_eq!(
            (c.status, c.detail.as_str()),
            (Status::Ok, "/usr/local/bin/claude (2.1.3 (Claude Code))")
        );
    }

    #[test]
    fn a_missing_program_fails_with_how_to_install_it() {
        let c = worker("claude", &Program::NotFound);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.fix
                .unwrap()
                .contains("npm install -g @anthropic-ai/claude-code")
        );
        let c = worker("my-agent", &Program::NotFound);
        assert!(c.detail.contains("`my-agent`"));
        assert!(c.fix.unwrap().contains("AUTO_MILESTONE_WORKER_COMMAND"));
    }

    #[test]
    fn a_program_that_does_not_answer_version_warns() {
        let found = Program::Found {
            path: "/opt/agent".into(),
            version: Err("did not answer within 10s".into()),
        };
        let c = worker("/opt/agent", &found);
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.detail
                .ends_with("`/opt/agent --version` did not answer within 10s")
        );
    }

    #[test]
    fn auto_issue_is_found_as_a_whole_word_in_any_argument() {
        assert!(uses_auto_issue(&argv(&[
            "claude",
            "-p",
            "/auto-issue {issue}"
        ])));
        assert!(uses_auto_issue(&argv(&["claude", "-p", "/auto-issue"])));
        assert!(!uses_auto_issue(&argv(&[
            "claude",
            "-p",
            "/auto-issue-v2 {issue}"
        ])));
        assert!(!uses_auto_issue(&argv(&[
            "claude",
            "-p",
            "see x/auto-issue"
        ])));
        assert!(!uses_auto_issue(&argv(&["agent", "{issue}"])));
    }

    #[test]
    fn the_command_file_is_needed_only_when_used() {
        assert_eq!(auto_issue(false, None, None).status, Status::Ok);
        let project = PathBuf::from("/r/.claude/commands/auto-issue.md");
        let user = PathBuf::from("/home/ann/.claude/commands/auto-issue.md");
        let c = auto_issue(true, Some(&project), Some(&user));
        assert_eq!(
            c.detail,
            "/r/.claude/commands/auto-issue.md (this repository's)"
        );
        let c = auto_issue(true, None, Some(&user));
        assert_eq!(c.detail, "/home/ann/.claude/commands/auto-issue.md (yours)");
        let c = auto_issue(true, None, None);
        assert_eq!(c.status, Status::Fail);
        assert!(c.fix.unwrap().contains(".claude/commands/auto-issue.md"));
    }
}
