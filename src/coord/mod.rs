//! What the milestone supervisor coordinates between issues, as plain
//! types: worker slots (`--parallel N`), the budget cap's decision, and one
//! merge at a time. The supervisor is their only owner; issues ask it by
//! message, so nothing here is shared or locked.

pub mod budget;
pub mod queue;

pub use budget::{Admission, BudgetGate};
pub use queue::Turnstile;
