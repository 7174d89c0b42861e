//! Fetching what planning needs from GitHub (the target's issues, native
//! dependencies, blockers outside the run) and handing it to `analyze`.

use std::collections::BTreeMap;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use super::analyze::analyze;
use super::graph::{OutsideIssue, PlanInput, blockers_to_look_up};
use super::report::Plan;
use super::target::Target;
use crate::github::{GitHubApi, GitHubError, Issue, IssueRef, ItemState, Milestone};
use crate::ids::IssueNumber;

/// How many GitHub reads planning keeps in flight at once.
const CONCURRENT_READS: usize = 8;

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{}", milestone_not_found(name, available))]
    MilestoneNotFound {
        name: String,
        /// Every milestone of the repository: title and open issue count.
        available: Vec<(String, u64)>,
    },
    #[error("Issue {0} not found")]
    IssueNotFound(IssueNumber),
    #[error("{0} is a pull request, not an issue")]
    PullRequest(IssueNumber),
    #[error(transparent)]
    GitHub(#[from] GitHubError),
}

fn milestone_not_found(name: &str, available: &[(String, u64)]) -> String {
    if available.is_empty() {
        return format!(
            "milestone \"{name}\" not found: this repository has no milestones; pass issue numbers instead"
        );
    }
    let mut text = format!("milestone \"{name}\" not found; pick one of these (quote the name):");
    for (title, open) in available {
        let noun = if *open == 1 { "issue" } else { "issues" };
        text.push_str(&format!("\n  {title} ({open} open {noun})"));
    }
    text
}

/// Fetches the target's issues and their dependencies, then plans.
pub async fn build_plan(gh: &dyn GitHubApi, target: &Target) -> Result<Plan, PlanError> {
    Ok(analyze(&fetch_input(gh, target).await?))
}

/// Everything `analyze` needs for `target`, read from GitHub.
pub async fn fetch_input(gh: &dyn GitHubApi, target: &Target) -> Result<PlanInput, PlanError> {
    let issues = match target {
        Target::Milestone(name) => milestone_issues(gh, name).await?,
        Target::Issues(numbers) => listed_issues(gh, numbers).await?,
    };
    tracing::info!(target = %target.label(), issues = issues.len(), "planning");
    let native = native_dependencies(gh, &issues).await?;
    let mut input = PlanInput {
        repo: gh.repo().clone(),
        target: target.clone(),
        issues,
        native,
        outside: BTreeMap::new(),
    };
    input.outside = outside_blockers(gh, blockers_to_look_up(&input)).await?;
    Ok(input)
}

async fn milestone_issues(gh: &dyn GitHubApi, name: &str) -> Result<Vec<Issue>, PlanError> {
    let milestones = gh.list_milestones().await?;
    let Some(milestone) = find_milestone(&milestones, name) else {
        let available = milestones
            .iter()
            .map(|m| (m.title.clone(), m.open_issues))
            .collect();
        return Err(PlanError::MilestoneNotFound {
            name: name.to_string(),
            available,
        });
    };
    let issues = gh.list_milestone_issues(milestone.number).await?;
    Ok(issues.into_iter().filter(|i| !i.is_pull_request).collect())
}

/// The exact title, else a case-insensitive match (an open milestone first).
fn find_milestone<'a>(milestones: &'a [Milestone], name: &str) -> Option<&'a Milestone> {
    let name = name.trim();
    milestones.iter().find(|m| m.title == name).or_else(|| {
        let mut matches = milestones
            .iter()
            .filter(|m| m.title.trim().eq_ignore_ascii_case(name));
        let first = matches.next()?;
        Some(
            std::iter::once(first)
                .chain(matches)
                .find(|m| m.state == ItemState::Open)
                .unwrap_or(first),
        )
    })
}

async fn listed_issues(
    gh: &dyn GitHubApi,
    numbers: &[IssueNumber],
) -> Result<Vec<Issue>, PlanError> {
    let found = map_bounded(numbers.to_vec(), CONCURRENT_READS, |n| gh.get_issue(n)).await;
    let mut issues = Vec::with_capacity(numbers.len());
    for (&n, result) in numbers.iter().zip(found) {
        match result? {
            None => return Err(PlanError::IssueNotFound(n)),
            Some(issue) if issue.is_pull_request => return Err(PlanError::PullRequest(n)),
            Some(issue) => issues.push(issue),
        }
    }
    Ok(issues)
}

/// Native dependencies of every open issue. The first answer tells whether
/// the server has the feature; without it the rest are not asked.
async fn native_dependencies(
    gh: &dyn GitHubApi,
    issues: &[Issue],
) -> Result<BTreeMap<IssueNumber, Option<Vec<IssueRef>>>, GitHubError> {
    let open: Vec<IssueNumber> = issues
        .iter()
        .filter(|i| i.state == ItemState::Open)
        .map(|i| i.number)
        .collect();
    let Some((&first, rest)) = open.split_first() else {
        return Ok(BTreeMap::new());
    };
    let mut native = BTreeMap::new();
    let answer = gh.issue_blocked_by(first).await?;
    if answer.is_none() {
        tracing::info!(
            "this GitHub server has no native issue dependencies; using body markers only"
        );
        return Ok(open.into_iter().map(|n| (n, None)).collect());
    }
    native.insert(first, answer);
    let answers = map_bounded(rest.to_vec(), CONCURRENT_READS, |n| gh.issue_blocked_by(n)).await;
    for (&n, answer) in rest.iter().zip(answers) {
        native.insert(n, answer?);
    }
    Ok(native)
}

/// Title and state of same-repository blockers outside the run; `None` = not found.
async fn outside_blockers(
    gh: &dyn GitHubApi,
    numbers: Vec<IssueNumber>,
) -> Result<BTreeMap<IssueNumber, Option<OutsideIssue>>, GitHubError> {
    let answers = map_bounded(numbers.clone(), CONCURRENT_READS, |n| gh.get_issue(n)).await;
    let mut outside = BTreeMap::new();
    for (n, answer) in numbers.into_iter().zip(answers) {
        let known = answer?.map(|i| OutsideIssue {
            title: i.title,
            state: i.state,
        });
        outside.insert(n, known);
    }
    Ok(outside)
}

/// Runs `f` over `items` with at most `limit` futures in flight, results in
/// input order. The futures borrow the caller's client, so they are polled
/// here rather than spawned.
async fn map_bounded<I, O, Fut>(items: Vec<I>, limit: usize, f: impl Fn(I) -> Fut) -> Vec<O>
where
    Fut: Future<Output = O>,
{
    let mut results: Vec<Option<O>> = items.iter().map(|_| None).collect();
    let mut pending = items.into_iter().enumerate();
    let mut running: Vec<(usize, Pin<Box<Fut>>)> = Vec::new();
    loop {
        while running.len() < limit.max(1) {
            let Some((i, item)) = pending.next() else {
                break;
            };
            running.push((i, Box::pin(f(item))));
        }
        if running.is_empty() {
            break;
        }
        poll_fn(|cx| {
            let before = running.len();
            let mut k = 0;
            while k < running.len() {
                if let Poll::Ready(out) = running[k].1.as_mut().poll(cx) {
                    let (i, _) = running.swap_remove(k);
                    results[i] = Some(out);
                } else {
                    k += 1;
                }
            }
            if running.len() < before {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
    results
        .into_iter()
        .map(|r| r.expect("every item ran to completion"))
        .collect()
}

#[cfg(test)]
mod tests;
