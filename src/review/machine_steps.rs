//! The transitions of the review machine, one function per (step, event).

use chrono::{DateTime, Utc};

use super::{
    Action, AfterCi, Answer, Event, FixCause, Limits, Outcome, ReviewState, Step, Tally,
    Transition, Unexpected,
};
use crate::github::{MergeOutcome, UpdateBranchOutcome};
use crate::ids::CommitSha;
use crate::review::ci::CiOutcome;
use crate::review::coderabbit::Notice;
use crate::review::summary::{Capped, CiReport, Question, ReviewReport};
use crate::review::triage::{self, Triage};
use crate::review::update::{BaseAction, base_action};

/// The next state for `event`, and what the driver must do. `now` becomes
/// the `since` of any wait that starts here.
pub fn next(
    state: &ReviewState,
    event: Event,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Transition, Unexpected> {
    let cx = Cx {
        tally: state.tally.clone(),
        limits,
        now,
        actions: Vec::new(),
    };
    let unexpected = |event: &Event| Unexpected {
        step: state.step.name(),
        event: event.name().to_string(),
    };
    Ok(match (&state.step, event) {
        (
            Step::UpdateBase {
                head,
                unknown_polls,
                refusals,
                next,
            },
            Event::BaseRead {
                head: read,
                mergeable_state,
            },
        ) => {
            if read != *head {
                return Ok(cx.moved().update_base(read, next.after_change()));
            }
            cx.on_base(head, *unknown_polls, *refusals, *next, mergeable_state)
        }
        (
            Step::UpdatingBranch {
                head,
                refusals,
                next,
            },
            Event::BranchUpdated(outcome),
        ) => cx.on_branch_updated(head, *refusals, *next, outcome),
        // The update effect waits for GitHub to move the head: CI runs on it.
        (Step::UpdatingBranch { head, next, .. }, Event::HeadMoved { head: h }) if *head != h => {
            cx.enter_ci(h, *next)
        }
        (Step::WaitCi { head, next, .. }, Event::CiDone { head: h, outcome }) if *head == h => {
            cx.on_ci(head, outcome, *next)
        }
        (Step::WaitCi { head, next, .. }, Event::HeadMoved { head: h }) if *head != h => {
            cx.moved().enter_ci(h, next.after_change())
        }
        (
            Step::RerunCi {
                head,
                failing,
                next,
                ..
            },
            Event::RerunDone { started, why },
        ) => cx.on_rerun(head, failing.clone(), *next, started, why),
        (Step::CiFix { fix, next, .. }, Event::FixFinished { pushed }) => match pushed {
            Some(h) => cx.moved().update_base(h, *next),
            None => cx.start_fix(fix.clone(), *next),
        },
        (
            Step::WaitReview { head, .. },
            Event::ReviewDone {
                head: h,
                found,
                notice,
                triage,
            },
        ) if *head == h => cx.on_review(head, found, notice, triage),
        (Step::WaitReview { head, .. }, Event::HeadMoved { head: h }) if *head != h => {
            cx.moved().update_base(h, AfterCi::Review)
        }
        (
            Step::ReviewFix {
                round, head, count, ..
            },
            Event::FixFinished { pushed },
        ) => cx.on_review_fix(*round, head, *count, pushed),
        (Step::AskHuman { head, .. }, Event::Answered { head: h, answer }) if *head == h => {
            cx.on_answer(head, answer)
        }
        (Step::AskHuman { head, .. }, Event::HeadMoved { head: h }) if *head != h => {
            cx.on_question_voided(head, h)
        }
        (Step::ChangesFix { head, .. }, Event::FixFinished { pushed }) => match pushed {
            Some(h) => cx.moved().update_base(h, AfterCi::Ask),
            None => cx
                .note("the fix for your feedback pushed nothing".into())
                .ask(head),
        },
        (Step::Merge { head }, Event::MergeDone(outcome)) => cx.on_merge(head, outcome),
        (Step::Merge { .. }, Event::LeftQueue) => cx
            .note("the merge queue removed it: its checks failed on top of the base".into())
            .start_fix(FixCause::Conflict, AfterCi::Ask),
        (Step::Merge { head }, Event::MustUpdate) => cx.go(Step::UpdatingBranch {
            head: head.clone(),
            refusals: 0,
            next: AfterCi::Merge,
        }),
        // Pushed to between the answer and the merge: the answer was for
        // the old head, so the new one goes through CI and to the human.
        (Step::Merge { head }, Event::HeadMoved { head: h }) if *head != h => {
            cx.moved().update_base(h, AfterCi::Ask)
        }
        (_, event) => return Err(unexpected(&event)),
    })
}

impl Event {
    /// The event's name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Event::BaseRead { .. } => "base_read",
            Event::BranchUpdated(_) => "branch_updated",
            Event::CiDone { .. } => "ci_done",
            Event::ReviewDone { .. } => "review_done",
            Event::FixFinished { .. } => "fix_finished",
            Event::Answered { .. } => "answered",
            Event::HeadMoved { .. } => "head_moved",
            Event::MergeDone(_) => "merge_done",
            Event::MustUpdate => "must_update",
            Event::LeftQueue => "left_queue",
            Event::RerunDone { .. } => "rerun_done",
        }
    }
}

/// A transition being built: the tally as it changes, and the actions that
/// come before the new step's own.
struct Cx<'a> {
    tally: Tally,
    limits: &'a Limits,
    now: DateTime<Utc>,
    actions: Vec<Action>,
}

impl Cx<'_> {
    /// Enters `step`: its own actions follow any already gathered.
    fn go(self, step: Step) -> Transition {
        let state = ReviewState {
            step,
            tally: self.tally,
        };
        let mut actions = self.actions;
        actions.extend(state.resume_actions());
        Transition { state, actions }
    }

    /// Enters `step` with `actions` instead of its usual ones.
    fn go_with(self, step: Step, actions: Vec<Action>) -> Transition {
        let state = ReviewState {
            step,
            tally: self.tally,
        };
        let mut all = self.actions;
        all.extend(actions);
        Transition {
            state,
            actions: all,
        }
    }

    /// The PR's head changed: a later review must be asked for.
    fn moved(mut self) -> Self {
        self.tally.head_moved = true;
        self
    }

    fn note(mut self, note: String) -> Self {
        self.tally.note = Some(note);
        self
    }

    fn update_base(self, head: CommitSha, next: AfterCi) -> Transition {
        self.go(Step::UpdateBase {
            head,
            unknown_polls: 0,
            refusals: 0,
            next,
        })
    }

    fn read_base_again(
        self,
        head: &CommitSha,
        unknown_polls: u32,
        refusals: u32,
        next: AfterCi,
    ) -> Transition {
        let read = Action::ReadBase {
            head: head.clone(),
            delay: self.limits.base_retry,
        };
        let step = Step::UpdateBase {
            head: head.clone(),
            unknown_polls,
            refusals,
            next,
        };
        self.go_with(step, vec![read])
    }

    fn on_base(
        self,
        head: &CommitSha,
        unknown_polls: u32,
        refusals: u32,
        next: AfterCi,
        mergeable_state: Option<String>,
    ) -> Transition {
        match base_action(mergeable_state.as_deref(), next == AfterCi::Merge) {
            // Nothing stands between the approved head and the merge any more.
            BaseAction::Proceed if next == AfterCi::Merge => {
                self.go(Step::Merge { head: head.clone() })
            }
            BaseAction::Proceed => self.enter_ci(head.clone(), next),
            BaseAction::UpdateBranch => self.go(Step::UpdatingBranch {
                head: head.clone(),
                refusals,
                next,
            }),
            BaseAction::Rebase => self.start_fix(FixCause::Conflict, next),
            // GitHub may stay `unknown` for a while; after a few reads the
            // later steps (CI, merge) find out anyway.
            BaseAction::AskAgain if unknown_polls + 1 >= self.limits.max_unknown_polls => {
                self.enter_ci(head.clone(), next)
            }
            BaseAction::AskAgain => self.read_base_again(head, unknown_polls + 1, refusals, next),
        }
    }

    /// Update-branch answers 422 for a conflict or a head that moved: read
    /// the PR once more, and treat a second refusal as a conflict.
    fn on_branch_updated(
        self,
        head: &CommitSha,
        refusals: u32,
        next: AfterCi,
        outcome: UpdateBranchOutcome,
    ) -> Transition {
        match outcome {
            // GitHub did not move the head in time: wait for CI on what is
            // there, and let a human look again.
            UpdateBranchOutcome::Scheduled => self.enter_ci(head.clone(), next.after_change()),
            UpdateBranchOutcome::Refused { .. } if refusals >= 1 => {
                self.start_fix(FixCause::Conflict, next)
            }
            UpdateBranchOutcome::Refused { .. } => {
                self.read_base_again(head, 0, refusals + 1, next)
            }
        }
    }

    fn enter_ci(mut self, head: CommitSha, next: AfterCi) -> Transition {
        if self.limits.skip_ci {
            self.tally.ci = Some(CiReport::Skipped);
            return self.after_ci(head, next);
        }
        let since = self.now;
        self.go(Step::WaitCi { head, since, next })
    }

    fn on_ci(mut self, head: &CommitSha, outcome: CiOutcome, next: AfterCi) -> Transition {
        let failing = match outcome {
            CiOutcome::Passed | CiOutcome::NoCi => {
                let rerun_passed = self.tally.rerun_of.as_ref() == Some(head);
                let report = match outcome {
                    CiOutcome::Passed if rerun_passed => CiReport::Flaky,
                    CiOutcome::Passed => CiReport::Passed,
                    _ => CiReport::NoCi,
                };
                self.tally.ci = Some(report);
                self.tally.ci_fixes = 0;
                return self.after_ci(head.clone(), next);
            }
            CiOutcome::Failed { failing, rerun } => {
                if self.limits.rerun_flaky
                    && !rerun.is_empty()
                    && self.tally.rerun_of.as_ref() != Some(head)
                {
                    self.tally.rerun_of = Some(head.clone());
                    return self.go(Step::RerunCi {
                        head: head.clone(),
                        runs: rerun,
                        failing,
                        next,
                    });
                }
                failing
            }
            CiOutcome::TimedOut { pending } if pending.is_empty() => vec!["CI (timed out)".into()],
            CiOutcome::TimedOut { pending } => pending
                .into_iter()
                .map(|p| format!("{p} (timed out)"))
                .collect(),
        };
        self.tally.ci = Some(CiReport::Failed);
        self.start_fix(FixCause::Ci { failing }, next)
    }

    fn after_ci(self, head: CommitSha, next: AfterCi) -> Transition {
        match next {
            AfterCi::Review => {
                let (since, trigger) = (self.now, self.tally.head_moved);
                self.go(Step::WaitReview {
                    head,
                    since,
                    trigger,
                })
            }
            AfterCi::Ask => self.ask(&head),
            AfterCi::Merge => self.go(Step::Merge { head }),
        }
    }

    /// A rerun that started waits for CI again on the same head; one that
    /// could not start pays for the fix worker after all, saying why.
    fn on_rerun(
        self,
        head: &CommitSha,
        failing: Vec<String>,
        next: AfterCi,
        started: bool,
        why: Option<String>,
    ) -> Transition {
        if started {
            return self.enter_ci(head.clone(), next);
        }
        let why = why.unwrap_or_else(|| "GitHub did not rerun them".into());
        self.note(format!(
            "the failed jobs were not rerun ({why}); a fix worker is on it"
        ))
        .start_fix(FixCause::Ci { failing }, next)
    }

    /// Launches the next CI fix attempt, or fails the issue when the
    /// attempts are used up (a fix that pushed nothing used one up too).
    fn start_fix(mut self, fix: FixCause, next: AfterCi) -> Transition {
        let next = next.after_change();
        if self.tally.ci_fixes >= self.limits.max_ci_fixes {
            let failing = match fix {
                FixCause::Ci { failing } => failing,
                FixCause::Conflict => vec!["conflict with the base branch".into()],
            };
            let attempts = self.tally.ci_fixes;
            let reason = format!(
                "CI still failing after {attempts} fix attempt(s): {}",
                failing.join(", ")
            );
            self.actions
                .push(Action::NotifyCiFailed { attempts, failing });
            return self.go(Step::Done {
                outcome: Outcome::Failed { reason },
            });
        }
        self.tally.ci_fixes += 1;
        let attempt = self.tally.ci_fixes;
        self.go(Step::CiFix { attempt, fix, next })
    }

    fn on_review(
        mut self,
        head: &CommitSha,
        found: bool,
        notice: Option<Notice>,
        triage: Triage,
    ) -> Transition {
        let t = &mut self.tally;
        t.review = if found {
            ReviewReport::Reviewed
        } else {
            ReviewReport::NoReview { notice }
        };
        let (fresh, repeated): (Vec<_>, Vec<_>) = triage
            .real
            .into_iter()
            .partition(|f| !t.sent.contains(&f.key));
        t.comments += triage.total - repeated.len();
        t.nitpicks += triage.nitpicks;
        t.skipped_style += triage.skipped_style;
        for key in triage.from_others {
            if !t.from_others.contains(&key) {
                t.from_others.push(key);
            }
        }
        t.capped = None;
        if fresh.is_empty() {
            return self.ask(head);
        }
        if t.review_rounds >= self.limits.max_review_rounds {
            t.capped = Some(Capped {
                rounds: self.limits.max_review_rounds,
                unaddressed: fresh.len(),
            });
            return self.ask(head);
        }
        t.review_rounds += 1;
        t.sent.extend(fresh.iter().map(|f| f.key.clone()));
        let comments = triage::render(&fresh, self.limits.comments_limit);
        let round = t.review_rounds;
        self.go(Step::ReviewFix {
            round,
            head: head.clone(),
            comments,
            count: fresh.len(),
        })
    }

    fn on_review_fix(
        mut self,
        round: u32,
        head: &CommitSha,
        count: usize,
        pushed: Option<CommitSha>,
    ) -> Transition {
        match pushed {
            Some(h) => {
                self.tally.addressed += count;
                self.moved().update_base(h, AfterCi::Review)
            }
            None => self
                .note(format!(
                    "review-fix round {round} pushed nothing; {count} comment(s) not addressed"
                ))
                .ask(head),
        }
    }

    fn ask(mut self, head: &CommitSha) -> Transition {
        let t = &mut self.tally;
        let question = Question {
            ci: t.ci.unwrap_or(CiReport::Skipped),
            review: t.review,
            comments: t.comments,
            addressed: t.addressed,
            nitpicks: t.nitpicks,
            skipped_style: t.skipped_style,
            from_others: t.from_others.len(),
            capped: t.capped,
            refusal: t.refusal.take(),
            note: t.note.take(),
        };
        self.go(Step::AskHuman {
            head: head.clone(),
            question,
        })
    }

    fn on_answer(self, head: &CommitSha, answer: Answer) -> Transition {
        match answer {
            Answer::Merge => self.go(Step::Merge { head: head.clone() }),
            Answer::Changes(feedback) => self.go(Step::ChangesFix {
                head: head.clone(),
                feedback,
            }),
            Answer::Skip => self.go(Step::Done {
                outcome: Outcome::Skipped,
            }),
        }
    }

    /// An approval is for one head: a new head voids the question and goes
    /// back through the base and CI before asking again.
    fn on_question_voided(mut self, old: &CommitSha, new: CommitSha) -> Transition {
        self.actions
            .push(Action::VoidQuestion { head: old.clone() });
        self.moved().update_base(new, AfterCi::Ask)
    }

    /// A refused merge is never retried: the human is asked again with why.
    fn on_merge(mut self, head: &CommitSha, outcome: MergeOutcome) -> Transition {
        match outcome {
            MergeOutcome::Merged { sha } => self.go(Step::Done {
                outcome: Outcome::Merged { sha },
            }),
            // A refusal is for the human, never retried blindly; but the PR
            // may have fallen behind (another PR merged first), so the base
            // is looked at, and CI run, before the human is asked again.
            MergeOutcome::Refused { status, message } => {
                self.tally.refusal = Some(format!("{status} {message}"));
                self.update_base(head.clone(), AfterCi::Ask)
            }
        }
    }
}
