//! The typed messages the actors exchange, one file per receiving actor.
//! Each message's doc says whether it is a command ("Stop ...", imperative)
//! or a fact ("... stopped", past tense).

pub mod approval;
pub mod checkpoint;
pub mod issue;
pub mod milestone;
pub mod outcome;
pub mod wave;

pub use approval::*;
pub use checkpoint::*;
pub use issue::*;
pub use milestone::*;
pub use outcome::*;
pub use wave::*;
