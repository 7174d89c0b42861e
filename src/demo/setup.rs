//! The demo's world on disk: a bare repository standing in for GitHub's
//! `origin`, and a clone of it to run in, both in a temporary directory.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::git::{Git, GitError};

/// Options for every command: an identity, so commits work on a machine that
/// has none configured, and no signing prompt.
const CONFIG: [&str; 8] = [
    "-c",
    "user.name=auto-milestone demo",
    "-c",
    "user.email=demo@auto-milestone.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
];

/// Runs git with argv in `dir`, through the crate's runner (prompt-free,
/// C locale, no inherited `GIT_DIR`).
async fn git(dir: &Path, args: &[&str]) -> Result<(), GitError> {
    let argv: Vec<&OsStr> = CONFIG.iter().chain(args).map(OsStr::new).collect();
    Git::new(dir).run(&argv).await.map(drop)
}

/// Paths of the demo's repositories.
pub struct DemoRepos {
    pub origin: PathBuf,
    pub checkout: PathBuf,
}

/// Creates `origin.git` (bare) and a clone `badge-forge` with one commit on main.
pub async fn create(dir: &Path) -> anyhow::Result<DemoRepos> {
    let origin = dir.join("origin.git");
    let checkout = dir.join("badge-forge");
    git(dir, &["init", "-q", "--bare", "-b", "main", "origin.git"]).await?;
    git(dir, &["clone", "-q", "origin.git", "badge-forge"]).await?;
    git(&checkout, &["checkout", "-q", "-b", "main"]).await?;
    std::fs::write(
        checkout.join("README.md"),
        "# badge-forge\n\nOpen Badges, signed and baked.\n",
    )?;
    git(&checkout, &["add", "README.md"]).await?;
    git(&checkout, &["commit", "-q", "-m", "Initial commit"]).await?;
    git(&checkout, &["push", "-q", "origin", "main"]).await?;
    Ok(DemoRepos { origin, checkout })
}
