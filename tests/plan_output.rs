//! Planning through the real binary, the plan's side: its text and JSON
//! forms as the spec gives them, the external planner's proposals (accepted
//! when sound, rejected when they break a hard marker, suggestions shown and
//! never applied), and the demo's plan offline.

mod support;

use gh_sandbox::IssueSpec;
use serde_json::{Value, json};
use support::cli::Cli;
use support::plan::{World, keys, set, spec_example, wave_blockers, waves};
// ---------------------------------------------------------- plan formats

#[test]
fn the_text_plan_is_in_the_specs_format() {
    let w = World::new();
    spec_example(&w);
    let out = w.plan(&["OB3 Phase 1", "--dry-run"]);
    out.expect_code(0);
    assert_eq!(
        out.stdout.trim_end(),
        "Milestone \"OB3 Phase 1\" — 3 issues in 2 waves\n\
         \n\
         Wave 1 (no blockers):\n\
         \x20 #1 - Add KeyPair type\n\
         \x20 #2 - Implement generator\n\
         \n\
         Wave 2 (after Wave 1):\n\
         \x20 #3 - Add storage service → blocked by #1\n\
         \n\
         Start order (when more issues are ready than there are slots, the longest chain of dependents goes first):\n\
         \x20 #1 (1 level below), #2, #3",
        "{out}"
    );
    // Unquoted words join into the milestone name, any case.
    let out = w.plan(&["ob3", "phase", "--dry-run"]);
    assert_eq!(out.code(), 1, "\"ob3 phase\" is not a milestone\n{out}");
    let out = w.plan(&["--dry-run", "ob3 PHASE 1"]);
    out.expect_code(0).stdout_has(&[
        "— 3 issues in 2 waves",
        "#3 - Add storage service → blocked by #1",
    ]);
}

#[test]
fn json_has_exactly_the_spec_planners_fields() {
    let w = World::new();
    spec_example(&w);
    w.repo
        .add_issue(IssueSpec::new("Already done").milestone(1).closed());
    let out = w.plan(&["OB3 Phase 1", "--dry-run", "--json"]);
    out.expect_code(0);
    let plan = out.json();
    let spec_fields = [
        "execution_waves",
        "dependency_graph",
        "free_issues",
        "blocked_issues",
        "validation",
        "planning_status",
        "planning_issues",
    ];
    // The spec's fields, plus the three this program documents in the README.
    let mut expected = set(&spec_fields);
    expected.extend(set(&["target", "closed_issues", "start_order"]));
    assert_eq!(keys(&plan), expected);
    assert_eq!(
        plan["start_order"],
        json!([
            {"issue": 1, "levels_below": 1},
            {"issue": 2, "levels_below": 0},
            {"issue": 3, "levels_below": 0}
        ])
    );
    assert_eq!(
        keys(&plan["validation"]),
        set(&["circular_deps", "missing_deps", "external_deps", "orphans"])
    );
    assert_eq!(plan["target"], "Milestone \"OB3 Phase 1\"");
    assert_eq!(
        plan["execution_waves"],
        json!([
            {"wave": 1, "issues": [
                {"number": 1, "title": "Add KeyPair type", "blocked_by": []},
                {"number": 2, "title": "Implement generator", "blocked_by": []}
            ]},
            {"wave": 2, "issues": [
                {"number": 3, "title": "Add storage service", "blocked_by": [1]}
            ]}
        ])
    );
    assert_eq!(plan["free_issues"], json!([1, 2]));
    assert_eq!(plan["blocked_issues"], json!([]));
    assert_eq!(plan["closed_issues"], json!([4]));
    assert_eq!(plan["planning_status"], "ready");
    assert_eq!(plan["planning_issues"], json!([]));
    let node = &plan["dependency_graph"]["1"];
    assert_eq!(
        keys(node),
        set(&["title", "state", "blocked_by", "blocks", "soft", "external"])
    );
    assert_eq!(node["blocks"], json!([3]));
    assert_eq!(plan["dependency_graph"]["3"]["blocked_by"], json!([1]));
    assert_eq!(plan["dependency_graph"]["4"]["state"], "closed");
    // Only the JSON object on stdout.
    assert!(out.stdout.trim_start().starts_with('{') && out.stdout.trim_end().ends_with('}'));
}

// ------------------------------------------------------ external planner

/// The spec example's milestone and a planner that prints `proposal`.
fn with_planner(proposal: &Value) -> (World, Cli) {
    let w = World::new();
    spec_example(&w);
    let mut cli = w.cli();
    let file = cli.write("proposal.json", &proposal.to_string());
    let argv = json!(["cat", file.to_str().unwrap()]).to_string();
    cli.env("AUTO_MILESTONE_PLANNER_COMMAND", &argv);
    (w, cli)
}

#[test]
fn a_sound_planner_proposal_is_accepted() {
    // A more serial order than the native plan, wrapped the way `claude
    // --output-format json` wraps it.
    let proposal = json!({
        "execution_waves": [
            {"wave": 1, "issues": [1]},
            {"wave": 2, "issues": [2]},
            {"wave": 3, "issues": [3]}
        ]
    });
    let envelope = json!({
        "type": "result",
        "is_error": false,
        "result": format!("Here is the plan:\n```json\n{proposal}\n```\n"),
    });
    let (_w, cli) = with_planner(&envelope);
    let out = cli.run(&["OB3 Phase 1", "--dry-run"]);
    out.expect_code(0).stdout_has(&[
        "Milestone \"OB3 Phase 1\" — 3 issues in 3 waves",
        "Wave 2 (after Wave 1):\n  #2 - Implement generator\n",
        "Wave 3 (after Wave 2):\n  #3 - Add storage service → blocked by #1\n",
        "external planner's waves accepted",
    ]);
}

#[test]
fn a_planner_proposal_that_breaks_a_hard_marker_is_rejected() {
    let proposal = json!({
        "execution_waves": [
            {"wave": 1, "issues": [1, 3]},
            {"wave": 2, "issues": [2]}
        ]
    });
    let (_w, cli) = with_planner(&proposal);
    let out = cli.run(&["OB3 Phase 1", "--dry-run"]);
    out.expect_code(0).stdout_has(&[
        // The native plan stands.
        "— 3 issues in 2 waves",
        "Wave 1 (no blockers):\n  #1 - Add KeyPair type\n  #2 - Implement generator\n",
        "the external planner's waves were rejected, keeping the native plan: \
         #3 is in wave 1 but its blocker #1 is in wave 1",
    ]);
}

#[test]
fn planner_suggestions_are_shown_never_applied() {
    let proposal = json!({
        "execution_waves": [
            {"wave": 1, "issues": [1, 2]},
            {"wave": 2, "issues": [3]}
        ],
        "planning_issues": ["#2 and #3 may touch the same files"],
        "proposed_plan": {"suggested_dependencies": [
            {"issue": 3, "depends_on": 2, "reason": "both edit storage.rs"}
        ]}
    });
    let (_w, cli) = with_planner(&proposal);
    let out = cli.run(&["OB3 Phase 1", "--dry-run"]);
    out.expect_code(0).stdout_has(&[
        "  #3 - Add storage service → blocked by #1\n",
        "planner: #2 and #3 may touch the same files",
        "Proposed dependencies (not applied;",
        "  #3 → blocked by #2: both edit storage.rs",
    ]);
    let plan = cli.run(&["OB3 Phase 1", "--dry-run", "--json"]).json();
    assert_eq!(
        plan["proposed_plan"]["suggested_dependencies"],
        json!([{"issue": 3, "depends_on": 2, "reason": "both edit storage.rs"}])
    );
    assert_eq!(
        wave_blockers(&plan)[&3],
        vec![1],
        "suggestions are not applied"
    );
}

#[test]
fn the_planner_gets_the_target_as_one_argument() {
    let (_w, mut cli) = with_planner(&json!({"execution_waves": [
        {"wave": 1, "issues": [1, 2]}, {"wave": 2, "issues": [3]}
    ]}));
    let proposal = cli.write("told.json", "");
    let proposal = proposal
        .to_str()
        .unwrap()
        .replace("told.json", "proposal.json");
    let seen = cli.write("seen-args", "");
    let script = format!(
        "printf '%s|%s|%s' \"$#\" \"$1\" \"$2\" > '{}'; cat '{proposal}'",
        seen.display()
    );
    let argv = json!(["sh", "-c", script, "planner", "{target}", "{mode}"]).to_string();
    cli.env("AUTO_MILESTONE_PLANNER_COMMAND", &argv);
    cli.run(&["OB3 Phase 1", "--dry-run"])
        .expect_code(0)
        .stdout_has(&["waves accepted"]);
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        "2|OB3 Phase 1|milestone"
    );
}

#[test]
fn a_failing_planner_leaves_the_native_plan_and_says_why() {
    let (_w, mut cli) = with_planner(&json!({}));
    let argv = json!(["sh", "-c", "echo 'planner rate limited' >&2; exit 3"]).to_string();
    cli.env("AUTO_MILESTONE_PLANNER_COMMAND", &argv);
    cli.run(&["OB3 Phase 1", "--dry-run"])
        .expect_code(0)
        .stdout_has(&[
            "— 3 issues in 2 waves",
            "external planner not used: the external planner exited with",
            "planner rate limited",
            "the built-in plan stands",
        ]);
}

#[test]
fn the_planner_command_from_the_environment_overrides_the_file() {
    let serial = json!({"execution_waves": [
        {"wave": 1, "issues": [1]}, {"wave": 2, "issues": [2]}, {"wave": 3, "issues": [3]}
    ]});
    let (_w, mut cli) = with_planner(&serial);
    let broken = cli.write("broken.json", "no plan here");
    let config = cli.write(
        "planner.toml",
        &format!("[planner]\ncommand = [\"cat\", \"{}\"]\n", broken.display()),
    );
    let config = config.to_str().unwrap();
    // The variable (set by with_planner) wins over the file.
    cli.run(&["OB3 Phase 1", "--dry-run", "--config", config])
        .expect_code(0)
        .stdout_has(&["— 3 issues in 3 waves", "waves accepted"]);
    // The file alone: its planner prints nothing usable; the native plan stands.
    cli.unset("AUTO_MILESTONE_PLANNER_COMMAND");
    cli.run(&["OB3 Phase 1", "--dry-run", "--config", config])
        .expect_code(0)
        .stdout_has(&[
            "— 3 issues in 2 waves",
            "external planner not used: the external planner's output is not a plan",
        ]);
}

// ------------------------------------------------------------------ demo

#[test]
fn the_demo_plans_twelve_issues_in_six_waves_offline() {
    let cli = Cli::offline();
    let out = cli.run(&["demo", "--dry-run"]);
    out.expect_code(0).stdout_has(&[
        "Milestone \"Badge Generator\" — 12 issues in 6 waves",
        "Wave 1 (no blockers):",
        "→ blocked by",
        "(closed, satisfied)",
        "Related, not enforced:",
    ]);

    let out = cli.run(&["demo", "--json"]);
    out.expect_code(0);
    let plan = out.json();
    assert_eq!(plan["execution_waves"].as_array().unwrap().len(), 6);
    assert_eq!(waves(&plan).len(), 12);
    assert_eq!(plan["planning_status"], "ready");
}
