//! Issue branch names: `<kind>/issue-<N>-<slug>` as the worker creates them,
//! and the exact match that keeps `issue-12` from matching `issue-123`
//! (field note 3).

use crate::ids::{BranchName, IssueNumber};

/// The branch kinds (conventional-commit types) a worker may use.
pub const DEFAULT_BRANCH_KINDS: [&str; 9] = [
    "feat", "fix", "chore", "docs", "refactor", "test", "perf", "ci", "build",
];

/// `DEFAULT_BRANCH_KINDS` as owned strings, the form settings hold.
pub fn default_branch_kinds() -> Vec<String> {
    DEFAULT_BRANCH_KINDS.iter().map(|k| k.to_string()).collect()
}

/// The longest slug, in characters.
pub const MAX_SLUG: usize = 40;

/// Lowercase ASCII letters and digits, every other run of characters one
/// hyphen, no hyphen at either end, at most `MAX_SLUG` characters cut at a
/// hyphen. Non-ASCII letters become hyphens too: branch names stay ASCII.
pub fn slug(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG {
        // A hyphen right after the limit still lets us keep all MAX_SLUG characters.
        let cut = match slug[..=MAX_SLUG].rfind('-') {
            Some(hyphen) if hyphen > 0 => hyphen,
            _ => MAX_SLUG, // one long word: cut inside it
        };
        slug.truncate(cut);
    }
    slug.trim_end_matches('-').to_string()
}

/// `<kind>/issue-<N>-<slug>`, or `<kind>/issue-<N>` when the title has no
/// letters or digits to slug.
pub fn branch_for_issue(kind: &str, issue: IssueNumber, title: &str) -> BranchName {
    let slug = slug(title);
    if slug.is_empty() {
        BranchName(format!("{kind}/issue-{}", issue.0))
    } else {
        BranchName(format!("{kind}/issue-{}-{slug}", issue.0))
    }
}

/// Whether `branch` is exactly `<kind>/issue-<N>` or starts with
/// `<kind>/issue-<N>-` for one of `kinds`.
pub fn issue_branch_match(branch: &str, issue: IssueNumber, kinds: &[String]) -> bool {
    issue_from_branch(branch, kinds) == Some(issue)
}

/// The issue an issue branch belongs to, if `branch` is one.
pub fn issue_from_branch(branch: &str, kinds: &[String]) -> Option<IssueNumber> {
    let (kind, rest) = branch.split_once('/')?;
    if !kinds.iter().any(|k| k == kind) {
        return None;
    }
    let rest = rest.strip_prefix("issue-")?;
    let digits = match rest.split_once('-') {
        Some((digits, _slug)) => digits,
        None => rest,
    };
    // `parse` alone would accept `+12`; and `012` is not how we name branches.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok().map(IssueNumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_hyphenated_and_trimmed() {
        assert_eq!(slug("Add KeyPair type"), "add-keypair-type");
        assert_eq!(
            slug("  Fix: crash (on) start-up!! "),
            "fix-crash-on-start-up"
        );
        assert_eq!(slug("Ünïcode café"), "n-code-caf");
        assert_eq!(slug("日本語"), "");
        assert_eq!(slug("--"), "");
    }

    #[test]
    fn long_slugs_are_cut_at_a_hyphen() {
        let title = "Implement the storage service for key pairs with rotation support";
        let s = slug(title);
        assert_eq!(s, "implement-the-storage-service-for-key");
        assert!(s.len() <= MAX_SLUG);
        // Exactly 40 characters followed by a hyphen keeps all 40.
        let exact = format!("{} next", "a".repeat(19) + "-" + &"b".repeat(20));
        assert_eq!(slug(&exact), "a".repeat(19) + "-" + &"b".repeat(20));
        // One word longer than the limit is cut inside the word.
        assert_eq!(slug(&"x".repeat(50)), "x".repeat(40));
    }

    #[test]
    fn branch_names_follow_the_worker_contract() {
        let b = branch_for_issue("feat", IssueNumber(153), "Add KeyPair type");
        assert_eq!(b, BranchName("feat/issue-153-add-keypair-type".into()));
        assert_eq!(
            branch_for_issue("fix", IssueNumber(5), "???").0,
            "fix/issue-5"
        );
    }

    #[test]
    fn matching_is_exact_on_the_number() {
        let kinds = default_branch_kinds();
        let twelve = IssueNumber(12);
        for yes in [
            "feat/issue-12",
            "feat/issue-12-add-x",
            "fix/issue-12-y",
            "build/issue-12-",
        ] {
            assert!(
                issue_branch_match(yes, twelve, &kinds),
                "{yes} should match #12"
            );
        }
        for no in [
            "feat/issue-123",
            "feat/issue-123-add-x",
            "feat/issue-1",
            "feat/issue-12x",
            "feat/issue-012",
            "feat/issue-+12",
            "xfeat/issue-12",
            "wip/issue-12",
            "feat/sub/issue-12",
            "issue-12",
            "feat/issue-",
        ] {
            assert!(
                !issue_branch_match(no, twelve, &kinds),
                "{no} must not match #12"
            );
        }
        assert!(issue_branch_match(
            "wip/issue-12",
            twelve,
            &["wip".to_string()]
        ));
    }

    #[test]
    fn issue_numbers_come_back_out_of_branch_names() {
        let kinds = default_branch_kinds();
        assert_eq!(
            issue_from_branch("docs/issue-7-readme", &kinds),
            Some(IssueNumber(7))
        );
        assert_eq!(issue_from_branch("main", &kinds), None);
        let generated = branch_for_issue("perf", IssueNumber(99), "Faster things");
        assert_eq!(
            issue_from_branch(&generated.0, &kinds),
            Some(IssueNumber(99))
        );
    }
}
