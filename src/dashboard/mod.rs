//! The dashboard: a live local web page of a run (the issues' dependency
//! graph, timelines, worker logs, totals, open questions), served on
//! 127.0.0.1 behind a random token by `auto-milestone serve` and beside a
//! run started with `--dashboard`.

pub mod answers;
mod assets;
pub mod command;
mod live;
mod logs;
mod server;
pub mod state;
mod timeline;
mod token;

pub use answers::AnswerSink;
pub use command::ServeArgs;
pub use server::{Dashboard, Served};
pub use state::RunChoice;

/// The line that hands the page to the human.
pub fn announce(served: &Served) -> String {
    format!("Dashboard: {}", served.url())
}
