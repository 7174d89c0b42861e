//! The simulated worker's sessions, like the real CLI's: each run has a
//! session id (printed in its `init` event), and `--resume <id>` runs the
//! same task again under the same id, as `claude -p --resume` continues a
//! conversation. What a session was asked is kept in the checkout's git
//! directory (`<git-dir>/sim-sessions/<id>.json`), where the orchestrator's
//! resume finds it again: the same worktree, or the same checkout.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::git::Git;
use crate::setup::{SimArgs, SimError};

/// What a session was started with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Saved {
    mode: String,
    number: u64,
    text: String,
}

/// A new session id for `args`.
pub fn new_id(args: &SimArgs) -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!(
        "sim-{}-{}-{}-{ms}",
        args.mode.as_str(),
        args.number,
        std::process::id()
    )
}

async fn dir(cwd: &Path) -> Result<PathBuf, SimError> {
    Ok(Git::new(cwd).git_dir().await?.join("sim-sessions"))
}

/// Keeps what session `id` was asked, for a later `--resume`.
pub async fn save(cwd: &Path, id: &str, args: &SimArgs) -> Result<(), SimError> {
    let dir = dir(cwd).await?;
    let saved = Saved {
        mode: args.mode.as_str().into(),
        number: args.number,
        text: args.text.clone(),
    };
    let json = serde_json::to_string(&saved).map_err(|e| SimError::Setup(e.to_string()))?;
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(format!("{id}.json")), json))
        .map_err(SimError::io(format!(
            "save session {id} in {}",
            dir.display()
        )))
}

/// What session `id` was asked; an unknown session fails as the real CLI's
/// `--resume` does ("No conversation found").
pub async fn load(cwd: &Path, id: &str) -> Result<SimArgs, SimError> {
    let path = dir(cwd).await?.join(format!("{id}.json"));
    let text = std::fs::read_to_string(&path).map_err(|_| {
        SimError::Missing(format!(
            "resume: No conversation found with session ID: {id}"
        ))
    })?;
    let saved: Saved = serde_json::from_str(&text)
        .map_err(|e| SimError::Setup(format!("read session {}: {e}", path.display())))?;
    Ok(SimArgs {
        mode: saved.mode.parse()?,
        number: saved.number,
        text: saved.text,
        resume: Some(id.to_string()),
    })
}
