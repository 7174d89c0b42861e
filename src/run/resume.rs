//! Resuming an unfinished run (the spec's resume table): stop workers a
//! crashed orchestrator left behind, reopen what failed or was cut short,
//! and hand the run back to the actors. Each issue actor then reconciles its
//! issue with GitHub — merged → done, PR open → review, branch only → open
//! the PR, nothing → run the worker again — so no PR or merge is duplicated.

use std::collections::BTreeMap;

use anyhow::anyhow;

use super::gate::{Gated, gate_run};
use super::launch::{Services, run_to_end, start_services};
use super::start::RunRequest;
use crate::checkpoint::{IssueRow, IssueState, RunRow, RunStatus, Store, event_kind};
use crate::command::exit::Exit;
use crate::command::plan_cmd::Planned;
use crate::context::{RunContext, RunIssue};
use crate::coord::BudgetGate;
use crate::ids::IssueNumber;
use crate::issue::stored::{self, Change};
use crate::messages::checkpoint::{ChangeIssue, LoadIssues, ReplacePlan, SetBudget};
use crate::plan::Plan;
use crate::schedule::{IssueStatus, PlannedIssue, Scheduler};
use crate::worker::{ProcessIdentity, stop_leftover};

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
    let approved = plan_approved(&store, &run, &plan)?;
    let grace = req.settings.worker.grace.get();
    let reset_counters = req.reset_attempts;
    for row in store.load_issues(run.id)? {
        stop_leftover_worker(&mut store, &row, grace).await?;
        // The machine decides what a resume takes up again (a failure, a
        // skip for a blocker, a PR someone closed); nothing reopens by hand.
        if let Err(e) = stored::apply(
            &mut store,
            run.id,
            row.issue,
            &Change::Resume { reset_counters },
        ) {
            eprintln!("warning: issue {}: {e}", row.issue);
        }
    }
    store.set_run_status(run.id, RunStatus::Running)?;
    let base = req.base().await?;
    let services = start_services(store, run.id, &req.settings, req.approve_all).await;
    let plan = if approved {
        plan
    } else {
        match gate_again(&req, &services, &run, plan).await? {
            Ok(plan) => plan,
            Err(exit) => return Ok(exit),
        }
    };
    let rows = services
        .checkpoint
        .send(LoadIssues { run: run.id })
        .await??;
    let (scheduler, blocked) = scheduler_for(&plan, &rows, &req)?;
    // Dependents of an issue that ended unmerged (a human's skip, a
    // failure) while they waited are skipped in the checkpoint too, saying
    // why, instead of staying pending.
    for (issue, reason) in blocked {
        services
            .checkpoint
            .send(ChangeIssue {
                run: run.id,
                issue,
                change: Change::Block { reason },
            })
            .await??;
    }
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
    let budget = BudgetGate::new(budget_cap, run.cost_usd_total);
    let ctx = RunContext::new(req.parts(), run.id, run.target_label, base, issues);
    run_to_end(ctx, services, scheduler, budget).await
}

/// Whether the run's plan may run: it needed no review, the human approved
/// it, or (runs recorded before approvals were) an issue already started.
/// A plan whose question is open, or whose re-plan after feedback was cut
/// off, was approved by nobody.
fn plan_approved(store: &Store, run: &RunRow, plan: &Plan) -> anyhow::Result<bool> {
    if !plan.needs_review() {
        return Ok(true);
    }
    let approved = store
        .events(run.id)?
        .iter()
        .any(|e| e.kind == event_kind::PLAN_APPROVED);
    let started = store
        .load_issues(run.id)?
        .iter()
        .any(|r| r.state != IssueState::Pending);
    Ok(approved || started)
}

/// Asks the planning gate again (an open question is re-attached, not sent
/// twice). `Ok(plan)` to go on with, re-planned and saved when the human
/// gave feedback; `Err(exit)` when the run does not go on.
async fn gate_again(
    req: &RunRequest,
    services: &Services,
    run: &RunRow,
    plan: Plan,
) -> anyhow::Result<Result<Plan, Exit>> {
    let planned = Planned {
        plan: plan.clone(),
        notes: Vec::new(),
        suggestions: Vec::new(),
    };
    let parked = "The plan still needs review";
    let approved = match gate_run(services, run.id, req, planned, parked).await? {
        Gated::Go(planned) => planned.plan,
        Gated::Stop(exit) => return Ok(Err(exit)),
    };
    if approved.execution_waves != plan.execution_waves {
        let waves = approved
            .scheduled()
            .map(|i| (i.number, approved.wave_of(i.number).unwrap_or(1)))
            .collect();
        let plan_json = serde_json::to_value(&approved).expect("a plan always serialises");
        services
            .checkpoint
            .send(ReplacePlan {
                run: run.id,
                plan: plan_json,
                waves,
            })
            .await??;
    }
    Ok(Ok(approved))
}

/// A worker recorded in the checkpoint (or only its launch intent, when
/// the orchestrator died between recording the mark and the process) may
/// still run, or its tools may: stop whatever of it is left before the
/// issue is looked at again.
async fn stop_leftover_worker(
    store: &mut Store,
    row: &IssueRow,
    grace: std::time::Duration,
) -> anyhow::Result<()> {
    if row.worker.is_none() && row.worker_mark.is_none() {
        return Ok(());
    }
    let identity = row.worker.map_or(
        ProcessIdentity {
            pid: 0,
            start_ticks: 0,
        },
        |w| ProcessIdentity {
            pid: w.pid,
            start_ticks: w.start_ticks,
        },
    );
    let mark = row.worker_mark.as_deref().unwrap_or_default();
    let outcome = stop_leftover(identity, grace, mark).await;
    tracing::info!(
        issue = row.issue.0,
        pid = identity.pid,
        ?outcome,
        "checked a worker left by the previous run"
    );
    store.clear_worker(row.run_id, row.issue)?;
    Ok(())
}

fn in_run_blockers(plan: &Plan, issue: IssueNumber, rows: &[IssueRow]) -> Vec<IssueNumber> {
    plan.blockers_of(issue)
        .into_iter()
        .filter(|b| rows.iter().any(|r| r.issue == *b))
        .collect()
}

/// The scheduler over the run's issues with their recorded ends, and the
/// waiting dependents those ends skip (with why).
fn scheduler_for(
    plan: &Plan,
    rows: &[IssueRow],
    req: &RunRequest,
) -> anyhow::Result<(Scheduler, Vec<(IssueNumber, String)>)> {
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
    let blocked = scheduler.restore(known.collect::<Vec<_>>())?;
    Ok((scheduler, blocked))
}
