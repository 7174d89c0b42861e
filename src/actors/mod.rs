//! The actor tree: the milestone supervisor, wave supervisors, issue actors,
//! and the actors owning the checkpoint and approvals; the ports through
//! which an issue's effects reach them.

pub mod approval;
pub mod checkpoint;
pub mod issue;
pub mod milestone;
pub mod ports;
pub mod wave;

pub use approval::ApprovalActor;
pub use checkpoint::CheckpointActor;
pub use issue::{IssueActor, IssueActorParts};
pub use milestone::{MilestoneParts, MilestoneSupervisor};
pub use wave::{ActorFactory, WaveParent, WaveSupervisor};
