//! Settings: defaults, the TOML file, environment variables and flags, merged in that order.
