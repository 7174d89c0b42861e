//! The sandbox GitHub: a stateful in-process fake of the GitHub REST subset this program uses, served on loopback.
