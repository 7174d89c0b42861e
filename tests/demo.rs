//! `auto-milestone demo` on a machine with no network and no credentials:
//! the whole flow, every phase visible in its output.

use std::process::{Command, Stdio};

#[test]
fn the_demo_runs_every_phase_offline_and_completes() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_auto-milestone"))
        .arg("demo")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", home.path())
        .current_dir(home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let phases = [
        "answered automatically",
        "Milestone \"Badge Generator\" — 12 issues in 6 waves",
        "implement worker started",
        "CI failed on",
        "ci-fix worker started",
        "the fix pushed",
        "1 real, 1 nitpick(s)",
        "review-fix worker started",
        "asked CodeRabbit to review",
        "asking for approval of PR",
        "merge (automatic approval)",
        "→ merged",
        "Deleted merged local branches",
        "Milestone \"Badge Generator\" Complete",
        "Issues: 12 processed, 12 merged, 0 failed, 0 skipped",
        "Total cost: $",
        "MILESTONE COMPLETE",
    ];
    for phase in phases {
        assert!(
            stdout.contains(phase),
            "the demo's output lacks {phase:?}:\n{stdout}"
        );
    }
}
