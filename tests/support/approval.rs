//! The approval actor on a real checkpoint, for the channel tests
//! (`approval_terminal`, `contract_telegram`): a run of issues #123 and
//! #124, asks sent the way the review loop sends them, and answers awaited
//! with a bound.

use std::path::{Path, PathBuf};
use std::time::Duration;

use actix::{Actor, Addr};
use serde_json::json;

use auto_milestone::actors::{ApprovalActor, CheckpointActor};
use auto_milestone::approval::{ApprovalConfig, ChannelChoice};
use auto_milestone::checkpoint::{NewIssue, NewRun, RunId, Store};
use auto_milestone::ids::{IssueNumber, RepoSlug};
use auto_milestone::messages::approval::{Answer, Ask, AskError, Question};

/// Every wait in these tests ends long before this.
pub const PATIENCE: Duration = Duration::from_secs(15);
/// A reminder delay no test reaches.
pub const NO_REMINDER: Duration = Duration::from_secs(3600);

/// A checkpoint in `dir` holding one run of issues #123 and #124.
pub fn new_checkpoint(dir: &Path) -> (PathBuf, RunId) {
    let path = dir.join("checkpoint.db");
    let mut store = Store::open(&path).unwrap();
    let issues = [123, 124]
        .map(|n| NewIssue {
            number: IssueNumber(n),
            title: format!("Issue {n}"),
            wave: 1,
        })
        .to_vec();
    let run = store
        .create_run(&NewRun {
            repo: RepoSlug::new("acme", "widgets"),
            target_key: "issues:123,124".into(),
            target_label: "issues 123, 124".into(),
            options: json!({}),
            plan: json!({}),
            budget_usd: None,
            issues,
        })
        .unwrap();
    (path, run)
}

/// The approval actor on one channel and the checkpoint actor under it.
pub struct Bench {
    pub approval: Addr<ApprovalActor>,
    pub checkpoint: Addr<CheckpointActor>,
}

impl Bench {
    /// Starts both actors on the checkpoint at `path`; call inside an actix system.
    pub fn start(path: &Path, run: RunId, channel: ChannelChoice, reminder: Duration) -> Bench {
        let checkpoint = CheckpointActor::start_on_own_thread(Store::open(path).unwrap());
        let approval = ApprovalActor::new(ApprovalConfig {
            channel,
            run,
            checkpoint: auto_milestone::approval::store::Questions::new(checkpoint.clone()),
            reminder,
        })
        .start();
        Bench {
            approval,
            checkpoint,
        }
    }
}

pub type Pending = tokio::task::JoinHandle<Result<Answer, AskError>>;

/// Asks `question` without waiting for the answer.
pub fn ask(b: &Bench, run: RunId, question: Question) -> Pending {
    let request = b.approval.send(Ask { run, question });
    actix::spawn(async move { request.await.expect("the approval actor answers") })
}

/// The answer to an ask, failing the test if none comes within [`PATIENCE`].
pub async fn answer_of(pending: Pending) -> Result<Answer, AskError> {
    tokio::time::timeout(PATIENCE, pending)
        .await
        .expect("the ask was answered in time")
        .unwrap()
}
