//! Issue references as people write them in issue bodies: `#12`,
//! `owner/repo#12`, `https://<host>/owner/repo/issues/12` (or `/pull/12`, any
//! host so GitHub Enterprise links work), Markdown links to any of those, and
//! lists of them (`#1, #2 and #3`, `#1 & #2`, `#1 #2`).

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::ids::{IssueNumber, RepoSlug};

/// A dependency named in an issue body, resolved against the run's repository.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepRef {
    /// An issue in the run's repository.
    Local(IssueNumber),
    /// An issue in another repository: reported, never tracked.
    External { repo: RepoSlug, number: IssueNumber },
}

impl fmt::Display for DepRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DepRef::Local(n) => write!(f, "{n}"),
            DepRef::External { repo, number } => write!(f, "{repo}#{}", number.0),
        }
    }
}

/// A reference before it is resolved: `repo` is `None` for a bare `#12`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawRef {
    pub repo: Option<RepoSlug>,
    pub number: u64,
}

impl RawRef {
    /// Resolves against the run's repository (compared case-insensitively);
    /// `None` for issue 0.
    pub fn resolve(&self, run_repo: &RepoSlug) -> Option<DepRef> {
        if self.number == 0 {
            return None;
        }
        let number = IssueNumber(self.number);
        match &self.repo {
            Some(repo) if !repo.same_as(run_repo) => Some(DepRef::External {
                repo: repo.clone(),
                number,
            }),
            _ => Some(DepRef::Local(number)),
        }
    }
}

const OWNER: &str = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
const NAME: &str = r"[A-Za-z0-9_.-]+";

static URL_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^<?https?://[^/\s]+/({OWNER})/({NAME})/(?:issues|pull)/(\d+)\b(?:[#?][^\s,;)>\]]*)?>?"
    ))
    .expect("valid regex")
});
static SLUG_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^({OWNER})/({NAME})#(\d+)")).expect("valid regex"));
static LOCAL_REF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^#(\d+)").expect("valid regex"));
static MD_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#).expect("valid regex")
});
/// Between two refs: punctuation, `and`, `&`, or only spaces.
static SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(?:[,;&+/]\s*)?(?:(?:and|&)\s+)?").expect("valid regex"));
/// A short note in parentheses after a reference: `#12 (the schema)`.
static NOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\([^()\n]*\)").expect("valid regex"));
static EMPHASIS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[*_]{1,2}").expect("valid regex"));

/// The references listed at the start of `text`, in order, stopping at the
/// first thing that is not a reference.
pub(crate) fn parse_ref_list(text: &str) -> Vec<RawRef> {
    let mut refs = Vec::new();
    let mut rest = text;
    while let Some((r, used)) = parse_item(rest) {
        refs.push(r);
        rest = &rest[used..];
        let note = NOTE.find(rest).map_or(0, |m| m.end());
        rest = &rest[note..];
        let sep = SEPARATOR.find(rest).map_or(0, |m| m.end());
        rest = &rest[sep..];
    }
    refs
}

/// One reference, optionally in `**emphasis**` or a Markdown link; returns it
/// and the bytes it used.
fn parse_item(text: &str) -> Option<(RawRef, usize)> {
    let lead = EMPHASIS.find(text).map_or(0, |m| m.end());
    let body = &text[lead..];
    let (r, used) = parse_link(body).or_else(|| parse_ref(body))?;
    let after = &body[used..];
    let trail = EMPHASIS.find(after).map_or(0, |m| m.end());
    Some((r, lead + used + trail))
}

/// `[text](url)`: the URL names the issue if it is an issue URL, else the text must.
fn parse_link(text: &str) -> Option<(RawRef, usize)> {
    let caps = MD_LINK.captures(text)?;
    let whole = |s: &str| {
        parse_ref(s)
            .filter(|(_, used)| *used == s.len())
            .map(|(r, _)| r)
    };
    let r = whole(&caps[2]).or_else(|| whole(caps[1].trim()))?;
    Some((r, caps[0].len()))
}

/// A bare reference at the start of `text`.
fn parse_ref(text: &str) -> Option<(RawRef, usize)> {
    let (r, used) = if let Some(caps) = URL_REF.captures(text).or_else(|| SLUG_REF.captures(text)) {
        let repo = RepoSlug::new(&caps[1], &caps[2]);
        (
            RawRef {
                repo: Some(repo),
                number: caps[3].parse().ok()?,
            },
            caps[0].len(),
        )
    } else {
        let caps = LOCAL_REF.captures(text)?;
        (
            RawRef {
                repo: None,
                number: caps[1].parse().ok()?,
            },
            caps[0].len(),
        )
    };
    // `#12abc` is not a ref, but `_#12_` (emphasis) holds one.
    let glued = text[used..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric());
    (!glued).then_some((r, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(n: u64) -> RawRef {
        RawRef {
            repo: None,
            number: n,
        }
    }

    fn remote(o: &str, r: &str, n: u64) -> RawRef {
        RawRef {
            repo: Some(RepoSlug::new(o, r)),
            number: n,
        }
    }

    #[test]
    fn every_ref_in_a_list_counts() {
        let want = vec![local(1), local(2), local(3)];
        for text in [
            "#1, #2 and #3",
            "#1 (schema), #2 (keys) and #3 (storage)",
            "#1, #2, and #3 first",
            "#1 & #2 & #3",
            "#1 #2 #3",
            "#1; #2 / #3",
            "**#1**, **#2** and _#3_",
        ] {
            assert_eq!(parse_ref_list(text), want, "{text}");
        }
    }

    #[test]
    fn the_list_stops_at_prose() {
        assert_eq!(parse_ref_list("#1 to land, then #2"), vec![local(1)]);
        assert_eq!(parse_ref_list("the refactor #4"), vec![]);
        assert_eq!(parse_ref_list("#12abc"), vec![]);
    }

    #[test]
    fn slugs_and_urls_on_any_host() {
        assert_eq!(
            parse_ref_list(
                "octo/lib#4, https://github.com/o/r/issues/5 and https://ghe.corp.example/team/app/pull/6"
            ),
            vec![
                remote("octo", "lib", 4),
                remote("o", "r", 5),
                remote("team", "app", 6)
            ]
        );
        assert_eq!(
            parse_ref_list("https://github.com/o/r/issues/7#issuecomment-1, #8"),
            vec![remote("o", "r", 7), local(8)]
        );
        assert_eq!(
            parse_ref_list("<https://github.com/o/r/issues/9>"),
            vec![remote("o", "r", 9)]
        );
    }

    #[test]
    fn markdown_links_name_the_issue() {
        assert_eq!(
            parse_ref_list(
                "[#5](https://github.com/o/r/issues/5), [the parser](https://github.com/x/y/issues/6)"
            ),
            vec![remote("o", "r", 5), remote("x", "y", 6)]
        );
        assert_eq!(parse_ref_list("[#7](#anchor)"), vec![local(7)]);
        assert_eq!(parse_ref_list("[docs](https://example.com/guide)"), vec![]);
    }

    #[test]
    fn resolution_compares_repos_case_insensitively() {
        let run = RepoSlug::new("Owner", "Repo");
        assert_eq!(local(3).resolve(&run), Some(DepRef::Local(IssueNumber(3))));
        assert_eq!(
            remote("owner", "repo", 3).resolve(&run),
            Some(DepRef::Local(IssueNumber(3)))
        );
        assert_eq!(
            remote("other", "repo", 3).resolve(&run),
            Some(DepRef::External {
                repo: RepoSlug::new("other", "repo"),
                number: IssueNumber(3)
            })
        );
        assert_eq!(local(0).resolve(&run), None);
    }

    #[test]
    fn refs_display_like_github() {
        let ext = DepRef::External {
            repo: RepoSlug::new("o", "r"),
            number: IssueNumber(4),
        };
        assert_eq!(ext.to_string(), "o/r#4");
        assert_eq!(DepRef::Local(IssueNumber(4)).to_string(), "#4");
    }
}
