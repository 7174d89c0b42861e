//! The plan as data: the JSON shape of the spec's planner (`execution_waves`,
//! `dependency_graph`, `free_issues`, `blocked_issues`, `validation`,
//! `planning_status`, `planning_issues`) plus `target` and `closed_issues`,
//! and the questions the scheduler asks of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::github::ItemState;
use crate::ids::{IssueNumber, RepoSlug};

/// A validated plan: which open issues run in which wave, and what stops the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// How the plan names its target (`Milestone "OB3 Phase 1"`).
    pub target: String,
    pub execution_waves: Vec<Wave>,
    /// Every issue of the run, open and closed, keyed by number.
    pub dependency_graph: BTreeMap<IssueNumber, GraphNode>,
    /// Open issues that can start at once (wave 1).
    pub free_issues: Vec<IssueNumber>,
    /// Open issues that cannot start, with why.
    pub blocked_issues: Vec<BlockedIssue>,
    pub validation: Validation,
    pub planning_status: PlanningStatus,
    /// One line per reason the plan needs a human's review.
    pub planning_issues: Vec<String>,
    /// Issues of the run that are already closed: done, never scheduled.
    pub closed_issues: Vec<IssueNumber>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wave {
    /// From 1.
    pub wave: u32,
    pub issues: Vec<WaveIssue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveIssue {
    pub number: IssueNumber,
    pub title: String,
    /// Open issues of the run that must be merged first.
    pub blocked_by: Vec<IssueNumber>,
}

/// One issue in the dependency graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphNode {
    pub title: String,
    pub state: ItemState,
    /// Hard blockers in this repository, in the run or not.
    pub blocked_by: Vec<IssueNumber>,
    /// Issues of the run that this one blocks.
    pub blocks: Vec<IssueNumber>,
    /// Soft references (`#5`, `owner/repo#5`): related, not enforced.
    pub soft: Vec<String>,
    /// Hard blockers in other repositories (`owner/repo#5`): not tracked.
    pub external: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedIssue {
    pub number: IssueNumber,
    /// The blockers that keep it from starting.
    pub blocked_by: Vec<IssueNumber>,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// Each cycle ends where it starts: `[12, 14, 12]`.
    pub circular_deps: Vec<Vec<IssueNumber>>,
    pub missing_deps: Vec<MissingDep>,
    pub external_deps: Vec<ExternalDep>,
    /// Open issues with no dependency information at all.
    pub orphans: Vec<IssueNumber>,
}

/// A blocker in this repository that is not part of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingDep {
    pub issue: IssueNumber,
    pub dependency: IssueNumber,
    pub title: Option<String>,
    pub state: MissingState,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingState {
    /// Open outside the run: the dependent cannot start.
    Open,
    /// Already closed: satisfied.
    Closed,
    /// GitHub does not know it: the dependent cannot start.
    NotFound,
}

/// A blocker in another repository: reported, never tracked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalDep {
    pub issue: IssueNumber,
    pub repo: RepoSlug,
    pub number: IssueNumber,
    /// Known only from GitHub's native dependencies.
    pub state: Option<ItemState>,
}

impl ExternalDep {
    /// Whether it may still be open (open, or state unknown).
    pub fn may_be_open(&self) -> bool {
        self.state != Some(ItemState::Closed)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanningStatus {
    Ready,
    NeedsReview,
}

impl Plan {
    pub fn has_cycles(&self) -> bool {
        !self.validation.circular_deps.is_empty()
    }

    /// Open issues exist and none of them can start.
    pub fn all_blocked(&self) -> bool {
        self.execution_waves.is_empty() && !self.blocked_issues.is_empty()
    }

    pub fn needs_review(&self) -> bool {
        self.planning_status == PlanningStatus::NeedsReview
    }

    /// The wave an issue runs in; `None` for closed, blocked or unknown issues.
    pub fn wave_of(&self, issue: IssueNumber) -> Option<u32> {
        self.execution_waves
            .iter()
            .find(|w| w.issues.iter().any(|i| i.number == issue))
            .map(|w| w.wave)
    }

    /// The open issues of the run that must be merged before `issue` starts.
    pub fn blockers_of(&self, issue: IssueNumber) -> Vec<IssueNumber> {
        let Some(node) = self.dependency_graph.get(&issue) else {
            return Vec::new();
        };
        node.blocked_by
            .iter()
            .copied()
            .filter(|b| {
                self.dependency_graph
                    .get(b)
                    .is_some_and(|n| n.state == ItemState::Open)
            })
            .collect()
    }

    /// Issues of the run that wait for `issue`, directly.
    pub fn dependents_of(&self, issue: IssueNumber) -> Vec<IssueNumber> {
        self.dependency_graph
            .get(&issue)
            .map(|n| n.blocks.clone())
            .unwrap_or_default()
    }

    /// Open issues scheduled in waves, in wave order.
    pub fn scheduled(&self) -> impl Iterator<Item = &WaveIssue> {
        self.execution_waves.iter().flat_map(|w| w.issues.iter())
    }

    pub fn title_of(&self, issue: IssueNumber) -> Option<&str> {
        self.dependency_graph.get(&issue).map(|n| n.title.as_str())
    }

    /// The plan as the `--json` output: one pretty-printed object.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan always serializes")
    }
}
