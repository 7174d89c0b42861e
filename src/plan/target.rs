//! What the user asked to run: a milestone by name, or a list of issue numbers,
//! parsed from the positional arguments the way the spec's "Argument Parsing"
//! describes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::IssueNumber;

/// The milestone or the issues a run is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "value", rename_all = "lowercase")]
pub enum Target {
    Milestone(String),
    /// In the order the user gave them, without duplicates.
    Issues(Vec<IssueNumber>),
}

/// Why the positional arguments do not name a target.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("Usage: auto-milestone <milestone-name> or <issue-numbers>")]
    Usage,
    #[error(
        "Cannot mix issue numbers and milestone name\nhint: quote a milestone name that contains numbers, e.g. \"OB3 Phase 1\""
    )]
    Mixed,
    /// `0`, or a number too large to be an issue.
    #[error("{0:?} is not a valid issue number: issue numbers start at 1")]
    InvalidIssue(String),
}

/// One positional argument, classified.
enum Arg<'a> {
    Blank,
    Numbers(Vec<&'a str>),
    Text(&'a str),
}

impl Target {
    /// Parses the positional arguments: numbers only (space or comma separated,
    /// an optional leading `#`) are issues; anything else is a milestone name.
    pub fn parse(args: &[String]) -> Result<Target, TargetError> {
        let classified: Vec<Arg> = args.iter().map(|a| classify(a)).collect();
        let has_numbers = classified.iter().any(|a| matches!(a, Arg::Numbers(_)));
        let texts: Vec<&str> = classified
            .iter()
            .filter_map(|a| match a {
                Arg::Text(t) => Some(*t),
                _ => None,
            })
            .collect();
        match (has_numbers, texts.is_empty()) {
            (true, false) => Err(TargetError::Mixed),
            (false, false) => Ok(Target::Milestone(texts.join(" "))),
            (true, true) => parse_numbers(&classified).map(Target::Issues),
            (false, true) => Err(TargetError::Usage),
        }
    }

    /// A canonical string that names the same target across runs, whatever
    /// order or separators the user typed.
    pub fn key(&self) -> String {
        match self {
            Target::Milestone(name) => format!("milestone:{name}"),
            Target::Issues(numbers) => format!("issues:{}", sorted_csv(numbers)),
        }
    }

    /// How the plan's header names the target.
    pub fn label(&self) -> String {
        match self {
            Target::Milestone(name) => format!("Milestone \"{name}\""),
            Target::Issues(numbers) => {
                let list: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
                let noun = if numbers.len() == 1 {
                    "Issue"
                } else {
                    "Issues"
                };
                format!("{noun} {}", list.join(", "))
            }
        }
    }

    /// `milestone` or `issues`, as the external planner's `{mode}` placeholder.
    pub fn mode(&self) -> &'static str {
        match self {
            Target::Milestone(_) => "milestone",
            Target::Issues(_) => "issues",
        }
    }

    /// The milestone name, or the numbers as `153,154,155` (the `{target}` placeholder).
    pub fn value(&self) -> String {
        match self {
            Target::Milestone(name) => name.clone(),
            Target::Issues(numbers) => numbers
                .iter()
                .map(|n| n.0.to_string())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

fn sorted_csv(numbers: &[IssueNumber]) -> String {
    let mut sorted: Vec<u64> = numbers.iter().map(|n| n.0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// An argument is numeric when every comma or space separated token in it is
/// `123` or `#123`; a quoted `"OB3 Phase 1"` is therefore text.
fn classify(arg: &str) -> Arg<'_> {
    let tokens: Vec<&str> = arg
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.is_empty() {
        return Arg::Blank;
    }
    if tokens.iter().all(|t| is_number_token(t)) {
        Arg::Numbers(tokens)
    } else {
        Arg::Text(arg.trim())
    }
}

fn is_number_token(token: &str) -> bool {
    let digits = token.strip_prefix('#').unwrap_or(token);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn parse_numbers(args: &[Arg]) -> Result<Vec<IssueNumber>, TargetError> {
    let mut numbers = Vec::new();
    for token in args.iter().flat_map(|a| match a {
        Arg::Numbers(tokens) => tokens.as_slice(),
        _ => &[],
    }) {
        let digits = token.trim_start_matches('#');
        let number = match digits.parse::<u64>() {
            Ok(n) if n > 0 => IssueNumber(n),
            _ => return Err(TargetError::InvalidIssue((*token).to_string())),
        };
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Target, TargetError> {
        let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Target::parse(&owned)
    }

    fn issues(ns: &[u64]) -> Target {
        Target::Issues(ns.iter().map(|&n| IssueNumber(n)).collect())
    }

    #[test]
    fn space_and_comma_separated_numbers_are_issues() {
        assert_eq!(parse(&["153", "154", "155"]), Ok(issues(&[153, 154, 155])));
        assert_eq!(parse(&["153,154,155"]), Ok(issues(&[153, 154, 155])));
        assert_eq!(parse(&["153, 154", "155,"]), Ok(issues(&[153, 154, 155])));
    }

    #[test]
    fn hash_prefix_is_optional_and_duplicates_go_keeping_order() {
        assert_eq!(
            parse(&["#155", "153", "#155,153", "154"]),
            Ok(issues(&[155, 153, 154]))
        );
    }

    #[test]
    fn text_is_a_milestone_and_unquoted_words_join() {
        assert_eq!(
            parse(&["OB3 Phase 1"]),
            Ok(Target::Milestone("OB3 Phase 1".into()))
        );
        assert_eq!(
            parse(&["OB3", "Phase"]),
            Ok(Target::Milestone("OB3 Phase".into()))
        );
        assert_eq!(
            parse(&["  Badge Generator "]),
            Ok(Target::Milestone("Badge Generator".into()))
        );
    }

    #[test]
    fn nothing_or_blanks_is_usage() {
        assert_eq!(parse(&[]), Err(TargetError::Usage));
        assert_eq!(parse(&["", "  ", ","]), Err(TargetError::Usage));
        assert_eq!(
            TargetError::Usage.to_string(),
            "Usage: auto-milestone <milestone-name> or <issue-numbers>"
        );
    }

    #[test]
    fn numbers_and_text_do_not_mix() {
        assert_eq!(parse(&["OB3", "Phase", "1"]), Err(TargetError::Mixed));
        assert_eq!(parse(&["153", "Badges"]), Err(TargetError::Mixed));
        let message = TargetError::Mixed.to_string();
        let mut lines = message.lines();
        assert_eq!(
            lines.next(),
            Some("Cannot mix issue numbers and milestone name")
        );
        assert!(lines.next().unwrap().contains("\"OB3 Phase 1\""));
    }

    #[test]
    fn issue_zero_and_overflow_are_invalid() {
        assert_eq!(parse(&["0"]), Err(TargetError::InvalidIssue("0".into())));
        assert_eq!(
            parse(&["12", "#0"]),
            Err(TargetError::InvalidIssue("#0".into()))
        );
        let huge = "99999999999999999999999";
        assert_eq!(parse(&[huge]), Err(TargetError::InvalidIssue(huge.into())));
    }

    #[test]
    fn key_is_canonical_and_label_reads_well() {
        let a = parse(&["155", "153,154"]).unwrap();
        let b = parse(&["153", "154", "155"]).unwrap();
        assert_eq!(a.key(), "issues:153,154,155");
        assert_eq!(a.key(), b.key());
        assert_eq!(a.label(), "Issues #155, #153, #154");
        assert_eq!(issues(&[7]).label(), "Issue #7");
        let m = Target::Milestone("OB3 Phase 1".into());
        assert_eq!(m.key(), "milestone:OB3 Phase 1");
        assert_eq!(m.label(), "Milestone \"OB3 Phase 1\"");
        assert_ne!(m.key(), Target::Milestone("OB3 Phase 2".into()).key());
    }

    #[test]
    fn mode_and_value_fill_the_planner_placeholders() {
        let t = parse(&["153", "154"]).unwrap();
        assert_eq!((t.mode(), t.value()), ("issues", "153,154".to_string()));
        let m = Target::Milestone("X 1".into());
        assert_eq!((m.mode(), m.value()), ("milestone", "X 1".to_string()));
    }
}
