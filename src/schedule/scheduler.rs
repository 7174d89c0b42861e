//! The scheduler's state and its read side: which issues may start now,
//! which never can, and how far the run has come. Status changes live in
//! `transitions.rs`.

use std::collections::{BTreeMap, BTreeSet};

use super::priority;
use super::types::{Counts, IssueStatus, OnlyWaveError, PlanError, PlannedIssue, ScheduleMode};
use crate::ids::IssueNumber;

/// One issue with its edges in both directions.
#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) wave: u32,
    /// Sorted and deduplicated.
    pub(super) blockers: Vec<IssueNumber>,
    /// Issues this one blocks, sorted.
    pub(super) dependents: Vec<IssueNumber>,
    pub(super) status: IssueStatus,
}

/// Decides which planned issue may start when. Pure: the actor layer feeds
/// it results and persists what it returns.
///
/// With `only_wave = Some(W)` the run covers wave W alone: only its issues
/// become ready, count towards progress, or get skipped by propagation. The
/// other issues stay in the graph so blockers from earlier waves are known.
#[derive(Clone, Debug)]
pub struct Scheduler {
    pub(super) nodes: BTreeMap<IssueNumber, Node>,
    pub(super) mode: ScheduleMode,
    pub(super) only_wave: Option<u32>,
    /// Levels of dependents below each issue: the dispatch priority.
    pub(super) levels: BTreeMap<IssueNumber, u32>,
}

impl Scheduler {
    /// Every issue starts `Waiting`; seed known states with [`Scheduler::restore`].
    pub fn new(
        issues: impl IntoIterator<Item = PlannedIssue>,
        mode: ScheduleMode,
        only_wave: Option<u32>,
    ) -> Result<Self, PlanError> {
        let mut nodes = BTreeMap::new();
        for PlannedIssue {
            number,
            wave,
            mut blockers,
        } in issues
        {
            blockers.sort();
            blockers.dedup();
            let node = Node {
                wave,
                blockers,
                dependents: Vec::new(),
                status: IssueStatus::Waiting,
            };
            if nodes.insert(number, node).is_some() {
                return Err(PlanError::DuplicateIssue(number));
            }
        }
        link_dependents(&mut nodes)?;
        let blockers = nodes
            .iter()
            .map(|(&n, node)| (n, node.blockers.clone()))
            .collect();
        Ok(Scheduler {
            levels: priority::levels_below(&blockers),
            nodes,
            mode,
            only_wave,
        })
    }

    pub fn mode(&self) -> ScheduleMode {
        self.mode
    }

    pub fn only_wave(&self) -> Option<u32> {
        self.only_wave
    }

    pub fn status(&self, issue: IssueNumber) -> Option<&IssueStatus> {
        self.nodes.get(&issue).map(|node| &node.status)
    }

    /// How many levels of dependents wait below `issue`.
    pub fn levels_below(&self, issue: IssueNumber) -> u32 {
        self.levels.get(&issue).copied().unwrap_or(0)
    }

    pub fn wave_of(&self, issue: IssueNumber) -> Option<u32> {
        self.nodes.get(&issue).map(|node| node.wave)
    }

    /// The waves of the plan, ascending.
    pub fn waves(&self) -> Vec<u32> {
        let waves: BTreeSet<u32> = self.nodes.values().map(|node| node.wave).collect();
        waves.into_iter().collect()
    }

    /// Issues that may start now, the longest chain of dependents first,
    /// then by number: the run cannot end before that chain does.
    pub fn ready(&self) -> Vec<IssueNumber> {
        // Strict mode: no earlier wave may hold an unfinished issue, i.e. the
        // first open wave is this issue's own.
        let open_wave = self.first_open_wave();
        let mut ready: Vec<_> = self
            .in_scope()
            .filter(|(_, node)| node.status == IssueStatus::Waiting)
            .filter(|(_, node)| node.blockers.iter().all(|b| self.is_merged(*b)))
            .filter(|(_, node)| {
                self.mode == ScheduleMode::Blockers || open_wave.is_none_or(|w| w >= node.wave)
            })
            .map(|(&number, _)| number)
            .collect();
        priority::by_priority(&mut ready, &self.levels);
        ready
    }

    /// Waiting issues of this run that cannot become ready even if every
    /// active issue merges: a blocker outside the run's wave that is not
    /// merged, a cycle, or (in `Waves` mode) an earlier wave stuck itself.
    pub fn stuck(&self) -> Vec<IssueNumber> {
        let progressing = self.progressing();
        let mut stuck: Vec<_> = self
            .in_scope()
            .filter(|(number, node)| {
                node.status == IssueStatus::Waiting && !progressing.contains(number)
            })
            .map(|(&number, _)| number)
            .collect();
        self.sort_by_wave(&mut stuck);
        stuck
    }

    /// Nothing is active and nothing can start: the run is over. Issues still
    /// waiting then are exactly [`Scheduler::stuck`].
    pub fn is_finished(&self) -> bool {
        let active = self
            .in_scope()
            .any(|(_, node)| node.status == IssueStatus::Active);
        !active && self.ready().is_empty()
    }

    /// Issues of this run per status.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for (_, node) in self.in_scope() {
            let slot = match node.status {
                IssueStatus::Waiting => &mut counts.waiting,
                IssueStatus::Active => &mut counts.active,
                IssueStatus::Merged => &mut counts.merged,
                IssueStatus::Skipped { .. } => &mut counts.skipped,
                IssueStatus::Failed { .. } => &mut counts.failed,
            };
            *slot += 1;
        }
        counts
    }

    /// Whether wave `wave` may run on its own: it exists, and every blocker
    /// its issues have outside it is merged. Errors name what is missing.
    pub fn check_only_wave(&self, wave: u32) -> Result<(), OnlyWaveError> {
        let known = self.waves();
        if !known.contains(&wave) {
            return Err(OnlyWaveError::UnknownWave { wave, known });
        }
        let unmerged: BTreeSet<IssueNumber> = self
            .nodes
            .values()
            .filter(|node| node.wave == wave)
            .flat_map(|node| &node.blockers)
            .filter(|&&b| self.nodes[&b].wave != wave && !self.is_merged(b))
            .copied()
            .collect();
        if unmerged.is_empty() {
            Ok(())
        } else {
            Err(OnlyWaveError::UnmergedBlockers {
                wave,
                blockers: unmerged.into_iter().collect(),
            })
        }
    }

    pub(super) fn is_in_scope(&self, node: &Node) -> bool {
        self.only_wave.is_none_or(|wave| node.wave == wave)
    }

    fn in_scope(&self) -> impl Iterator<Item = (&IssueNumber, &Node)> {
        self.nodes.iter().filter(|(_, node)| self.is_in_scope(node))
    }

    fn is_merged(&self, issue: IssueNumber) -> bool {
        self.nodes
            .get(&issue)
            .is_some_and(|node| node.status == IssueStatus::Merged)
    }

    /// The earliest wave of this run with an issue not yet final.
    fn first_open_wave(&self) -> Option<u32> {
        self.in_scope()
            .filter(|(_, node)| !node.status.is_final())
            .map(|(_, node)| node.wave)
            .min()
    }

    /// Waiting issues that would become ready if every active issue merged:
    /// grown to a fixed point from what is merged or active now.
    fn progressing(&self) -> BTreeSet<IssueNumber> {
        let mut may_merge: BTreeSet<IssueNumber> = self
            .nodes
            .iter()
            .filter(|(_, node)| match node.status {
                IssueStatus::Merged => true,
                IssueStatus::Active => self.is_in_scope(node),
                _ => false,
            })
            .map(|(&number, _)| number)
            .collect();
        let mut progressing = BTreeSet::new();
        loop {
            let waiting: Vec<_> = self
                .in_scope()
                .filter(|(number, node)| {
                    node.status == IssueStatus::Waiting && !progressing.contains(*number)
                })
                .collect();
            let lowest_waiting_wave = waiting.iter().map(|(_, node)| node.wave).min();
            let unblocked: Vec<IssueNumber> = waiting
                .iter()
                .filter(|(_, node)| node.blockers.iter().all(|b| may_merge.contains(b)))
                .filter(|(_, node)| {
                    self.mode == ScheduleMode::Blockers
                        || lowest_waiting_wave.is_none_or(|w| w >= node.wave)
                })
                .map(|&(&number, _)| number)
                .collect();
            if unblocked.is_empty() {
                return progressing;
            }
            may_merge.extend(&unblocked);
            progressing.extend(unblocked);
        }
    }

    fn sort_by_wave(&self, issues: &mut [IssueNumber]) {
        issues.sort_by_key(|number| (self.nodes[number].wave, *number));
    }
}

/// Checks every blocker and records each issue as a dependent of its blockers.
fn link_dependents(nodes: &mut BTreeMap<IssueNumber, Node>) -> Result<(), PlanError> {
    let mut edges = Vec::new();
    for (&issue, node) in nodes.iter() {
        for &blocker in &node.blockers {
            let Some(blocking) = nodes.get(&blocker) else {
                return Err(PlanError::UnknownBlocker { issue, blocker });
            };
            if blocker == issue {
                return Err(PlanError::BlocksItself(issue));
            }
            if blocking.wave > node.wave {
                return Err(PlanError::BlockerInLaterWave {
                    issue,
                    wave: node.wave,
                    blocker,
                    blocker_wave: blocking.wave,
                });
            }
            edges.push((blocker, issue));
        }
    }
    // Issues are visited in ascending order, so each dependents list comes out sorted.
    for (blocker, issue) in edges {
        nodes
            .get_mut(&blocker)
            .expect("checked above")
            .dependents
            .push(issue);
    }
    Ok(())
}
