//! Whether a run did what it must before its figures count: every issue
//! has exactly one PR, merged, with exactly one squash commit on `main`.

use std::collections::BTreeMap;

use gh_sandbox::Item;

use super::measure::Record;

/// The issue a PR's head branch names (`<kind>/issue-<N>[-...]`).
pub fn issue_of(pull: &Item) -> Option<u64> {
    let head = &pull.pull.as_ref()?.head_ref;
    let rest = head.split_once('/')?.1.strip_prefix("issue-")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// How many commits on the base branch name each PR: a squash merge's
/// subject ends with `(#N)`.
fn merge_commits(main_log: &[String]) -> BTreeMap<u64, usize> {
    let mut out = BTreeMap::new();
    for subject in main_log {
        let pr = subject
            .strip_suffix(')')
            .and_then(|s| s.rsplit_once("(#"))
            .and_then(|(_, n)| n.parse::<u64>().ok());
        if let Some(pr) = pr {
            *out.entry(pr).or_insert(0) += 1;
        }
    }
    out
}

/// No issue has two PRs, no PR was merged twice. For a run cut short too.
pub fn check_no_duplicates(pulls: &[Item], main_log: &[String]) -> Result<(), String> {
    let mut per_issue: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for p in pulls {
        let issue = issue_of(p).ok_or_else(|| format!("PR #{} names no issue", p.number))?;
        per_issue.entry(issue).or_default().push(p.number);
    }
    if let Some((issue, prs)) = per_issue.iter().find(|(_, prs)| prs.len() > 1) {
        return Err(format!("issue #{issue} has several PRs: {prs:?}"));
    }
    if let Some((pr, n)) = merge_commits(main_log).iter().find(|(_, n)| **n > 1) {
        return Err(format!("PR #{pr} was merged {n} times"));
    }
    Ok(())
}

/// Every issue has exactly one PR, merged, with one squash commit on the
/// base branch; the run exited 0.
pub fn check_complete(r: &Record) -> Result<(), String> {
    if r.run.status.code() != Some(0) {
        return Err(format!("the run did not succeed: {}", r.run.tail()));
    }
    check_no_duplicates(&r.pulls, &r.main_log)?;
    let commits = merge_commits(&r.main_log);
    for n in 1..=r.dag.len() as u64 {
        let pull = r
            .pulls
            .iter()
            .find(|p| issue_of(p) == Some(n))
            .ok_or_else(|| format!("issue #{n} has no PR"))?;
        let merged = pull.pull.as_ref().is_some_and(|p| p.merged);
        if !merged || commits.get(&pull.number) != Some(&1) {
            return Err(format!(
                "issue #{n}: PR #{} merged: {merged}, commits on main: {:?}",
                pull.number,
                commits.get(&pull.number)
            ));
        }
    }
    if r.pulls.len() != r.dag.len() {
        return Err(format!("{} PRs for {} issues", r.pulls.len(), r.dag.len()));
    }
    Ok(())
}
