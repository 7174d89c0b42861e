//! How a run's end becomes the process's exit code.

use crate::command::exit::Exit;
use crate::messages::outcome::{RunEnd, StopCause};

pub fn for_stop(cause: StopCause) -> Exit {
    match cause {
        StopCause::Terminate => Exit::Terminated,
        StopCause::Interrupt => Exit::Interrupted,
        StopCause::Fault => Exit::Failure,
    }
}

pub fn for_end(end: &RunEnd) -> Exit {
    use crate::checkpoint::RunStatus;
    match end {
        RunEnd::Finished(RunStatus::Completed) => Exit::Success,
        RunEnd::Finished(RunStatus::Partial) => Exit::Partial,
        RunEnd::Finished(_) => Exit::Failure,
        RunEnd::Stopped(cause) => for_stop(*cause),
        RunEnd::AwaitingHuman(_) | RunEnd::Stuck(_) | RunEnd::BudgetSpent(_) => Exit::AwaitingHuman,
    }
}
