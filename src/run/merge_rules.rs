//! How the base branch takes merges, read once as a run starts: whether
//! protection (or a ruleset) requires branches to be up to date, and whether
//! merges go through GitHub's merge queue. What the token may not read is
//! assumed off, with one warning naming the permission it lacks.

pub use crate::context::MergeRules;
use crate::github::{GitHubApi, GitHubError};
use crate::ids::BranchName;

/// Reads `base`'s protection and rules; the lines say what was found or
/// assumed, for the human.
pub async fn read(gh: &dyn GitHubApi, base: &BranchName) -> (MergeRules, Vec<String>) {
    let mut notes = Vec::new();
    let protected_strict = match gh.branch_protection(base).await {
        Ok(protection) => protection
            .and_then(|p| p.required_checks)
            .is_some_and(|c| c.strict),
        Err(e) => {
            notes.push(unreadable(
                &format!("the branch protection of {base}"),
                &e,
                "admin rights on the repository (a fine-grained token: Administration: read)",
                "that it does not require up-to-date branches",
            ));
            false
        }
    };
    let rules = match gh.branch_rules(base).await {
        Ok(rules) => rules,
        Err(e) => {
            notes.push(unreadable(
                &format!("the rulesets on {base}"),
                &e,
                "read access to the repository (a fine-grained token: Metadata: read)",
                "no merge queue",
            ));
            Default::default()
        }
    };
    let found = MergeRules {
        merge_queue: rules.merge_queue,
        up_to_date: protected_strict || rules.strict_checks,
    };
    if found.merge_queue {
        notes.push(format!(
            "{base} merges through GitHub's merge queue: approved PRs are queued and followed to merged"
        ));
    } else if found.up_to_date {
        notes.push(format!(
            "{base} requires up-to-date branches: a PR behind it is updated once, just before it merges"
        ));
    }
    (found, notes)
}

fn unreadable(what: &str, e: &GitHubError, needs: &str, assumed: &str) -> String {
    let answer = e
        .status()
        .map(|s| format!("GitHub answered {s}"))
        .unwrap_or_else(|| e.to_string());
    format!("warning: cannot read {what} ({answer}; reading it needs {needs}): assuming {assumed}")
}
