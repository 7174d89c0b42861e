//! The issue effects' ports, plugged into the actors: the checkpoint actor
//! for the issue's row, the approval actor for a human, the milestone
//! supervisor for slots, the budget, merge turns and the people watching.

use std::path::PathBuf;

use actix::{Addr, Recipient};
use async_trait::async_trait;

use super::{CheckpointActor, MilestoneSupervisor};
use crate::checkpoint::QuestionKind;
use crate::checkpoint::{CheckpointError, CostTotals, IssueRow, RunId, SessionRef};
use crate::human::{Answer, AskError, Question};
use crate::ids::{BranchName, IssueNumber};
use crate::issue::effects::{Coordinator, Crash, Held, Human, IssueStore, Refusal, SlotFor};
use crate::messages::checkpoint::{
    AddCost, AppendEvent, ClearWorker, HasEvent, LoadIssue, RecordWorker, RecordWorktree,
    SetActivity, SetSession, StoreCommand, WorkerIntent, WorktreeRemoved,
};
use crate::messages::{
    Ask, CostRecorded, IssueActivity, IssueNoted, Notify, RequestMergeTurn, RequestSlot, Withdraw,
};
use crate::worker::ProcessIdentity;

/// One issue's row, through the checkpoint actor.
pub struct StorePort {
    pub checkpoint: Addr<CheckpointActor>,
    pub run: RunId,
    pub issue: IssueNumber,
}

impl StorePort {
    async fn send<M, T>(&self, msg: M) -> Result<T, Crash>
    where
        M: StoreCommand<Result = Result<T, CheckpointError>>,
        T: Send + 'static,
        CheckpointActor: actix::Handler<M>,
        <CheckpointActor as actix::Actor>::Context: actix::dev::ToEnvelope<CheckpointActor, M>,
    {
        match self.checkpoint.send(msg).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Crash::Checkpoint(e.to_string())),
            Err(_) => Err(Crash::Checkpoint("the checkpoint actor is gone".into())),
        }
    }
}

#[async_trait]
impl IssueStore for StorePort {
    async fn row(&self) -> Result<IssueRow, Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(LoadIssue { run, issue }).await
    }

    async fn event(&self, kind: &str, detail: String) -> Result<(), Crash> {
        let msg = AppendEvent {
            run: self.run,
            issue: Some(self.issue),
            kind: kind.into(),
            detail: Some(detail),
        };
        self.send(msg).await.map(|_| ())
    }

    async fn intent_recorded(&self, kind: &str, detail: &str) -> Result<bool, Crash> {
        let msg = HasEvent {
            run: self.run,
            issue: self.issue,
            kind: kind.into(),
            detail: detail.into(),
        };
        self.send(msg).await
    }

    async fn worker_intent(&self, mark: String) -> Result<(), Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(WorkerIntent { run, issue, mark }).await
    }

    async fn record_worker(&self, worker: ProcessIdentity) -> Result<(), Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(RecordWorker { run, issue, worker }).await
    }

    async fn clear_worker(&self) -> Result<(), Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(ClearWorker { run, issue }).await
    }

    async fn set_session(&self, session: Option<SessionRef>) -> Result<(), Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(SetSession {
            run,
            issue,
            session,
        })
        .await
    }

    async fn set_activity(&self, activity: serde_json::Value) -> Result<(), Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(SetActivity {
            run,
            issue,
            activity,
        })
        .await
    }

    async fn add_cost(&self, usd: f64) -> Result<CostTotals, Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(AddCost { run, issue, usd }).await
    }

    async fn record_worktree(&self, path: PathBuf, branch: BranchName) -> Result<(), Crash> {
        let (run, issue) = (self.run, self.issue);
        self.send(RecordWorktree {
            run,
            issue,
            path,
            branch,
        })
        .await
        .map(|_| ())
    }

    async fn worktree_removed(&self, path: PathBuf) -> Result<(), Crash> {
        let run = self.run;
        self.send(WorktreeRemoved { run, path }).await.map(|_| ())
    }
}

/// A human, through the approval actor, about one issue.
pub struct HumanPort {
    pub ask: Recipient<Ask>,
    pub withdraw: Recipient<Withdraw>,
    pub notify: Recipient<Notify>,
    pub run: RunId,
    pub issue: IssueNumber,
}

#[async_trait]
impl Human for HumanPort {
    async fn ask(&self, question: Question) -> Result<Result<Answer, AskError>, Crash> {
        let ask = Ask {
            run: self.run,
            question,
        };
        self.ask
            .send(ask)
            .await
            .map_err(|_| Crash::Mailbox("the approval actor".into()))
    }

    fn withdraw(&self, why: String) {
        self.withdraw.do_send(Withdraw {
            run: self.run,
            kind: QuestionKind::Merge,
            issue: Some(self.issue),
            why,
        });
    }

    fn notify(&self, text: String) {
        self.notify.do_send(Notify { text });
    }
}

/// The milestone supervisor, as one issue's coordinator.
pub struct CoordinatorPort {
    pub supervisor: Addr<MilestoneSupervisor>,
    pub issue: IssueNumber,
}

#[async_trait]
impl Coordinator for CoordinatorPort {
    async fn slot(&self, purpose: SlotFor) -> Result<Held, Refusal> {
        let request = RequestSlot {
            issue: self.issue,
            purpose,
        };
        match self.supervisor.send(request).await {
            Ok(Ok(grant)) => Ok(Held(Box::new(grant))),
            Ok(Err(refusal)) => Err(refusal),
            Err(_) => Err(Refusal::Stopping),
        }
    }

    async fn merge_turn(&self) -> Option<Held> {
        let request = RequestMergeTurn { issue: self.issue };
        match self.supervisor.send(request).await {
            Ok(Some(turn)) => Some(Held(Box::new(turn))),
            _ => None,
        }
    }

    fn spent(&self, run_total: f64) {
        self.supervisor.do_send(CostRecorded {
            issue: self.issue,
            run_total,
        });
    }

    fn note(&self, text: String) {
        self.supervisor.do_send(IssueNoted {
            issue: self.issue,
            text,
        });
    }

    fn doing(&self, text: String) {
        self.supervisor.do_send(IssueActivity {
            issue: self.issue,
            text,
        });
    }
}
