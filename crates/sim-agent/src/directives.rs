//! The `<!-- sim: ... -->` directives an issue body carries to script what
//! its simulated worker does, and their parser (pure, no I/O).
//!
//! Grammar (every `sim:` comment in the body is read, in order; a key given
//! twice keeps its last value):
//!
//! ```text
//! comment = "<!--" [ws] "sim:" items [ws] "-->"
//! items   = item { ("," | ws) { "," | ws } item }
//! item    = key [ "=" value ]
//! key     = one of the keys below
//! value   = any characters except whitespace and ","
//! ```
//!
//! Other HTML comments are ignored. An unknown key, a missing or unexpected
//! value, or a value that does not read is an error: a typo in a fixture
//! must fail loudly, not silently run the default.

use std::time::Duration;

use regex::Regex;

/// The cost reported when the issue does not say (`cost=`).
pub const DEFAULT_COST_USD: f64 = 0.25;

/// The keys a directive may use, for the error message.
const KEYS: &str = "outcome, branch, slow, fail-ci, review-bug, review-nit, cost, fix";

/// How a work-mode run ends (`outcome=`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Outcome {
    /// Commit, push, open the PR, exit 0.
    #[default]
    Pr,
    /// Exit 0 having pushed nothing.
    NoPush,
    /// Commit and push, open no PR, exit 0.
    PushNoPr,
    /// Print a few lines, exit 3 without pushing.
    Crash,
    /// Print one line, then stay silent until killed.
    Hang,
    /// Open the PR, then exit 1.
    PrThenFail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pr => "pr",
            Outcome::NoPush => "no-push",
            Outcome::PushNoPr => "push-no-pr",
            Outcome::Crash => "crash",
            Outcome::Hang => "hang",
            Outcome::PrThenFail => "pr-then-fail",
        }
    }

    fn parse(value: &str) -> Option<Outcome> {
        [
            Outcome::Pr,
            Outcome::NoPush,
            Outcome::PushNoPr,
            Outcome::Crash,
            Outcome::Hang,
            Outcome::PrThenFail,
        ]
        .into_iter()
        .find(|o| o.as_str() == value)
    }
}

/// How a fix-mode run (`fix-ci`, `fix-review`, `changes`) ends (`fix=`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum FixOutcome {
    /// Make the fix, commit and push it (nothing to fix: push nothing).
    #[default]
    Push,
    /// Exit 0 having pushed nothing: a fix that fixes nothing.
    None,
    /// Exit 3 without pushing.
    Crash,
    /// Print one line, then stay silent until killed.
    Hang,
}

impl FixOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FixOutcome::Push => "push",
            FixOutcome::None => "none",
            FixOutcome::Crash => "crash",
            FixOutcome::Hang => "hang",
        }
    }

    fn parse(value: &str) -> Option<FixOutcome> {
        [
            FixOutcome::Push,
            FixOutcome::None,
            FixOutcome::Crash,
            FixOutcome::Hang,
        ]
        .into_iter()
        .find(|o| o.as_str() == value)
    }
}

/// What an issue's simulated worker is told to do; `Default` is an issue
/// without directives: open a clean PR.
#[derive(Clone, Debug, PartialEq)]
pub struct Directives {
    pub outcome: Outcome,
    /// Push this branch instead of the one the orchestrator suggests.
    pub branch: Option<String>,
    /// Work this long (printing a heartbeat) before finishing.
    pub slow: Option<Duration>,
    /// The committed file carries the sandbox CI's failure marker.
    pub fail_ci: bool,
    /// The committed file has a `BUG:` line (a CodeRabbit "Potential issue").
    pub review_bug: bool,
    /// The committed file has a `NIT:` line (a CodeRabbit nitpick).
    pub review_nit: bool,
    /// `total_cost_usd` in the final envelope.
    pub cost_usd: f64,
    pub fix: FixOutcome,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            outcome: Outcome::Pr,
            branch: None,
            slow: None,
            fail_ci: false,
            review_bug: false,
            review_nit: false,
            cost_usd: DEFAULT_COST_USD,
            fix: FixOutcome::Push,
        }
    }
}

impl Directives {
    /// One `key[=value]` line per directive, in a fixed order, for the file
    /// the worker commits: `outcome` and `cost` always, the others when set.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![format!("outcome={}", self.outcome.as_str())];
        if let Some(branch) = &self.branch {
            lines.push(format!("branch={branch}"));
        }
        if let Some(slow) = self.slow {
            lines.push(format!("slow={}", show_duration(slow)));
        }
        for (on, flag) in [
            (self.fail_ci, "fail-ci"),
            (self.review_bug, "review-bug"),
            (self.review_nit, "review-nit"),
        ] {
            if on {
                lines.push(flag.to_string());
            }
        }
        lines.push(format!("cost={}", self.cost_usd));
        if self.fix != FixOutcome::Push {
            lines.push(format!("fix={}", self.fix.as_str()));
        }
        lines
    }
}

/// Why a directive could not be read; reads after "failed to ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectiveError {
    #[error("read sim directive {key:?}: unknown key (known keys: {KEYS})")]
    UnknownKey { key: String },
    #[error("read sim directive {key:?}: it needs a value ({key}=...)")]
    MissingValue { key: String },
    #[error("read sim directive {key:?}: it takes no value, found {key}={value}")]
    UnexpectedValue { key: String, value: String },
    #[error("read sim directive {key}={value}: expected {expected}")]
    InvalidValue {
        key: String,
        value: String,
        expected: &'static str,
    },
}

/// Reads every `<!-- sim: ... -->` comment of an issue body.
pub fn parse(body: &str) -> Result<Directives, DirectiveError> {
    let mut directives = Directives::default();
    for (key, value) in items(body) {
        apply(&mut directives, key, value)?;
    }
    Ok(directives)
}

/// The `key[=value]` items of all `sim:` comments, in order.
fn items(body: &str) -> Vec<(&str, Option<&str>)> {
    // Non-greedy: each comment ends at its own first `-->`.
    let comment = Regex::new(r"(?s)<!--(.*?)-->").expect("static regex");
    comment
        .captures_iter(body)
        .filter_map(|c| c.get(1)?.as_str().trim_start().strip_prefix("sim:"))
        .flat_map(|inner| inner.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (item, None),
        })
        .collect()
}

fn apply(d: &mut Directives, key: &str, value: Option<&str>) -> Result<(), DirectiveError> {
    let invalid = |value: &str, expected| DirectiveError::InvalidValue {
        key: key.to_string(),
        value: value.to_string(),
        expected,
    };
    match key {
        "fail-ci" => d.fail_ci = flag(key, value)?,
        "review-bug" => d.review_bug = flag(key, value)?,
        "review-nit" => d.review_nit = flag(key, value)?,
        "outcome" => {
            let v = needed(key, value)?;
            d.outcome = Outcome::parse(v).ok_or_else(|| {
                invalid(
                    v,
                    "one of pr, no-push, push-no-pr, crash, hang, pr-then-fail",
                )
            })?;
        }
        "fix" => {
            let v = needed(key, value)?;
            d.fix =
                FixOutcome::parse(v).ok_or_else(|| invalid(v, "one of push, none, crash, hang"))?;
        }
        "branch" => {
            let v = needed(key, value)?;
            // Git would read a leading `-` as an option.
            if v.starts_with('-') {
                return Err(invalid(v, "a branch name that does not start with '-'"));
            }
            d.branch = Some(v.to_string());
        }
        "slow" => {
            let v = needed(key, value)?;
            let slow =
                read_duration(v).ok_or_else(|| invalid(v, "a duration such as 300ms, 2s or 1m"))?;
            d.slow = Some(slow);
        }
        "cost" => {
            let v = needed(key, value)?;
            d.cost_usd = v
                .parse::<f64>()
                .ok()
                .filter(|c| c.is_finite() && *c >= 0.0)
                .ok_or_else(|| invalid(v, "a non-negative number of dollars such as 0.25"))?;
        }
        _ => {
            return Err(DirectiveError::UnknownKey {
                key: key.to_string(),
            });
        }
    }
    Ok(())
}

/// `300ms`, `2s` or `1m`: one number and one unit, as directives write them.
fn read_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        _ => None,
    }
}

/// A duration in the largest unit that writes it whole.
fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0 => "0s".to_string(),
        _ if ms.is_multiple_of(60_000) => format!("{}m", ms / 60_000),
        _ if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        _ => format!("{ms}ms"),
    }
}

fn flag(key: &str, value: Option<&str>) -> Result<bool, DirectiveError> {
    match value {
        None => Ok(true),
        Some(value) => Err(DirectiveError::UnexpectedValue {
            key: key.to_string(),
            value: value.to_string(),
        }),
    }
}

fn needed<'a>(key: &str, value: Option<&'a str>) -> Result<&'a str, DirectiveError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| DirectiveError::MissingValue {
            key: key.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_without_directives_opens_a_clean_pr() {
        let d = parse("Add the thing.\n\n<!-- a normal comment -->\nBlocked by #3").unwrap();
        assert_eq!(d, Directives::default());
        assert_eq!(d.outcome, Outcome::Pr);
        assert_eq!(d.cost_usd, DEFAULT_COST_USD);
    }

    #[test]
    fn keys_values_and_flags_are_read() {
        let body = "Text\n<!-- sim: outcome=push-no-pr, branch=fix/issue-12 slow=300ms,fail-ci review-bug review-nit cost=1.5 fix=none -->";
        let d = parse(body).unwrap();
        assert_eq!(d.outcome, Outcome::PushNoPr);
        assert_eq!(d.branch.as_deref(), Some("fix/issue-12"));
        assert_eq!(d.slow, Some(Duration::from_millis(300)));
        assert!(d.fail_ci && d.review_bug && d.review_nit);
        assert_eq!(d.cost_usd, 1.5);
        assert_eq!(d.fix, FixOutcome::None);
    }

    #[test]
    fn every_outcome_reads_by_its_name() {
        for outcome in [
            Outcome::Pr,
            Outcome::NoPush,
            Outcome::PushNoPr,
            Outcome::Crash,
            Outcome::Hang,
            Outcome::PrThenFail,
        ] {
            let body = format!("<!-- sim: outcome={} -->", outcome.as_str());
            assert_eq!(parse(&body).unwrap().outcome, outcome);
        }
    }

    #[test]
    fn comments_without_spaces_and_across_lines_are_read_in_order() {
        let body = "<!--sim:outcome=crash-->\nprose\n<!--\n  sim: cost=2\n  outcome=hang\n-->";
        let d = parse(body).unwrap();
        assert_eq!(d.outcome, Outcome::Hang, "the later value wins");
        assert_eq!(d.cost_usd, 2.0);
    }

    #[test]
    fn other_comments_and_text_mentioning_sim_are_ignored() {
        let body = "sim: outcome=crash\n<!-- not sim: outcome=crash -->\n<!-- simulate -->";
        assert_eq!(parse(body).unwrap(), Directives::default());
    }

    #[test]
    fn typos_and_bad_values_are_errors_that_name_the_key() {
        let cases = [
            ("<!-- sim: outcom=pr -->", "outcom"),
            ("<!-- sim: outcome -->", "outcome"),
            ("<!-- sim: outcome= -->", "outcome"),
            ("<!-- sim: outcome=maybe -->", "maybe"),
            ("<!-- sim: fail-ci=yes -->", "fail-ci"),
            ("<!-- sim: slow=soon -->", "soon"),
            ("<!-- sim: cost=-1 -->", "-1"),
            ("<!-- sim: cost=NaN -->", "NaN"),
            ("<!-- sim: branch=--force -->", "--force"),
            ("<!-- sim: fix=later -->", "later"),
        ];
        for (body, named) in cases {
            let err = parse(body).expect_err(body).to_string();
            assert!(err.contains(named), "{body}: {err}");
            assert!(err.starts_with("read sim directive"), "{err}");
        }
    }

    #[test]
    fn an_unknown_key_lists_the_known_ones() {
        let err = parse("<!-- sim: colour=blue -->").unwrap_err().to_string();
        assert!(err.contains("fail-ci") && err.contains("outcome"), "{err}");
    }

    #[test]
    fn durations_read_and_show_in_one_unit() {
        for (text, ms) in [
            ("300ms", 300),
            ("2s", 2000),
            ("1m", 60_000),
            ("1500ms", 1500),
        ] {
            let d = read_duration(text).unwrap();
            assert_eq!(d, Duration::from_millis(ms), "{text}");
            assert_eq!(show_duration(d), text);
        }
        for bad in ["", "ms", "10", "1.5s", "2h", "-1s"] {
            assert_eq!(read_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn describe_lists_what_differs_from_the_default() {
        assert_eq!(
            Directives::default().describe(),
            ["outcome=pr", "cost=0.25"]
        );
        let d = parse("<!-- sim: slow=2s fail-ci fix=hang branch=fix/x -->").unwrap();
        assert_eq!(
            d.describe(),
            [
                "outcome=pr",
                "branch=fix/x",
                "slow=2s",
                "fail-ci",
                "cost=0.25",
                "fix=hang"
            ]
        );
    }
}
