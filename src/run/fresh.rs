//! A new run: check the checkout, plan, refuse what cannot run, record the
//! run and its issues in the checkpoint, then start the actors.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail};
use serde_json::json;

use super::gate::{Gated, gate_run};
use super::launch::{run_to_end, start_services};
use super::start::RunRequest;
use crate::checkpoint::{IssueState, NewIssue, NewRun, Store};
use crate::command::exit::Exit;
use crate::command::plan_cmd::{self, Planned};
use crate::context::{RunContext, RunIssue};
use crate::coord::BudgetGate;
use crate::git::Git;
use crate::ids::IssueNumber;
use crate::messages::checkpoint::ReplacePlan;
use crate::plan::Plan;
use crate::schedule::{IssueStatus, PlannedIssue, Scheduler};

pub async fn fresh(req: RunRequest, mut store: Store) -> anyhow::Result<Exit> {
    let git = Git::new(&req.root);
    if req.settings.parallel == 1 {
        let dirty = git.uncommitted_changes().await?;
        if !dirty.is_empty() {
            bail!(
                "the checkout has uncommitted changes ({}); with --parallel 1 workers run in this checkout, so commit or stash them first (or use --parallel 2 or more: workers then get their own worktrees)",
                dirty.join(", ")
            );
        }
    }
    let planned = plan_cmd::make_plan(&*req.gh, &req.target, &req.settings, None).await?;
    show_plan(&planned, req.json);
    if let Some(problem) = plan_cmd::blocking_problem(&planned.plan) {
        eprintln!("{problem}");
        return Ok(Exit::Failure);
    }
    let merged_before = merged_in_earlier_runs(&store, &req)?;
    let scheduler = scheduler_for(&planned.plan, &req, &merged_before)?;
    let issues = run_issues(&planned.plan, req.only_wave, &merged_before);
    let initial_waves = planned.plan.execution_waves.clone();
    if issues.is_empty() {
        println!("Nothing to run: every planned issue is closed, blocked or already merged.");
        return Ok(Exit::Success);
    }
    let base = req.base().await?;
    let run_id = store.create_run(&new_run(&req, &planned.plan, &issues))?;
    let services = start_services(store, run_id, &req.settings, req.approve_all).await;
    let plan = if planned.plan.needs_review() {
        match gate_run(&services, run_id, &req, planned, "The plan needs review").await? {
            Gated::Go(planned) => planned.plan,
            Gated::Stop(exit) => return Ok(exit),
        }
    } else {
        planned.plan
    };
    let (scheduler, issues) = if plan.execution_waves == initial_waves {
        (scheduler, issues)
    } else {
        let scheduler = scheduler_for(&plan, &req, &merged_before)?;
        let issues = run_issues(&plan, req.only_wave, &merged_before);
        let waves = issues.values().map(|i| (i.number, i.wave)).collect();
        let plan_json = serde_json::to_value(&plan).expect("a plan always serialises");
        services
            .checkpoint
            .send(ReplacePlan {
                run: run_id,
                plan: plan_json,
                waves,
            })
            .await??;
        (scheduler, issues)
    };
    let budget = BudgetGate::new(req.settings.budget.max_total_usd, 0.0);
    let label = req.target.label();
    let ctx = RunContext::new(req.parts(), run_id, label, base, issues);
    run_to_end(ctx, services, scheduler, budget).await
}

fn show_plan(planned: &Planned, json: bool) {
    if json {
        println!("{}", plan_cmd::render_json(planned));
    } else {
        print!("{}", plan_cmd::render_text(planned));
    }
}

/// Issues of this target that an earlier run merged (they may still be open
/// on GitHub when their PR did not say "Closes").
fn merged_in_earlier_runs(
    store: &Store,
    req: &RunRequest,
) -> anyhow::Result<BTreeSet<IssueNumber>> {
    let Some(run) = store.latest_run(&req.repo, &req.target.key())? else {
        return Ok(BTreeSet::new());
    };
    Ok(store
        .load_issues(run.id)?
        .into_iter()
        .filter(|r| r.state == IssueState::Merged)
        .map(|r| r.issue)
        .collect())
}

/// The scheduler over every planned issue, earlier merges restored, and
/// `--wave` checked: it refuses, naming them, when blockers are not merged.
fn scheduler_for(
    plan: &Plan,
    req: &RunRequest,
    merged: &BTreeSet<IssueNumber>,
) -> anyhow::Result<Scheduler> {
    let planned = plan.scheduled().map(|i| PlannedIssue {
        number: i.number,
        wave: plan.wave_of(i.number).unwrap_or(1),
        blockers: plan.blockers_of(i.number),
    });
    let mut scheduler = Scheduler::new(planned, req.settings.schedule, req.only_wave)
        .map_err(|e| anyhow!("the plan cannot be scheduled: {e}"))?;
    let known = plan
        .scheduled()
        .filter(|i| merged.contains(&i.number))
        .map(|i| (i.number, IssueStatus::Merged));
    scheduler.restore(known.collect::<Vec<_>>())?;
    if let Some(wave) = req.only_wave {
        scheduler
            .check_only_wave(wave)
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(scheduler)
}

/// The issues this run works on: the planned ones (of `--wave` only, when
/// given), minus those already merged.
fn run_issues(
    plan: &Plan,
    only_wave: Option<u32>,
    merged: &BTreeSet<IssueNumber>,
) -> BTreeMap<IssueNumber, RunIssue> {
    plan.scheduled()
        .filter(|i| !merged.contains(&i.number))
        .filter(|i| only_wave.is_none_or(|w| plan.wave_of(i.number) == Some(w)))
        .map(|i| {
            let issue = RunIssue {
                number: i.number,
                title: i.title.clone(),
                wave: plan.wave_of(i.number).unwrap_or(1),
                blockers: plan.blockers_of(i.number),
            };
            (i.number, issue)
        })
        .collect()
}

fn new_run(req: &RunRequest, plan: &Plan, issues: &BTreeMap<IssueNumber, RunIssue>) -> NewRun {
    NewRun {
        repo: req.repo.clone(),
        target_key: req.target.key(),
        target_label: req.target.label(),
        options: json!({
            "parallel": req.settings.parallel,
            "schedule": req.settings.schedule,
            "skip_ci": req.settings.ci.skip,
            "wave": req.only_wave,
        }),
        plan: serde_json::to_value(plan).expect("a plan always serialises"),
        budget_usd: req.settings.budget.max_total_usd,
        issues: issues
            .values()
            .map(|i| NewIssue {
                number: i.number,
                title: i.title.clone(),
                wave: i.wave,
            })
            .collect(),
    }
}
