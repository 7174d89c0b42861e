//! The file names an issue's workers log to inside the run's log directory:
//! given here once, for the effects that start workers and for the page
//! that shows their logs.

use crate::ids::{IssueNumber, PrNumber};

/// The implementing worker's log: `issue-<N>.log`.
pub fn work(issue: IssueNumber) -> String {
    format!("issue-{}.log", issue.0)
}

/// The CI (and rebase) fix workers' log: `ci-fix-<PR>.log`.
pub fn ci_fix(pr: PrNumber) -> String {
    format!("ci-fix-{}.log", pr.0)
}

/// The review fix workers' log: `review-fix-<PR>.log`.
pub fn review_fix(pr: PrNumber) -> String {
    format!("review-fix-{}.log", pr.0)
}

/// The log of the workers that address a human's "changes": `changes-<PR>.log`.
pub fn changes(pr: PrNumber) -> String {
    format!("changes-{}.log", pr.0)
}

/// Every fix worker's log for `pr`.
pub fn fixes(pr: PrNumber) -> [String; 3] {
    [ci_fix(pr), review_fix(pr), changes(pr)]
}
