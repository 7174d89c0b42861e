//! The review loop's actions: read the base, update the branch, wait for CI
//! and for the automated review (triaging its comments), ask for a review,
//! launch fix workers, ask the human, merge. Every wait reads the PR at each
//! poll (`truth`): a PR merged, closed or retargeted by a person, or a head
//! that moved, ends the wait at once.

use chrono::Utc;

use crate::checkpoint::QuestionKind;
use crate::github::{GitHubError, MergeOutcome, PullRequest, RerunOutcome, UpdateBranchOutcome};
use crate::human::{Answer as HumanAnswer, AskError, Question};
use crate::ids::{CommitSha, PrNumber};
use crate::issue::machine::{Event as MachineEvent, IssueMachine};
use crate::review::update::{BaseAction, base_action};
use crate::review::{
    self, Action, Answer, CiOutcome, CiTiming, CiWatch, Endpoint, PrContext, ReviewPoll,
    ReviewWait, Reviewers, TriageInput, triage,
};

use super::crashpoint::{Boundary, crashpoint};
use super::fixes::{Fix, run_fix};
use super::truth::{self, Truth};
use super::{Crash, IssueCtx, Performed};

/// Performs review action `action` on PR `pr`.
pub async fn perform(
    cx: &IssueCtx,
    _machine: &IssueMachine,
    pr: PrNumber,
    action: &Action,
) -> Result<Performed, Crash> {
    use Performed::*;
    Ok(match action {
        Action::ReadBase { delay, .. } => {
            if !cx.pause(*delay).await {
                return Ok(Stopped);
            }
            match truth::read(cx, pr, None).await? {
                Truth::Changed(event) => Event(event),
                Truth::Same(pull) => Event(MachineEvent::Review(review::Event::BaseRead {
                    head: pull.head_sha,
                    mergeable_state: pull.mergeable_state,
                })),
            }
        }
        Action::UpdateBranch { expected_head } => update_branch(cx, pr, expected_head).await?,
        Action::WatchCi { head, since } => watch_ci(cx, pr, head, *since).await?,
        Action::WatchReview { head, since } => watch_review(cx, pr, head, *since).await?,
        Action::RequestReview { head, since } => {
            request_review(cx, pr, head, *since).await?;
            Nothing
        }
        Action::RerunFailedJobs { head, runs } => rerun_failed(cx, pr, head, runs).await?,
        Action::LaunchCiFix { .. } => run_fix(cx, pr, Fix::Ci).await?,
        Action::LaunchRebaseFix { .. } => run_fix(cx, pr, Fix::Rebase).await?,
        Action::LaunchReviewFix { comments, .. } => {
            run_fix(
                cx,
                pr,
                Fix::Review {
                    comments: comments.clone(),
                },
            )
            .await?
        }
        Action::LaunchChangesFix { feedback } => {
            run_fix(
                cx,
                pr,
                Fix::Changes {
                    feedback: feedback.clone(),
                },
            )
            .await?
        }
        Action::AskHuman { head, question } => ask(cx, pr, head, question).await?,
        Action::VoidQuestion { head } => {
            cx.human.withdraw(format!(
                "the PR changed after this question (it was about {})",
                head.short()
            ));
            Nothing
        }
        Action::NotifyCiFailed { attempts, failing } => {
            let pull = cx.run.gh.get_pull(pr).await?;
            cx.human.notify(review::ci_failed_text(
                &context(cx, &pull),
                *attempts,
                failing,
            ));
            Nothing
        }
        Action::Merge { head } => merge(cx, pr, head).await?,
        Action::FinishMerged { .. } | Action::Fail { .. } | Action::Skip => {
            return Err(Crash::Bug(format!(
                "review action {action:?} is the issue machine's to take"
            )));
        }
    })
}

fn context(cx: &IssueCtx, pull: &PullRequest) -> PrContext {
    PrContext {
        pr: pull.number,
        issue: cx.issue,
        title: pull.title.clone(),
        url: pull.html_url.clone(),
    }
}

/// Update-branch with the head it expects: GitHub refuses if the head moved,
/// so a repeat after a crash does nothing twice; after a lost answer the PR
/// is read, and a moved head is reported as such. Once GitHub took the
/// update, waits for it to move the head and reports the new head, which is
/// the one CI must pass on. A head that moved before the call is someone
/// else's push: reported as a refusal, so the machine reads the PR again.
async fn update_branch(
    cx: &IssueCtx,
    pr: PrNumber,
    expected: &CommitSha,
) -> Result<Performed, Crash> {
    match truth::read(cx, pr, Some(expected)).await? {
        Truth::Changed(MachineEvent::Review(review::Event::HeadMoved { .. })) => {
            return Ok(refused("the head moved before the update"));
        }
        Truth::Changed(event) => return Ok(Performed::Event(event)),
        Truth::Same(_) => {}
    }
    cx.doing(format!("bringing PR {pr} up to date with {}", cx.run.base));
    cx.store
        .event(
            "updating_branch",
            format!("PR {pr} from {}", expected.short()),
        )
        .await?;
    crashpoint("update_branch", Boundary::Intent);
    let outcome = match cx.run.gh.update_branch(pr, expected).await {
        Ok(outcome) => outcome,
        Err(e) if e.is_transient() => {
            return match truth::read(cx, pr, Some(expected)).await? {
                Truth::Changed(event) => Ok(Performed::Event(event)),
                Truth::Same(_) => Err(e.into()),
            };
        }
        Err(e) => return Err(e.into()),
    };
    crashpoint("update_branch", Boundary::Done);
    if outcome != UpdateBranchOutcome::Scheduled {
        return Ok(Performed::Event(MachineEvent::Review(
            review::Event::BranchUpdated(outcome),
        )));
    }
    updated_head(cx, pr, expected).await
}

/// How many reads GitHub gets to move the head after an accepted update.
const UPDATE_READS: u32 = 15;

/// Reads the PR until GitHub's update moved its head (that event), or says
/// the update was scheduled if it has not moved after a while.
async fn updated_head(
    cx: &IssueCtx,
    pr: PrNumber,
    expected: &CommitSha,
) -> Result<Performed, Crash> {
    for _ in 0..UPDATE_READS {
        if let Truth::Changed(event) = truth::read(cx, pr, Some(expected)).await? {
            return Ok(Performed::Event(event));
        }
        if !cx.poll_pause(cx.run.settings.ci.poll_min.get()).await {
            return Ok(Performed::Stopped);
        }
    }
    Ok(Performed::Event(MachineEvent::Review(
        review::Event::BranchUpdated(UpdateBranchOutcome::Scheduled),
    )))
}

fn refused(message: &str) -> Performed {
    Performed::Event(MachineEvent::Review(review::Event::BranchUpdated(
        UpdateBranchOutcome::Refused {
            message: message.into(),
        },
    )))
}

/// Waits for CI on `head` (started at `since`, which survives a restart).
async fn watch_ci(
    cx: &IssueCtx,
    pr: PrNumber,
    head: &CommitSha,
    since: chrono::DateTime<Utc>,
) -> Result<Performed, Crash> {
    let mut watch = CiWatch::new(
        head.clone(),
        since,
        CiTiming::from_settings(&cx.run.settings.ci),
    );
    let gh = &cx.run.gh;
    loop {
        if let Truth::Changed(event) = truth::read(cx, pr, Some(head)).await? {
            return Ok(Performed::Event(event));
        }
        let runs = gh.check_runs(head, watch.etag(Endpoint::CheckRuns)).await?;
        watch.record_check_runs(runs);
        let statuses = gh
            .commit_statuses(head, watch.etag(Endpoint::Statuses))
            .await?;
        watch.record_statuses(statuses);
        if let Some(outcome) = watch.outcome(Utc::now()) {
            let event = review::Event::CiDone {
                head: head.clone(),
                outcome,
            };
            return Ok(Performed::Event(MachineEvent::Review(event)));
        }
        cx.doing(format!(
            "waiting for CI on {}: {:?}",
            head.short(),
            watch.verdict()
        ));
        if !cx.poll_pause(watch.next_poll()).await {
            return Ok(Performed::Stopped);
        }
    }
}

/// Asks GitHub Actions to rerun the failed jobs of `runs` on `head` before
/// an agent is paid to fix them. A repeat after a crash (the intent is in
/// the log) asks nothing again: the CI wait that follows sees the rerun's
/// result, or the same failure, which then goes to a fix worker.
async fn rerun_failed(
    cx: &IssueCtx,
    pr: PrNumber,
    head: &CommitSha,
    runs: &[u64],
) -> Result<Performed, Crash> {
    if let Truth::Changed(event) = truth::read(cx, pr, Some(head)).await? {
        return Ok(Performed::Event(event));
    }
    let done = |started: bool, why: Option<String>| {
        Ok(Performed::Event(MachineEvent::Review(
            review::Event::RerunDone { started, why },
        )))
    };
    let intent = format!("PR {pr} at {}: workflow runs {runs:?}", head.short());
    if cx.store.intent_recorded("rerunning_ci", &intent).await? {
        return done(true, None);
    }
    cx.store.event("rerunning_ci", intent).await?;
    crashpoint("rerun", Boundary::Intent);
    for run in runs {
        match cx.run.gh.rerun_failed_jobs(*run).await {
            Ok(RerunOutcome::Started) => {}
            Ok(RerunOutcome::Refused { status, message }) => {
                let why = match status {
                    403 => format!(
                        "the token may not rerun workflows (GitHub: {message}; it needs Actions: write)"
                    ),
                    _ => format!("GitHub answered {status}: {message}"),
                };
                cx.note(format!("the failed jobs were not rerun: {why}"));
                return done(false, Some(why));
            }
            // Started or not, the CI wait that follows will tell.
            Err(e) if e.is_transient() => return done(true, None),
            Err(e) => return Err(e.into()),
        }
    }
    crashpoint("rerun", Boundary::Done);
    cx.note(format!(
        "CI failed on {}: rerunning the failed GitHub Actions jobs once before a fix worker",
        head.short()
    ));
    done(true, None)
}

/// Waits for the automated review of `head`, then triages every comment on it.
async fn watch_review(
    cx: &IssueCtx,
    pr: PrNumber,
    head: &CommitSha,
    since: chrono::DateTime<Utc>,
) -> Result<Performed, Crash> {
    let reviewers = Reviewers::from_settings(&cx.run.settings.review);
    let wait = ReviewWait::new(head.clone(), since, reviewers.clone());
    let gh = &cx.run.gh;
    let interval = cx.run.settings.ci.poll_min.get();
    loop {
        let pull = match truth::read(cx, pr, Some(head)).await? {
            Truth::Changed(event) => return Ok(Performed::Event(event)),
            Truth::Same(pull) => pull,
        };
        let reviews = gh.list_reviews(pr).await?;
        let comments = gh.list_issue_comments(pr.0).await?;
        let (found, notice) = match wait.poll(&reviews, &comments, Utc::now()) {
            ReviewPoll::Found { .. } => (true, None),
            ReviewPoll::NoReview { notice } => (false, notice),
            ReviewPoll::Waiting { notice } => {
                cx.doing(format!(
                    "waiting for the review of {}{}",
                    head.short(),
                    notice.map(|n| format!(" ({n:?})")).unwrap_or_default()
                ));
                if !cx.poll_pause(interval).await {
                    return Ok(Performed::Stopped);
                }
                continue;
            }
        };
        let inline = gh.list_review_comments(pr).await?;
        let input = TriageInput {
            head,
            pr_author: &pull.author,
            reviews: &reviews,
            comments: &inline,
            reviewers: &reviewers,
        };
        let event = review::Event::ReviewDone {
            head: head.clone(),
            found,
            notice,
            triage: triage(&input),
        };
        return Ok(Performed::Event(MachineEvent::Review(event)));
    }
}

/// Posts `@coderabbitai review` for `head` unless it is reviewed or already
/// asked for: reading first makes a repeat after a crash post nothing twice.
async fn request_review(
    cx: &IssueCtx,
    pr: PrNumber,
    head: &CommitSha,
    since: chrono::DateTime<Utc>,
) -> Result<(), Crash> {
    let reviewers = Reviewers::from_settings(&cx.run.settings.review);
    let wait = ReviewWait::new(head.clone(), since, reviewers);
    let gh = &cx.run.gh;
    let needed = || async {
        let reviews = gh.list_reviews(pr).await?;
        let comments = gh.list_issue_comments(pr.0).await?;
        Ok::<bool, GitHubError>(wait.needs_trigger(&reviews, &comments))
    };
    if !needed().await? {
        return Ok(());
    }
    cx.store
        .event("requesting_review", format!("PR {pr} at {}", head.short()))
        .await?;
    crashpoint("comment", Boundary::Intent);
    match gh.post_issue_comment(pr.0, review::REVIEW_TRIGGER).await {
        Ok(()) => {}
        // Posted or not? Only a read tells; post again only if it was not.
        Err(e) if e.is_transient() => {
            if needed().await? {
                return Err(e.into());
            }
        }
        Err(e) => return Err(e.into()),
    }
    crashpoint("comment", Boundary::Done);
    cx.note(format!("asked CodeRabbit to review {}", head.short()));
    Ok(())
}

/// Asks the human about `head`, reading the PR meanwhile: a head that
/// moves, or a PR merged or closed on GitHub, ends the question.
async fn ask(
    cx: &IssueCtx,
    pr: PrNumber,
    head: &CommitSha,
    question: &review::Question,
) -> Result<Performed, Crash> {
    let pull = match truth::read(cx, pr, Some(head)).await? {
        Truth::Changed(event) => return Ok(Performed::Event(event)),
        Truth::Same(pull) => pull,
    };
    let text = review::approval_text(&context(cx, &pull), question);
    let question = Question {
        kind: QuestionKind::Merge,
        issue: Some(cx.issue),
        pr: Some(pr),
        head_sha: Some(head.clone()),
        text,
    };
    cx.doing(format!("asking: merge PR {pr}?"));
    if let Some(line) = question.text.lines().find(|l| l.starts_with("CI:")) {
        cx.note(format!("asking for approval of PR {pr}: {line}"));
    }
    let answer = cx.human.ask(question);
    tokio::pin!(answer);
    let every = cx.run.settings.ci.poll_max.get();
    loop {
        tokio::select! {
            answered = &mut answer => return Ok(match answered? {
                Ok(reply) => answered_event(head, reply),
                Err(AskError::Unavailable(why)) => Performed::Event(MachineEvent::Unanswerable { why }),
                Err(AskError::Withdrawn(_)) => match truth::read(cx, pr, Some(head)).await? {
                    Truth::Changed(event) => Performed::Event(event),
                    // Withdrawn with the PR unchanged: ask again from the top.
                    Truth::Same(pull) => Performed::Event(MachineEvent::Review(review::Event::HeadMoved { head: pull.head_sha })),
                },
            }),
            still = cx.poll_pause(every) => {
                if !still {
                    return Ok(Performed::Stopped);
                }
                if let Truth::Changed(event) = truth::read(cx, pr, Some(head)).await? {
                    return Ok(Performed::Event(event));
                }
            }
        }
    }
}

fn answered_event(head: &CommitSha, reply: HumanAnswer) -> Performed {
    let (answer, by) = match reply {
        HumanAnswer::Merge { by } => (Answer::Merge, by),
        HumanAnswer::Changes { feedback, by } => (Answer::Changes(feedback), by),
        HumanAnswer::Skip { by } => (Answer::Skip, by),
        // Plan and budget replies cannot answer a merge question; the approval
        // actor routes them elsewhere, so this is only a safety net.
        other => {
            tracing::warn!(
                ?other,
                "a non-merge answer reached a merge question; asking again"
            );
            return Performed::Event(MachineEvent::Review(review::Event::HeadMoved {
                head: head.clone(),
            }));
        }
    };
    Performed::Event(MachineEvent::Answered {
        head: head.clone(),
        answer,
        by,
    })
}

/// Squash-merges at the approved head, one merge at a time in the run. A
/// PR already merged is confirmed by reading, never merged again: by us
/// when our own intent to merge it at this head is in the log, else by the
/// person GitHub names. After a lost answer, the PR is read before anything
/// else is sent.
async fn merge(cx: &IssueCtx, pr: PrNumber, head: &CommitSha) -> Result<Performed, Crash> {
    if cx.run.merge_rules.merge_queue {
        return super::queue::merge(cx, pr, head).await;
    }
    let Some(_turn) = cx.coord.merge_turn().await else {
        return Ok(Performed::Stopped);
    };
    let intent = format!("PR {pr} at {}", head.short());
    let ours = cx.store.intent_recorded("merging", &intent).await?;
    let pull = cx.run.gh.get_pull(pr).await?;
    if pull.merged && ours {
        return Ok(merged_by_us(&pull));
    }
    if let Truth::Changed(event) = truth::compare(cx, pull.clone(), Some(head)).await? {
        return Ok(Performed::Event(event));
    }
    // Only a base that must be up to date needs the update; elsewhere
    // `behind` is no reason to pay for another CI run.
    if cx.run.merge_rules.up_to_date && is_behind(&pull) {
        return Ok(must_update(cx, pr));
    }
    cx.doing(format!("merging PR {pr}"));
    cx.store.event("merging", intent).await?;
    crashpoint("merge", Boundary::Intent);
    let title = format!("{} (#{})", pull.title, pr.0);
    let outcome = match cx.run.gh.squash_merge(pr, head, &title).await {
        Ok(outcome) => outcome,
        Err(e) if e.is_transient() => {
            let now = cx.run.gh.get_pull(pr).await?;
            if now.merged {
                return Ok(merged_by_us(&now));
            }
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    crashpoint("merge", Boundary::Done);
    // Refused because another merge left it behind a base that must be up
    // to date: update it rather than ask the human again.
    if let MergeOutcome::Refused { .. } = outcome
        && is_behind(&cx.run.gh.get_pull(pr).await?)
    {
        return Ok(must_update(cx, pr));
    }
    Ok(Performed::Event(MachineEvent::Review(
        review::Event::MergeDone(outcome),
    )))
}

/// GitHub says the PR lacks commits of its base that protection requires:
/// the state the base check updates for when a PR is about to merge.
fn is_behind(pull: &PullRequest) -> bool {
    base_action(pull.mergeable_state.as_deref(), true) == BaseAction::UpdateBranch
}

fn must_update(cx: &IssueCtx, pr: PrNumber) -> Performed {
    cx.note(format!(
        "PR {pr} is behind {}, which must be up to date to merge: updating it, then merging once CI passes",
        cx.run.base
    ));
    Performed::Event(MachineEvent::Review(review::Event::MustUpdate))
}

pub(super) fn merged_by_us(pull: &PullRequest) -> Performed {
    let sha = pull
        .merge_commit_sha
        .clone()
        .unwrap_or_else(|| pull.head_sha.clone());
    Performed::Event(MachineEvent::Review(review::Event::MergeDone(
        MergeOutcome::Merged { sha },
    )))
}

/// A line for the human watching, for the events worth one.
pub fn describe(event: &review::Event) -> Option<String> {
    use review::Event as Ev;
    Some(match event {
        Ev::CiDone { head, outcome } => match outcome {
            CiOutcome::Passed => format!("CI passed on {}", head.short()),
            CiOutcome::Failed { failing, .. } => {
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
            let others = from_others(triage.from_others.len());
            match notice {
                Some(n) => format!("no CodeRabbit review ({n:?}){others}"),
                None => format!("no CodeRabbit review in time; going on{others}"),
            }
        }
        Ev::ReviewDone { triage, .. } => format!(
            "CodeRabbit reviewed: {} comment(s): {} real, {} nitpick(s), {} style{}",
            triage.total,
            triage.real.len(),
            triage.nitpicks,
            triage.skipped_style,
            from_others(triage.from_others.len())
        ),
        Ev::BranchUpdated(UpdateBranchOutcome::Scheduled) => {
            "brought up to date with the base branch".into()
        }
        Ev::FixFinished { pushed: Some(head) } => format!("the fix pushed {}", head.short()),
        Ev::FixFinished { pushed: None } => "the fix pushed nothing".into(),
        Ev::HeadMoved { head } => format!("the PR's head moved to {}", head.short()),
        _ => return None,
    })
}

fn from_others(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("; {n} from others, not sent to the agent")
    }
}
