//! auto-milestone: plans a GitHub milestone into waves of issues and runs each
//! issue through a headless coding-agent worker, CI, review and a human's
//! approval, under a supervised actor tree with a SQLite checkpoint.

pub mod actors;
pub mod approval;
pub mod checkpoint;
pub mod cli;
pub mod command;
pub mod config;
pub mod context;
pub mod coord;
pub mod dashboard;
#[cfg(feature = "demo")]
pub mod demo;
pub mod doctor;
pub mod git;
pub mod github;
pub mod human;
pub mod ids;
pub mod issue;
pub mod messages;
pub mod notify;
pub mod paths;
pub mod plan;
pub mod progress;
pub mod review;
pub mod run;
pub mod schedule;
pub mod status;
pub mod supervision;
pub mod worker;
