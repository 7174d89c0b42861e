//! The README promises things the code must keep: its test command is the
//! one CI runs, and every setting's variable is documented.

use auto_milestone::config::{CATALOG, SECRETS};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn ci_runs_exactly_the_readme_test_command() {
    let readme = readme();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .expect("a command block at the top")
        .split("```")
        .next()
        .unwrap();
    let mut lines = block.lines();
    assert_eq!(
        lines.next(),
        Some("cargo run -- demo"),
        "the first command runs the demo"
    );
    let test_command = lines.next().expect("the second command runs the tests");
    // .ci/run runs it as written there, as its last line.
    let script = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert_eq!(
        script
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(str::trim),
        Some(test_command),
        ".ci/run must end by running the README's test command"
    );
}

#[test]
fn every_variable_is_in_the_readme() {
    let readme = readme();
    for entry in CATALOG {
        assert!(
            readme.contains(entry.env),
            "README does not mention {} ({})",
            entry.env,
            entry.key
        );
    }
    for (var, _) in SECRETS {
        assert!(readme.contains(var), "README does not mention {var}");
    }
}
