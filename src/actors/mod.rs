//! The actor tree: the milestone supervisor, wave supervisors, issue actors, worker actors, and the actors owning the checkpoint and approvals.
