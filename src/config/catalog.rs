//! The catalog of settings: each key in the TOML file, the environment
//! variable that overrides it, and what it means. The loader and the README
//! both follow this list, and a test keeps the README honest.

/// How an environment variable's text becomes a value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Float,
    Bool,
    /// `10s`, `2m`, ...
    Duration,
    /// A TOML/JSON array of strings (an argv: spaces matter, so no splitting).
    Argv,
    /// A TOML/JSON array, or a comma-separated list.
    TextList,
    IntegerList,
    /// Names to text: a TOML inline table or a JSON object.
    TextMap,
}

/// One setting.
#[derive(Debug)]
pub struct Entry {
    /// Dotted path in the TOML file.
    pub key: &'static str,
    pub env: &'static str,
    pub kind: Kind,
    pub doc: &'static str,
}

const fn e(key: &'static str, env: &'static str, kind: Kind, doc: &'static str) -> Entry {
    Entry {
        key,
        env,
        kind,
        doc,
    }
}

use Kind::*;

/// Every setting. Flags, where they exist, win over these variables.
pub const CATALOG: &[Entry] = &[
    e(
        "repo",
        "GITHUB_REPOSITORY",
        Text,
        "OWNER/NAME (default: parsed from `git remote get-url origin`)",
    ),
    e(
        "api_url",
        "GITHUB_API_URL",
        Text,
        "GitHub API base, e.g. https://ghe.example.com/api/v3",
    ),
    e(
        "github_retry_delay",
        "AUTO_MILESTONE_GITHUB_RETRY_DELAY",
        Duration,
        "first wait before retrying a transient GitHub failure (doubles; 4 attempts)",
    ),
    e(
        "parallel",
        "AUTO_MILESTONE_PARALLEL",
        Integer,
        "workers running at once (`--parallel`)",
    ),
    e(
        "schedule",
        "AUTO_MILESTONE_SCHEDULE",
        Text,
        "`blockers` (start when own blockers merged) or `waves` (strict wave order)",
    ),
    e(
        "db",
        "AUTO_MILESTONE_DB",
        Text,
        "checkpoint path, relative to the repository root (`--db`); by default under the git common dir, out of every working tree",
    ),
    e(
        "log_dir",
        "AUTO_MILESTONE_LOG_DIR",
        Text,
        "worker logs and the run log, relative to the repository root; by default under the git common dir",
    ),
    e(
        "worktree_dir",
        "AUTO_MILESTONE_WORKTREE_DIR",
        Text,
        "where per-issue worktrees go, relative to the repository root",
    ),
    e(
        "base_branch",
        "AUTO_MILESTONE_BASE_BRANCH",
        Text,
        "branch PRs target (default: the repository's default branch)",
    ),
    e(
        "branch_kinds",
        "AUTO_MILESTONE_BRANCH_KINDS",
        TextList,
        "accepted branch prefixes `<kind>/issue-<N>`",
    ),
    e(
        "shutdown_grace",
        "AUTO_MILESTONE_SHUTDOWN_GRACE",
        Duration,
        "after the first Ctrl-C/SIGTERM, how long workers get before SIGKILL",
    ),
    e(
        "git_network_timeout",
        "AUTO_MILESTONE_GIT_NETWORK_TIMEOUT",
        Duration,
        "how long a git fetch or ls-remote may wait on the remote before it fails",
    ),
    e(
        "planner.command",
        "AUTO_MILESTONE_PLANNER_COMMAND",
        Argv,
        "external planner argv (`{target}`, `{mode}`, `{feedback}`)",
    ),
    e(
        "planner.timeout",
        "AUTO_MILESTONE_PLANNER_TIMEOUT",
        Duration,
        "how long the external planner may run before the built-in plan is used",
    ),
    e(
        "worker.command",
        "AUTO_MILESTONE_WORKER_COMMAND",
        Argv,
        "worker argv (`{issue}`, `{branch}`, `{prompt}`, `{repo}`)",
    ),
    e(
        "worker.resume_command",
        "AUTO_MILESTONE_WORKER_RESUME_COMMAND",
        Argv,
        "argv continuing an interrupted worker's session (`{session}` required; `{prompt}`, `{issue}`, `{branch}`, `{repo}`, `{pr}`)",
    ),
    e(
        "worker.timeout",
        "AUTO_MILESTONE_WORKER_TIMEOUT",
        Duration,
        "wall-clock limit per worker",
    ),
    e(
        "worker.stall_timeout",
        "AUTO_MILESTONE_WORKER_STALL_TIMEOUT",
        Duration,
        "a worker whose output, CPU time and files all stand still this long is stopped",
    ),
    e(
        "worker.grace",
        "AUTO_MILESTONE_WORKER_GRACE",
        Duration,
        "between SIGTERM and SIGKILL for a stopped worker",
    ),
    e(
        "worker.env",
        "AUTO_MILESTONE_WORKER_ENV",
        TextMap,
        "variables added to every worker's environment, e.g. `{ CI = \"1\" }` (no secrets: see `WORKER_GITHUB_TOKEN`)",
    ),
    e(
        "worker.env_remove",
        "AUTO_MILESTONE_WORKER_ENV_REMOVE",
        TextList,
        "variables removed from every worker's environment (the Telegram token always is)",
    ),
    e(
        "ci.skip",
        "AUTO_MILESTONE_SKIP_CI",
        Bool,
        "do not wait for CI (`--skip-ci`)",
    ),
    e(
        "ci.grace",
        "AUTO_MILESTONE_CI_GRACE",
        Duration,
        "no checks at all for this long reads as \"no CI\"",
    ),
    e(
        "ci.timeout",
        "AUTO_MILESTONE_CI_TIMEOUT",
        Duration,
        "CI still pending after this long fails the PR",
    ),
    e(
        "ci.poll_min",
        "AUTO_MILESTONE_CI_POLL_MIN",
        Duration,
        "first poll interval of the CI and review waits (reads are conditional: an unchanged answer costs no rate limit)",
    ),
    e(
        "ci.poll_max",
        "AUTO_MILESTONE_CI_POLL_MAX",
        Duration,
        "longest poll interval; also how often an open question re-reads its PR",
    ),
    e(
        "ci.max_fix_attempts",
        "AUTO_MILESTONE_CI_MAX_FIX_ATTEMPTS",
        Integer,
        "CI fix workers per PR before it fails",
    ),
    e(
        "ci.rerun_flaky",
        "AUTO_MILESTONE_CI_RERUN_FLAKY",
        Bool,
        "rerun failed GitHub Actions jobs once on the same commit before paying for a fix worker",
    ),
    e(
        "ci.fix_command",
        "AUTO_MILESTONE_CI_FIX_COMMAND",
        Argv,
        "CI fix worker argv (`{pr}`, `{issue}`, `{branch}`, `{repo}`)",
    ),
    e(
        "review.bots",
        "AUTO_MILESTONE_REVIEW_BOTS",
        TextList,
        "logins of the automated reviewer, whose comments a fix worker may be sent",
    ),
    e(
        "review.wait",
        "AUTO_MILESTONE_REVIEW_WAIT",
        Duration,
        "how long to wait for the automated review",
    ),
    e(
        "review.max_rounds",
        "AUTO_MILESTONE_REVIEW_MAX_ROUNDS",
        Integer,
        "review-fix rounds before the human decides",
    ),
    e(
        "review.fix_command",
        "AUTO_MILESTONE_REVIEW_FIX_COMMAND",
        Argv,
        "review fix worker argv (`{pr}`, `{comments}`, `{issue}`, `{branch}`, `{repo}`)",
    ),
    e(
        "review.changes_command",
        "AUTO_MILESTONE_CHANGES_COMMAND",
        Argv,
        "worker argv for a human's `changes:` (`{pr}`, `{feedback}`, `{issue}`, `{branch}`, `{repo}`)",
    ),
    e(
        "telegram.chat_id",
        "TELEGRAM_CHAT_ID",
        Integer,
        "the chat that is asked and may answer",
    ),
    e(
        "telegram.allowed_users",
        "TELEGRAM_ALLOWED_USERS",
        IntegerList,
        "user ids allowed to answer (default: anyone in the chat)",
    ),
    e(
        "telegram.api_url",
        "TELEGRAM_API_URL",
        Text,
        "a self-hosted Bot API server",
    ),
    e(
        "telegram.reminder",
        "AUTO_MILESTONE_TELEGRAM_REMINDER",
        Duration,
        "one reminder after this long without an answer",
    ),
    e(
        "notify.slack_url",
        "AUTO_MILESTONE_NOTIFY_SLACK_URL",
        Text,
        "Slack incoming webhook URL: the run summary, failures and questions left waiting are posted there too",
    ),
    e(
        "notify.discord_url",
        "AUTO_MILESTONE_NOTIFY_DISCORD_URL",
        Text,
        "Discord webhook URL: the same notices as Slack",
    ),
    e(
        "notify.webhook_url",
        "AUTO_MILESTONE_NOTIFY_WEBHOOK_URL",
        Text,
        "any URL taking a JSON post `{event, text, run, summary}` for the same notices",
    ),
    e(
        "budget.max_total_usd",
        "AUTO_MILESTONE_MAX_BUDGET_USD_TOTAL",
        Float,
        "total worker spend before new workers stop (`--max-budget-usd-total`)",
    ),
];

/// Secrets are read where they are used and never enter `Settings`.
pub const SECRETS: &[(&str, &str)] = &[
    (
        "GITHUB_TOKEN",
        "GitHub token (else GH_TOKEN, else `gh auth token`)",
    ),
    ("GH_TOKEN", "GitHub token, when GITHUB_TOKEN is unset"),
    (
        "TELEGRAM_BOT_TOKEN",
        "Telegram bot token; with TELEGRAM_CHAT_ID enables Telegram approvals (never passed to workers)",
    ),
    (
        "WORKER_GITHUB_TOKEN",
        "a narrower GitHub token for the workers: they get it as GITHUB_TOKEN and GH_TOKEN instead of yours",
    ),
];
