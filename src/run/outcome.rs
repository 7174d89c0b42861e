//! How an issue, and a whole run, can end — the vocabulary the actors report
//! in and the command line turns into an exit code.

use crate::command::exit::Exit;
use crate::ids::{IssueNumber, PrNumber};

/// Why the run is being stopped before its end.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StopCause {
    /// SIGTERM.
    Terminate,
    /// SIGINT (Ctrl-C).
    Interrupt,
}

impl StopCause {
    pub fn exit(self) -> Exit {
        match self {
            StopCause::Terminate => Exit::Terminated,
            StopCause::Interrupt => Exit::Interrupted,
        }
    }
}

/// Where an issue's actor left the issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueOutcome {
    Merged {
        pr: PrNumber,
    },
    /// Skipped by a human, or because a blocker failed or was skipped.
    Skipped {
        reason: String,
    },
    Failed {
        reason: String,
    },
    /// Stopped by a shutdown; the checkpoint holds where it was.
    Interrupted,
    /// Waiting for an answer nobody can be asked right now (no Telegram, no terminal).
    AwaitingHuman {
        question: String,
    },
    /// The budget cap is spent and a human said stop; resumable with a higher cap.
    BudgetSpent,
}

impl IssueOutcome {
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            IssueOutcome::Merged { .. }
                | IssueOutcome::Skipped { .. }
                | IssueOutcome::Failed { .. }
        )
    }
}

/// How a whole run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Every issue is final; the status was written to the checkpoint.
    Finished(crate::checkpoint::RunStatus),
    /// Stopped by a signal; resumable.
    Stopped(StopCause),
    /// Parked at questions nobody could be asked; resumable.
    AwaitingHuman(Vec<IssueNumber>),
    /// Some issues can never start (their blockers are parked); resumable.
    Stuck(Vec<IssueNumber>),
    /// The budget cap is spent and a human said stop; resumable with a higher cap.
    BudgetSpent(Vec<IssueNumber>),
}

impl RunEnd {
    pub fn exit(&self) -> Exit {
        use crate::checkpoint::RunStatus;
        match self {
            RunEnd::Finished(RunStatus::Completed) => Exit::Success,
            RunEnd::Finished(RunStatus::Partial) => Exit::Partial,
            RunEnd::Finished(_) => Exit::Failure,
            RunEnd::Stopped(cause) => cause.exit(),
            RunEnd::AwaitingHuman(_) | RunEnd::Stuck(_) | RunEnd::BudgetSpent(_) => {
                Exit::AwaitingHuman
            }
        }
    }
}
