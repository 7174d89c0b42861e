//! The demo's sample milestone: "Badge Generator", a dozen issues with a
//! dependency graph written the ways real issues write it (`Blocked by`,
//! `Depends on`, `After`, a Dependencies checklist, a native dependency),
//! one soft marker, and one blocker that was closed before the milestone.

use gh_sandbox::{IssueNumber, IssueSpec, ItemState, RepoHandle, RepoSlug};

pub const REPO: &str = "demo-org/badge-forge";
pub const MILESTONE: &str = "Badge Generator";

/// One sample issue: its title and body (issue numbers are filled in by `{N}`
/// placeholders naming earlier entries, since the sandbox numbers issues).
struct Sample {
    title: &'static str,
    body: &'static str,
}

const CLOSED_BLOCKER: Sample = Sample {
    title: "Set up the crypto crate",
    body: "Done in the previous milestone.",
};

/// `{0}` is the closed blocker; `{k}` (k ≥ 1) is the k-th issue below, and
/// only earlier issues can be named (later ones have no number yet).
const SAMPLES: [Sample; 12] = [
    Sample {
        title: "Define the badge schema",
        body: "Open Badges 3.0 JSON schema for our badges.\n\nDepends on: none",
    },
    Sample {
        title: "Add KeyPair type",
        body: "Ed25519 key pair with serde support.\n\n## Dependencies\nNone",
    },
    Sample {
        title: "Implement the badge signer",
        body: "Sign badge JSON with a KeyPair.\n\nBlocked by {1}, {2} and {0}",
    },
    Sample {
        title: "Add storage service",
        body: "Persist issued badges.\n\nBlocked by {1}",
    },
    Sample {
        title: "Badge image renderer",
        body: "Render the badge PNG.\n\nBlocked by {1}",
    },
    Sample {
        title: "REST endpoint: issue a badge",
        body: "POST /badges\n\nDepends on {3}, {4}",
    },
    Sample {
        title: "REST endpoint: verify a badge",
        body: "GET /badges/:id/verify (native dependency on the signer)",
    },
    Sample {
        title: "CLI: generate badges",
        body: "`badge-forge issue --recipient ...`\n\nAfter {6}",
    },
    Sample {
        title: "Docs: badge format",
        body: "Document the schema.\n\n**Blocked by:** {1}\n\nRelated to {5}",
    },
    Sample {
        title: "Bake assertions into PNG",
        body: "Embed the signed assertion.\n\n## Dependencies\n- [ ] {5}\n- [x] {4}",
    },
    Sample {
        title: "End-to-end tests",
        body: "Issue, store, verify.\n\nBlocked by {6}, {7}, {8}",
    },
    Sample {
        title: "Release checklist",
        body: "Tag and publish.\n\nBlocked by {11}, {9} and {10}",
    },
];

/// Fills `{k}` placeholders with the issue numbers they name.
fn body_with_numbers(body: &str, numbers: &[IssueNumber]) -> String {
    let mut out = body.to_string();
    for (k, n) in numbers.iter().enumerate().rev() {
        out = out.replace(&format!("{{{k}}}"), &n.to_string());
    }
    out
}

/// Creates the milestone in `repo`; returns its issue numbers in order.
pub fn load(repo: &RepoHandle, extra_body: impl Fn(usize) -> String) -> Vec<IssueNumber> {
    let milestone = repo.add_milestone(MILESTONE, ItemState::Open);
    let closed = repo.add_issue(
        IssueSpec::new(CLOSED_BLOCKER.title)
            .body(CLOSED_BLOCKER.body)
            .closed(),
    );
    let mut numbers = vec![closed];
    for (i, sample) in SAMPLES.iter().enumerate() {
        let body = format!(
            "{}{}",
            body_with_numbers(sample.body, &numbers),
            extra_body(i + 1)
        );
        let n = repo.add_issue(IssueSpec::new(sample.title).body(body).milestone(milestone));
        numbers.push(n);
    }
    // "verify a badge" waits for the signer through GitHub's native dependencies only.
    let slug: RepoSlug = REPO.parse().expect("valid demo slug");
    repo.add_blocked_by(numbers[7], &slug, numbers[3]);
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_name_only_earlier_issues() {
        let placeholder = regex::Regex::new(r"\{(\d+)\}").unwrap();
        for (i, sample) in SAMPLES.iter().enumerate() {
            for c in placeholder.captures_iter(sample.body) {
                let k: usize = c[1].parse().unwrap();
                assert!(k <= i, "{:?} names a later issue {{{k}}}", sample.title);
            }
        }
    }

    #[test]
    fn placeholders_become_issue_numbers() {
        let numbers = [IssueNumber(2), IssueNumber(3), IssueNumber(4)];
        assert_eq!(
            body_with_numbers("Blocked by {1}, {2} and {0}", &numbers),
            "Blocked by #3, #4 and #2"
        );
    }
}
