//! Showing a run as it goes: the live tree on a terminal, plain lines elsewhere.
