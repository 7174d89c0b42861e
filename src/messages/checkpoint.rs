//! Messages the `CheckpointActor` receives: every one is a command to read or
//! write the checkpoint, answered with the store's result. Actors await the
//! answer before the side effect the write announces (persist, then act).

use std::path::PathBuf;

use crate::checkpoint::{
    CheckpointError, CostTotals, IssuePatch, IssueRow, IssueState, MachineColumns, NewQuestion,
    QuestionRow, RunId, RunRow, RunStatus, SessionRef, Store, WorkerRef, WorktreeRow,
};
use crate::ids::{BranchName, IssueNumber};
use crate::issue::stored::{self, Change};

/// A message the checkpoint actor answers by applying it to its store.
pub trait StoreCommand: actix::Message + Send + 'static {
    fn apply(self, store: &mut Store) -> Self::Result;
}

macro_rules! store_command {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? } -> $ret:ty = |$store:ident, $msg:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name { $(pub $field: $ty),* }

        impl actix::Message for $name {
            type Result = Result<$ret, CheckpointError>;
        }

        impl StoreCommand for $name {
            fn apply(self, $store: &mut Store) -> Self::Result {
                let $msg = self;
                $body
            }
        }
    };
}

store_command!(
    /// Command: read one issue's row.
    LoadIssue { run: RunId, issue: IssueNumber } -> IssueRow = |s, m| s.load_issue(m.run, m.issue)
);
store_command!(
    /// Command: read every issue row of a run.
    LoadIssues { run: RunId } -> Vec<IssueRow> = |s, m| s.load_issues(m.run)
);
store_command!(
    /// Command: record that an issue moved to `to`, with the columns in
    /// `patch`; answers the state it left and the new row.
    Transition { run: RunId, issue: IssueNumber, to: IssueState, patch: IssuePatch } -> (IssueState, IssueRow)
        = |s, m| s.transition_from(m.run, m.issue, m.to, m.patch)
);
store_command!(
    /// Command: change an issue's columns without changing its state.
    UpdateIssue { run: RunId, issue: IssueNumber, patch: IssuePatch } -> IssueRow
        = |s, m| s.update_issue(m.run, m.issue, m.patch)
);
store_command!(
    /// Command: save an issue's machine with the columns it projects;
    /// answers the state it left and the new row.
    SaveMachine { run: RunId, issue: IssueNumber, machine: serde_json::Value, cols: MachineColumns, note: Option<String> }
        -> (IssueState, IssueRow)
        = |s, m| s.save_machine(m.run, m.issue, &m.machine, &m.cols, m.note.as_deref())
);
store_command!(
    /// Command: tell whether the issue's log holds event `kind` with `detail`.
    HasEvent { run: RunId, issue: IssueNumber, kind: String, detail: String } -> bool
        = |s, m| s.has_event(m.run, m.issue, &m.kind, &m.detail)
);
store_command!(
    /// Command: record that a worker is about to start with `mark`.
    WorkerIntent { run: RunId, issue: IssueNumber, mark: String } -> ()
        = |s, m| s.record_worker_intent(m.run, m.issue, &m.mark)
);
store_command!(
    /// Command: apply a machine change to an issue no actor holds (skip it
    /// for a blocker, give up on it); answers the state it left and the new row.
    ChangeIssue { run: RunId, issue: IssueNumber, change: Change } -> (IssueState, IssueRow)
        = |s, m| stored::apply(s, m.run, m.issue, &m.change).map_err(|e| match e {
            stored::ChangeError::Checkpoint(e) => e,
            other => CheckpointError::Refused(other.to_string()),
        })
);
store_command!(
    /// Command: record the worker process now running for an issue.
    RecordWorker { run: RunId, issue: IssueNumber, worker: WorkerRef } -> ()
        = |s, m| s.record_worker(m.run, m.issue, m.worker, None)
);
store_command!(
    /// Command: forget the issue's worker process (it has exited).
    ClearWorker { run: RunId, issue: IssueNumber } -> () = |s, m| s.clear_worker(m.run, m.issue)
);
store_command!(
    /// Command: record the agent session an issue's worker started, or
    /// forget it (`None`) once a worker finished its work.
    SetSession { run: RunId, issue: IssueNumber, session: Option<SessionRef> } -> ()
        = |s, m| s.set_session(m.run, m.issue, m.session.as_ref())
);
store_command!(
    /// Command: replace what the issue's running worker is doing (for `status`).
    SetActivity { run: RunId, issue: IssueNumber, activity: serde_json::Value } -> ()
        = |s, m| s.set_activity(m.run, m.issue, &m.activity)
);
store_command!(
    /// Command: record a worktree this run is about to create for an issue.
    RecordWorktree { run: RunId, issue: IssueNumber, path: PathBuf, branch: BranchName } -> WorktreeRow
        = |s, m| s.record_worktree(m.run, m.issue, &m.path, &m.branch)
);
store_command!(
    /// Command: record that a worktree of this run was removed.
    WorktreeRemoved { run: RunId, path: PathBuf } -> bool = |s, m| s.mark_worktree_removed(m.run, &m.path)
);
store_command!(
    /// Command: read the worktrees this run created and has not removed.
    LiveWorktrees { run: RunId } -> Vec<WorktreeRow> = |s, m| s.live_worktrees(m.run)
);
store_command!(
    /// Command: read the run's row.
    LoadRun { run: RunId } -> RunRow = |s, m| s.load_run(m.run)
);
store_command!(
    /// Command: add a worker's cost to its issue and to the run.
    AddCost { run: RunId, issue: IssueNumber, usd: f64 } -> CostTotals = |s, m| s.add_cost(m.run, m.issue, m.usd)
);
store_command!(
    /// Command: append a line to the run's event log.
    AppendEvent { run: RunId, issue: Option<IssueNumber>, kind: String, detail: Option<String> } -> i64
        = |s, m| s.append_event(m.run, m.issue, &m.kind, m.detail.as_deref())
);
store_command!(
    /// Command: set the run's status (a final status also sets its end time).
    SetRunStatus { run: RunId, status: RunStatus } -> RunRow = |s, m| s.set_run_status(m.run, m.status)
);
store_command!(
    /// Command: replace the run's plan after a re-plan (same issues, new waves).
    ReplacePlan { run: RunId, plan: serde_json::Value, waves: Vec<(IssueNumber, u32)> } -> RunRow
        = |s, m| s.replace_plan(m.run, &m.plan, &m.waves)
);
store_command!(
    /// Command: set or clear the run's total budget.
    SetBudget { run: RunId, usd: Option<f64> } -> RunRow = |s, m| s.set_budget(m.run, m.usd)
);
store_command!(
    /// Command: record a question before it is sent.
    InsertQuestion { question: NewQuestion } -> QuestionRow = |s, m| s.insert_question(&m.question)
);
store_command!(
    /// Command: record the chat message that carries a question.
    SetQuestionMessage { id: String, message_id: i64 } -> QuestionRow
        = |s, m| s.set_question_message(&m.id, m.message_id)
);
store_command!(
    /// Command: record a question's answer.
    AnswerQuestion { id: String, answer: String, answered_by: Option<String> } -> QuestionRow
        = |s, m| s.answer_question(&m.id, &m.answer, m.answered_by.as_deref())
);
store_command!(
    /// Command: mark a question void (its head moved, or it no longer applies).
    VoidQuestion { id: String, why: String } -> QuestionRow = |s, m| s.void_question(&m.id, &m.why)
);
store_command!(
    /// Command: record that a question's reminder was sent.
    MarkReminded { id: String } -> QuestionRow = |s, m| s.mark_reminded(&m.id)
);
store_command!(
    /// Command: read the run's open questions.
    OpenQuestions { run: RunId } -> Vec<QuestionRow> = |s, m| s.open_questions(m.run)
);
store_command!(
    /// Command: read one question.
    GetQuestion { id: String } -> Option<QuestionRow> = |s, m| s.question(&m.id)
);
store_command!(
    /// Command: read the newest question carried by a chat message.
    QuestionByMessage { channel: String, message_id: i64 } -> Option<QuestionRow>
        = |s, m| s.question_by_message(&m.channel, m.message_id)
);
store_command!(
    /// Command: read a stored value (such as the Telegram update offset).
    KvGet { key: String } -> Option<String> = |s, m| s.kv_get(&m.key)
);
store_command!(
    /// Command: store a value.
    KvSet { key: String, value: String } -> () = |s, m| s.kv_set(&m.key, &m.value)
);
