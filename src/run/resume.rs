//! Resuming an unfinished run (the spec's resume table): stop workers a
//! crashed orchestrator left behind, reopen what failed or was cut short,
//! and hand the run back to the actors. Each issue actor then reconciles its
//! issue with GitHub — merged → done, PR open → review, branch only → open
//! the PR, nothing → run the worker again — so no PR or merge is duplicated.

use std::collections::BTreeMap;

use anyhow::anyhow;

use super::budget::Budget;
use super::context::{RunContext, RunIssue};
use super::gate::{Gated, gate_run};
use super::launch::{Services, run_to_end, start_services};
use super::start::RunRequest;
use crate::checkpoint::{IssuePatch, IssueRow, IssueState, QuestionKind, RunRow, RunStatus, Store};
use crate::command::exit::Exit;
use crate::command::plan_cmd::Planned;
use crate::ids::IssueNumber;
use crate::messages::checkpoint::{OpenQuestions, SetBudget};
use crate::plan::Plan;
use crate::schedule::{IssueStatus, PlannedIssue, Scheduler};
use crate::worker::{ProcessIdentity, stop_leftover};

/// Skips the scheduler made because a blocker failed start with this; a
/// human's skip does not, and is never reopened.
pub const BLOCKER_SKIP_PREFIX: &str = "blocked by ";

pub async fn resume(req: RunRequest, mut store: Store, run: RunRow) -> anyhow::Result<Exit> {
    println!(
        "Resuming run {} for {} (started {}, {}).",
        run.id,
        run.target_label,
        run.started_at.format("%Y-%m-%d %H:%M UTC"),
        run.status
    );
    let plan: Plan = serde_json::from_value(run.plan.clone())
        .map_err(|e| anyhow!("the checkpoint's plan is unreadable: {e}"))?;
    let grace = req.settings.worker.grace.get();
    for row in store.load_issues(run.id)? {
        stop_leftover_worker(&mut store, &row, grace).await?;
        reopen(&mut store, &row)?;
    }
    store.set_run_status(run.id, RunStatus::Running)?;
    let rows = store.load_issues(run.id)?;
    let scheduler = scheduler_for(&plan, &rows, &req)?;
    let issues: BTreeMap<IssueNumber, RunIssue> = rows
        .iter()
        .map(|r| {
            let blockers = in_run_blockers(&plan, r.issue, &rows);
            (
                r.issue,
                RunIssue {
                    number: r.issue,
                    title: r.title.clone(),
                    wave: r.wave,
                    blockers,
                },
            )
        })
        .collect();
    let base = req.base().await?;
    let services = start_services(store, run.id, &req.settings, req.approve_all).await;
    if let Some(exit) = gate_left_open(&req, &services, &run, plan).await? {
        return Ok(exit);
    }
    // A cap given on the resume's command line wins over the one recorded.
    let budget_cap = req.settings.budget.max_total_usd.or(run.budget_usd);
    if req.settings.budget.max_total_usd.is_some() && budget_cap != run.budget_usd {
        services
            .checkpoint
            .send(SetBudget {
                run: run.id,
                usd: budget_cap,
            })
            .await??;
    }
    let budget = Budget::new(budget_cap, run.cost_usd_total);
    let ctx = RunContext::new(req, run.id, run.target_label, base, issues, budget);
    run_to_end(ctx, services, scheduler).await
}

/// A run that stopped at the planning gate asks it again (the question is
/// re-attached, not sent twice); `Some(exit)` when the run does not go on.
async fn gate_left_open(
    req: &RunRequest,
    services: &Services,
    run: &RunRow,
    plan: Plan,
) -> anyhow::Result<Option<Exit>> {
    let open = services
        .checkpoint
        .send(OpenQuestions { run: run.id })
        .await??;
    if !open.iter().any(|q| q.kind == QuestionKind::Plan) {
        return Ok(None);
    }
    let planned = Planned {
        plan,
        notes: Vec::new(),
        suggestions: Vec::new(),
    };
    let parked = "The plan still needs review";
    match gate_run(services, run.id, req, planned, parked).await? {
        Gated::Go(_) => Ok(None),
        Gated::Stop(exit) => Ok(Some(exit)),
    }
}

/// A worker recorded in the checkpoint may still run if the orchestrator
/// was killed; stop it (only if pid and start time still match) before the
/// issue is looked at again.
async fn stop_leftover_worker(
    store: &mut Store,
    row: &IssueRow,
    grace: std::time::Duration,
) -> anyhow::Result<()> {
    let Some(worker) = row.worker else {
        return Ok(());
    };
    let identity = ProcessIdentity {
        pid: worker.pid,
        start_ticks: worker.start_ticks,
    };
    let mark = row.worker_mark.as_deref().unwrap_or_default();
    let outcome = stop_leftover(identity, grace, mark).await;
    tracing::info!(
        issue = row.issue.0,
        pid = worker.pid,
        ?outcome,
        "checked a worker left by the previous run"
    );
    store.clear_worker(row.run_id, row.issue)?;
    Ok(())
}

/// Failed, cut-short and blocker-skipped issues go back to `pending`; the
/// issue actor finds their PR or branch, if any, before running anything.
fn reopen(store: &mut Store, row: &IssueRow) -> anyhow::Result<()> {
    let why = match row.state {
        IssueState::Failed => "resumed: try the failed issue again",
        IssueState::Running => "resumed: the previous run stopped while a worker ran",
        IssueState::Skipped
            if row
                .skip_reason
                .as_deref()
                .is_some_and(|r| r.starts_with(BLOCKER_SKIP_PREFIX)) =>
        {
            "resumed: its blocker is tried again"
        }
        _ => return Ok(()),
    };
    store.reopen_for_resume(
        row.run_id,
        row.issue,
        IssueState::Pending,
        why,
        IssuePatch::new(),
    )?;
    Ok(())
}

fn in_run_blockers(plan: &Plan, issue: IssueNumber, rows: &[IssueRow]) -> Vec<IssueNumber> {
    plan.blockers_of(issue)
        .into_iter()
        .filter(|b| rows.iter().any(|r| r.issue == *b))
        .collect()
}

fn scheduler_for(plan: &Plan, rows: &[IssueRow], req: &RunRequest) -> anyhow::Result<Scheduler> {
    let planned = rows.iter().map(|r| PlannedIssue {
        number: r.issue,
        wave: r.wave,
        blockers: in_run_blockers(plan, r.issue, rows),
    });
    let mut scheduler = Scheduler::new(planned, req.settings.schedule, None)
        .map_err(|e| anyhow!("the checkpoint's plan cannot be scheduled: {e}"))?;
    let known = rows.iter().filter_map(|r| {
        let status = match r.state {
            IssueState::Merged => IssueStatus::Merged,
            IssueState::Skipped => IssueStatus::Skipped {
                reason: r.skip_reason.clone().unwrap_or_default(),
            },
            IssueState::Failed => IssueStatus::Failed {
                reason: r.last_error.clone().unwrap_or_default(),
            },
            _ => return None,
        };
        Some((r.issue, status))
    });
    scheduler.restore(known.collect::<Vec<_>>())?;
    Ok(scheduler)
}
