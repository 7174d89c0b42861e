//! Applying a machine event to an issue straight in the checkpoint, for
//! issues no actor holds: a resume reopening what it should, a pending
//! issue skipped because a blocker ended, an issue the supervisor gave up
//! on. The same pure `next` decides reopening and skipping as in the
//! actor; giving up (`Change::Fail`) ends the machine as failed, whatever
//! stage it was in, since the supervisor decided it.

use chrono::Utc;

use crate::checkpoint::{CheckpointError, IssueRow, IssueState, RunId, Store};
use crate::ids::IssueNumber;
use crate::review::Limits;

use super::machine::{Cx, Event, IssueMachine, next};

/// What to do to a stored issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The run is resumed (`--reset-attempts`: `reset_counters`).
    Resume { reset_counters: bool },
    /// A blocker of this pending issue failed or was skipped.
    Block { reason: String },
    /// The supervisor gave up on the issue.
    Fail { reason: String },
}

/// Why a change could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Unreadable(#[from] super::Unreadable),
    #[error(transparent)]
    Rejected(#[from] super::Rejected),
}

/// Applies `change` to `issue` of `run`; answers the state it left and the
/// new row (unchanged when the machine says nothing changes).
pub fn apply(
    store: &mut Store,
    run: RunId,
    issue: IssueNumber,
    change: &Change,
) -> Result<(IssueState, IssueRow), ChangeError> {
    let row = store.load_issue(run, issue)?;
    let readable = IssueMachine::of_row(&row);
    let set_aside = readable.is_err();
    let machine = match readable {
        Ok(machine) => machine,
        // The user chose to start counting again (`--reset-attempts`): the
        // unreadable saved state is set aside, and the issue is taken up
        // from its columns (its PR, its branch) like a row saved before
        // machines were, which GitHub then confirms.
        Err(_)
            if *change
                == (Change::Resume {
                    reset_counters: true,
                }) =>
        {
            IssueMachine::of_row(&IssueRow {
                machine: None,
                ..row.clone()
            })?
        }
        Err(e) => return Err(e.into()),
    };
    let limits = Limits::default();
    let cx = Cx {
        limits: &limits,
        now: Utc::now(),
    };
    let (next_machine, note) = match change {
        Change::Resume { reset_counters } => {
            let event = Event::Resumed {
                reset_counters: *reset_counters,
            };
            (next(&machine, event, &cx)?.machine, "resumed")
        }
        Change::Block { reason } => {
            let event = Event::BlockerEnded {
                reason: reason.clone(),
            };
            (next(&machine, event, &cx)?.machine, "a blocker ended")
        }
        Change::Fail { reason } => (machine.failed(reason.clone()), "given up"),
    };
    if next_machine == machine && row.machine.is_some() && !set_aside {
        return Ok((row.state, row));
    }
    let saved = store.save_machine(
        run,
        issue,
        &next_machine.to_json(),
        &next_machine.columns(),
        Some(note),
    )?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::testutil::store_with_run;

    #[test]
    fn a_pending_issue_is_skipped_when_a_blocker_ends_and_reopened_on_resume() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let issue = IssueNumber(1);
        let reason = "blocked by #3: failed".to_string();
        let (from, row) = apply(
            &mut store,
            run,
            issue,
            &Change::Block {
                reason: reason.clone(),
            },
        )
        .unwrap();
        assert_eq!(
            (from, row.state),
            (IssueState::Pending, IssueState::Skipped)
        );
        assert_eq!(row.skip_reason, Some(reason));
        let (_, row) = apply(
            &mut store,
            run,
            issue,
            &Change::Resume {
                reset_counters: false,
            },
        )
        .unwrap();
        assert_eq!(row.state, IssueState::Pending);
        assert_eq!(row.skip_reason, None);
    }

    #[test]
    fn a_change_the_machine_rejects_is_an_error_and_writes_nothing() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let issue = IssueNumber(1);
        apply(
            &mut store,
            run,
            issue,
            &Change::Fail {
                reason: "gave up".into(),
            },
        )
        .unwrap();
        let events = store.events(run).unwrap().len();
        let err = apply(
            &mut store,
            run,
            issue,
            &Change::Block { reason: "x".into() },
        )
        .unwrap_err();
        assert!(matches!(err, ChangeError::Rejected(_)), "{err}");
        assert_eq!(store.events(run).unwrap().len(), events);
    }

    #[test]
    fn reset_attempts_sets_an_unreadable_saved_state_aside() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let issue = IssueNumber(1);
        let row = store.load_issue(run, issue).unwrap();
        let cols = IssueMachine::of_row(&row).unwrap().columns();
        let bogus = serde_json::json!({ "stage": { "Teleporting": {} } });
        store.save_machine(run, issue, &bogus, &cols, None).unwrap();
        let resume = |reset_counters| Change::Resume { reset_counters };
        let err = apply(&mut store, run, issue, &resume(false)).unwrap_err();
        assert!(matches!(err, ChangeError::Unreadable(_)), "{err}");
        let (_, row) = apply(&mut store, run, issue, &resume(true)).unwrap();
        assert!(IssueMachine::of_row(&row).is_ok(), "{row:?}");
    }
}
