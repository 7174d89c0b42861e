//! The planning gate (spec Phase 1): when the plan needs review, ask the
//! human "MILESTONE PLAN REVIEW". `approve` / `proceed` / `ok` go on,
//! `abort` ends the run, other text is feedback for the planner command,
//! which plans again; with no planner command, say so and ask again.

use actix::Addr;

use crate::actors::ApprovalActor;
use crate::checkpoint::{QuestionKind, RunId, RunStatus, event_kind};
use crate::command::exit::Exit;
use crate::command::plan_cmd::{self, Planned};
use crate::messages::checkpoint::{AppendEvent, SetRunStatus};
use crate::messages::{Answer, Ask, AskError, Notify, Question};

use super::launch::Services;
use super::start::RunRequest;

/// How the gate ended.
pub enum GateOutcome {
    /// Go on with this plan (re-planned if feedback was given).
    Proceed(Box<Planned>),
    Abort {
        by: String,
    },
    /// Nobody could be asked; the question waits in the checkpoint.
    Parked(String),
}

/// What the gate decided for the run.
pub enum Gated {
    /// Go on with this plan (re-planned if feedback was given).
    Go(Box<Planned>),
    /// The run stops here, its status recorded, with this exit.
    Stop(Exit),
}

/// Asks the planning gate for `run` and records a stop: an abort fails the
/// run; a question nobody could be asked interrupts it (a resume asks it
/// again). `parked` begins the line that says so.
pub async fn gate_run(
    services: &Services,
    run: RunId,
    req: &RunRequest,
    planned: Planned,
    parked: &str,
) -> anyhow::Result<Gated> {
    let (status, exit) = match planning_gate(&services.approvals, run, req, planned).await? {
        GateOutcome::Proceed(planned) => {
            // Recorded before the plan runs: a resume after a crash from
            // here on runs it; before, it asks again.
            services
                .checkpoint
                .send(AppendEvent {
                    run,
                    issue: None,
                    kind: event_kind::PLAN_APPROVED.into(),
                    detail: None,
                })
                .await??;
            return Ok(Gated::Go(planned));
        }
        GateOutcome::Abort { by } => {
            println!("Aborted at the planning gate by {by}.");
            (RunStatus::Failed, Exit::Failure)
        }
        GateOutcome::Parked(why) => {
            println!("{parked}, and {why}");
            (RunStatus::Interrupted, Exit::AwaitingHuman)
        }
    };
    services
        .checkpoint
        .send(SetRunStatus { run, status })
        .await??;
    Ok(Gated::Stop(exit))
}

/// The spec's plan review question.
pub fn gate_text(label: &str, planned: &Planned) -> String {
    let plan = &planned.plan;
    let mut out = format!("MILESTONE PLAN REVIEW\n{label}\nPlanning issues detected:\n");
    for issue in &plan.planning_issues {
        out.push_str(&format!("- {issue}\n"));
    }
    out.push_str("\nProposed dependencies:\n");
    let mut any = false;
    for wave in &plan.execution_waves {
        for i in wave.issues.iter().filter(|i| !i.blocked_by.is_empty()) {
            let blockers: Vec<String> = i.blocked_by.iter().map(|b| b.to_string()).collect();
            out.push_str(&format!(
                "- {} {} → blocked by {} (wave {})\n",
                i.number,
                i.title,
                blockers.join(", "),
                wave.wave
            ));
            any = true;
        }
    }
    for s in &planned.suggestions {
        out.push_str(&format!(
            "- {} → blocked by {} (suggested, not applied: {})\n",
            s.issue, s.depends_on, s.reason
        ));
        any = true;
    }
    if !any {
        out.push_str("- none: every issue runs independently\n");
    }
    out.push_str("\nReply 'approve' to continue, 'abort' to stop, or provide feedback.");
    out
}

/// Asks until the human approves, aborts, or nobody can be asked.
pub async fn planning_gate(
    approvals: &Addr<ApprovalActor>,
    run: RunId,
    req: &RunRequest,
    mut planned: Planned,
) -> anyhow::Result<GateOutcome> {
    loop {
        let question = Question {
            kind: QuestionKind::Plan,
            issue: None,
            pr: None,
            head_sha: None,
            text: gate_text(&req.target.label(), &planned),
        };
        let feedback = match approvals.send(Ask { run, question }).await? {
            Ok(Answer::Approve { .. }) => return Ok(GateOutcome::Proceed(Box::new(planned))),
            Ok(Answer::Abort { by }) => return Ok(GateOutcome::Abort { by }),
            Ok(Answer::Feedback { text, .. }) => text,
            Ok(other) => {
                tracing::warn!(
                    ?other,
                    "an answer that does not fit the plan question; asking again"
                );
                continue;
            }
            Err(AskError::Unavailable(why)) => return Ok(GateOutcome::Parked(why)),
            Err(AskError::Withdrawn(_)) => continue,
        };
        if req.settings.planner.command.is_none() {
            let text = "No planner command is configured (planner.command), so feedback cannot re-plan. Edit the issues' \"Blocked by\" lines on GitHub and answer 'approve' (the plan is read again on the next run), or 'abort'.";
            approvals.send(Notify { text: text.into() }).await?;
            continue;
        }
        planned =
            plan_cmd::make_plan(&*req.gh, &req.target, &req.settings, Some(&feedback)).await?;
        println!(
            "Re-planned with the feedback:\n{}",
            plan_cmd::render_text(&planned)
        );
        if !planned.plan.needs_review() {
            return Ok(GateOutcome::Proceed(Box::new(planned)));
        }
    }
}
