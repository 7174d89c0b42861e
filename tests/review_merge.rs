//! The merge itself when main moves while a question waits: with "require
//! branches to be up to date", merging the first of two approved PRs leaves
//! the second behind. It is updated then, at its merge (never earlier: an
//! early update costs a CI run and is stale again at the next merge), and
//! merged once CI passes on the update, without asking the human again and
//! without a refused merge call.

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

#[test]
fn a_pr_left_behind_by_another_merge_is_updated_at_its_merge_and_merges_without_a_second_question()
{
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
        log.contains("which must be up to date to merge: updating it"),
        "the update is said\n{log}"
    );
    let calls = |suffix: &str| {
        let requests = world.sandbox.requests().all();
        let put = requests.into_iter().filter(|r| r.method == "PUT");
        put.filter(|r| r.path.ends_with(suffix))
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(calls("/update-branch"), [202], "one update, no cascade");
    assert_eq!(calls("/merge"), [200, 200], "no refused merge call");
    for issue in [one, two] {
        assert_eq!(
            world.row(issue).state,
            IssueState::Merged,
            "{issue}; merge questions per PR: {asked:?}\n{log}"
        );
    }
    // Counted in the checkpoint: the terminal may show one question twice
    // (announced as waiting, then on screen).
    let questions = world.events_of_kind("question_asked");
    for issue in [one, two] {
        let n = questions.iter().filter(|e| e.issue == Some(issue)).count();
        assert_eq!(n, 1, "{issue} is asked about once; prompts seen: {asked:?}");
    }
    assert!(
        asked.values().all(|n| *n >= 1),
        "each PR is asked about: {asked:?}"
    );
    assert_eq!(out.status.code(), Some(0), "{log}");
}
