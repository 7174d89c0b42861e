//! Worker CLIs that do not speak Claude Code's event stream: one that
//! refuses `--output-format stream-json --verbose` is run again with plain
//! output, and so is every later worker (said once); plain output works, its
//! cost is unknown, and that is said once per run.

mod support;

use auto_milestone::checkpoint::IssueState;
use support::world::{BIN, MILESTONE, World, text};

/// A worker CLI that refuses the event stream's flags (as an older CLI
/// would), else runs the simulated worker with the format it was given.
fn refusing_worker() -> String {
    let script = "for a; do case $a in stream-json) \
                  echo \"error: option '--output-format <format>' argument 'stream-json' is invalid\" >&2; \
                  echo invoked-with-stream >> \"$REFUSALS\"; exit 1;; esac; done; \
                  exec \"$0\" sim-worker \"$@\"";
    serde_json::to_string(&[
        "sh",
        "-c",
        script,
        BIN,
        "--output-format",
        "stream-json",
        "--verbose",
        "{issue}",
    ])
    .unwrap()
}

#[test]
fn a_cli_refusing_the_event_stream_runs_with_plain_output_and_unknown_cost() {
    let mut world = World::new();
    let first = world.issue("First", "Depends on: none", "cost=0.5");
    let second = world.issue("Second", "Depends on: none", "cost=0.5");
    let refusals = world.dir.path().join("refusals");
    world.set("AUTO_MILESTONE_WORKER_COMMAND", &refusing_worker());
    world.set("REFUSALS", &refusals.display().to_string());
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    for issue in [first, second] {
        let row = world.row(issue);
        assert_eq!(row.state, IssueState::Merged, "{log}");
        assert_eq!(row.attempts, 1, "a refusal is not an attempt\n{log}");
        assert_eq!(row.cost_usd, 0.0, "plain output carries no cost\n{log}");
    }
    let refused = std::fs::read_to_string(&refusals).unwrap();
    assert_eq!(
        refused.lines().count(),
        1,
        "only the first worker tried the stream\n{log}"
    );
    assert_eq!(
        log.matches("refused `--output-format stream-json --verbose`")
            .count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.matches("printed no Claude stream-json events").count(),
        1,
        "{log}"
    );
    let worker_log = world.log_file(&format!("issue-{}.log", second.0)).unwrap();
    assert!(
        worker_log.contains("PR: #"),
        "plain text, kept in the log: {worker_log}"
    );
}
