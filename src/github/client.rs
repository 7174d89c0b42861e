//! `OctoGitHub`: the `GitHubApi` implementation over octocrab.

/// The octocrab-backed client (implemented in the GitHub client work).
pub struct OctoGitHub;
