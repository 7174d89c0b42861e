//! The built-in demo: a sample milestone in the sandbox, run through the whole flow.
