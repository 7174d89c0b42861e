//! The actor tree: the milestone supervisor, wave supervisors, issue actors,
//! and the actors owning the checkpoint and approvals.

pub mod approval;
pub mod checkpoint;
pub mod issue;
pub mod milestone;
pub mod wave;

pub use approval::ApprovalActor;
pub use checkpoint::CheckpointActor;
pub use issue::IssueActor;
pub use milestone::{MilestoneParts, MilestoneSupervisor};
pub use wave::{EnvFactory, WaveSupervisor};
