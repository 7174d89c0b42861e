//! The actor tree: the milestone supervisor, wave supervisors, issue actors,
//! and the actors owning the checkpoint and approvals.

pub mod checkpoint;

pub use checkpoint::CheckpointActor;
