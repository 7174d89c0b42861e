//! The `Settings` struct: every knob the program has, with its default.
//! Where each one can be set from is in `catalog`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::duration::Dur;
use crate::worker::template;

/// How issues are released to workers: the scheduler's own mode, so the
/// setting needs no translation.
pub use crate::schedule::ScheduleMode as Schedule;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `owner/name`; when unset, `GITHUB_REPOSITORY`, then the `origin` remote.
    pub repo: Option<String>,
    pub api_url: String,
    /// First wait before retrying a transient GitHub failure (it doubles, 4 attempts in all).
    pub github_retry_delay: Dur,
    pub parallel: usize,
    pub schedule: Schedule,
    /// The checkpoint; relative paths are under the repository root. Unset:
    /// `state.db` in the state directory under the git common directory
    /// (`paths`), out of every working tree.
    pub db: Option<PathBuf>,
    /// Worker logs and the run log; relative paths are under the repository
    /// root. Unset: `logs/` in that same state directory.
    pub log_dir: Option<PathBuf>,
    pub worktree_dir: PathBuf,
    /// The branch PRs target; when unset, the repository's default branch.
    pub base_branch: Option<String>,
    /// Branch prefixes a worker may use: `<kind>/issue-<N>[-slug]`.
    pub branch_kinds: Vec<String>,
    pub shutdown_grace: Dur,
    /// How long a fetch or `ls-remote` may wait on the remote before it fails.
    pub git_network_timeout: Dur,
    pub planner: PlannerSettings,
    pub worker: WorkerSettings,
    pub ci: CiSettings,
    pub review: ReviewSettings,
    pub telegram: TelegramSettings,
    pub notify: NotifySettings,
    pub budget: BudgetSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            repo: None,
            api_url: "https://api.github.com".into(),
            github_retry_delay: Dur::secs(1),
            parallel: 1,
            schedule: Schedule::Blockers,
            db: None,
            log_dir: None,
            worktree_dir: ".worktrees".into(),
            base_branch: None,
            branch_kinds: crate::git::default_branch_kinds(),
            shutdown_grace: Dur::secs(30),
            git_network_timeout: Dur(crate::git::DEFAULT_NETWORK_TIMEOUT),
            planner: PlannerSettings::default(),
            worker: WorkerSettings::default(),
            ci: CiSettings::default(),
            review: ReviewSettings::default(),
            telegram: TelegramSettings::default(),
            notify: NotifySettings::default(),
            budget: BudgetSettings::default(),
        }
    }
}

/// The optional external (LLM) planner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlannerSettings {
    /// argv; placeholders `{target}`, `{mode}`, `{feedback}`. Unset: the built-in planner only.
    pub command: Option<Vec<String>>,
    /// How long the planner may think before the built-in plan is used.
    pub timeout: Dur,
}

impl Default for PlannerSettings {
    fn default() -> Self {
        PlannerSettings {
            command: None,
            timeout: Dur::mins(15),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// argv; placeholders `{issue}`, `{branch}`, `{prompt}`, `{repo}`.
    pub command: Vec<String>,
    /// argv continuing an interrupted worker's agent session; must use
    /// `{session}`; `{prompt}` says what to do now.
    pub resume_command: Vec<String>,
    pub timeout: Dur,
    /// How long output, CPU time and the working tree may all stand still.
    pub stall_timeout: Dur,
    /// Between SIGTERM and SIGKILL when a worker is stopped.
    pub grace: Dur,
    /// Added to every worker's environment. Not for secrets: those come from
    /// the environment only (`WORKER_GITHUB_TOKEN`).
    pub env: BTreeMap<String, String>,
    /// Removed from every worker's environment, besides the orchestrator's
    /// own secrets, which are always removed.
    pub env_remove: Vec<String>,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            command: template::default_worker(),
            resume_command: template::default_resume(),
            timeout: Dur::mins(60),
            stall_timeout: Dur::mins(15),
            grace: Dur::secs(10),
            env: BTreeMap::new(),
            env_remove: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CiSettings {
    pub skip: bool,
    /// How long "no checks at all" stays pending before it reads as "no CI".
    pub grace: Dur,
    pub timeout: Dur,
    pub poll_min: Dur,
    pub poll_max: Dur,
    pub max_fix_attempts: u32,
    /// Rerun failed GitHub Actions jobs once on the same commit before a fix
    /// worker is paid for (a flaky test usually passes the second time).
    pub rerun_flaky: bool,
    /// argv; placeholders `{pr}`, `{issue}`, `{branch}`, `{repo}`.
    pub fix_command: Vec<String>,
}

impl Default for CiSettings {
    fn default() -> Self {
        CiSettings {
            skip: false,
            grace: Dur::mins(2),
            timeout: Dur::mins(30),
            poll_min: Dur::secs(2),
            poll_max: Dur::secs(4),
            max_fix_attempts: 2,
            rerun_flaky: true,
            fix_command: template::default_ci_fix(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewSettings {
    /// Logins whose reviews count as the automated review.
    pub bots: Vec<String>,
    pub wait: Dur,
    pub max_rounds: u32,
    /// argv; placeholders `{pr}`, `{comments}`, `{issue}`, `{branch}`.
    pub fix_command: Vec<String>,
    /// argv for a human's `changes: ...`; placeholders `{pr}`, `{feedback}`.
    pub changes_command: Vec<String>,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            bots: vec!["coderabbitai[bot]".into()],
            wait: Dur::mins(5),
            max_rounds: 2,
            fix_command: template::default_review_fix(),
            changes_command: template::default_changes_fix(),
        }
    }
}

/// Telegram approvals. The bot token is read from `TELEGRAM_BOT_TOKEN` only,
/// never from a file, and is not part of the settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramSettings {
    pub chat_id: Option<i64>,
    /// User ids allowed to answer; empty means anyone in the chat.
    pub allowed_users: Vec<i64>,
    /// A self-hosted Bot API server; unset means Telegram's own.
    pub api_url: Option<String>,
    pub reminder: Dur,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        TelegramSettings {
            chat_id: None,
            allowed_users: Vec::new(),
            api_url: None,
            reminder: Dur::mins(10),
        }
    }
}

/// Notify-only hooks: the closing summary, failures and questions left
/// waiting are posted there too; nothing is read back. Each URL's path is a
/// secret of its service, so it is never logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// A Slack incoming webhook (`https://hooks.slack.com/services/...`).
    pub slack_url: Option<String>,
    /// A Discord channel webhook (`https://discord.com/api/webhooks/...`).
    pub discord_url: Option<String>,
    /// Any endpoint taking our JSON (`event`, `text`, `run`, `summary`).
    pub webhook_url: Option<String>,
}

impl NotifySettings {
    /// Each hook setting's key and value.
    pub fn urls(&self) -> [(&'static str, Option<&str>); 3] {
        [
            ("notify.slack_url", self.slack_url.as_deref()),
            ("notify.discord_url", self.discord_url.as_deref()),
            ("notify.webhook_url", self.webhook_url.as_deref()),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetSettings {
    /// Total spend across workers after which no new worker starts.
    pub max_total_usd: Option<f64>,
}
