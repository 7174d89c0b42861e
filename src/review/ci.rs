//! CI on a PR's current head: classifying check runs and commit statuses
//! together, and `CiWatch`, the state kept across polls (grace period for
//! "no checks yet", overall timeout, poll back-off, ETags and cached answers).
//!
//! Field note 1 is the reason for most of this file: the original reported
//! "0 checks, all passed" for an error turned into an empty list. Here an
//! endpoint that has not answered is unknown (pending), an empty answer is
//! pending for the grace period and then `NoCi`, and nothing empty ever reads
//! as passed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::github::{CheckRun, CommitStatus, Conditional};
use crate::ids::CommitSha;

/// What one check run or status says, on its own.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CheckState {
    Pending,
    Passed,
    Failed,
}

/// Classifies a word GitHub uses for a check's progress or result. Words we do
/// not know (GitHub's `stale`, anything new) are pending: they can never pass,
/// and the overall timeout ends the wait.
pub fn classify_word(word: &str) -> CheckState {
    match word.to_ascii_lowercase().as_str() {
        "success" | "neutral" | "skipped" => CheckState::Passed,
        "failure" | "cancelled" | "timed_out" | "action_required" | "startup_failure" | "error" => {
            CheckState::Failed
        }
        _ => CheckState::Pending,
    }
}

/// A check run is judged by its conclusion once `status` is `completed`,
/// and is pending before that (queued, in_progress, waiting, requested, ...).
pub fn classify_check_run(run: &CheckRun) -> CheckState {
    if !run.status.eq_ignore_ascii_case("completed") {
        return CheckState::Pending;
    }
    match &run.conclusion {
        Some(conclusion) => classify_word(conclusion),
        None => CheckState::Pending,
    }
}

/// A commit status is judged by its `state` (pending, expected, success, failure, error).
pub fn classify_status(status: &CommitStatus) -> CheckState {
    classify_word(&status.state)
}

/// What the checks on one commit add up to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum CiVerdict {
    /// Something is still running, or nothing has reported yet.
    Pending,
    /// Every check finished and none failed.
    Passed,
    /// Every check finished and these failed (names of check runs and status contexts).
    Failed { failing: Vec<String> },
    /// No check run and no status at all.
    NoCi,
}

/// Adds up check runs and statuses. CI is failed only once nothing is pending,
/// so a fix worker sees every failure at once and its push does not race
/// checks that are still running.
pub fn verdict(runs: &[CheckRun], statuses: &[CommitStatus]) -> CiVerdict {
    if runs.is_empty() && statuses.is_empty() {
        return CiVerdict::NoCi;
    }
    let judged = runs
        .iter()
        .map(|r| (r.name.as_str(), classify_check_run(r)))
        .chain(
            statuses
                .iter()
                .map(|s| (s.context.as_str(), classify_status(s))),
        );
    let mut failing = Vec::new();
    let mut pending = false;
    for (name, state) in judged {
        match state {
            CheckState::Pending => pending = true,
            CheckState::Failed => failing.push(name.to_string()),
            CheckState::Passed => {}
        }
    }
    if pending {
        CiVerdict::Pending
    } else if failing.is_empty() {
        CiVerdict::Passed
    } else {
        failing.sort();
        failing.dedup();
        CiVerdict::Failed { failing }
    }
}

/// How a CI wait ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum CiOutcome {
    Passed,
    Failed {
        failing: Vec<String>,
        /// The GitHub Actions workflow runs to rerun, when every failing
        /// check is a job of one (a rerun might pass); empty otherwise.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rerun: Vec<u64>,
    },
    /// No checks appeared within the grace period. Reported as "no CI", never as passed.
    NoCi,
    /// Checks were still pending (these) when the overall timeout ran out.
    TimedOut {
        pending: Vec<String>,
    },
}

/// The CI wait's timing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CiTiming {
    /// How long "no checks at all" stays pending before it is `NoCi`.
    pub grace: Duration,
    /// How long the whole wait may take.
    pub timeout: Duration,
    /// The first poll interval, and the one after any change.
    pub poll_min: Duration,
    /// The longest poll interval.
    pub poll_max: Duration,
}

impl Default for CiTiming {
    fn default() -> Self {
        CiTiming {
            grace: Duration::from_secs(120),
            timeout: Duration::from_secs(30 * 60),
            poll_min: Duration::from_secs(2),
            poll_max: Duration::from_secs(4),
        }
    }
}

impl CiTiming {
    /// The timing from the `[ci]` settings.
    pub fn from_settings(ci: &crate::config::CiSettings) -> Self {
        CiTiming {
            grace: ci.grace.get(),
            timeout: ci.timeout.get(),
            poll_min: ci.poll_min.get(),
            poll_max: ci.poll_max.get(),
        }
    }
}

/// The two endpoints a CI poll reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    CheckRuns,
    Statuses,
}

/// The last answer of one endpoint and the tag to send next time.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cached<T> {
    value: Option<T>,
    etag: Option<String>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached {
            value: None,
            etag: None,
        }
    }
}

impl<T: PartialEq> Cached<T> {
    /// Takes in an answer; says whether it changed what we know.
    fn record(&mut self, answer: Conditional<T>) -> bool {
        match answer {
            // A 304 means "same as last time"; with nothing cached (we sent no
            // tag) it carries no information, so the endpoint stays unknown.
            Conditional::NotModified => false,
            Conditional::Modified { value, etag } => {
                self.etag = etag;
                let changed = self.value.as_ref() != Some(&value);
                self.value = Some(value);
                changed
            }
        }
    }
}

/// The CI wait on one head, across polls. The driver, each poll: reads the PR
/// (and calls [`CiWatch::set_head`] if the head moved), reads both endpoints
/// with [`CiWatch::etag`] as `If-None-Match`, records the answers, calls
/// [`CiWatch::outcome`], and sleeps [`CiWatch::next_poll`]. An endpoint that
/// errored is simply not recorded: it stays unknown, never empty.
#[derive(Clone, Debug)]
pub struct CiWatch {
    timing: CiTiming,
    head: CommitSha,
    since: DateTime<Utc>,
    runs: Cached<Vec<CheckRun>>,
    statuses: Cached<Vec<CommitStatus>>,
    interval: Duration,
}

impl CiWatch {
    /// Starts waiting for CI on `head`; `since` is when the wait began (kept in
    /// the checkpoint, so a resumed wait keeps its grace period and timeout).
    pub fn new(head: CommitSha, since: DateTime<Utc>, timing: CiTiming) -> Self {
        CiWatch {
            timing,
            head,
            since,
            runs: Cached::default(),
            statuses: Cached::default(),
            interval: timing.poll_min,
        }
    }

    pub fn head(&self) -> &CommitSha {
        &self.head
    }

    pub fn since(&self) -> DateTime<Utc> {
        self.since
    }

    /// A new head restarts the watch: new grace period, new timeout, nothing
    /// cached. Returns whether the head was new.
    pub fn set_head(&mut self, head: &CommitSha, now: DateTime<Utc>) -> bool {
        if *head == self.head {
            return false;
        }
        *self = CiWatch::new(head.clone(), now, self.timing);
        true
    }

    /// The tag to send as `If-None-Match` to `endpoint`, if it answered before.
    pub fn etag(&self, endpoint: Endpoint) -> Option<&str> {
        match endpoint {
            Endpoint::CheckRuns => self.runs.etag.as_deref(),
            Endpoint::Statuses => self.statuses.etag.as_deref(),
        }
    }

    pub fn record_check_runs(&mut self, answer: Conditional<Vec<CheckRun>>) {
        if self.runs.record(answer) {
            self.interval = self.timing.poll_min;
        }
    }

    pub fn record_statuses(&mut self, answer: Conditional<Vec<CommitStatus>>) {
        if self.statuses.record(answer) {
            self.interval = self.timing.poll_min;
        }
    }

    /// What the cached answers add up to now; `Pending` until both endpoints answered.
    pub fn verdict(&self) -> CiVerdict {
        match (&self.runs.value, &self.statuses.value) {
            (Some(runs), Some(statuses)) => verdict(runs, statuses),
            _ => CiVerdict::Pending,
        }
    }

    /// How the wait ended, or `None` while it goes on.
    pub fn outcome(&self, now: DateTime<Utc>) -> Option<CiOutcome> {
        let elapsed = (now - self.since).to_std().unwrap_or(Duration::ZERO);
        match self.verdict() {
            CiVerdict::Passed => return Some(CiOutcome::Passed),
            CiVerdict::Failed { failing } => {
                let rerun = self.rerunnable();
                return Some(CiOutcome::Failed { failing, rerun });
            }
            CiVerdict::NoCi if elapsed >= self.timing.grace => return Some(CiOutcome::NoCi),
            CiVerdict::NoCi | CiVerdict::Pending => {}
        }
        (elapsed >= self.timing.timeout).then(|| CiOutcome::TimedOut {
            pending: self.pending_names(),
        })
    }

    /// The delay before the next poll: `poll_min` after a change, doubling
    /// while nothing changes, up to `poll_max`.
    pub fn next_poll(&mut self) -> Duration {
        let delay = self.interval;
        self.interval = (self.interval * 2).min(self.timing.poll_max);
        delay
    }

    /// The Actions workflow runs behind the failing checks, if every
    /// failing check is an Actions job; else none (a rerun would not help).
    fn rerunnable(&self) -> Vec<u64> {
        let failed_status = self
            .statuses
            .value
            .iter()
            .flatten()
            .any(|s| classify_status(s) == CheckState::Failed);
        let failed: Vec<&CheckRun> = self
            .runs
            .value
            .iter()
            .flatten()
            .filter(|r| classify_check_run(r) == CheckState::Failed)
            .collect();
        let runs: Option<Vec<u64>> = failed.iter().map(|r| r.actions_run()).collect();
        match runs {
            Some(mut runs) if !failed_status => {
                runs.sort_unstable();
                runs.dedup();
                runs
            }
            _ => Vec::new(),
        }
    }

    fn pending_names(&self) -> Vec<String> {
        let runs = self.runs.value.iter().flatten();
        let statuses = self.statuses.value.iter().flatten();
        let mut names: Vec<String> = runs
            .filter(|r| classify_check_run(r) == CheckState::Pending)
            .map(|r| r.name.clone())
            .chain(
                statuses
                    .filter(|s| classify_status(s) == CheckState::Pending)
                    .map(|s| s.context.clone()),
            )
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

#[cfg(test)]
#[path = "ci_tests.rs"]
mod tests;
