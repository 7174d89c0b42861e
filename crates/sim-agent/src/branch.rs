//! Branch names as `/auto-issue` makes them: `<kind>/issue-<N>-<slug>`, and
//! reading the issue back from one. The agent uses the branch it is given
//! (`AUTO_MILESTONE_BRANCH`); this naming is its fallback.

/// The conventional-commit types a branch may start with.
pub const KINDS: [&str; 9] = [
    "feat", "fix", "chore", "docs", "refactor", "test", "perf", "ci", "build",
];

/// The longest slug, in characters.
const MAX_SLUG: usize = 40;

/// `<kind>/issue-<N>-<slug of the title>`, or `<kind>/issue-<N>` when the
/// title has no ASCII letters or digits.
pub fn for_issue(kind: &str, issue: u64, title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut slug = String::new();
    for word in words {
        let room = MAX_SLUG - slug.len().min(MAX_SLUG);
        let needed = word.len() + usize::from(!slug.is_empty());
        if needed > room {
            if slug.is_empty() {
                slug = word[..MAX_SLUG].to_string();
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    match slug.is_empty() {
        true => format!("{kind}/issue-{issue}"),
        false => format!("{kind}/issue-{issue}-{slug}"),
    }
}

/// The issue `branch` is named after, if it is `<kind>/issue-<N>[-...]`.
pub fn issue_of(branch: &str) -> Option<u64> {
    let (kind, rest) = branch.split_once('/')?;
    if !KINDS.contains(&kind) {
        return None;
    }
    let rest = rest.strip_prefix("issue-")?;
    let digits = rest.split_once('-').map_or(rest, |(digits, _)| digits);
    let plain = !digits.is_empty() && !digits.starts_with('0');
    if !plain || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The conventional-commit type a branch starts with (`fix/...` → `fix`),
/// `feat` for anything else.
pub fn kind_of(branch: &str) -> &str {
    branch
        .split_once('/')
        .map(|(kind, _)| kind)
        .filter(|kind| KINDS.contains(kind))
        .unwrap_or("feat")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_kind_issue_and_a_short_lowercase_slug() {
        assert_eq!(
            for_issue("feat", 153, "Add KeyPair type"),
            "feat/issue-153-add-keypair-type"
        );
        assert_eq!(for_issue("fix", 5, "???"), "fix/issue-5");
        let long = for_issue(
            "feat",
            1,
            "Implement the storage service for key pairs with rotation",
        );
        assert_eq!(long, "feat/issue-1-implement-the-storage-service-for-key");
        let word = for_issue("feat", 2, &"x".repeat(50));
        assert_eq!(word, format!("feat/issue-2-{}", "x".repeat(40)));
    }

    #[test]
    fn the_issue_is_read_back_only_from_issue_branches() {
        assert_eq!(issue_of("feat/issue-12-add-x"), Some(12));
        assert_eq!(issue_of("fix/issue-7"), Some(7));
        for other in [
            "feat/issue-012",
            "feat/issue-+1",
            "wip/issue-3",
            "issue-3",
            "feat/3",
        ] {
            assert_eq!(issue_of(other), None, "{other}");
        }
    }

    #[test]
    fn the_commit_type_follows_the_branch_kind() {
        assert_eq!(kind_of("fix/issue-12"), "fix");
        assert_eq!(kind_of("feat/issue-1-x"), "feat");
        assert_eq!(kind_of("weird/issue-1"), "feat");
        assert_eq!(kind_of("plain"), "feat");
    }
}
