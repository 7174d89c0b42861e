//! The optional external (LLM) planner: a configured command, run without a
//! shell, whose answer is an untrusted proposal of waves. Parsing lives in
//! `parse`, checking a proposal against the native plan in `accept`.

mod accept;
mod parse;

use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::process::Command;

use super::target::Target;
use crate::ids::IssueNumber;
use crate::worker::template;

pub use accept::{Rejection, validate_external};
pub use parse::parse_planner_output;

/// What an external planner proposed. Only the wave assignment can ever be
/// used; suggested dependencies are shown to a human, never applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proposal {
    /// `(wave, issues)` as the planner wrote them, in its order.
    pub waves: Vec<(u32, Vec<IssueNumber>)>,
    pub suggested_dependencies: Vec<SuggestedDependency>,
    /// The planner's own notes (its `planning_issues`), shown as they are.
    pub notes: Vec<String>,
}

/// "`issue` should wait for `depends_on`", as an external planner suggests it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedDependency {
    pub issue: IssueNumber,
    pub depends_on: IssueNumber,
    pub reason: String,
}

/// Why the external planner gave no usable proposal; the caller keeps the
/// native plan.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error(
        "the external planner command is empty: set it to an argv such as [\"claude\", \"-p\", ...]"
    )]
    EmptyCommand,
    #[error("could not start the external planner {program:?}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("the external planner did not finish within {0:?}")]
    TimedOut(Duration),
    #[error("the external planner exited with {status}: {stderr}")]
    Failed { status: String, stderr: String },
    #[error("the external planner reported an error: {0}")]
    Reported(String),
    #[error("the external planner's output is not a plan: {0}")]
    Unreadable(String),
}

/// Runs the planner command (`argv[0]` with the rest as arguments, no shell)
/// with `{target}`, `{mode}` and `{feedback}` filled in, and parses what it prints.
pub async fn run_planner(
    argv: &[String],
    target: &Target,
    feedback: Option<&str>,
    timeout: Duration,
) -> Result<Proposal, ExternalError> {
    let argv = expand(argv, target, feedback);
    let (program, args) = argv.split_first().ok_or(ExternalError::EmptyCommand)?;
    tracing::info!(program = %program, mode = target.mode(), "running the external planner");
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ExternalError::Spawn {
            program: program.clone(),
            source,
        })?;
    // On timeout the wait is dropped, and with it the child, which is killed.
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| ExternalError::TimedOut(timeout))?
        .map_err(|source| ExternalError::Spawn {
            program: program.clone(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ExternalError::Failed {
            status: output.status.to_string(),
            stderr: tail(&stderr),
        });
    }
    parse_planner_output(&String::from_utf8_lossy(&output.stdout))
}

/// Fills the placeholders inside each argv element, in one pass, so text
/// that came from a placeholder is never expanded again nor split (the
/// worker templates' syntax, [`template::fill`]).
pub fn expand(argv: &[String], target: &Target, feedback: Option<&str>) -> Vec<String> {
    let value = |name: &str| match name {
        "target" => Some(target.value()),
        "mode" => Some(target.mode().to_string()),
        "feedback" => Some(feedback.unwrap_or("").to_string()),
        _ => None,
    };
    argv.iter().map(|arg| template::fill(arg, value)).collect()
}

/// The last lines of a stream, enough to say what went wrong.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn milestone() -> Target {
        Target::Milestone("OB3 {mode} Phase 1".into())
    }

    const PLAN: &str = r#"{"execution_waves":[{"wave":1,"issues":[1]}]}"#;

    #[test]
    fn placeholders_fill_inside_elements_and_never_split_or_recurse() {
        let argv = args(&[
            "claude",
            "-p",
            "Plan {mode} '{target}'. {feedback}",
            "{x}",
            "{",
        ]);
        let out = expand(&argv, &milestone(), Some("Put #2 {target} first"));
        assert_eq!(
            out,
            args(&[
                "claude",
                "-p",
                "Plan milestone 'OB3 {mode} Phase 1'. Put #2 {target} first",
                "{x}",
                "{"
            ])
        );
        let issues = Target::Issues(vec![IssueNumber(3), IssueNumber(1)]);
        assert_eq!(
            expand(&args(&["{target}:{mode}:{feedback}"]), &issues, None),
            args(&["3,1:issues:"])
        );
    }

    #[tokio::test]
    async fn runs_argv_and_parses_stdout() {
        let argv = args(&["sh", "-c", "printf '%s' \"$0\"", PLAN]);
        let proposal = run_planner(&argv, &milestone(), None, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(proposal.waves, vec![(1, vec![IssueNumber(1)])]);
    }

    #[tokio::test]
    async fn issue_text_reaches_the_planner_as_one_argument() {
        // A target full of shell syntax arrives verbatim, as one argument.
        let nasty = Target::Milestone("M1 $(touch /tmp/pwned); `x` 'q' *".into());
        let script =
            r#"[ "$#" -eq 1 ] && printf '{"execution_waves":[],"planning_issues":["%s"]}' "$1""#;
        let argv = args(&["sh", "-c", script, "sh", "{target}"]);
        let proposal = run_planner(&argv, &nasty, None, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(
            proposal.notes,
            vec!["M1 $(touch /tmp/pwned); `x` 'q' *".to_string()]
        );
    }

    #[tokio::test]
    async fn a_failing_planner_reports_its_stderr() {
        let argv = args(&["sh", "-c", "echo 'rate limited' >&2; exit 3"]);
        let err = run_planner(&argv, &milestone(), None, Duration::from_secs(10))
            .await
            .unwrap_err();
        match err {
            ExternalError::Failed { stderr, .. } => assert_eq!(stderr, "rate limited"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_slow_planner_times_out() {
        let argv = args(&["sleep", "30"]);
        let err = run_planner(&argv, &milestone(), None, Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(matches!(err, ExternalError::TimedOut(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_missing_program_or_empty_argv_is_an_error() {
        let err = run_planner(
            &args(&["/nonexistent/planner"]),
            &milestone(),
            None,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, ExternalError::Spawn { .. }), "{err:?}");
        let err = run_planner(&[], &milestone(), None, Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(matches!(err, ExternalError::EmptyCommand));
    }

    #[tokio::test]
    async fn output_from_a_temp_file_parses() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, PLAN.as_bytes()).unwrap();
        let argv = args(&["cat", file.path().to_str().unwrap()]);
        let proposal = run_planner(&argv, &milestone(), None, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(proposal.waves.len(), 1);
    }
}
