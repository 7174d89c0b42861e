//! Shared helpers for the integration tests.

pub mod cli;
pub mod peers;
pub mod prism_relay;
pub mod world;
