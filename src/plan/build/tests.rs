use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::*;
use crate::github::{
    BranchProtection, BranchRules, CheckRun, CommitStatus, Conditional, EnqueueOutcome,
    IssueComment, MergeOutcome, NewPull, PullRequest, QueueState, RepoAccess, RerunOutcome, Review,
    ReviewComment, UpdateBranchOutcome,
};
use crate::ids::{BranchName, CommitSha, PrNumber, RepoSlug};
use crate::plan::graph::tests::{issue, open};
use crate::plan::report::{MissingState, PlanningStatus};

/// The planning subset of GitHub, in memory; records which reads were made.
struct FakeGitHub {
    repo: RepoSlug,
    milestones: Vec<Milestone>,
    milestone_issues: HashMap<u64, Vec<Issue>>,
    issues: HashMap<IssueNumber, Issue>,
    /// `None`: the server has no native dependencies.
    native: Option<HashMap<IssueNumber, Vec<IssueRef>>>,
    fail_milestones: bool,
    calls: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl FakeGitHub {
    fn new(issues: Vec<Issue>) -> Self {
        FakeGitHub {
            repo: RepoSlug::new("acme", "app"),
            milestones: Vec::new(),
            milestone_issues: HashMap::new(),
            issues: issues.into_iter().map(|i| (i.number, i)).collect(),
            native: None,
            fail_milestones: false,
            calls: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    fn with_milestone(mut self, number: u64, title: &str, issues: &[u64]) -> Self {
        let list: Vec<Issue> = issues
            .iter()
            .map(|n| self.issues[&IssueNumber(*n)].clone())
            .collect();
        let open_issues = list.iter().filter(|i| i.state == ItemState::Open).count() as u64;
        self.milestones.push(Milestone {
            number,
            title: title.into(),
            state: ItemState::Open,
            open_issues,
            closed_issues: list.len() as u64 - open_issues,
        });
        self.milestone_issues.insert(number, list);
        self
    }

    fn calls(&self, prefix: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    }

    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    /// Counts concurrent reads; yields so other reads can start meanwhile.
    async fn read<T>(&self, value: T) -> T {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        value
    }
}

fn unused<T>() -> Result<T, GitHubError> {
    Err(GitHubError::Setup("not used by planning".into()))
}

#[async_trait]
impl GitHubApi for FakeGitHub {
    fn repo(&self) -> &RepoSlug {
        &self.repo
    }
    async fn default_branch(&self) -> Result<BranchName, GitHubError> {
        unused()
    }
    async fn repository_access(&self) -> Result<RepoAccess, GitHubError> {
        unused()
    }
    async fn branch_protection(
        &self,
        _: &BranchName,
    ) -> Result<Option<BranchProtection>, GitHubError> {
        unused()
    }
    async fn rerun_failed_jobs(&self, _: u64) -> Result<RerunOutcome, GitHubError> {
        unused()
    }
    async fn branch_rules(&self, _: &BranchName) -> Result<BranchRules, GitHubError> {
        unused()
    }
    async fn enqueue_pull(
        &self,
        _: &PullRequest,
        _: &CommitSha,
    ) -> Result<EnqueueOutcome, GitHubError> {
        unused()
    }
    async fn queue_state(&self, _: PrNumber) -> Result<QueueState, GitHubError> {
        unused()
    }
    async fn list_milestones(&self) -> Result<Vec<Milestone>, GitHubError> {
        self.record("list_milestones".into());
        if self.fail_milestones {
            let route = "GET /repos/acme/app/milestones".to_string();
            return Err(GitHubError::Status {
                route,
                status: 500,
                message: "boom".into(),
            });
        }
        Ok(self.milestones.clone())
    }
    async fn list_milestone_issues(&self, milestone: u64) -> Result<Vec<Issue>, GitHubError> {
        self.record(format!("list_milestone_issues {milestone}"));
        Ok(self
            .milestone_issues
            .get(&milestone)
            .cloned()
            .unwrap_or_default())
    }
    async fn get_issue(&self, number: IssueNumber) -> Result<Option<Issue>, GitHubError> {
        self.record(format!("get_issue {}", number.0));
        Ok(self.read(self.issues.get(&number).cloned()).await)
    }
    async fn issue_blocked_by(
        &self,
        number: IssueNumber,
    ) -> Result<Option<Vec<IssueRef>>, GitHubError> {
        self.record(format!("issue_blocked_by {}", number.0));
        let answer = self
            .native
            .as_ref()
            .map(|m| m.get(&number).cloned().unwrap_or_default());
        Ok(self.read(answer).await)
    }
    async fn pulls_for_branch(&self, _: &BranchName) -> Result<Vec<PullRequest>, GitHubError> {
        unused()
    }
    async fn get_pull(&self, _: PrNumber) -> Result<PullRequest, GitHubError> {
        unused()
    }
    async fn create_pull(&self, _: &NewPull) -> Result<PullRequest, GitHubError> {
        unused()
    }
    async fn check_runs(
        &self,
        _: &CommitSha,
        _: Option<&str>,
    ) -> Result<Conditional<Vec<CheckRun>>, GitHubError> {
        unused()
    }
    async fn commit_statuses(
        &self,
        _: &CommitSha,
        _: Option<&str>,
    ) -> Result<Conditional<Vec<CommitStatus>>, GitHubError> {
        unused()
    }
    async fn list_reviews(&self, _: PrNumber) -> Result<Vec<Review>, GitHubError> {
        unused()
    }
    async fn list_review_comments(&self, _: PrNumber) -> Result<Vec<ReviewComment>, GitHubError> {
        unused()
    }
    async fn list_issue_comments(&self, _: u64) -> Result<Vec<IssueComment>, GitHubError> {
        unused()
    }
    async fn post_issue_comment(&self, _: u64, _: &str) -> Result<(), GitHubError> {
        unused()
    }
    async fn update_branch(
        &self,
        _: PrNumber,
        _: &CommitSha,
    ) -> Result<UpdateBranchOutcome, GitHubError> {
        unused()
    }
    async fn squash_merge(
        &self,
        _: PrNumber,
        _: &CommitSha,
        _: &str,
    ) -> Result<MergeOutcome, GitHubError> {
        unused()
    }
    async fn delete_branch(&self, _: &BranchName) -> Result<(), GitHubError> {
        unused()
    }
}

fn nums(v: &[u64]) -> Vec<IssueNumber> {
    v.iter().map(|&n| IssueNumber(n)).collect()
}

fn milestone(name: &str) -> Target {
    Target::Milestone(name.into())
}

fn spec_repo() -> FakeGitHub {
    FakeGitHub::new(vec![
        open(153, "Depends on: none"),
        open(154, "Depends on: none"),
        open(155, "Blocked by #153"),
        issue(150, ItemState::Closed, ""),
        open(200, "Not in the milestone"),
    ])
    .with_milestone(1, "OB3 Phase 1", &[153, 154, 155, 150])
    .with_milestone(2, "OB3 Phase 2", &[200])
}

#[tokio::test]
async fn a_milestone_is_planned_by_exact_then_case_insensitive_title() {
    let gh = spec_repo();
    for name in ["OB3 Phase 1", "ob3 phase 1"] {
        let plan = build_plan(&gh, &milestone(name)).await.unwrap();
        assert_eq!(plan.free_issues, nums(&[153, 154]));
        assert_eq!(plan.wave_of(IssueNumber(155)), Some(2));
        assert_eq!(plan.closed_issues, nums(&[150]));
        assert_eq!(plan.planning_status, PlanningStatus::Ready);
    }
    assert_eq!(gh.calls("list_milestone_issues 1"), 2);
}

#[tokio::test]
async fn an_unknown_milestone_lists_the_ones_that_exist() {
    let err = build_plan(&spec_repo(), &milestone("OB3 Phase 9"))
        .await
        .unwrap_err();
    let PlanError::MilestoneNotFound {
        ref name,
        ref available,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(name, "OB3 Phase 9");
    assert_eq!(
        available,
        &vec![
            ("OB3 Phase 1".to_string(), 3),
            ("OB3 Phase 2".to_string(), 1)
        ]
    );
    assert_eq!(
        err.to_string(),
        "milestone \"OB3 Phase 9\" not found; pick one of these (quote the name):\n  OB3 Phase 1 (3 open issues)\n  OB3 Phase 2 (1 open issue)"
    );
    let none = build_plan(&FakeGitHub::new(vec![]), &milestone("X"))
        .await
        .unwrap_err();
    assert!(none.to_string().contains("has no milestones"), "{none}");
}

#[tokio::test]
async fn listed_issues_are_fetched_and_planned() {
    let gh = spec_repo();
    let plan = build_plan(&gh, &Target::Issues(nums(&[155, 153])))
        .await
        .unwrap();
    assert_eq!(plan.free_issues, nums(&[153]));
    assert_eq!(plan.wave_of(IssueNumber(155)), Some(2));
    assert_eq!(gh.calls("list_milestones"), 0);
}

#[tokio::test]
async fn a_missing_issue_or_a_pull_request_is_an_error() {
    let mut pr = open(9, "");
    pr.is_pull_request = true;
    let gh = FakeGitHub::new(vec![open(1, ""), pr]);
    let err = build_plan(&gh, &Target::Issues(nums(&[1, 7])))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Issue #7 not found");
    let err = build_plan(&gh, &Target::Issues(nums(&[9])))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "#9 is a pull request, not an issue");
}

#[tokio::test]
async fn native_dependencies_are_used_when_the_server_has_them() {
    let mut gh = FakeGitHub::new(vec![
        open(1, ""),
        open(2, ""),
        issue(3, ItemState::Closed, ""),
    ]);
    let blocker = IssueRef {
        repo: RepoSlug::new("acme", "app"),
        number: IssueNumber(1),
        title: Some("Issue 1".into()),
        state: Some(ItemState::Open),
    };
    gh.native = Some(HashMap::from([(IssueNumber(2), vec![blocker])]));
    let plan = build_plan(&gh, &Target::Issues(nums(&[1, 2, 3])))
        .await
        .unwrap();
    assert_eq!(plan.wave_of(IssueNumber(2)), Some(2));
    // Asked for open issues only.
    assert_eq!(gh.calls("issue_blocked_by"), 2);
}

#[tokio::test]
async fn without_native_dependencies_only_one_question_is_asked() {
    let gh = FakeGitHub::new((1..=5).map(|n| open(n, "Depends on: none")).collect());
    let plan = build_plan(&gh, &Target::Issues(nums(&[1, 2, 3, 4, 5])))
        .await
        .unwrap();
    assert_eq!(plan.free_issues.len(), 5);
    assert_eq!(gh.calls("issue_blocked_by"), 1);
}

#[tokio::test]
async fn blockers_outside_the_run_are_looked_up() {
    let gh = FakeGitHub::new(vec![
        open(1, "Blocked by #50"),
        open(2, "Blocked by #51"),
        issue(50, ItemState::Closed, ""),
    ]);
    let plan = build_plan(&gh, &Target::Issues(nums(&[1, 2])))
        .await
        .unwrap();
    let states: Vec<(u64, MissingState)> = plan
        .validation
        .missing_deps
        .iter()
        .map(|m| (m.dependency.0, m.state))
        .collect();
    assert_eq!(
        states,
        vec![(50, MissingState::Closed), (51, MissingState::NotFound)]
    );
    assert_eq!(plan.free_issues, nums(&[1]));
    assert_eq!(plan.blocked_issues[0].number, IssueNumber(2));
    assert_eq!(gh.calls("get_issue 50"), 1);
}

#[tokio::test]
async fn github_errors_propagate() {
    let mut gh = spec_repo();
    gh.fail_milestones = true;
    let err = build_plan(&gh, &milestone("OB3 Phase 1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PlanError::GitHub(ref e) if e.status() == Some(500)),
        "{err:?}"
    );
}

#[tokio::test]
async fn reads_run_concurrently_but_bounded() {
    let gh = FakeGitHub::new((1..=30).map(|n| open(n, "Depends on: none")).collect());
    let numbers: Vec<IssueNumber> = (1..=30).map(IssueNumber).collect();
    let plan = build_plan(&gh, &Target::Issues(numbers.clone()))
        .await
        .unwrap();
    assert_eq!(plan.free_issues, numbers);
    let max = gh.max_in_flight.load(Ordering::SeqCst);
    assert!(max > 1 && max <= CONCURRENT_READS, "max in flight {max}");
}

#[tokio::test]
async fn map_bounded_keeps_input_order() {
    let out = map_bounded((0..20u64).collect(), 3, |n| async move {
        for _ in 0..(20 - n) {
            tokio::task::yield_now().await;
        }
        n * 2
    })
    .await;
    assert_eq!(out, (0..20u64).map(|n| n * 2).collect::<Vec<_>>());
}
