//! Worker command lines as argv templates: placeholders such as `{issue}` are
//! replaced inside each argument, so issue text never meets a shell and never
//! splits or merges arguments.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{BranchName, IssueNumber, PrNumber, RepoSlug};

/// The placeholders a template may use.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Placeholder {
    Issue,
    Branch,
    Prompt,
    Pr,
    Repo,
    Feedback,
    Comments,
    /// The agent session an interrupted worker started (resume commands only).
    Session,
}

impl Placeholder {
    pub const ALL: [Placeholder; 8] = [
        Placeholder::Issue,
        Placeholder::Branch,
        Placeholder::Prompt,
        Placeholder::Pr,
        Placeholder::Repo,
        Placeholder::Feedback,
        Placeholder::Comments,
        Placeholder::Session,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Issue => "issue",
            Placeholder::Branch => "branch",
            Placeholder::Prompt => "prompt",
            Placeholder::Pr => "pr",
            Placeholder::Repo => "repo",
            Placeholder::Feedback => "feedback",
            Placeholder::Comments => "comments",
            Placeholder::Session => "session",
        }
    }

    fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.name())
    }
}

/// The values substituted into a template. An unset value expands to the
/// empty string; `ArgvTemplate::placeholders` lets a caller check beforehand
/// that a template only uses what its context can supply.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    /// Expands to the bare number (`12`, not `#12`).
    pub issue: Option<IssueNumber>,
    pub branch: Option<BranchName>,
    pub prompt: Option<String>,
    /// Expands to the bare number.
    pub pr: Option<PrNumber>,
    pub repo: Option<RepoSlug>,
    pub feedback: Option<String>,
    pub comments: Option<String>,
    pub session: Option<String>,
}

impl Vars {
    fn value(&self, placeholder: Placeholder) -> String {
        match placeholder {
            Placeholder::Issue => self.issue.map(|n| n.0.to_string()),
            Placeholder::Branch => self.branch.as_ref().map(|b| b.0.clone()),
            Placeholder::Prompt => self.prompt.clone(),
            Placeholder::Pr => self.pr.map(|n| n.0.to_string()),
            Placeholder::Repo => self.repo.as_ref().map(|r| r.to_string()),
            Placeholder::Feedback => self.feedback.clone(),
            Placeholder::Comments => self.comments.clone(),
            Placeholder::Session => self.session.clone(),
        }
        .unwrap_or_default()
    }
}

/// Why a template cannot be used; reads after "failed to ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("use an empty worker command: give at least the program to run")]
    Empty,
    #[error(
        "expand argument {index} ({arg:?}): unknown placeholder {{{name}}}; known placeholders are {{issue}}, {{branch}}, {{prompt}}, {{pr}}, {{repo}}, {{feedback}}, {{comments}}, {{session}}"
    )]
    UnknownPlaceholder {
        index: usize,
        arg: String,
        name: String,
    },
    #[error("use {{{name}}} in argument {index} ({arg:?}): this command may use only {allowed}")]
    NotHere {
        index: usize,
        arg: String,
        name: String,
        allowed: String,
    },
    #[error("use the command without {{{name}}}: it must appear in one of its arguments")]
    Missing { name: String },
}

/// One piece of a template argument.
enum Piece<'a> {
    Text(&'a str),
    /// `{name}`, known or not.
    Name(&'a str),
}

/// Splits one argument into text and `{name}` placeholders, where `name` is
/// an identifier. Anything else in braces (`{"a": 1}`, a lone `{`) is text, so
/// prompts may contain JSON. There is deliberately no escape syntax.
fn pieces(arg: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = arg;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !is_identifier(name) {
            out.push(Piece::Text(&rest[..open + 1]));
            rest = after;
            continue;
        }
        out.push(Piece::Text(&rest[..open]));
        out.push(Piece::Name(name));
        rest = &after[close + 1..];
    }
    out.push(Piece::Text(rest));
    out
}

/// Fills the `{name}` placeholders of one argument with `value(name)`, in
/// one pass: a value that itself contains `{name}` stays literal, and a name
/// `value` does not know (`None`) is kept as written. Worker templates and
/// the external planner's command share this one placeholder syntax.
pub fn fill(arg: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(arg.len());
    for piece in pieces(arg) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Name(name) => match value(name) {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
    }
    out
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A worker command line: argv elements with placeholders inside them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArgvTemplate(pub Vec<String>);

impl ArgvTemplate {
    pub fn new<S: Into<String>>(argv: impl IntoIterator<Item = S>) -> Self {
        ArgvTemplate(argv.into_iter().map(Into::into).collect())
    }

    /// Checks the template at startup, so a typo shows before any work starts.
    pub fn validate(&self) -> Result<(), TemplateError> {
        if self.0.is_empty() || self.0[0].is_empty() {
            return Err(TemplateError::Empty);
        }
        for (index, arg) in self.0.iter().enumerate() {
            for piece in pieces(arg) {
                if let Piece::Name(name) = piece
                    && Placeholder::from_name(name).is_none()
                {
                    return Err(TemplateError::UnknownPlaceholder {
                        index,
                        arg: arg.clone(),
                        name: name.to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Checks the template against what its setting can supply: every
    /// `{name}` must be in `allowed` and every name in `required` must be
    /// used. Names are checked as text, so the external planner's own
    /// placeholders (`{target}`, ...) are checked the same way.
    pub fn check(&self, allowed: &[&str], required: &[&str]) -> Result<(), TemplateError> {
        if self.0.is_empty() || self.0[0].is_empty() {
            return Err(TemplateError::Empty);
        }
        let mut used = Vec::new();
        for (index, arg) in self.0.iter().enumerate() {
            for piece in pieces(arg) {
                let Piece::Name(name) = piece else { continue };
                if !allowed.contains(&name) {
                    return Err(TemplateError::NotHere {
                        index,
                        arg: arg.clone(),
                        name: name.to_string(),
                        allowed: allowed
                            .iter()
                            .map(|n| format!("{{{n}}}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                used.push(name);
            }
        }
        match required.iter().find(|r| !used.contains(r)) {
            Some(name) => Err(TemplateError::Missing {
                name: name.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// The known placeholders the template uses, each once, in order of appearance.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut used = Vec::new();
        for arg in &self.0 {
            for piece in pieces(arg) {
                if let Piece::Name(name) = piece
                    && let Some(p) = Placeholder::from_name(name)
                    && !used.contains(&p)
                {
                    used.push(p);
                }
            }
        }
        used
    }

    /// Substitutes `vars` in one pass (see [`fill`]). Unknown placeholders
    /// (which `validate` rejects) are kept as written.
    pub fn expand(&self, vars: &Vars) -> Vec<String> {
        self.0
            .iter()
            .map(|arg| {
                fill(arg, |name| {
                    Placeholder::from_name(name).map(|p| vars.value(p))
                })
            })
            .collect()
    }
}

/// The flags every default worker shares after its budget: the model, the
/// event stream (read live for the activity, the session and the cost), and
/// no permission prompts (a headless worker must never wait for input).
const STREAM_FLAGS: [&str; 6] = [
    "--model",
    "opus",
    "--output-format",
    "stream-json",
    "--verbose",
    "--dangerously-skip-permissions",
];

/// `claude -p <args> --max-budget-usd <usd>` and the shared flags.
fn claude(args: &[&str], usd: &str) -> Vec<String> {
    let budget = ["--max-budget-usd", usd];
    ["claude", "-p"]
        .iter()
        .chain(args)
        .chain(&budget)
        .chain(&STREAM_FLAGS)
        .map(|s| s.to_string())
        .collect()
}

/// `claude -p "/auto-issue N"` as the spec launches it, printing its events.
pub fn default_worker() -> Vec<String> {
    claude(&["/auto-issue {issue}"], "5")
}

/// The worker that fixes failing CI (spec, Phase 3 step 1).
pub fn default_ci_fix() -> Vec<String> {
    claude(
        &["Fix CI failures for PR #{pr}. Run failing checks, fix issues, commit and push."],
        "2",
    )
}

/// The worker that addresses CodeRabbit's comments.
pub fn default_review_fix() -> Vec<String> {
    claude(
        &["Address review comments on PR #{pr}: {comments}. Fix issues, commit and push."],
        "3",
    )
}

/// The worker that addresses a human's "changes" reply.
pub fn default_changes_fix() -> Vec<String> {
    claude(
        &["Address this feedback on PR #{pr}: {feedback}. Fix issues, commit and push."],
        "3",
    )
}

/// Continues an interrupted worker's session; `{prompt}` says what to do
/// now (finish the interrupted task).
pub fn default_resume() -> Vec<String> {
    claude(&["--resume", "{session}", "{prompt}"], "5")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars {
            issue: Some(IssueNumber(12)),
            branch: Some(BranchName("feat/issue-12-x".into())),
            pr: Some(PrNumber(40)),
            repo: Some(RepoSlug::new("o", "r")),
            ..Vars::default()
        }
    }

    #[test]
    fn substitutes_inside_each_argument() {
        let t = ArgvTemplate::new(["w", "--issue={issue}", "{repo}@{branch}", "pr-{pr}"]);
        assert_eq!(
            t.expand(&vars()),
            ["w", "--issue=12", "o/r@feat/issue-12-x", "pr-40"]
        );
    }

    #[test]
    fn hostile_text_stays_one_argument() {
        let text = "it's \"quoted\" $(rm -rf /) `x`;\nnext line {branch}";
        let v = Vars {
            feedback: Some(text.into()),
            ..vars()
        };
        let t = ArgvTemplate::new(["w", "Feedback: {feedback}!"]);
        let argv = t.expand(&v);
        assert_eq!(argv.len(), 2);
        // One pass: the `{branch}` inside the value is not expanded again.
        assert_eq!(argv[1], format!("Feedback: {text}!"));
    }

    #[test]
    fn unset_values_expand_to_empty() {
        let t = ArgvTemplate::new(["w", "[{comments}]"]);
        assert_eq!(t.expand(&Vars::default()), ["w", "[]"]);
    }

    #[test]
    fn braces_that_are_not_placeholders_are_text() {
        let t = ArgvTemplate::new(["w", r#"{"a": 1} { {} {issue"#]);
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(t.expand(&vars())[1], r#"{"a": 1} { {} {issue"#);
        assert!(t.placeholders().is_empty());
    }

    #[test]
    fn validate_names_the_unknown_placeholder() {
        let t = ArgvTemplate::new(["w", "ok {issue}", "bad {isue}"]);
        let err = t.validate().unwrap_err();
        assert_eq!(
            err,
            TemplateError::UnknownPlaceholder {
                index: 2,
                arg: "bad {isue}".into(),
                name: "isue".into()
            }
        );
        assert!(err.to_string().contains("{isue}"), "{err}");
        assert_eq!(
            ArgvTemplate::new(Vec::<String>::new()).validate(),
            Err(TemplateError::Empty)
        );
        assert_eq!(
            ArgvTemplate::new([""]).validate(),
            Err(TemplateError::Empty)
        );
    }

    #[test]
    fn check_refuses_names_a_setting_cannot_fill_and_requires_some() {
        let t = ArgvTemplate::new(["w", "{issue}", "{pr}"]);
        let err = t.check(&["issue", "branch"], &[]).unwrap_err();
        assert!(matches!(&err, TemplateError::NotHere { name, index: 2, .. } if name == "pr"));
        assert!(
            err.to_string().contains("may use only {issue}, {branch}"),
            "{err}"
        );
        let resume = ArgvTemplate::new(["claude", "-p", "--resume", "{prompt}"]);
        let err = resume
            .check(&["session", "prompt"], &["session"])
            .unwrap_err();
        assert_eq!(
            err,
            TemplateError::Missing {
                name: "session".into()
            }
        );
        assert_eq!(
            ArgvTemplate::new(default_resume())
                .check(&["session", "prompt", "issue"], &["session"]),
            Ok(())
        );
        assert_eq!(
            ArgvTemplate::new([""]).check(&[], &[]),
            Err(TemplateError::Empty)
        );
    }

    #[test]
    fn placeholders_lists_each_once_in_order() {
        let t = ArgvTemplate::new(["w", "{pr} {issue}", "{pr}"]);
        assert_eq!(t.placeholders(), [Placeholder::Pr, Placeholder::Issue]);
        assert_eq!(Placeholder::Pr.to_string(), "{pr}");
    }

    #[test]
    fn deserialises_from_a_list_of_strings() {
        let t: ArgvTemplate = serde_json::from_str(r#"["sim", "--issue", "{issue}"]"#).unwrap();
        assert_eq!(t, ArgvTemplate::new(["sim", "--issue", "{issue}"]));
        assert!(serde_json::from_str::<ArgvTemplate>(r#""sim --issue""#).is_err());
    }

    #[test]
    fn defaults_validate_and_use_the_expected_placeholders() {
        let cases = [
            (
                ArgvTemplate::new(default_worker()),
                "5",
                vec![Placeholder::Issue],
            ),
            (
                ArgvTemplate::new(default_ci_fix()),
                "2",
                vec![Placeholder::Pr],
            ),
            (
                ArgvTemplate::new(default_review_fix()),
                "3",
                vec![Placeholder::Pr, Placeholder::Comments],
            ),
            (
                ArgvTemplate::new(default_changes_fix()),
                "3",
                vec![Placeholder::Pr, Placeholder::Feedback],
            ),
        ];
        for (t, budget, used) in cases {
            assert_eq!(t.validate(), Ok(()));
            assert_eq!(t.placeholders(), used);
            assert_eq!(&t.0[..2], ["claude", "-p"]);
            assert_eq!(
                t.0[3..5],
                ["--max-budget-usd".to_string(), budget.to_string()]
            );
            assert_eq!(&t.0[5..], &default_worker()[5..]);
            assert!(
                t.0.windows(2)
                    .any(|w| w == ["--output-format", "stream-json"])
            );
            assert!(t.0.contains(&"--verbose".to_string()));
        }
        assert_eq!(
            ArgvTemplate::new(default_worker()).expand(&vars())[2],
            "/auto-issue 12"
        );
    }
}
