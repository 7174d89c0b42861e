//! Dependency markers in an issue body. Hard (enforced): `Blocked by`,
//! `Depends on`, `After`, `Dependencies:` followed by refs, and items that
//! start with a ref under a "Dependencies" heading or a `Blocked by:` line.
//! Soft (shown, never enforced): `Related to`, `Relates to`, `See also`.
//! Parent links (`Tracked in`, `Part of`, `Parent:`, `Closes`) are not
//! dependencies; nor is a task list outside a dependencies section, which
//! lists sub-issues (field note 9).

use std::sync::LazyLock;

use regex::Regex;

use super::markdown::{LineKind, ProseLine, prose_lines};
use super::refs::{DepRef, RawRef, parse_ref_list};
use crate::ids::{IssueNumber, RepoSlug};

/// What one issue body says about its dependencies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BodyDeps {
    /// Enforced: the issue starts only after these.
    pub hard: Vec<DepRef>,
    /// Shown as "related, not enforced".
    pub soft: Vec<DepRef>,
    /// The body says in words that nothing blocks it ("Depends on: none").
    pub declared_independent: bool,
    /// Any marker, dependencies section or declaration at all; an issue
    /// without one is an orphan candidate.
    pub has_dependency_info: bool,
}

/// Whether a marker or section enforces order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strength {
    Hard,
    Soft,
}

/// A keyword found in a line, and how it may be used.
struct Keyword {
    strength: Strength,
    /// `Dependencies` and bare `Related` count only with a colon after them.
    needs_colon: bool,
}

static KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(blocked\s+(?:by|on)|depends\s+(?:on|upon)|after)|(dependenc(?:y|ies))|(related\s+to|relates\s+to|see\s+also)|(related))\b",
    )
    .expect("valid regex")
});
/// Emphasis, colons, table pipes and an optional noun between a keyword and its refs.
static GLUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[\s*_:|]*(?:(?:issues?|prs?|pull\s+requests?|tickets?)\b[\s*_:]*)?")
        .expect("valid regex")
});
static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:not|no\s+longer|never|isn't|wasn't|aren't)[*_]*\s+[*_]*$")
        .expect("valid regex")
});
static NONE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^[*_]*(?:none|nothing|n/a|no\s+(?:known\s+)?(?:dependenc(?:y|ies)|blockers?))\b",
    )
    .expect("valid regex")
});
static NO_DEPENDENCIES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bno\s+(?:known\s+)?(?:dependenc(?:y|ies)|blockers)\b").expect("valid regex")
});
static DEPS_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bdependenc(?:y|ies)\b|\bblocked\s+by\b|\bdepends\s+on\b")
        .expect("valid regex")
});
static SOFT_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\brelated\b|\bsee\s+also\b").expect("valid regex"));
/// A heading or label for the issues this one blocks: the reverse direction,
/// so it ends a dependencies section rather than adding to it.
static REVERSE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[\s*_]*(?:blocks|blocking|unblocks|dependents|required\s+by|enables)\b")
        .expect("valid regex")
});
/// Only emphasis, bullets, pipes and spaces before a keyword: it opens the line.
static LINE_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\s*_|>-]*$").expect("valid regex"));

/// A run of list items that belong to a marker: under a heading (until the
/// next heading of the same or a higher level) or after a `Blocked by:` line
/// (until the first text line after its items).
#[derive(Clone, Copy)]
struct Section {
    strength: Strength,
    /// `None` for a section opened by a marker line rather than a heading.
    level: Option<u8>,
    seen_item: bool,
}

/// Scans `body` for the markers of issue `own` in `repo`; refs to `own` are dropped.
pub fn parse_body(body: &str, repo: &RepoSlug, own: IssueNumber) -> BodyDeps {
    let mut scan = Scanner {
        repo,
        own,
        deps: BodyDeps::default(),
        section: None,
    };
    for line in prose_lines(body) {
        scan.line(&line);
    }
    let mut deps = scan.deps;
    deps.soft.retain(|r| !deps.hard.contains(r));
    deps.has_dependency_info |= !deps.hard.is_empty() || !deps.soft.is_empty();
    deps.has_dependency_info |= deps.declared_independent;
    deps
}

struct Scanner<'a> {
    repo: &'a RepoSlug,
    own: IssueNumber,
    deps: BodyDeps,
    section: Option<Section>,
}

impl Scanner<'_> {
    fn line(&mut self, line: &ProseLine) {
        match line.kind {
            LineKind::Heading(level) => self.heading(level, &line.text),
            LineKind::Hidden => self.end_marker_section(),
            LineKind::Blank => {}
            LineKind::ListItem | LineKind::Text => {
                // A `Blocked by:` list ends at the first text line after its items.
                let after_list = self
                    .section
                    .is_some_and(|s| s.level.is_none() && s.seen_item);
                if line.kind == LineKind::Text && after_list {
                    self.section = None;
                }
                self.end_if_reverse(&line.text);
                self.section_item(&line.text);
                self.markers(&line.text);
            }
        }
    }

    fn heading(&mut self, level: u8, text: &str) {
        if self
            .section
            .is_some_and(|s| s.level.is_none_or(|l| level <= l))
        {
            self.section = None;
        }
        // `### Blocked by #12` names its blockers in the heading itself; the
        // heading, not a marker in it, decides what section follows.
        let kept = self.section;
        self.markers(text);
        self.section = kept;
        if REVERSE_LABEL.is_match(text) {
            self.section = None;
            return;
        }
        let strength = if DEPS_HEADING.is_match(text) {
            self.deps.has_dependency_info = true;
            Strength::Hard
        } else if SOFT_HEADING.is_match(text) {
            Strength::Soft
        } else {
            return;
        };
        self.section = Some(Section {
            strength,
            level: Some(level),
            seen_item: false,
        });
    }

    /// "Blocks:" inside a dependencies section starts the reverse list.
    fn end_if_reverse(&mut self, text: &str) {
        if REVERSE_LABEL.is_match(text) {
            self.section = None;
        }
    }

    fn end_marker_section(&mut self) {
        if self.section.is_some_and(|s| s.level.is_none()) {
            self.section = None;
        }
    }

    /// Inside a section, an item that starts with refs lists dependencies and
    /// one that says "None" declares the issue independent.
    fn section_item(&mut self, text: &str) {
        let Some(section) = self.section.as_mut() else {
            return;
        };
        section.seen_item = true;
        let strength = section.strength;
        let rest = strip_glue(text);
        if strength == Strength::Hard && NONE_WORD.is_match(rest) {
            self.deps.declared_independent = true;
        }
        let refs = parse_ref_list(rest);
        self.add(strength, &refs);
    }

    /// Inline markers anywhere in a prose line.
    fn markers(&mut self, text: &str) {
        if NO_DEPENDENCIES.is_match(text) {
            self.deps.declared_independent = true;
        }
        for caps in KEYWORD.captures_iter(text) {
            let whole = caps.get(0).expect("match");
            let keyword = keyword_of(&caps);
            let before = &text[..whole.start()];
            if keyword.strength == Strength::Hard && NEGATION.is_match(before) {
                continue;
            }
            let after = &text[whole.end()..];
            let glue = GLUE.find(after).map_or("", |m| m.as_str());
            if keyword.needs_colon && !glue.contains(':') {
                continue;
            }
            self.marker(&keyword, before, glue, &after[glue.len()..]);
        }
    }

    fn marker(&mut self, keyword: &Keyword, before: &str, glue: &str, rest: &str) {
        if rest.trim().is_empty() {
            // "Blocked by:" alone on its line: the items below are the list.
            if glue.contains(':') || LINE_START.is_match(before) {
                self.deps.has_dependency_info = true;
                self.section = Some(Section {
                    strength: keyword.strength,
                    level: None,
                    seen_item: false,
                });
            }
            return;
        }
        if keyword.strength == Strength::Hard && NONE_WORD.is_match(rest) {
            self.deps.declared_independent = true;
            return;
        }
        let refs = parse_ref_list(rest);
        self.add(keyword.strength, &refs);
    }

    fn add(&mut self, strength: Strength, refs: &[RawRef]) {
        for dep in refs.iter().filter_map(|r| r.resolve(self.repo)) {
            if dep == DepRef::Local(self.own) {
                continue;
            }
            let list = match strength {
                Strength::Hard => &mut self.deps.hard,
                Strength::Soft => &mut self.deps.soft,
            };
            if !list.contains(&dep) {
                list.push(dep);
            }
        }
    }
}

fn keyword_of(caps: &regex::Captures) -> Keyword {
    let (strength, needs_colon) = if caps.get(1).is_some() {
        (Strength::Hard, false)
    } else if caps.get(2).is_some() {
        (Strength::Hard, true)
    } else if caps.get(3).is_some() {
        (Strength::Soft, false)
    } else {
        (Strength::Soft, true)
    };
    Keyword {
        strength,
        needs_colon,
    }
}

fn strip_glue(text: &str) -> &str {
    let glue = GLUE.find(text).map_or(0, |m| m.end());
    &text[glue..]
}

#[cfg(test)]
mod tests;
