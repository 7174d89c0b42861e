//! The review stage of an issue: drives the review state machine
//! (`review::machine`) for its PR — base update, CI, fixes, the automated
//! review, the human's answer, the merge. The machine decides; this loop
//! persists each state (the checkpoint's `review_step`) before performing
//! its actions, so a restart resumes the loop where it was.

use std::collections::VecDeque;

use chrono::Utc;

use crate::checkpoint::{IssuePatch, IssueState, QuestionKind};
use crate::github::PullRequest;
use crate::ids::CommitSha;
use crate::messages::{Answer as HumanAnswer, Ask, AskError, Notify, Question, Withdraw};
use crate::review::{self, Action, Answer, Event as Ev, Limits, PrContext, ReviewState, Step};
use crate::run::outcome::IssueOutcome;

use super::env::{FlowError, IssueEnv};
use super::fixes::{Fix, FixRun, run_fix};
use super::merge;
use super::waits::{self, WaitEnd};

/// What performing one action led to.
enum Performed {
    Event(Ev),
    /// The action needs no answer (a notification, a review trigger).
    Nothing,
    /// The issue is done with (merged, failed, skipped, stopped, parked).
    Over(IssueOutcome),
}

/// Reviews the PR and merges it when a human approves. `pull` was just read
/// from GitHub (found, adopted or opened), so it is not read again here; the
/// loop's `ReadBase` reads the mergeable state when it needs it.
pub async fn drive(env: &IssueEnv, mut pull: PullRequest) -> Result<IssueOutcome, FlowError> {
    let row = env.row().await?;
    let limits = Limits::from_settings(&env.ctx.settings);
    let saved = row
        .review_step
        .clone()
        .and_then(|v| ReviewState::from_json(v).ok());
    let (mut state, actions) = match saved {
        Some(state) => {
            let actions = state.resume_actions();
            (state, actions)
        }
        None => {
            let t = ReviewState::start(pull.head_sha.clone());
            (t.state, t.actions)
        }
    };
    save(env, &state).await?;
    let mut queue: VecDeque<Action> = actions.into();
    let mut last_answer_by = String::new();
    while let Some(action) = queue.pop_front() {
        tracing::debug!(?action, "review action");
        let performed = perform(env, &mut pull, action, &mut last_answer_by).await?;
        let event = match performed {
            Performed::Event(event) => event,
            Performed::Nothing => continue,
            Performed::Over(outcome) => return Ok(outcome),
        };
        tracing::debug!(?event, "review event");
        if let Some(text) = describe(&event) {
            env.note(text);
        }
        match review::next(&state, event, &limits, Utc::now()) {
            Ok(t) => {
                state = t.state;
                save(env, &state).await?;
                queue = t.actions.into();
            }
            Err(unexpected) => tracing::warn!(%unexpected, "ignoring a review event"),
        }
    }
    Err(FlowError::Other(format!(
        "the review loop stopped without an outcome in step {:?}",
        state.step
    )))
}

/// Persists the machine's state, moving the issue between `reviewing` and
/// `awaiting_approval` as the step asks.
async fn save(env: &IssueEnv, state: &ReviewState) -> Result<(), FlowError> {
    let row = env.row().await?;
    let want = match state.step {
        Step::AskHuman { .. } => IssueState::AwaitingApproval,
        // Merging an approved PR, or done: the state stays until the outcome is recorded.
        Step::Merge { .. } | Step::Done { .. } => row.state,
        _ => IssueState::Reviewing,
    };
    let patch = IssuePatch::new().review_step(state.to_json());
    if row.state != want {
        env.transition(want, patch).await?;
    } else {
        env.update(patch).await?;
    }
    Ok(())
}

async fn perform(
    env: &IssueEnv,
    pull: &mut PullRequest,
    action: Action,
    by: &mut String,
) -> Result<Performed, FlowError> {
    use Performed::*;
    let gh = &env.ctx.gh;
    Ok(match action {
        Action::ReadBase { delay, .. } => {
            if !env.pause(delay).await {
                return Ok(Over(IssueOutcome::Interrupted));
            }
            *pull = gh.get_pull(pull.number).await?;
            Event(Ev::BaseRead {
                head: pull.head_sha.clone(),
                mergeable_state: pull.mergeable_state.clone(),
            })
        }
        Action::UpdateBranch { expected_head } => {
            env.doing(format!(
                "bringing PR {} up to date with {}",
                pull.number, env.ctx.base
            ));
            Event(Ev::BranchUpdated(
                gh.update_branch(pull.number, &expected_head).await?,
            ))
        }
        Action::WatchCi { head, since } => waited(
            waits::watch_ci(env, pull.number, &head, since).await?,
            |outcome| Ev::CiDone { head, outcome },
        ),
        Action::WatchReview { head, since } => {
            waited(waits::watch_review(env, pull, &head, since).await?, |f| {
                Ev::ReviewDone {
                    head,
                    found: f.found,
                    notice: f.notice,
                    triage: f.triage,
                }
            })
        }
        Action::RequestReview { head, since } => {
            if waits::request_review(env, pull.number, &head, since).await? {
                env.note(format!("asked CodeRabbit to review {}", head.short()));
            }
            Nothing
        }
        Action::LaunchCiFix { .. } => fixed(env, pull, Fix::Ci).await?,
        Action::LaunchRebaseFix { .. } => fixed(env, pull, Fix::Rebase).await?,
        Action::LaunchReviewFix { comments, .. } => {
            fixed(env, pull, Fix::Review { comments }).await?
        }
        Action::LaunchChangesFix { feedback } => {
            fixed(env, pull, Fix::Changes { feedback }).await?
        }
        Action::AskHuman { head, question } => ask(env, pull, head, &question, by).await?,
        Action::VoidQuestion { head } => {
            let why = format!(
                "the PR changed after this question (it was about {})",
                head.short()
            );
            env.withdraw.do_send(Withdraw {
                run: env.ctx.run_id,
                kind: QuestionKind::Merge,
                issue: Some(env.issue),
                why,
            });
            Nothing
        }
        Action::NotifyCiFailed { attempts, failing } => {
            env.notify.do_send(Notify {
                text: review::ci_failed_text(&context(env, pull), attempts, &failing),
            });
            Nothing
        }
        Action::Merge { head } => {
            env.doing(format!("merging PR {}", pull.number));
            Event(Ev::MergeDone(merge::squash(env, pull, &head).await?))
        }
        Action::FinishMerged { sha } => Over(merge::finish_merged(env, pull, &sha).await?),
        Action::Fail { reason } => Over(env.fail(reason).await?),
        Action::Skip => Over(
            env.skip(format!(
                "skipped by {}",
                if by.is_empty() {
                    "a human"
                } else {
                    by.as_str()
                }
            ))
            .await?,
        ),
    })
}

fn waited<T>(end: WaitEnd<T>, done: impl FnOnce(T) -> Ev) -> Performed {
    match end {
        WaitEnd::Done(value) => Performed::Event(done(value)),
        WaitEnd::HeadMoved(head) => Performed::Event(Ev::HeadMoved { head }),
        WaitEnd::Stopped => Performed::Over(IssueOutcome::Interrupted),
    }
}

async fn fixed(env: &IssueEnv, pull: &mut PullRequest, fix: Fix) -> Result<Performed, FlowError> {
    Ok(match run_fix(env, pull, fix).await? {
        FixRun::Stopped => Performed::Over(IssueOutcome::Interrupted),
        FixRun::Blocked(reason) => Performed::Over(env.fail(reason).await?),
        FixRun::Held(outcome) => Performed::Over(outcome),
        FixRun::Finished { pushed } => {
            if let Some(head) = &pushed {
                pull.head_sha = head.clone();
            }
            Performed::Event(Ev::FixFinished { pushed })
        }
    })
}

fn context(env: &IssueEnv, pull: &PullRequest) -> PrContext {
    PrContext {
        pr: pull.number,
        issue: env.issue,
        title: pull.title.clone(),
        url: pull.html_url.clone(),
    }
}

/// Asks the human about `head`, watching the PR: a head that moves voids the question.
async fn ask(
    env: &IssueEnv,
    pull: &PullRequest,
    head: CommitSha,
    question: &review::Question,
    by: &mut String,
) -> Result<Performed, FlowError> {
    let text = review::approval_text(&context(env, pull), question);
    let ask = Ask {
        run: env.ctx.run_id,
        question: Question {
            kind: QuestionKind::Merge,
            issue: Some(env.issue),
            pr: Some(pull.number),
            head_sha: Some(head.clone()),
            text,
        },
    };
    env.doing(format!("asking: merge PR {}?", pull.number));
    if let Some(line) = ask.question.text.lines().find(|l| l.starts_with("CI:")) {
        env.note(format!("asking for approval of PR {}: {line}", pull.number));
    }
    let answer = env.ask.send(ask);
    tokio::pin!(answer);
    let every = env.ctx.settings.ci.poll_max.get();
    loop {
        tokio::select! {
            answered = &mut answer => return Ok(match answered {
                Ok(Ok(reply)) => answered_event(head, reply, by),
                Ok(Err(AskError::Unavailable(why))) => {
                    env.note(format!("waiting for a human: {why}"));
                    Performed::Over(IssueOutcome::AwaitingHuman { question: format!("merge PR {}?", pull.number) })
                }
                Ok(Err(AskError::Withdrawn(_))) => Performed::Event(Ev::HeadMoved { head: env.ctx.gh.get_pull(pull.number).await?.head_sha }),
                Err(e) => return Err(FlowError::Mailbox(e)),
            }),
            still = env.pause(every) => {
                if !still {
                    return Ok(Performed::Over(IssueOutcome::Interrupted));
                }
                let now = env.ctx.gh.get_pull(pull.number).await?.head_sha;
                if now != head {
                    return Ok(Performed::Event(Ev::HeadMoved { head: now }));
                }
            }
        }
    }
}

fn answered_event(head: CommitSha, reply: HumanAnswer, by: &mut String) -> Performed {
    let answer = match reply {
        HumanAnswer::Merge { by: who } => {
            *by = who;
            Answer::Merge
        }
        HumanAnswer::Changes { feedback, by: who } => {
            *by = who;
            Answer::Changes(feedback)
        }
        HumanAnswer::Skip { by: who } => {
            *by = who;
            Answer::Skip
        }
        // Plan and budget replies cannot answer a merge question; the approval
        // actor routes them elsewhere, so this is only a safety net.
        other => {
            tracing::warn!(
                ?other,
                "a non-merge answer reached a merge question; asking again"
            );
            return Performed::Event(Ev::HeadMoved { head });
        }
    };
    Performed::Event(Ev::Answered { head, answer })
}

/// A line for the human watching, for the events worth one.
fn describe(event: &Ev) -> Option<String> {
    use crate::review::CiOutcome;
    Some(match event {
        Ev::BranchUpdated(crate::github::UpdateBranchOutcome::Scheduled) => {
            "brought up to date with the base branch".into()
        }
        Ev::CiDone { head, outcome } => match outcome {
            CiOutcome::Passed => format!("CI passed on {}", head.short()),
            CiOutcome::Failed { failing } => {
                format!("CI failed on {}: {}", head.short(), failing.join(", "))
            }
            CiOutcome::NoCi => format!(
                "no CI checks on {} (reported as \"no CI\", not as passed)",
                head.short()
            ),
            CiOutcome::TimedOut { pending } => format!(
                "CI timed out on {}: {} still pending",
                head.short(),
                pending.join(", ")
            ),
        },
        Ev::ReviewDone {
            found: false,
            notice,
            triage,
            ..
        } => {
            let what = match notice {
                Some(n) => format!("no CodeRabbit review ({n:?})"),
                None => "no CodeRabbit review in time; going on".into(),
            };
            format!("{what}{}", from_others(triage))
        }
        Ev::ReviewDone { triage, .. } => format!(
            "CodeRabbit reviewed: {} comment(s): {} real, {} nitpick(s), {} style{}",
            triage.total,
            triage.real.len(),
            triage.nitpicks,
            triage.skipped_style,
            from_others(triage)
        ),
        Ev::FixFinished { pushed: Some(head) } => format!("the fix pushed {}", head.short()),
        Ev::FixFinished { pushed: None } => "the fix pushed nothing".into(),
        Ev::HeadMoved { head } => format!("the PR's head moved to {}", head.short()),
        _ => return None,
    })
}

/// The progress note's word on comments from people without write access.
fn from_others(triage: &review::Triage) -> String {
    match triage.from_others.len() {
        0 => String::new(),
        n => format!("; {n} from others, not sent to the agent"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review_done(found: bool, others: &[&str]) -> Ev {
        Ev::ReviewDone {
            head: CommitSha("a".repeat(40)),
            found,
            notice: None,
            triage: review::Triage {
                total: 2,
                nitpicks: 2,
                from_others: others.iter().map(|k| k.to_string()).collect(),
                ..review::Triage::default()
            },
        }
    }

    #[test]
    fn the_review_note_counts_comments_from_others() {
        assert_eq!(
            describe(&review_done(true, &["comment:1", "review:2"])).as_deref(),
            Some(
                "CodeRabbit reviewed: 2 comment(s): 0 real, 2 nitpick(s), 0 style; \
                 2 from others, not sent to the agent"
            )
        );
        assert_eq!(
            describe(&review_done(true, &[])).as_deref(),
            Some("CodeRabbit reviewed: 2 comment(s): 0 real, 2 nitpick(s), 0 style")
        );
        assert_eq!(
            describe(&review_done(false, &["comment:1"])).as_deref(),
            Some("no CodeRabbit review in time; going on; 1 from others, not sent to the agent")
        );
    }
}
