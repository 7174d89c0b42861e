//! The typed messages the actors exchange, one file per receiving actor.
