//! Settings: defaults, the TOML file, environment variables and flags, merged in that order.

pub mod catalog;
pub mod duration;
pub mod load;
pub mod settings;

pub use catalog::{CATALOG, SECRETS};
pub use duration::Dur;
pub use load::{ConfigError, load};
pub use settings::*;
