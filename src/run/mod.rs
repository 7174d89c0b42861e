//! Starting, resuming and finishing a run: the glue between the command line and the actor tree.

pub mod outcome;
