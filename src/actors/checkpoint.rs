//! `CheckpointActor`: the only owner of the checkpoint's SQLite connection.
//! Every write goes through it, so the run has exactly one writer. It runs
//! on a `SyncArbiter` thread of its own, so a write (fsync'ed, in WAL) never
//! blocks the event loop the other actors share.
//!
//! Restart kind: temporary (`RestartPolicy::checkpoint`). A store command
//! that fails answers the error; the issue it came from crashes with a
//! checkpoint reason, which the milestone supervisor turns into stopping
//! the run: a checkpoint that failed a write cannot be trusted to describe
//! what happened, and everything committed before is enough to resume.

use std::sync::Mutex;

use actix::dev::MessageResponse;
use actix::{Actor, Addr, Handler, SyncArbiter, SyncContext};

use crate::checkpoint::Store;
use crate::messages::checkpoint::StoreCommand;

/// Owns the store; answers each command with the store's result.
pub struct CheckpointActor {
    store: Store,
}

impl CheckpointActor {
    pub fn new(store: Store) -> Self {
        CheckpointActor { store }
    }

    /// Starts the actor on a thread of its own, owning `store`.
    pub fn start_on_own_thread(store: Store) -> Addr<CheckpointActor> {
        let store = Mutex::new(Some(store));
        SyncArbiter::start(1, move || {
            let store = store
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .expect("the checkpoint actor is started once and never restarted");
            CheckpointActor::new(store)
        })
    }
}

impl Actor for CheckpointActor {
    type Context = SyncContext<Self>;
}

impl<M> Handler<M> for CheckpointActor
where
    M: StoreCommand,
    M::Result: MessageResponse<CheckpointActor, M> + Send,
{
    type Result = M::Result;

    fn handle(&mut self, msg: M, _ctx: &mut SyncContext<Self>) -> M::Result {
        msg.apply(&mut self.store)
    }
}

impl crate::approval::store::QuestionStore for CheckpointActor {}
