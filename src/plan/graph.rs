//! The dependency graph of a run: what the planner is given (`PlanInput`) and
//! the per-issue edges built from it, hard body markers and GitHub's native
//! dependencies merged.

use std::collections::{BTreeMap, BTreeSet};

use super::markers::{BodyDeps, parse_body};
use super::refs::DepRef;
use super::target::Target;
use crate::github::{Issue, IssueRef, ItemState};
use crate::ids::{IssueNumber, RepoSlug};

/// Everything `analyze` needs, fetched beforehand; planning itself is pure.
#[derive(Clone, Debug)]
pub struct PlanInput {
    /// The run's repository: refs to it are local, others external.
    pub repo: RepoSlug,
    pub target: Target,
    /// The run's issues, open and closed.
    pub issues: Vec<Issue>,
    /// Native "blocked by" dependencies per issue; `None` where the server
    /// does not have the feature (or it was not asked).
    pub native: BTreeMap<IssueNumber, Option<Vec<IssueRef>>>,
    /// Same-repository blockers outside the run, as looked up; `None` = not found.
    pub outside: BTreeMap<IssueNumber, Option<OutsideIssue>>,
}

/// Title and state of a blocker that is not part of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutsideIssue {
    pub title: String,
    pub state: ItemState,
}

/// A hard blocker in another repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExternalBlocker {
    pub repo: RepoSlug,
    pub number: IssueNumber,
    pub state: Option<ItemState>,
}

/// One issue of the run with its merged dependencies.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub title: String,
    pub state: ItemState,
    /// Hard blockers in this repository, in first-seen order.
    pub blocked_by: Vec<IssueNumber>,
    pub external: Vec<ExternalBlocker>,
    pub soft: Vec<DepRef>,
    /// Any marker, section, declaration, or native dependency.
    pub has_info: bool,
}

impl Node {
    pub fn is_open(&self) -> bool {
        self.state == ItemState::Open
    }
}

/// The run's issues and their edges.
pub(crate) struct Graph {
    pub nodes: BTreeMap<IssueNumber, Node>,
    /// What is known of same-repository blockers outside the run.
    pub outside: BTreeMap<IssueNumber, Option<OutsideIssue>>,
}

impl Graph {
    pub fn build(input: &PlanInput) -> Graph {
        let mut outside = input.outside.clone();
        let mut nodes = BTreeMap::new();
        for issue in input.issues.iter().filter(|i| !i.is_pull_request) {
            let body = parse_body(&issue.body, &input.repo, issue.number);
            let native = input.native.get(&issue.number).and_then(Option::as_deref);
            let node = merge(
                issue,
                body,
                native.unwrap_or(&[]),
                &input.repo,
                &mut outside,
            );
            nodes.insert(issue.number, node);
        }
        Graph { nodes, outside }
    }

    pub fn contains(&self, issue: IssueNumber) -> bool {
        self.nodes.contains_key(&issue)
    }

    pub fn open(&self) -> impl Iterator<Item = (IssueNumber, &Node)> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.is_open())
            .map(|(k, n)| (*k, n))
    }

    pub fn is_open(&self, issue: IssueNumber) -> bool {
        self.nodes.get(&issue).is_some_and(Node::is_open)
    }

    /// The open in-run blockers of an issue: what it waits for.
    pub fn open_blockers(&self, issue: IssueNumber) -> Vec<IssueNumber> {
        self.nodes[&issue]
            .blocked_by
            .iter()
            .copied()
            .filter(|b| self.is_open(*b))
            .collect()
    }

    /// Same-repository blockers of open issues that are outside the run.
    pub fn outside_blockers(&self) -> BTreeSet<IssueNumber> {
        self.open()
            .flat_map(|(_, n)| n.blocked_by.iter().copied())
            .filter(|b| !self.contains(*b))
            .collect()
    }
}

/// Merges body markers and native dependencies of one issue; native refs to
/// this repository that carry a state fill in `outside` where nothing was looked up.
fn merge(
    issue: &Issue,
    body: BodyDeps,
    native: &[IssueRef],
    repo: &RepoSlug,
    outside: &mut BTreeMap<IssueNumber, Option<OutsideIssue>>,
) -> Node {
    let mut node = Node {
        title: issue.title.clone(),
        state: issue.state,
        blocked_by: Vec::new(),
        external: Vec::new(),
        soft: body.soft,
        has_info: body.has_dependency_info,
    };
    for dep in body.hard {
        match dep {
            DepRef::Local(n) => push_unique(&mut node.blocked_by, n),
            DepRef::External { repo, number } => add_external(&mut node, repo, number, None),
        }
    }
    for r in native
        .iter()
        .filter(|r| r.number != issue.number || !r.repo.same_as(repo))
    {
        node.has_info = true;
        if !r.repo.same_as(repo) {
            add_external(&mut node, r.repo.clone(), r.number, r.state);
            continue;
        }
        push_unique(&mut node.blocked_by, r.number);
        if let (Some(state), false) = (r.state, outside.contains_key(&r.number)) {
            let title = r.title.clone().unwrap_or_default();
            outside.insert(r.number, Some(OutsideIssue { title, state }));
        }
    }
    node
}

fn push_unique(list: &mut Vec<IssueNumber>, n: IssueNumber) {
    if !list.contains(&n) {
        list.push(n);
    }
}

/// A native dependency's known state wins over a body marker's unknown one.
fn add_external(node: &mut Node, repo: RepoSlug, number: IssueNumber, state: Option<ItemState>) {
    let existing = node
        .external
        .iter_mut()
        .find(|e| e.number == number && e.repo.same_as(&repo));
    match existing {
        Some(e) => e.state = e.state.or(state),
        None => node.external.push(ExternalBlocker {
            repo,
            number,
            state,
        }),
    }
}

/// The same-repository blockers outside the run whose title and state are
/// still unknown: what `build_plan` looks up before `analyze`.
pub fn blockers_to_look_up(input: &PlanInput) -> Vec<IssueNumber> {
    let graph = Graph::build(input);
    graph
        .outside_blockers()
        .into_iter()
        .filter(|n| !graph.outside.contains_key(n))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn repo() -> RepoSlug {
        RepoSlug::new("acme", "app")
    }

    pub fn issue(n: u64, state: ItemState, body: &str) -> Issue {
        Issue {
            number: IssueNumber(n),
            title: format!("Issue {n}"),
            body: body.to_string(),
            state,
            labels: Vec::new(),
            milestone: Some("M1".into()),
            html_url: format!("https://github.com/acme/app/issues/{n}"),
            is_pull_request: false,
            closed_by: None,
        }
    }

    pub fn open(n: u64, body: &str) -> Issue {
        issue(n, ItemState::Open, body)
    }

    pub fn input(issues: Vec<Issue>) -> PlanInput {
        PlanInput {
            repo: repo(),
            target: Target::Milestone("M1".into()),
            issues,
            native: BTreeMap::new(),
            outside: BTreeMap::new(),
        }
    }

    pub fn native_ref(repo: &str, n: u64, state: Option<ItemState>) -> IssueRef {
        IssueRef {
            repo: repo.parse().unwrap(),
            number: IssueNumber(n),
            title: Some(format!("Native {n}")),
            state,
        }
    }

    fn nums(v: &[u64]) -> Vec<IssueNumber> {
        v.iter().map(|&n| IssueNumber(n)).collect()
    }

    #[test]
    fn markers_and_native_deps_merge_without_duplicates() {
        let mut inp = input(vec![open(1, "Blocked by #2, #3"), open(2, ""), open(3, "")]);
        let native = vec![
            native_ref("acme/app", 3, None),
            native_ref("ACME/APP", 4, None),
        ];
        inp.native.insert(IssueNumber(1), Some(native));
        let graph = Graph::build(&inp);
        assert_eq!(graph.nodes[&IssueNumber(1)].blocked_by, nums(&[2, 3, 4]));
        assert_eq!(
            graph.outside_blockers().into_iter().collect::<Vec<_>>(),
            nums(&[4])
        );
    }

    #[test]
    fn native_state_fills_outside_and_external_state() {
        let mut inp = input(vec![open(1, "Blocked by other/lib#9")]);
        let native = vec![
            native_ref("acme/app", 5, Some(ItemState::Closed)),
            native_ref("other/lib", 9, Some(ItemState::Closed)),
        ];
        inp.native.insert(IssueNumber(1), Some(native));
        let graph = Graph::build(&inp);
        let node = &graph.nodes[&IssueNumber(1)];
        assert_eq!(node.external.len(), 1);
        assert_eq!(node.external[0].state, Some(ItemState::Closed));
        assert_eq!(
            graph.outside[&IssueNumber(5)].as_ref().unwrap().state,
            ItemState::Closed
        );
        assert!(node.has_info);
        assert!(blockers_to_look_up(&inp).is_empty());
    }

    #[test]
    fn only_unknown_outside_blockers_of_open_issues_are_looked_up() {
        let mut inp = input(vec![
            open(1, "Depends on #7 and #8"),
            issue(2, ItemState::Closed, "Depends on #9"),
        ]);
        inp.outside.insert(IssueNumber(8), None);
        assert_eq!(blockers_to_look_up(&inp), nums(&[7]));
    }

    #[test]
    fn pull_requests_and_native_self_refs_are_left_out() {
        let mut pr = open(3, "");
        pr.is_pull_request = true;
        let mut inp = input(vec![open(1, ""), pr]);
        inp.native
            .insert(IssueNumber(1), Some(vec![native_ref("acme/app", 1, None)]));
        let graph = Graph::build(&inp);
        assert!(!graph.contains(IssueNumber(3)));
        assert!(graph.nodes[&IssueNumber(1)].blocked_by.is_empty());
    }
}
