//! Finding a GitHub token: GITHUB_TOKEN, then GH_TOKEN, then `gh auth token`.
