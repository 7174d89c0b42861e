//! The merge itself when main moves while a question waits: with "require
//! branches to be up to date", merging the first of two approved PRs leaves
//! the second behind, and GitHub refuses it (405). The refusal is reported
//! to the human, and the PR must then be brought up to date so that the
//! human's next "merge" can succeed.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use auto_milestone::checkpoint::IssueState;
use support::world::{Human, MILESTONE, Prompt, World, text};

/// How many times the human would answer "merge" to one PR before giving up with "skip".
const PATIENCE: u32 = 3;

/// Holds the first merge question until the second one is asked, then
/// approves both at once (so both PRs start from the same main); answers
/// "merge" again to a PR asked about again, up to [`PATIENCE`] times.
fn approves_both_together(asked: Arc<Mutex<BTreeMap<u64, u32>>>) -> Human {
    Human::new(move |p| {
        let Prompt::Merge { pr, .. } = p else {
            return Some("approve".into());
        };
        let mut asked = asked.lock().unwrap();
        *asked.entry(*pr).or_default() += 1;
        let times = asked[pr];
        if asked.len() < 2 {
            return None;
        }
        if times > PATIENCE {
            return Some(format!("skip #{pr}"));
        }
        if times == 1 && asked.values().all(|n| *n == 1) {
            let all: Vec<String> = asked.keys().map(|n| format!("merge #{n}")).collect();
            return Some(all.join("\n"));
        }
        Some(format!("merge #{pr}"))
    })
}

/// Fails today: after the 405 the loop asks the human again about the same
/// head without updating the branch, so every later "merge" is refused the
/// same way (src/review/machine_steps.rs `on_merge`).
#[test]
fn a_pr_left_behind_by_another_merge_is_updated_after_the_refusal_and_then_merges() {
    let world = World::new();
    world.repo.set_require_up_to_date(true);
    let one = world.issue("Add the lever", "Depends on: none", "");
    let two = world.issue("Add the pulley", "Depends on: none", "");
    let asked = Arc::new(Mutex::new(BTreeMap::new()));
    let out = world
        .start(&[MILESTONE], approves_both_together(asked.clone()))
        .wait();
    let log = text(&out);
    let asked = asked.lock().unwrap().clone();

    assert!(
        log.contains("GitHub refused the merge: 405"),
        "the refusal is reported to the human\n{log}"
    );
    for issue in [one, two] {
        assert_eq!(
            world.row(issue).state,
            IssueState::Merged,
            "{issue}; merge questions per PR: {asked:?}\n{log}"
        );
    }
    assert!(
        asked.values().all(|n| *n <= 2),
        "a refused PR is asked about at most once more: {asked:?}"
    );
    assert_eq!(out.status.code(), Some(0), "{log}");
}
