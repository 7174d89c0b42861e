use serde_json::{Value, json};

use super::*;
use crate::plan::graph::OutsideIssue;
use crate::plan::graph::tests::{input, issue, native_ref, open};
use crate::plan::report::ExternalDep;

fn nums(v: &[u64]) -> Vec<IssueNumber> {
    v.iter().map(|&n| IssueNumber(n)).collect()
}

fn spec_example() -> PlanInput {
    let mut a = open(153, "## Dependencies\nNone");
    a.title = "Add KeyPair type".into();
    let mut b = open(154, "Depends on: none");
    b.title = "Implement generator".into();
    let mut c = open(155, "Blocked by #153");
    c.title = "Add storage service".into();
    let mut inp = input(vec![a, b, c]);
    inp.target = crate::plan::Target::Milestone("OB3 Phase 1".into());
    inp
}

#[test]
fn the_spec_example_is_ready_with_two_waves() {
    let plan = analyze(&spec_example());
    assert_eq!(plan.target, "Milestone \"OB3 Phase 1\"");
    assert_eq!(plan.planning_status, PlanningStatus::Ready);
    assert!(plan.planning_issues.is_empty());
    assert_eq!(plan.free_issues, nums(&[153, 154]));
    assert_eq!(plan.wave_of(IssueNumber(155)), Some(2));
    assert_eq!(plan.execution_waves[1].issues[0].blocked_by, nums(&[153]));
    assert_eq!(plan.blockers_of(IssueNumber(155)), nums(&[153]));
    assert_eq!(plan.dependents_of(IssueNumber(153)), nums(&[155]));
    assert!(!plan.has_cycles() && !plan.all_blocked());
}

#[test]
fn json_has_exactly_the_planner_fields() {
    let plan = analyze(&spec_example());
    let v: Value = serde_json::from_str(&plan.to_json()).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "blocked_issues",
            "closed_issues",
            "dependency_graph",
            "execution_waves",
            "free_issues",
            "planning_issues",
            "planning_status",
            "target",
            "validation"
        ]
    );
    assert_eq!(
        v["execution_waves"][1],
        json!({"wave": 2, "issues": [{"number": 155, "title": "Add storage service", "blocked_by": [153]}]})
    );
    assert_eq!(
        v["dependency_graph"]["153"],
        json!({"title": "Add KeyPair type", "state": "open", "blocked_by": [], "blocks": [155], "soft": [], "external": []})
    );
    assert_eq!(v["free_issues"], json!([153, 154]));
    assert_eq!(v["planning_status"], json!("ready"));
    assert_eq!(
        v["validation"],
        json!({"circular_deps": [], "missing_deps": [], "external_deps": [], "orphans": []})
    );
    let back: Plan = serde_json::from_value(v).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn json_of_a_troubled_plan() {
    let mut inp = input(vec![
        open(12, "Blocked by #14"),
        open(14, "Blocked by #12"),
        open(20, "Blocked by #99 and other/lib#4\nSee also #12"),
        issue(21, ItemState::Closed, ""),
    ]);
    inp.outside.insert(
        IssueNumber(99),
        Some(OutsideIssue {
            title: "Infra".into(),
            state: ItemState::Open,
        }),
    );
    let v: Value = serde_json::from_str(&analyze(&inp).to_json()).unwrap();
    assert_eq!(v["validation"]["circular_deps"], json!([[12, 14, 12]]));
    assert_eq!(
        v["validation"]["missing_deps"],
        json!([{"issue": 20, "dependency": 99, "title": "Infra", "state": "open"}])
    );
    assert_eq!(
        v["validation"]["external_deps"],
        json!([{"issue": 20, "repo": "other/lib", "number": 4, "state": null}])
    );
    assert_eq!(
        v["dependency_graph"]["20"]["external"],
        json!(["other/lib#4"])
    );
    assert_eq!(v["dependency_graph"]["20"]["soft"], json!(["#12"]));
    assert_eq!(v["dependency_graph"]["20"]["blocked_by"], json!([99]));
    assert_eq!(v["blocked_issues"][2]["number"], json!(20));
    assert_eq!(v["blocked_issues"][2]["blocked_by"], json!([99]));
    assert_eq!(v["closed_issues"], json!([21]));
    assert_eq!(v["planning_status"], json!("needs_review"));
    assert_eq!(v["execution_waves"], json!([]));
}

#[test]
fn cycles_block_everything_and_need_review() {
    let plan = analyze(&input(vec![
        open(12, "Blocked by #14"),
        open(14, "After #12"),
    ]));
    assert!(plan.has_cycles());
    assert!(plan.all_blocked());
    assert_eq!(plan.wave_of(IssueNumber(12)), None);
    assert!(plan.needs_review());
    assert!(plan.planning_issues[0].contains("#12 → #14 → #12"));
}

#[test]
fn closed_missing_blocker_is_satisfied_and_ready() {
    let mut inp = input(vec![open(1, "Blocked by #50")]);
    inp.outside.insert(
        IssueNumber(50),
        Some(OutsideIssue {
            title: "Done".into(),
            state: ItemState::Closed,
        }),
    );
    let plan = analyze(&inp);
    assert_eq!(plan.planning_status, PlanningStatus::Ready);
    assert_eq!(plan.validation.missing_deps[0].state, MissingState::Closed);
    assert_eq!(plan.free_issues, nums(&[1]));
}

#[test]
fn open_or_unknown_missing_blockers_need_review() {
    for outside in [
        None,
        Some(OutsideIssue {
            title: "Other".into(),
            state: ItemState::Open,
        }),
    ] {
        let mut inp = input(vec![open(1, "Blocked by #50"), open(2, "Depends on: none")]);
        inp.outside.insert(IssueNumber(50), outside.clone());
        let plan = analyze(&inp);
        assert!(plan.needs_review(), "{outside:?}");
        assert_eq!(plan.planning_issues.len(), 1);
        assert!(plan.planning_issues[0].starts_with("#1 is blocked by #50"));
        assert_eq!(plan.free_issues, nums(&[2]));
    }
}

#[test]
fn external_blockers_need_review_unless_known_closed() {
    let plan = analyze(&input(vec![open(1, "Depends on other/lib#4")]));
    assert!(plan.needs_review());
    assert_eq!(plan.free_issues, nums(&[1]));
    assert!(plan.planning_issues[0].contains("other/lib#4"));

    let mut inp = input(vec![open(1, "Depends on other/lib#4")]);
    let native = vec![native_ref("other/lib", 4, Some(ItemState::Closed))];
    inp.native.insert(IssueNumber(1), Some(native));
    let plan = analyze(&inp);
    assert_eq!(plan.planning_status, PlanningStatus::Ready);
    assert_eq!(
        plan.validation.external_deps,
        vec![ExternalDep {
            issue: IssueNumber(1),
            repo: "other/lib".parse().unwrap(),
            number: IssueNumber(4),
            state: Some(ItemState::Closed),
        }]
    );
}

#[test]
fn native_dependencies_order_waves() {
    let mut inp = input(vec![open(1, ""), open(2, "")]);
    inp.native.insert(IssueNumber(1), Some(Vec::new()));
    inp.native.insert(
        IssueNumber(2),
        Some(vec![native_ref("acme/app", 1, Some(ItemState::Open))]),
    );
    let plan = analyze(&inp);
    assert_eq!(plan.wave_of(IssueNumber(2)), Some(2));
    assert_eq!(plan.planning_status, PlanningStatus::Ready);
    assert!(plan.validation.orphans.is_empty());
}

#[test]
fn two_orphans_need_review_one_is_a_warning() {
    let plan = analyze(&input(vec![
        open(1, "Do a"),
        open(2, "Do b"),
        open(3, "Depends on: none"),
    ]));
    assert_eq!(plan.validation.orphans, nums(&[1, 2]));
    assert!(plan.needs_review());
    assert!(plan.planning_issues[0].starts_with("#1 and #2 say nothing"));

    let plan = analyze(&input(vec![open(1, "Do a"), open(2, "Depends on: none")]));
    assert_eq!(plan.validation.orphans, nums(&[1]));
    assert_eq!(plan.planning_status, PlanningStatus::Ready);
}

#[test]
fn closed_issues_are_listed_not_scheduled() {
    let plan = analyze(&input(vec![
        issue(1, ItemState::Closed, ""),
        open(2, "After #1"),
    ]));
    assert_eq!(plan.closed_issues, nums(&[1]));
    assert_eq!(plan.wave_of(IssueNumber(1)), None);
    assert_eq!(plan.free_issues, nums(&[2]));
    assert!(plan.blockers_of(IssueNumber(2)).is_empty());
    assert!(!plan.all_blocked());
}
