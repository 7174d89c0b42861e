//! The reaction latencies, from the probe's exact sandbox moments and the
//! timestamped stdout lines: CI green → the next step's first request, and
//! ready → the merge question printed.

use std::time::{Duration, Instant};

use super::measure::Record;
use super::probe::Seen;
use super::process::merge_question;

/// CI green → next step, for every CI run that concluded on a PR's head:
/// from the sandbox concluding it to the first request of the step that
/// follows for that PR (see [`first_next_step`]); and ready → question, for
/// every merge question printed: from the later of the PR's last CI
/// conclusion and last CodeRabbit review before it to the line. Also how
/// many CI conclusions had no next step.
pub fn latencies(r: &Record) -> (Vec<Duration>, usize, Vec<Duration>) {
    let mut ci_next = Vec::new();
    let mut missing = 0;
    let ci_done: Vec<(u64, Instant)> = r
        .seen
        .iter()
        .filter(|s| s.message == "sandbox CI finished")
        .filter_map(|s| Some((*r.heads.get(s.field("sha")?)?, s.at)))
        .collect();
    for (pr, green) in &ci_done {
        match first_next_step(&r.seen, *pr, *green) {
            Some(at) => ci_next.push(at - *green),
            None => missing += 1,
        }
    }
    let reviewed: Vec<(u64, Instant)> = r
        .seen
        .iter()
        .filter(|s| s.message == "CodeRabbit posted a review")
        .filter_map(|s| Some((s.field("pr")?.parse().ok()?, s.at)))
        .collect();
    let last_before = |events: &[(u64, Instant)], pr: u64, at: Instant| {
        events
            .iter()
            .filter(|(p, t)| *p == pr && *t <= at)
            .map(|(_, t)| *t)
            .max()
    };
    let mut ready_question = Vec::new();
    for (at, line) in &r.run.lines {
        let Some((pr, _)) = merge_question(line) else {
            continue;
        };
        let green = last_before(&ci_done, pr, *at);
        let review = last_before(&reviewed, pr, *at);
        if let (Some(green), Some(review)) = (green, review) {
            ready_question.push(*at - green.max(review));
        }
    }
    (ci_next, missing, ready_question)
}

/// When the first request of the step after a CI wait on PR `pr` arrived
/// after `after`: the review wait's reads (GET `pulls/N/reviews`, GET
/// `issues/N/comments`), a review request (POST `issues/N/comments`), the
/// merge (PUT `pulls/N/merge`) or a branch update (PUT `pulls/N/update-branch`).
/// The CI wait's own reads (the PR, its checks) are not a next step.
fn first_next_step(seen: &[Seen], pr: u64, after: Instant) -> Option<Instant> {
    let steps = [
        ("GET", format!("/pulls/{pr}/reviews")),
        ("GET", format!("/issues/{pr}/comments")),
        ("POST", format!("/issues/{pr}/comments")),
        ("PUT", format!("/pulls/{pr}/merge")),
        ("PUT", format!("/pulls/{pr}/update-branch")),
    ];
    seen.iter()
        .filter(|s| s.at >= after && s.message == "sandbox request")
        .find(|s| {
            let (method, path) = (s.field("method"), s.field("path").unwrap_or(""));
            steps
                .iter()
                .any(|(m, tail)| method == Some(*m) && path.ends_with(tail.as_str()))
        })
        .map(|s| s.at)
}
