//! Merging through GitHub's merge queue: the approved head is put in the
//! queue (intent recorded first; after a lost answer or a crash the queue is
//! read before anything is sent again), then followed until GitHub merges it
//! or removes it. No merge turn is held: the queue orders merges itself.

use crate::ids::{CommitSha, PrNumber};
use crate::issue::machine::Event as MachineEvent;
use crate::review;

use super::crashpoint::{Boundary, crashpoint};
use super::review::merged_by_us;
use super::truth::{self, Truth};
use super::{Crash, IssueCtx, Performed};
use crate::github::{EnqueueOutcome, MergeOutcome, QueueState};

/// Queues PR `pr` at `head` and follows it to merged or removed.
pub async fn merge(cx: &IssueCtx, pr: PrNumber, head: &CommitSha) -> Result<Performed, Crash> {
    let intent = format!("PR {pr} at {}", head.short());
    let queued = cx.store.intent_recorded("enqueueing", &intent).await?;
    let state = cx.run.gh.queue_state(pr).await?;
    if let Some(done) = settled(cx, pr, head, &state, queued).await? {
        return Ok(done);
    }
    if !state.in_queue
        && let Some(done) = enqueue(cx, pr, head, &intent).await?
    {
        return Ok(done);
    }
    follow(cx, pr, head).await
}

/// What a read of the queue already decides: merged (by the queue we put
/// it in, or by someone), closed, or gone from the queue we put it in.
async fn settled(
    cx: &IssueCtx,
    pr: PrNumber,
    head: &CommitSha,
    state: &QueueState,
    queued: bool,
) -> Result<Option<Performed>, Crash> {
    if state.merged && queued {
        return Ok(Some(merged_by_us(&cx.run.gh.get_pull(pr).await?)));
    }
    if state.merged || state.closed || state.head != *head {
        return Ok(match truth::read(cx, pr, Some(head)).await? {
            Truth::Changed(event) => Some(Performed::Event(event)),
            Truth::Same(_) => None,
        });
    }
    if queued && !state.in_queue {
        return Ok(Some(left_queue()));
    }
    Ok(None)
}

/// Puts the PR in the queue; an answer that says what happened instead
/// (refused, or a change on GitHub) ends the merge step.
async fn enqueue(
    cx: &IssueCtx,
    pr: PrNumber,
    head: &CommitSha,
    intent: &str,
) -> Result<Option<Performed>, Crash> {
    let pull = match truth::read(cx, pr, Some(head)).await? {
        Truth::Changed(event) => return Ok(Some(Performed::Event(event))),
        Truth::Same(pull) => pull,
    };
    cx.doing(format!("putting PR {pr} in the merge queue"));
    cx.store.event("enqueueing", intent.to_string()).await?;
    crashpoint("enqueue", Boundary::Intent);
    match cx.run.gh.enqueue_pull(&pull, head).await {
        Ok(EnqueueOutcome::Queued) => {}
        Ok(EnqueueOutcome::Refused { message }) => {
            let refused = MergeOutcome::Refused {
                status: 422,
                message: format!("the merge queue refused it: {message}"),
            };
            return Ok(Some(Performed::Event(MachineEvent::Review(
                review::Event::MergeDone(refused),
            ))));
        }
        // Queued or not? Only a read tells.
        Err(e) if e.is_transient() => {
            if !cx.run.gh.queue_state(pr).await?.in_queue {
                return Err(e.into());
            }
        }
        Err(e) => return Err(e.into()),
    }
    crashpoint("enqueue", Boundary::Done);
    cx.note(format!("PR {pr} is in the merge queue"));
    Ok(None)
}

/// Reads the queue until the PR merged or left it.
async fn follow(cx: &IssueCtx, pr: PrNumber, head: &CommitSha) -> Result<Performed, Crash> {
    loop {
        if !cx.poll_pause(cx.run.settings.ci.poll_min.get()).await {
            return Ok(Performed::Stopped);
        }
        let state = cx.run.gh.queue_state(pr).await?;
        if let Some(done) = settled(cx, pr, head, &state, true).await? {
            return Ok(done);
        }
        let where_ = state.entry_state.as_deref().unwrap_or("queued");
        cx.doing(format!(
            "PR {pr} in the merge queue: {}",
            where_.to_lowercase()
        ));
    }
}

fn left_queue() -> Performed {
    Performed::Event(MachineEvent::Review(review::Event::LeftQueue))
}
