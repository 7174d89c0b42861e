use super::*;

fn repo() -> RepoSlug {
    RepoSlug::new("acme", "app")
}

fn parse(body: &str) -> BodyDeps {
    parse_body(body, &repo(), IssueNumber(100))
}

fn hard(body: &str) -> Vec<String> {
    parse(body).hard.iter().map(ToString::to_string).collect()
}

fn soft(body: &str) -> Vec<String> {
    parse(body).soft.iter().map(ToString::to_string).collect()
}

#[test]
fn each_hard_marker_form() {
    for body in [
        "Blocked by #12",
        "blocked by #12",
        "BLOCKED BY: #12",
        "Depends on #12",
        "depends on: #12",
        "After #12",
        "Do this after #12 is merged.",
        "**Blocked by:** #12",
        "**Blocked by**: #12",
        "Blocked by **#12**",
        "- **Depends on:** #12",
        "Depends on issue #12",
        "Dependencies: #12",
        "**Dependencies:** #12",
        "| Blocked by | #12 |",
        "Blocked on #12",
        "Depends upon #12",
    ] {
        assert_eq!(hard(body), vec!["#12"], "{body:?}");
    }
}

#[test]
fn every_ref_in_a_marker_list_counts() {
    assert_eq!(hard("Blocked by #1, #2 and #3"), vec!["#1", "#2", "#3"]);
    assert_eq!(hard("Depends on #1 & #2"), vec!["#1", "#2"]);
    assert_eq!(hard("After #1 #2"), vec!["#1", "#2"]);
    assert_eq!(
        hard("Blocked by #1, #2, and #3. Then #4."),
        vec!["#1", "#2", "#3"]
    );
    assert_eq!(
        hard("Blocked by #1. Depends on #2; after #1"),
        vec!["#1", "#2"]
    );
}

#[test]
fn cross_repo_refs_and_urls() {
    let deps = parse(
        "Blocked by other/lib#4, https://github.com/acme/app/issues/7 and https://ghe.example.com/team/svc/pull/9",
    );
    assert_eq!(
        deps.hard,
        vec![
            DepRef::External {
                repo: RepoSlug::new("other", "lib"),
                number: IssueNumber(4)
            },
            DepRef::Local(IssueNumber(7)),
            DepRef::External {
                repo: RepoSlug::new("team", "svc"),
                number: IssueNumber(9)
            },
        ]
    );
    // The run's own repository, written in another case, is local.
    assert_eq!(hard("Depends on ACME/App#8"), vec!["#8"]);
    assert_eq!(
        hard("Depends on [#8](https://github.com/acme/app/issues/8)"),
        vec!["#8"]
    );
}

#[test]
fn dependencies_heading_items() {
    let body = "## Summary\nText #50\n\n## Dependencies\n- [ ] #12\n- [x] #13 done already\n* [ ] acme/app#14\n- #15\n1. #16\n- Part of #17\n\n## Notes\n- [ ] #18";
    assert_eq!(hard(body), vec!["#12", "#13", "#14", "#15", "#16"]);
    assert!(parse(body).has_dependency_info);
}

#[test]
fn dependencies_section_ends_at_same_or_higher_heading_only() {
    let body = "## Dependencies\n### Backend\n- [ ] #1\n# Other\n- [ ] #2";
    assert_eq!(hard(body), vec!["#1"]);
    let setext = "Dependencies\n---\n- #3\n\nTasks\n---\n- [ ] #4";
    assert_eq!(hard(setext), vec!["#3"]);
}

#[test]
fn a_marker_line_opens_a_list_below_it() {
    assert_eq!(
        hard("Blocked by:\n- #1\n- [ ] #2\n\nLater text mentions #3\n- #4"),
        vec!["#1", "#2"]
    );
    assert_eq!(hard("**Dependencies:**\n#5, #6"), vec!["#5", "#6"]);
    assert_eq!(soft("Related to:\n- #7"), vec!["#7"]);
}

#[test]
fn task_lists_outside_a_dependencies_section_are_sub_issues() {
    let deps = parse("## Tasks\n- [ ] #12\n- [ ] #13");
    assert!(deps.hard.is_empty());
    assert!(!deps.has_dependency_info);
}

#[test]
fn soft_markers_are_separate_and_never_hard() {
    let deps = parse("Related to #5. Relates to #6, see also other/lib#7.\nRelated: #8");
    assert!(deps.hard.is_empty());
    assert_eq!(
        deps.soft
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["#5", "#6", "other/lib#7", "#8"]
    );
    assert!(deps.has_dependency_info);
    assert_eq!(soft("## Related issues\n- #9"), vec!["#9"]);
    // A ref that is also hard is hard only.
    let both = parse("Blocked by #5\nSee also #5");
    assert_eq!((both.hard.len(), both.soft.len()), (1, 0));
}

#[test]
fn parent_and_closing_links_are_not_blockers() {
    for body in [
        "Tracked in #5",
        "Part of #5",
        "Parent: #5",
        "Closes #5",
        "Fixes #5",
        "Sub-issue of #5",
        "Unblocked by #5 yesterday",
    ] {
        let deps = parse(body);
        assert!(deps.hard.is_empty() && deps.soft.is_empty(), "{body:?}");
        assert!(!deps.has_dependency_info, "{body:?}");
    }
}

#[test]
fn words_without_refs_are_not_markers() {
    for body in [
        "After the refactor we ship.",
        "This depends on whether #5 lands",
        "Regressed after the update to #5",
        "Update dependencies #5",
        "related work in #5",
        "We can start after",
    ] {
        assert!(parse(body).hard.is_empty(), "{body:?}");
    }
    assert!(parse("related work in #5").soft.is_empty());
}

#[test]
fn negated_markers_do_not_count() {
    assert!(parse("Not blocked by #5 anymore").hard.is_empty());
    assert!(parse("No longer depends on #5").hard.is_empty());
    assert!(parse("This is **not** blocked by #5").hard.is_empty());
}

#[test]
fn code_quotes_comments_and_strikes_are_ignored() {
    for body in [
        "```\nBlocked by #5\n```",
        "~~~markdown\nDepends on #5\n~~~",
        "Intro\n\n    Blocked by #5",
        "Use `Blocked by #5` to declare a blocker",
        "> Blocked by #5",
        "> quoted\n> Depends on #5",
        "<!-- e.g. Blocked by #5 -->",
        "~~Blocked by #5~~",
        "## Dependencies\n```\n- [ ] #5\n```",
    ] {
        assert!(parse(body).hard.is_empty(), "{body:?}");
    }
    assert_eq!(hard("```\nBlocked by #5\n```\nBlocked by #6"), vec!["#6"]);
}

#[test]
fn self_reference_is_dropped() {
    assert_eq!(hard("Blocked by #100 and #12"), vec!["#12"]);
    assert_eq!(hard("Depends on acme/app#100"), Vec::<String>::new());
}

#[test]
fn explicit_independence_is_declared() {
    for body in [
        "## Dependencies\nNone",
        "## Dependencies\n- None",
        "## Dependencies\n- [ ] No dependencies",
        "Depends on: none",
        "Blocked by: nothing",
        "**Dependencies:** None",
        "Dependencies: N/A",
        "This issue has no dependencies.",
        "Dependencies:\n- none",
    ] {
        let deps = parse(body);
        assert!(deps.declared_independent, "{body:?}");
        assert!(deps.has_dependency_info, "{body:?}");
        assert!(deps.hard.is_empty(), "{body:?}");
    }
}

#[test]
fn an_empty_or_plain_body_has_no_dependency_info() {
    for body in ["", "Implement the thing.\n\n- [ ] step one\n- [ ] step two"] {
        assert_eq!(parse(body), BodyDeps::default(), "{body:?}");
    }
}

#[test]
fn a_dependencies_heading_alone_is_information() {
    let deps = parse("## Dependencies\n\nTBD");
    assert!(deps.has_dependency_info);
    assert!(!deps.declared_independent);
}

#[test]
fn the_reverse_direction_ends_a_dependencies_section() {
    let nested = "## Dependencies\n### Blocked by\n- #1\n### Blocks\n- #2\n";
    assert_eq!(hard(nested), vec!["#1"]);
    let under = "## Dependencies\n- #1\n### Blocks\n- #2\n";
    assert_eq!(hard(under), vec!["#1"]);
    let label = "## Dependencies\n- #1\n\n**Blocks:**\n- #2\n- Required by #3";
    assert_eq!(hard(label), vec!["#1"]);
    assert!(hard("Blocks #4 and #5").is_empty());
}

#[test]
fn a_heading_can_name_its_blockers() {
    assert_eq!(hard("### Blocked by #7\nDetails"), vec!["#7"]);
    assert_eq!(hard("## Blocked by\n- #8"), vec!["#8"]);
}

#[test]
fn a_before_after_heading_opens_no_list() {
    assert!(hard("## Before\n- #1 old\n## After\n- #2 new").is_empty());
}
