//! Shared helpers for the integration tests.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod approval;
pub mod cli;
pub mod convert;
pub mod peers;
pub mod plan;
pub mod prism_relay;
pub mod tester;
pub mod world;
