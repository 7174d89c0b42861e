//! `CheckpointActor`: the only owner of the checkpoint's SQLite connection.
//! Every write goes through it, so the run has exactly one writer.

use actix::dev::MessageResponse;
use actix::{Actor, Context, Handler};

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
}

impl Actor for CheckpointActor {
    type Context = Context<Self>;
}

impl<M> Handler<M> for CheckpointActor
where
    M: StoreCommand,
    M::Result: MessageResponse<CheckpointActor, M>,
{
    type Result = M::Result;

    fn handle(&mut self, msg: M, _ctx: &mut Context<Self>) -> M::Result {
        msg.apply(&mut self.store)
    }
}
