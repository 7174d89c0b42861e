//! What a simulated worker is started with: its arguments ([`SimArgs`]),
//! its environment ([`SimEnv`], read from the variables the orchestrator
//! sets), and what can go wrong ([`SimError`], with the exit status each
//! failure maps to).

use std::path::PathBuf;
use std::str::FromStr;

use crate::args::Args;
use crate::console::Console;
use crate::directives::DirectiveError;
use crate::git::GitError;
use crate::github::{GitHub, GitHubError, Repo, Token};

/// Exit status for a setup mistake (bad arguments, environment, directives).
pub const EXIT_SETUP: i32 = 2;
/// Exit status for a failure while working (git, GitHub, files).
pub const EXIT_FAILED: i32 = 1;

/// What the worker is asked to do (`--mode`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Implement the issue: commit, push, open the PR.
    Work,
    /// Remove the CI failure marker from the PR branch.
    FixCi,
    /// Remove `BUG:` lines and note the review comments addressed.
    FixReview,
    /// Append a human's requested changes.
    Changes,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Work => "work",
            Mode::FixCi => "fix-ci",
            Mode::FixReview => "fix-review",
            Mode::Changes => "changes",
        }
    }
}

impl FromStr for Mode {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Mode::Work, Mode::FixCi, Mode::FixReview, Mode::Changes]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                SimError::Setup(format!(
                    "read --mode {s:?}: use work, fix-ci, fix-review or changes"
                ))
            })
    }
}

/// The worker's arguments: the issue (work) or PR (fixes), and free text
/// (review comments, a human's feedback) that is data, never interpreted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimArgs {
    pub mode: Mode,
    pub number: u64,
    pub text: String,
    /// The session to continue (`--resume`): its task replaces the others.
    pub resume: Option<String>,
}

impl SimArgs {
    pub fn from_cli(args: &Args) -> Result<SimArgs, SimError> {
        Ok(SimArgs {
            mode: args.mode.parse()?,
            number: args.number,
            text: args.text.clone(),
            resume: args.resume.clone(),
        })
    }
}

/// Where the worker runs and whom it talks to.
#[derive(Clone, Debug)]
pub struct SimEnv {
    /// The checkout or worktree to work in (its `origin` is the remote to push to).
    pub cwd: PathBuf,
    /// `AUTO_MILESTONE_REPO` (else `GITHUB_REPOSITORY`).
    pub repo: Repo,
    /// `GITHUB_API_URL`: required, so a simulated worker never opens PRs on
    /// github.com by accident.
    pub api_url: String,
    /// `GITHUB_TOKEN`, else `GH_TOKEN`.
    pub token: Token,
    /// `AUTO_MILESTONE_ISSUE`: the issue a fix mode's PR belongs to.
    pub issue: Option<u64>,
    /// `AUTO_MILESTONE_BRANCH`: the branch the orchestrator suggests.
    pub branch: Option<String>,
    /// `AUTO_MILESTONE_PR`; informational, fix modes take the PR from their argument.
    pub pr: Option<u64>,
    /// `AUTO_MILESTONE_SIM_TRACE`: where to append the test trace.
    pub trace_dir: Option<PathBuf>,
    pub console: Console,
}

impl SimEnv {
    /// Reads the environment through `var`; `cwd` is where to work.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        cwd: PathBuf,
        console: Console,
    ) -> Result<SimEnv, SimError> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let repo = get("AUTO_MILESTONE_REPO")
            .or_else(|| get("GITHUB_REPOSITORY"))
            .ok_or_else(|| {
                SimError::Setup("find the repository: set AUTO_MILESTONE_REPO to OWNER/NAME".into())
            })?;
        let repo = repo
            .parse()
            .map_err(|e| SimError::Setup(format!("read AUTO_MILESTONE_REPO: {e}")))?;
        let api_url = get("GITHUB_API_URL").ok_or_else(|| {
            SimError::Setup(
                "find the GitHub API: set GITHUB_API_URL (the sandbox's URL) for the simulated worker".into(),
            )
        })?;
        let token = get("GITHUB_TOKEN")
            .or_else(|| get("GH_TOKEN"))
            .map(Token::new)
            .ok_or_else(|| {
                SimError::Setup("find a GitHub token: set GITHUB_TOKEN or GH_TOKEN".into())
            })?;
        let number = |name: &str| -> Result<Option<u64>, SimError> {
            get(name)
                .map(|v| {
                    let v = v.trim_start_matches('#');
                    v.parse::<u64>()
                        .map_err(|_| SimError::Setup(format!("read {name}: {v:?} is not a number")))
                })
                .transpose()
        };
        Ok(SimEnv {
            cwd,
            repo,
            api_url,
            token,
            issue: number("AUTO_MILESTONE_ISSUE")?,
            branch: get("AUTO_MILESTONE_BRANCH"),
            pr: number("AUTO_MILESTONE_PR")?,
            trace_dir: get("AUTO_MILESTONE_SIM_TRACE").map(PathBuf::from),
            console,
        })
    }

    /// The process's environment and working directory, printing to stdout.
    pub fn from_process(console: Console) -> Result<SimEnv, SimError> {
        let cwd = std::env::current_dir()
            .map_err(|e| SimError::Setup(format!("read the working directory: {e}")))?;
        Self::from_vars(|k| std::env::var(k).ok(), cwd, console)
    }

    /// The GitHub client for the repository.
    pub fn client(&self) -> Result<GitHub, SimError> {
        GitHub::new(&self.api_url, self.token.clone(), self.repo.clone())
            .map_err(|e| SimError::Setup(format!("set up the GitHub client: {e}")))
    }
}

/// Why a simulated worker could not do its job; reads after "failed to ...".
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Arguments or environment the worker cannot start with.
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Directive(#[from] DirectiveError),
    #[error("{doing}: {source}")]
    GitHub { doing: String, source: GitHubError },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{doing}: {source}")]
    Io {
        doing: String,
        source: std::io::Error,
    },
    /// Something the worker needs that does not exist (an issue, a PR).
    #[error("{0}")]
    Missing(String),
}

impl SimError {
    pub fn github(doing: impl Into<String>) -> impl FnOnce(GitHubError) -> SimError {
        let doing = doing.into();
        move |source| SimError::GitHub { doing, source }
    }

    pub fn io(doing: impl Into<String>) -> impl FnOnce(std::io::Error) -> SimError {
        let doing = doing.into();
        move |source| SimError::Io { doing, source }
    }

    /// The exit status this failure ends the worker with.
    pub fn exit_code(&self) -> i32 {
        match self {
            SimError::Setup(_) | SimError::Directive(_) => EXIT_SETUP,
            _ => EXIT_FAILED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    const BASE: [(&str, &str); 3] = [
        ("AUTO_MILESTONE_REPO", "acme/widgets"),
        ("GITHUB_API_URL", "http://127.0.0.1:9"),
        ("GITHUB_TOKEN", "t"),
    ];

    #[test]
    fn the_orchestrators_variables_are_read() {
        let mut all = BASE.to_vec();
        all.extend([
            ("AUTO_MILESTONE_ISSUE", "12"),
            ("AUTO_MILESTONE_BRANCH", "feat/issue-12-x"),
            ("AUTO_MILESTONE_PR", "#40"),
            ("AUTO_MILESTONE_SIM_TRACE", "/tmp/trace"),
        ]);
        let env = SimEnv::from_vars(vars(&all), "/w".into(), Console::capture()).unwrap();
        assert_eq!(env.repo, "acme/widgets".parse().unwrap());
        assert_eq!(env.issue, Some(12));
        assert_eq!(env.pr, Some(40));
        assert_eq!(env.branch.as_deref(), Some("feat/issue-12-x"));
        assert_eq!(env.trace_dir, Some(PathBuf::from("/tmp/trace")));
        assert_eq!(env.token, Token::new("t"));
    }

    #[test]
    fn missing_repo_url_or_token_say_what_to_set() {
        for (drop, named) in [
            ("AUTO_MILESTONE_REPO", "AUTO_MILESTONE_REPO"),
            ("GITHUB_API_URL", "GITHUB_API_URL"),
            ("GITHUB_TOKEN", "GITHUB_TOKEN"),
        ] {
            let some: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != drop).collect();
            let err = SimEnv::from_vars(vars(&some), "/w".into(), Console::capture()).unwrap_err();
            assert!(err.to_string().contains(named), "{err}");
            assert_eq!(err.exit_code(), EXIT_SETUP);
        }
    }

    #[test]
    fn a_bad_issue_number_is_a_setup_error() {
        let mut all = BASE.to_vec();
        all.push(("AUTO_MILESTONE_ISSUE", "twelve"));
        let err = SimEnv::from_vars(vars(&all), "/w".into(), Console::capture()).unwrap_err();
        assert!(err.to_string().contains("AUTO_MILESTONE_ISSUE"), "{err}");
    }

    #[test]
    fn modes_parse_by_name_and_unknown_modes_list_the_known_ones() {
        for mode in [Mode::Work, Mode::FixCi, Mode::FixReview, Mode::Changes] {
            assert_eq!(mode.as_str().parse::<Mode>().unwrap(), mode);
        }
        let err = "fix".parse::<Mode>().unwrap_err().to_string();
        assert!(err.contains("fix-review"), "{err}");
    }
}
