//! The transitions of the issue machine: one function per stage, each
//! matching the events that stage takes and rejecting the rest with a reason.

use chrono::{DateTime, Utc};

use super::machine::{
    Action, End, Event, Found, Hold, IssueMachine, IssueTally, ParkWhy, Rejected, ReviewCaps,
    SkipWhy, Stage, Transition, WorkerReport,
};
use crate::ids::{BranchName, CommitSha, PrNumber};
use crate::review::{self, Limits, ReviewState, Step};

/// What a transition needs besides the machine and the event.
#[derive(Clone, Debug)]
pub struct Cx<'a> {
    pub limits: &'a Limits,
    /// Becomes the `since` of any wait that starts here.
    pub now: DateTime<Utc>,
}

/// The next machine for `event`, and what the actor must do.
pub fn next(machine: &IssueMachine, event: Event, cx: &Cx<'_>) -> Result<Transition, Rejected> {
    let b = Build {
        tally: machine.tally.clone(),
        actions: Vec::new(),
    };
    let reject = |event: &Event, reason: &str| Rejected {
        stage: machine.stage.name(),
        event: event.name(),
        reason: reason.to_string(),
    };
    match (&machine.stage, event) {
        (Stage::Done { end }, Event::Resumed { reset_counters }) => {
            Ok(b.reset(reset_counters).reopen(end, &machine.stage))
        }
        (stage, Event::Resumed { reset_counters }) => Ok(b
            .reset(reset_counters)
            .resumed(stage.clone(), reset_counters)),
        (Stage::Pending, event) => pending(b, event, &reject),
        (Stage::Locate { after }, event) => locate(b, after.as_ref(), event, &reject),
        (Stage::Implement { branch }, event) => implement(b, branch, event, &reject),
        (Stage::OpenPr { branch }, event) => open_pr(b, branch, event, &reject),
        (Stage::Review { pr, branch, review }, event) => {
            in_review(b, (*pr, branch), review, event, cx, &reject)
        }
        (Stage::Tidy { pr, by, .. }, Event::Tidied) => Ok(b.go(Stage::Done {
            end: End::Merged {
                pr: *pr,
                by: by.clone(),
            },
        })),
        (stage @ Stage::Tidy { .. }, Event::Entered) => Ok(b.go(stage.clone())),
        (Stage::Tidy { .. }, event) => Err(reject(&event, "tidying takes only its own result")),
        (stage @ Stage::Done { .. }, Event::Entered) => Ok(b.go(stage.clone())),
        (Stage::Done { .. }, event) => Err(reject(&event, "the issue has ended")),
    }
}

type Reject<'r> = &'r dyn Fn(&Event, &str) -> Rejected;

fn pending(b: Build, event: Event, reject: Reject<'_>) -> Result<Transition, Rejected> {
    match event {
        Event::Entered => Ok(b.go(Stage::Locate { after: None })),
        Event::BlockerEnded { reason } => Ok(b.go(Stage::Done {
            end: End::Skipped {
                why: SkipWhy::Blocker,
                reason,
            },
        })),
        other => Err(reject(&other, "a pending issue has not started")),
    }
}

fn locate(
    b: Build,
    after: Option<&WorkerReport>,
    event: Event,
    reject: Reject<'_>,
) -> Result<Transition, Rejected> {
    let found = match event {
        Event::Entered => {
            return Ok(b.go(Stage::Locate {
                after: after.cloned(),
            }));
        }
        Event::Located(found) => found,
        other => {
            return Err(reject(
                &other,
                "looking for existing work takes only what it found",
            ));
        }
    };
    let b = match after {
        Some(report) if !report.succeeded && leaves_work(&found) => b.note(format!(
            "worker {} but left work behind; going on with it",
            report.exit
        )),
        _ => b,
    };
    Ok(match found {
        Found::Open {
            pr,
            branch,
            head,
            linked,
        } => {
            let b = if linked {
                b
            } else {
                b.note(format!(
                    "PR {pr} does not say which issue it closes; using it for its branch name"
                ))
            };
            let b = if after.is_none() {
                b.note(format!("found existing PR {pr}; going straight to review"))
            } else {
                b
            };
            b.review(pr, branch, head)
        }
        Found::Branch { branch } => b.go(Stage::OpenPr { branch }),
        Found::Merged { pr, branch, by } => {
            b.note(format!("PR {pr} is already merged"))
                .go(Stage::Tidy {
                    pr,
                    branch,
                    sha: None,
                    by,
                })
        }
        Found::Closed { pr, by } => b.go(Stage::Done {
            end: End::Skipped {
                why: SkipWhy::PrClosed,
                reason: closed_reason(pr, by.as_deref()),
            },
        }),
        Found::IssueClosed => b.go(Stage::Done {
            end: End::Skipped {
                why: SkipWhy::IssueClosed,
                reason: "the issue was closed on GitHub".into(),
            },
        }),
        Found::Nothing { branch, continues } => match after {
            None => b.count_attempt(!continues).go(Stage::Implement { branch }),
            Some(report) => b.go(Stage::Done {
                end: End::Failed {
                    reason: nothing_reason(report),
                },
            }),
        },
    })
}

fn leaves_work(found: &Found) -> bool {
    matches!(found, Found::Open { .. } | Found::Branch { .. })
}

fn nothing_reason(report: &WorkerReport) -> String {
    if report.succeeded {
        format!("worker exited 0 but pushed no branch (log: {})", report.log)
    } else {
        format!(
            "worker {} and pushed no branch (log: {})",
            report.exit, report.log
        )
    }
}

fn implement(
    b: Build,
    branch: &BranchName,
    event: Event,
    reject: Reject<'_>,
) -> Result<Transition, Rejected> {
    match event {
        // Whatever the worker did before the interruption, look before running again.
        Event::Entered => Ok(b.go(Stage::Locate { after: None })),
        Event::WorkerExited(report) => Ok(b.go(Stage::Locate {
            after: Some(report),
        })),
        Event::Held(hold) => Ok(b.hold(hold).stay(Stage::Implement {
            branch: branch.clone(),
        })),
        Event::Blocked { reason } => Ok(b.go(Stage::Done {
            end: End::Failed { reason },
        })),
        other => Err(reject(
            &other,
            "an implementing worker reports only how it ended",
        )),
    }
}

fn open_pr(
    b: Build,
    branch: &BranchName,
    event: Event,
    reject: Reject<'_>,
) -> Result<Transition, Rejected> {
    match event {
        Event::Entered => Ok(b.go(Stage::OpenPr {
            branch: branch.clone(),
        })),
        Event::PrOpened { pr, head } => Ok(b
            .note(format!("opened PR {pr} for branch {branch}"))
            .review(pr, branch.clone(), head)),
        Event::Blocked { reason } => Ok(b.go(Stage::Done {
            end: End::Failed { reason },
        })),
        other => Err(reject(
            &other,
            "opening a PR reports only the PR or why not",
        )),
    }
}

fn in_review(
    b: Build,
    (pr, branch): (PrNumber, &BranchName),
    review: &ReviewState,
    event: Event,
    cx: &Cx<'_>,
    reject: Reject<'_>,
) -> Result<Transition, Rejected> {
    let asking = matches!(review.step, Step::AskHuman { .. });
    let fixing = matches!(
        review.step,
        Step::CiFix { .. } | Step::ReviewFix { .. } | Step::ChangesFix { .. }
    );
    let stage = |review: ReviewState| Stage::Review {
        pr,
        branch: branch.clone(),
        review: Box::new(review),
    };
    match event {
        Event::Entered => Ok(b.go(stage(review.clone()))),
        Event::Review(event) => b.step_review(pr, branch, review, event, cx),
        Event::Answered { head, answer, by } => {
            let mut b = b;
            b.tally.answered_by = Some(by);
            let event = review::Event::Answered { head, answer };
            b.step_review(pr, branch, review, event, cx)
        }
        Event::Held(hold) if fixing => Ok(b.hold(hold).stay(stage(review.clone()))),
        Event::Blocked { reason } if fixing => Ok(b.go(Stage::Done {
            end: End::Failed { reason },
        })),
        Event::Unanswerable { why } if asking => Ok(b
            .note(format!("waiting for a human: {why}"))
            .park(ParkWhy::AwaitingHuman {
                question: format!("merge PR {pr}?"),
            })
            .stay(stage(review.clone()))),
        Event::PrMerged { sha, by } => {
            let who = by_whom(by.as_deref());
            Ok(
                b.withdraw_if(asking, format!("PR {pr} was merged on GitHub {who}"))
                    .note(format!("PR {pr} was merged on GitHub {who}"))
                    .go(Stage::Tidy {
                        pr,
                        branch: branch.clone(),
                        sha,
                        by,
                    }),
            )
        }
        Event::PrClosed { by } => {
            let reason = closed_reason(pr, by.as_deref());
            Ok(b.withdraw_if(asking, reason.clone()).go(Stage::Done {
                end: End::Skipped {
                    why: SkipWhy::PrClosed,
                    reason,
                },
            }))
        }
        Event::PrRetargeted { base } => {
            let reason = format!(
                "PR {pr} now targets {base}, not the run's base branch; point it back (or merge it yourself), then --resume"
            );
            Ok(b.withdraw_if(asking, reason.clone()).go(Stage::Done {
                end: End::Failed { reason },
            }))
        }
        other => Err(reject(&other, "the review loop does not take it here")),
    }
}

fn closed_reason(pr: PrNumber, by: Option<&str>) -> String {
    format!("PR {pr} was closed on GitHub {}", by_whom(by))
}

fn by_whom(by: Option<&str>) -> String {
    match by {
        Some(login) => format!("by @{login}"),
        None => "by someone".into(),
    }
}

/// A transition being built: the tally as it changes, and actions that come
/// before the new stage's own.
struct Build {
    tally: IssueTally,
    actions: Vec<Action>,
}

impl Build {
    /// Enters `stage`: its own actions follow any gathered.
    fn go(self, stage: Stage) -> Transition {
        let machine = IssueMachine {
            stage,
            tally: self.tally,
        };
        let mut actions = self.actions;
        actions.extend(machine.resume_actions());
        Transition { machine, actions }
    }

    /// Stays in `stage` with only the actions gathered.
    fn stay(self, stage: Stage) -> Transition {
        Transition {
            machine: IssueMachine {
                stage,
                tally: self.tally,
            },
            actions: self.actions,
        }
    }

    fn note(mut self, text: String) -> Self {
        self.actions.push(Action::Note { text });
        self
    }

    fn park(mut self, why: ParkWhy) -> Self {
        self.actions.push(Action::Park { why });
        self
    }

    fn withdraw_if(mut self, asking: bool, why: String) -> Self {
        if asking {
            self.actions.push(Action::WithdrawQuestion { why });
        }
        self
    }

    fn count_attempt(mut self, fresh: bool) -> Self {
        if fresh {
            self.tally.attempts += 1;
        }
        self
    }

    fn hold(self, hold: Hold) -> Self {
        match hold {
            Hold::BudgetSpent => self.park(ParkWhy::BudgetSpent),
            Hold::BudgetUnanswered { why } => self
                .note(format!("the budget cap is spent and {why}"))
                .park(ParkWhy::AwaitingHuman {
                    question: "raise the budget cap?".into(),
                }),
        }
    }

    /// `--reset-attempts`: the caps count again from zero.
    fn reset(mut self, reset: bool) -> Self {
        if reset {
            self.tally.attempts = 0;
            self.tally.carried = ReviewCaps::default();
        }
        self
    }

    /// A resumed run: stages go on where they were (their actions read
    /// GitHub first), a worker cut short is looked for first, and the
    /// review loop's caps reset when asked.
    fn resumed(self, stage: Stage, reset: bool) -> Transition {
        let stage = match stage {
            Stage::Locate { .. } | Stage::Implement { .. } => Stage::Locate { after: None },
            Stage::Review {
                pr,
                branch,
                mut review,
            } if reset => {
                review.tally.ci_fixes = 0;
                review.tally.review_rounds = 0;
                Stage::Review { pr, branch, review }
            }
            other => other,
        };
        self.stay(stage)
    }

    /// A resumed run takes up again what did not end by a decision: a
    /// failure, a skip because a blocker failed, a PR someone closed (they
    /// may have reopened it). Merges, a human's skip and a closed issue stay.
    fn reopen(self, end: &End, stage: &Stage) -> Transition {
        let again = match end {
            End::Failed { .. } => true,
            End::Skipped { why, .. } => matches!(why, SkipWhy::Blocker | SkipWhy::PrClosed),
            End::Merged { .. } => false,
        };
        if again {
            self.stay(Stage::Pending)
        } else {
            self.stay(stage.clone())
        }
    }

    /// Enters the review loop for a PR at `head`, with the caps an earlier
    /// loop of this issue used up (a resume does not reset them unless asked).
    fn review(self, pr: PrNumber, branch: BranchName, head: CommitSha) -> Transition {
        let mut start = ReviewState::start(head);
        start.state.tally.ci_fixes = self.tally.carried.ci_fixes;
        start.state.tally.review_rounds = self.tally.carried.review_rounds;
        self.into_review(pr, branch, start)
    }

    fn into_review(
        mut self,
        pr: PrNumber,
        branch: BranchName,
        t: review::Transition,
    ) -> Transition {
        self.count_review_work(&t.actions);
        let after = match &t.state.step {
            Step::Done { outcome } => Some(outcome.clone()),
            _ => None,
        };
        self.tally.carried = ReviewCaps {
            ci_fixes: t.state.tally.ci_fixes,
            review_rounds: t.state.tally.review_rounds,
        };
        self.actions.extend(
            t.actions
                .into_iter()
                .filter(|a| !is_terminal(a))
                .map(|action| Action::Review { pr, action }),
        );
        let actions = self.actions;
        let tally = self.tally;
        let stage = match after {
            None => Stage::Review {
                pr,
                branch,
                review: Box::new(t.state),
            },
            Some(review::Outcome::Merged { sha }) => Stage::Tidy {
                pr,
                branch,
                sha: Some(sha),
                by: None,
            },
            Some(review::Outcome::Skipped) => Stage::Done {
                end: End::Skipped {
                    why: SkipWhy::Human,
                    reason: format!(
                        "skipped by {}",
                        tally.answered_by.as_deref().unwrap_or("a human")
                    ),
                },
            },
            Some(review::Outcome::Failed { reason }) => Stage::Done {
                end: End::Failed { reason },
            },
        };
        let machine = IssueMachine { stage, tally };
        let mut all = actions;
        if !matches!(machine.stage, Stage::Review { .. }) {
            all.extend(machine.resume_actions());
        }
        Transition {
            machine,
            actions: all,
        }
    }

    fn step_review(
        self,
        pr: PrNumber,
        branch: &BranchName,
        review: &ReviewState,
        event: review::Event,
        cx: &Cx<'_>,
    ) -> Result<Transition, Rejected> {
        let name = event.name();
        match review::next(review, event, cx.limits, cx.now) {
            Ok(t) => Ok(self.into_review(pr, branch.clone(), t)),
            Err(unexpected) => Err(Rejected {
                stage: "review",
                event: name,
                reason: unexpected.to_string(),
            }),
        }
    }

    /// The issue's own counters of fix work, which outlive the review loop's.
    fn count_review_work(&mut self, actions: &[review::Action]) {
        for action in actions {
            match action {
                review::Action::LaunchCiFix { .. } | review::Action::LaunchRebaseFix { .. } => {
                    self.tally.ci_fixes += 1
                }
                review::Action::LaunchReviewFix { .. } => self.tally.review_rounds += 1,
                _ => {}
            }
        }
    }
}

/// The review loop's end actions: the issue machine ends the issue itself.
fn is_terminal(action: &review::Action) -> bool {
    matches!(
        action,
        review::Action::FinishMerged { .. } | review::Action::Fail { .. } | review::Action::Skip
    )
}
