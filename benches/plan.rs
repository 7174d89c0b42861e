//! Planning benchmark (`cargo bench --bench plan`): a 250-issue milestone with
//! a random acyclic dependency graph (fixed seed) in the sandbox GitHub,
//! planned end to end by `plan::build_plan` through `OctoGitHub` over
//! loopback; then `plan::analyze` alone on 2,000 issues. Every plan is checked
//! against the generated graph before its time counts. Prints the figures.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use auto_milestone::github::auth::Token;
use auto_milestone::github::retry::RetryPolicy;
use auto_milestone::github::{Issue, IssueRef, ItemState, OctoGitHub};
use auto_milestone::ids::{IssueNumber, RepoSlug};
use auto_milestone::plan::{self, Plan, PlanInput, PlanningStatus, Target};
use gh_sandbox::{IssueSpec, Sandbox};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SLUG: &str = "acme/bench";
const MILESTONE: &str = "Bench";
const SEED: u64 = 0x00a7_0b3d;
const SANDBOX_ISSUES: u64 = 250;
const SANDBOX_RUNS: usize = 10;
const ANALYZE_ISSUES: u64 = 2_000;
const ANALYZE_RUNS: usize = 10;
/// Blockers are picked among this many preceding issues, so chains get deep.
const WINDOW: u64 = 40;

/// One generated issue: its blockers, and how each reaches GitHub.
struct Generated {
    blockers: BTreeSet<u64>,
    body: String,
    /// Blockers stated only through GitHub's native dependencies.
    native: Vec<u64>,
}

fn main() {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(SEED);
    bench_build_plan(&mut rng);
    bench_analyze(&mut rng);
    println!("whole benchmark: {} ms", started.elapsed().as_millis());
}

/// A random DAG over issues `1..=n`: each issue may be blocked by up to three
/// earlier ones, and each blocker is written in one of the marker forms.
fn generate(rng: &mut StdRng, n: u64) -> Vec<Generated> {
    (1..=n)
        .map(|i| {
            let count = if i == 1 || rng.random_bool(0.3) {
                0
            } else {
                rng.random_range(1..=3)
            };
            let blockers: BTreeSet<u64> = (0..count)
                .map(|_| rng.random_range(i.saturating_sub(WINDOW).max(1)..i))
                .collect();
            let (body, native) = describe(rng, &blockers);
            Generated {
                blockers,
                body,
                native,
            }
        })
        .collect()
}

/// An issue body stating `blockers`, in a randomly chosen style, plus the
/// blockers left to native dependencies.
fn describe(rng: &mut StdRng, blockers: &BTreeSet<u64>) -> (String, Vec<u64>) {
    if blockers.is_empty() {
        return ("Some context.\n\nDepends on: none".into(), Vec::new());
    }
    let refs: Vec<String> = blockers.iter().map(|b| format!("#{b}")).collect();
    let body = match rng.random_range(0..6) {
        0 => format!("Blocked by {}", join_and(&refs)),
        1 => refs
            .iter()
            .map(|r| format!("Depends on {r}"))
            .collect::<Vec<_>>()
            .join("\n"),
        2 => format!(
            "Context.\n\n## Dependencies\n\n{}",
            refs.iter()
                .map(|r| format!("- [ ] {r}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        3 => blockers
            .iter()
            .map(|b| format!("After https://github.com/{SLUG}/issues/{b}"))
            .collect::<Vec<_>>()
            .join("\n"),
        4 => format!(
            "blocked by {}",
            blockers
                .iter()
                .map(|b| format!("{SLUG}#{b}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => {
            return (
                "Tracked natively.".into(),
                blockers.iter().copied().collect(),
            );
        }
    };
    (format!("{body}\n\n```\nBlocked by #1\n```"), Vec::new())
}

fn join_and(refs: &[String]) -> String {
    match refs {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Checks the plan against the generated graph: every issue planned, each
/// in exactly the wave one past its deepest blocker, blockers recovered
/// exactly, nothing to review.
fn verify(plan: &Plan, graph: &[Generated]) {
    let mut level: BTreeMap<u64, u32> = BTreeMap::new();
    for (i, g) in graph.iter().enumerate() {
        let n = i as u64 + 1;
        let deepest = g.blockers.iter().map(|b| level[b]).max().unwrap_or(0);
        level.insert(n, deepest + 1);
    }
    assert_eq!(plan.scheduled().count(), graph.len(), "every issue planned");
    for (i, g) in graph.iter().enumerate() {
        let n = IssueNumber(i as u64 + 1);
        let wave = plan.wave_of(n).unwrap_or_else(|| panic!("{n} not planned"));
        for b in &g.blockers {
            let blocker_wave = plan.wave_of(IssueNumber(*b)).expect("blocker planned");
            assert!(
                wave > blocker_wave,
                "{n} in wave {wave}, blocker #{b} in {blocker_wave}"
            );
        }
        assert_eq!(wave, level[&n.0], "{n} is not in its level");
        let found: BTreeSet<u64> = plan.blockers_of(n).iter().map(|b| b.0).collect();
        assert_eq!(found, g.blockers, "blockers of {n}");
    }
    assert_eq!(
        plan.planning_status,
        PlanningStatus::Ready,
        "{:?}",
        plan.planning_issues
    );
    assert!(plan.validation.circular_deps.is_empty() && plan.validation.orphans.is_empty());
}

fn bench_build_plan(rng: &mut StdRng) {
    let graph = generate(rng, SANDBOX_ISSUES);
    let sandbox = Sandbox::start();
    let repo = sandbox.state().add_repo(SLUG, "main");
    let m = repo.add_milestone(MILESTONE, gh_sandbox::ItemState::Open);
    for (i, g) in graph.iter().enumerate() {
        let title = format!("Bench issue {}", i + 1);
        let number = repo.add_issue(IssueSpec::new(title).body(g.body.clone()).milestone(m));
        assert_eq!(number.0, i as u64 + 1);
    }
    for (i, g) in graph.iter().enumerate() {
        for b in &g.native {
            let (blocked, blocker) = (i as u64 + 1, *b);
            repo.add_blocked_by(
                gh_sandbox::IssueNumber(blocked),
                repo.slug(),
                gh_sandbox::IssueNumber(blocker),
            );
        }
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    // octocrab's client spawns its connection buffer on the current runtime.
    let _entered = runtime.enter();
    let gh = OctoGitHub::new(
        sandbox.url(),
        &Token::new("bench"),
        SLUG.parse().unwrap(),
        RetryPolicy::default(),
    )
    .expect("client for the sandbox");
    let target = Target::Milestone(MILESTONE.into());
    let mut times = Vec::new();
    let mut requests = 0;
    // One warm-up run (connections, allocator), then the timed ones.
    for run in 0..=SANDBOX_RUNS {
        sandbox.requests().clear();
        let t = Instant::now();
        let plan = runtime
            .block_on(plan::build_plan(&gh, &target))
            .expect("the milestone plans");
        let took = t.elapsed();
        verify(&plan, &graph);
        requests = sandbox.requests().all().len();
        if run > 0 {
            times.push(took);
        }
    }
    let edges: usize = graph.iter().map(|g| g.blockers.len()).sum();
    let native: usize = graph.iter().map(|g| g.native.len()).sum();
    println!(
        "plan {SANDBOX_ISSUES} issues: median {} ms over {SANDBOX_RUNS} runs (min {} ms, max {} ms), \
         {requests} requests; {edges} dependencies ({native} native), {} waves",
        median(&times).as_millis(),
        times.iter().min().unwrap().as_millis(),
        times.iter().max().unwrap().as_millis(),
        waves_of(&graph)
    );
}

fn bench_analyze(rng: &mut StdRng) {
    let graph = generate(rng, ANALYZE_ISSUES);
    let repo: RepoSlug = SLUG.parse().unwrap();
    let issues: Vec<Issue> = graph
        .iter()
        .enumerate()
        .map(|(i, g)| Issue {
            number: IssueNumber(i as u64 + 1),
            title: format!("Bench issue {}", i + 1),
            body: g.body.clone(),
            state: ItemState::Open,
            labels: Vec::new(),
            milestone: Some(MILESTONE.into()),
            html_url: format!("https://github.com/{SLUG}/issues/{}", i + 1),
            is_pull_request: false,
            closed_by: None,
        })
        .collect();
    let native = graph
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let refs = g
                .native
                .iter()
                .map(|b| IssueRef {
                    repo: repo.clone(),
                    number: IssueNumber(*b),
                    title: Some(format!("Bench issue {b}")),
                    state: Some(ItemState::Open),
                })
                .collect();
            (IssueNumber(i as u64 + 1), Some(refs))
        })
        .collect();
    let input = PlanInput {
        repo,
        target: Target::Milestone(MILESTONE.into()),
        issues,
        native,
        outside: BTreeMap::new(),
    };
    let mut times = Vec::new();
    for _ in 0..ANALYZE_RUNS {
        let t = Instant::now();
        let plan = plan::analyze(&input);
        times.push(t.elapsed());
        verify(&plan, &graph);
    }
    println!(
        "analyze {ANALYZE_ISSUES} issues: median {} ms over {ANALYZE_RUNS} runs (min {} ms, max {} ms), {} waves",
        median(&times).as_millis(),
        times.iter().min().unwrap().as_millis(),
        times.iter().max().unwrap().as_millis(),
        waves_of(&graph)
    );
}

/// The number of waves the generated graph needs (its longest chain).
fn waves_of(graph: &[Generated]) -> u32 {
    let mut level: Vec<u32> = Vec::with_capacity(graph.len());
    for g in graph {
        let deepest = g
            .blockers
            .iter()
            .map(|b| level[*b as usize - 1])
            .max()
            .unwrap_or(0);
        level.push(deepest + 1);
    }
    level.into_iter().max().unwrap_or(0)
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2
    } else {
        sorted[mid]
    }
}
