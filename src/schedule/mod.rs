//! Which issue may start when: blockers, worker slots, skips that propagate to dependents.
