//! Where a run's own files live. By default the checkpoint, its lock file,
//! the run log and the worker logs go in `auto-milestone/` under the
//! repository's git common directory (`.git/auto-milestone/`), never in a
//! working tree: a worker runs there with every permission, and its
//! `git add -A` would commit them and `git clean -fdx` would delete the live
//! database. The `db` and `log_dir` settings still put them anywhere.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};

use crate::config::Settings;
use crate::git::Git;

/// The state directory's name under the git common directory.
pub const STATE_DIR: &str = "auto-milestone";
/// The checkpoint's file name in the state directory.
pub const DB_FILE: &str = "state.db";
/// The logs' directory name in the state directory.
pub const LOG_DIR: &str = "logs";
/// Where the checkpoint was by default before, under the repository root.
pub const LEGACY_DB: &str = ".claude/execution-state.db";

/// The files of a run in one checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatePaths {
    /// The repository's git common directory (its `info/exclude` is ours to extend).
    pub common_dir: PathBuf,
    pub db: DbChoice,
    pub log_dir: PathBuf,
}

impl StatePaths {
    /// The paths for a run in the checkout whose root is `root`.
    pub async fn for_checkout(root: &Path, settings: &Settings) -> anyhow::Result<StatePaths> {
        let common_dir = common_dir(root).await?;
        let state = common_dir.join(STATE_DIR);
        let db = choose_db(settings.db.as_deref(), root, Some(&state), Found::on_disk)?;
        let log_dir = match &settings.log_dir {
            Some(dir) => under_root(root, dir),
            None => state.join(LOG_DIR),
        };
        Ok(StatePaths {
            common_dir,
            db,
            log_dir,
        })
    }
}

/// The checkpoint to read for `status` and the dry run's resume preview:
/// the checkout's (`root`), or with no checkout only a configured one,
/// relative to `cwd`.
pub async fn checkpoint_to_read(
    root: Option<&Path>,
    cwd: &Path,
    settings: &Settings,
) -> anyhow::Result<DbChoice> {
    let state = match root {
        Some(root) => Some(common_dir(root).await?.join(STATE_DIR)),
        None => None,
    };
    choose_db(
        settings.db.as_deref(),
        root.unwrap_or(cwd),
        state.as_deref(),
        Found::on_disk,
    )
}

async fn common_dir(root: &Path) -> anyhow::Result<PathBuf> {
    Git::new(root)
        .common_dir()
        .await
        .context("find the repository's git directory for the checkpoint and the logs")
}

/// Which checkpoint file a command uses, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbChoice {
    /// The `db` setting (or `--db`).
    Configured(PathBuf),
    /// `state.db` in the state directory, the default.
    Default(PathBuf),
    /// Only a checkpoint at the old default place exists: it is used until
    /// someone moves it to `default`.
    Legacy { path: PathBuf, default: PathBuf },
    /// Both exist: the default one is used, the old one ignored.
    LegacyIgnored { path: PathBuf, ignored: PathBuf },
}

impl DbChoice {
    pub fn path(&self) -> &Path {
        match self {
            DbChoice::Configured(path)
            | DbChoice::Default(path)
            | DbChoice::Legacy { path, .. }
            | DbChoice::LegacyIgnored { path, .. } => path,
        }
    }

    /// One line for the person at the terminal when the old place matters.
    pub fn note(&self) -> Option<String> {
        match self {
            DbChoice::Configured(_) | DbChoice::Default(_) => None,
            DbChoice::Legacy { path, default } => Some(format!(
                "using the checkpoint at its old place {}; to move it to {} (only while no run is active): {}",
                path.display(),
                default.display(),
                move_commands(path, default)
            )),
            DbChoice::LegacyIgnored { path, ignored } => Some(format!(
                "using the checkpoint {}; the one at the old place {} is ignored (delete it once nothing in it is needed)",
                path.display(),
                ignored.display()
            )),
        }
    }

    /// Prints the note, if any, to stderr: it is for the human, not for a
    /// program reading stdout (`--json`).
    pub fn announce(&self) {
        if let Some(note) = self.note() {
            eprintln!("note: {note}");
        }
    }
}

/// What is at a path the checkpoint may be at.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Nothing,
    /// Our checkpoint.
    Checkpoint,
    /// Something else: another program's database, say. At the old place
    /// that is not ours to use (the tool auto-milestone replaces kept its own
    /// `execution-state.db` there); at the new place it is an error, which
    /// opening it reports.
    Other,
}

impl Found {
    /// Looks at `path` without writing anything.
    pub fn on_disk(path: &Path) -> Found {
        if !path.exists() {
            Found::Nothing
        } else if crate::checkpoint::Store::is_checkpoint(path) {
            Found::Checkpoint
        } else {
            Found::Other
        }
    }
}

/// Decides the checkpoint from the settings and what is `found`: a
/// configured path (relative to `base`), else the default in `state_dir`,
/// else our checkpoint at the old default place under `base`. `state_dir`
/// is `None` outside a git checkout, where only a configured path can be used.
pub fn choose_db(
    configured: Option<&Path>,
    base: &Path,
    state_dir: Option<&Path>,
    found: impl Fn(&Path) -> Found,
) -> anyhow::Result<DbChoice> {
    if let Some(path) = configured {
        return Ok(DbChoice::Configured(under_root(base, path)));
    }
    let Some(state_dir) = state_dir else {
        return Err(anyhow!(
            "find the checkpoint: not inside a git checkout, where it lives by default; run from the repository's checkout or pass --db PATH"
        ));
    };
    let default = state_dir.join(DB_FILE);
    let legacy = base.join(LEGACY_DB);
    if found(&legacy) != Found::Checkpoint {
        return Ok(DbChoice::Default(default));
    }
    Ok(match found(&default) {
        Found::Nothing => DbChoice::Legacy {
            path: legacy,
            default,
        },
        Found::Checkpoint | Found::Other => DbChoice::LegacyIgnored {
            path: default,
            ignored: legacy,
        },
    })
}

/// Shell commands that move the checkpoint at `from` to `to` with its WAL,
/// shared-memory and lock files, whichever of them exist (after a crash the
/// WAL holds commits the main file does not have yet).
fn move_commands(from: &Path, to: &Path) -> String {
    let dir = to.parent().unwrap_or(to);
    format!(
        "mkdir -p {} && for f in '' -wal -shm .lock; do if [ -e {}\"$f\" ]; then mv {}\"$f\" {}\"$f\"; fi; done",
        quote(dir),
        quote(from),
        quote(from),
        quote(to)
    )
}

/// `path` in single quotes for a POSIX shell.
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// `path` made absolute against the checkout root.
pub fn under_root(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const ROOT: &str = "/repo";
    const STATE: &str = "/repo/.git/auto-milestone";
    const NEW: &str = "/repo/.git/auto-milestone/state.db";
    const OLD: &str = "/repo/.claude/execution-state.db";

    fn choose_among(configured: Option<&str>, files: &[(&str, Found)]) -> DbChoice {
        let files: BTreeMap<PathBuf, Found> =
            files.iter().map(|(p, f)| (PathBuf::from(p), *f)).collect();
        choose_db(
            configured.map(Path::new),
            Path::new(ROOT),
            Some(Path::new(STATE)),
            |p| files.get(p).copied().unwrap_or(Found::Nothing),
        )
        .unwrap()
    }

    /// With checkpoints (ours) at `existing`.
    fn choose(configured: Option<&str>, existing: &[&str]) -> DbChoice {
        let files: Vec<(&str, Found)> = existing.iter().map(|p| (*p, Found::Checkpoint)).collect();
        choose_among(configured, &files)
    }

    #[test]
    fn the_default_is_under_the_git_common_dir() {
        assert_eq!(
            choose(None, &[]),
            DbChoice::Default("/repo/.git/auto-milestone/state.db".into())
        );
        assert_eq!(choose(None, &[]).note(), None);
    }

    #[test]
    fn a_configured_path_wins_and_is_relative_to_the_root() {
        let legacy = "/repo/.claude/execution-state.db";
        assert_eq!(
            choose(Some("state/c.db"), &[legacy]),
            DbChoice::Configured("/repo/state/c.db".into())
        );
        assert_eq!(
            choose(Some("/abs/c.db"), &[]),
            DbChoice::Configured("/abs/c.db".into())
        );
        assert_eq!(choose(Some("c.db"), &[legacy]).note(), None);
    }

    #[test]
    fn an_old_checkpoint_is_used_when_the_new_place_has_none() {
        let choice = choose(None, &["/repo/.claude/execution-state.db"]);
        assert_eq!(choice.path(), Path::new("/repo/.claude/execution-state.db"));
        let note = choice.note().unwrap();
        assert!(!note.contains('\n'), "one line: {note}");
        assert!(note.contains("only while no run is active"), "{note}");
        assert!(
            note.ends_with(
                "mkdir -p '/repo/.git/auto-milestone' && for f in '' -wal -shm .lock; do \
                 if [ -e '/repo/.claude/execution-state.db'\"$f\" ]; then \
                 mv '/repo/.claude/execution-state.db'\"$f\" '/repo/.git/auto-milestone/state.db'\"$f\"; fi; done"
            ),
            "{note}"
        );
    }

    #[test]
    fn with_both_the_new_one_is_used_and_the_old_one_named() {
        let choice = choose(
            None,
            &[
                "/repo/.claude/execution-state.db",
                "/repo/.git/auto-milestone/state.db",
            ],
        );
        assert_eq!(
            choice.path(),
            Path::new("/repo/.git/auto-milestone/state.db")
        );
        let note = choice.note().unwrap();
        assert!(
            note.contains("/repo/.claude/execution-state.db is ignored"),
            "{note}"
        );
    }

    #[test]
    fn another_programs_file_at_the_old_place_is_not_ours_to_use() {
        assert_eq!(
            choose_among(None, &[(OLD, Found::Other)]),
            DbChoice::Default(NEW.into())
        );
        assert_eq!(
            choose_among(None, &[(OLD, Found::Other), (NEW, Found::Checkpoint)]).note(),
            None
        );
        // Something foreign at the new place is still chosen: opening it says what is wrong.
        assert_eq!(
            choose_among(None, &[(OLD, Found::Checkpoint), (NEW, Found::Other)]).path(),
            Path::new(NEW)
        );
    }

    #[test]
    fn outside_a_checkout_only_a_configured_path_works() {
        let err = choose_db(None, Path::new("/here"), None, |_| Found::Checkpoint).unwrap_err();
        assert!(err.to_string().contains("pass --db PATH"), "{err}");
        let choice = choose_db(Some(Path::new("c.db")), Path::new("/here"), None, |_| {
            Found::Nothing
        });
        assert_eq!(choice.unwrap(), DbChoice::Configured("/here/c.db".into()));
    }

    #[test]
    fn moved_paths_are_quoted_for_the_shell() {
        assert_eq!(quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
