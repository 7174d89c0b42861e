//! What happens when a run ends: cleanup (only for a finished run — a
//! stopped one keeps its worktrees for the resume), the summary, and the
//! closing notification (with the summary's numbers, for the hooks).

pub mod cleanup;
pub mod summary;

use actix::Addr;

use crate::actors::CheckpointActor;
use crate::checkpoint::RunStatus;
use crate::command::exit::Exit;
use crate::context::RunContext;
use crate::messages::RunEnd;
use crate::messages::checkpoint::{LoadIssues, LoadRun};
use crate::notify::Notice;
use summary::SummaryInput;

/// Cleans up after a finished run, prints the summary and returns the exit.
/// The closing notice is returned for the approval actor to send: its text
/// for the channel, its numbers for the notification hooks.
pub async fn finish(
    ctx: &RunContext,
    checkpoint: &Addr<CheckpointActor>,
    end: &RunEnd,
) -> anyhow::Result<(Exit, Option<Notice>)> {
    if let RunEnd::Finished(_) = end {
        match cleanup::cleanup(ctx, checkpoint).await {
            Ok(report) => print!("{}", report.render()),
            Err(e) => eprintln!("warning: cleanup did not finish: {e}"),
        }
    }
    let run = checkpoint.send(LoadRun { run: ctx.run_id }).await??;
    let issues = checkpoint.send(LoadIssues { run: ctx.run_id }).await??;
    let input = SummaryInput {
        label: &ctx.label,
        status: run.status,
        issues: &issues,
        now: chrono::Utc::now(),
    };
    println!("\n{}", summary::render(&input));
    let notification = match run.status {
        RunStatus::Completed | RunStatus::Partial | RunStatus::Failed => Some(Notice::finished(
            summary::notification(&input),
            summary::digest(&input),
        )),
        _ => None,
    };
    if let RunEnd::BudgetSpent(_) = end {
        println!(
            "The budget cap is spent. Resume with a higher cap: the same command with --resume --max-budget-usd-total <usd>."
        );
    }
    if let RunEnd::AwaitingHuman(_) | RunEnd::Stuck(_) = end {
        println!(
            "Some questions could not be asked. Configure Telegram (TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID) or run on a terminal, then run the same command with --resume."
        );
    }
    Ok((crate::run::exit::for_end(end), notification))
}
