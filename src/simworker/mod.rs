//! The simulated coding-agent worker used by the demo and the tests.
