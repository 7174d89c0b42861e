//! The demo's world on disk: a bare repository standing in for GitHub's
//! `origin`, and a clone of it to run in, both in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// Runs git with argv in `dir`, with an identity so it works on a machine
/// that has none configured.
pub fn git(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=auto-milestone demo",
            "-c",
            "user.email=demo@auto-milestone.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .with_context(|| "run git (is it installed?)")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Paths of the demo's repositories.
pub struct DemoRepos {
    pub origin: PathBuf,
    pub checkout: PathBuf,
}

/// Creates `origin.git` (bare) and a clone `badge-forge` with one commit on main.
pub fn create(dir: &Path) -> anyhow::Result<DemoRepos> {
    let origin = dir.join("origin.git");
    let checkout = dir.join("badge-forge");
    git(dir, &["init", "-q", "--bare", "-b", "main", "origin.git"])?;
    git(dir, &["clone", "-q", "origin.git", "badge-forge"])?;
    git(&checkout, &["checkout", "-q", "-b", "main"])?;
    std::fs::write(
        checkout.join("README.md"),
        "# badge-forge\n\nOpen Badges, signed and baked.\n",
    )?;
    std::fs::write(checkout.join(".gitignore"), ".claude/\n.worktrees/\n")?;
    git(&checkout, &["add", "README.md", ".gitignore"])?;
    git(&checkout, &["commit", "-q", "-m", "Initial commit"])?;
    git(&checkout, &["push", "-q", "origin", "main"])?;
    Ok(DemoRepos { origin, checkout })
}
