//! Whether a checkpoint's writer is alive, judged read-only from its lock
//! file (`<db>.lock`, held exclusively by the writer and holding its pid and
//! process start time), and when a run last wrote to the checkpoint.

use std::fs::{File, TryLockError};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::OptionalExtension as _;

use super::codec::Ts;
use super::error::Result;
use super::model::{RunId, Timestamp};
use super::store::Store;
use crate::worker::group;

/// How often and how long to re-read the lock file when it is held but does
/// not (yet) name a live holder: a writer locks first and writes its pid
/// just after, so for a moment the file still names the previous writer.
const SETTLE_TRIES: u32 = 5;
const SETTLE_PAUSE: Duration = Duration::from_millis(10);

/// The lock file beside the checkpoint `db`.
pub(super) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Who wrote the lock file: a pid and, since the start time was added, the
/// process's start time (field 22 of `/proc/<pid>/stat`), which tells the
/// writer apart from a later process that got the same pid.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: u32,
    /// `None` in lock files written before the start time was recorded.
    pub start_ticks: Option<u64>,
}

impl LockHolder {
    /// This process, as the writer records itself.
    pub(super) fn me() -> LockHolder {
        let pid = std::process::id();
        let start_ticks = i32::try_from(pid)
            .ok()
            .and_then(group::read_stat)
            .map(|s| s.start_ticks);
        LockHolder { pid, start_ticks }
    }

    /// Reads `pid start_ticks`, or a bare `pid` (the older format).
    pub fn parse(text: &str) -> Option<LockHolder> {
        let mut words = text.split_whitespace();
        let pid = words.next()?.parse().ok()?;
        let start_ticks = match words.next() {
            Some(word) => Some(word.parse().ok()?),
            None => None,
        };
        if words.next().is_some() {
            return None;
        }
        Some(LockHolder { pid, start_ticks })
    }

    /// The lock file's text: `pid start_ticks`, or a bare `pid` when this
    /// process's start time could not be read.
    pub(super) fn to_text(self) -> String {
        match self.start_ticks {
            Some(ticks) => format!("{} {ticks}\n", self.pid),
            None => format!("{}\n", self.pid),
        }
    }

    /// Whether the process with this pid now is the one that wrote the file:
    /// it runs and, when the file recorded a start time, started then.
    fn is_current(self) -> bool {
        let Some(stat) = i32::try_from(self.pid).ok().and_then(group::read_stat) else {
            return false;
        };
        stat.is_running() && self.start_ticks.is_none_or(|t| t == stat.start_ticks)
    }
}

/// Whether a process holds a checkpoint's writer lock.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Writer {
    /// The lock is held. `pid` is the holder the lock file names, when that
    /// process is still the one that wrote it (`None`: the file names a
    /// process that is gone or whose pid was reused, so the holder is unknown).
    Running { pid: Option<u32> },
    /// Nobody holds the lock: no process is writing the checkpoint.
    Gone,
}

/// Whether a writer holds the checkpoint `db`, without writing anything:
/// tries a shared lock on `<db>.lock` and drops it at once. A shared lock
/// never blocks another `status`; it fails only against the writer's
/// exclusive one. No lock file means no writer ever ran here.
pub fn writer(db: &Path) -> std::io::Result<Writer> {
    let path = lock_path(db);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Writer::Gone),
        Err(e) => return Err(e),
    };
    match file.try_lock_shared() {
        Ok(()) => {
            file.unlock()?;
            Ok(Writer::Gone)
        }
        Err(TryLockError::WouldBlock) => Ok(Writer::Running {
            pid: settled_holder(file),
        }),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// The live process the held lock file names, waiting a moment for a
/// writer that has just taken the lock to write its pid.
fn settled_holder(mut file: File) -> Option<u32> {
    for attempt in 0..SETTLE_TRIES {
        if attempt > 0 {
            std::thread::sleep(SETTLE_PAUSE);
        }
        let mut text = String::new();
        // Read from the start each time: the writer truncates and rewrites.
        let read = std::io::Seek::rewind(&mut file).and_then(|()| file.read_to_string(&mut text));
        if let Some(holder) = read.ok().and_then(|_| LockHolder::parse(&text))
            && holder.is_current()
        {
            return Some(holder.pid);
        }
    }
    None
}

impl Store {
    /// When run `run` last wrote to the checkpoint: the latest of the run's
    /// `updated_at`, its issues' `updated_at` and its last event's time.
    /// `None` if the run does not exist.
    pub fn last_update(&self, run: RunId) -> Result<Option<Timestamp>> {
        // Stored timestamps have a fixed width and a `Z`, so text order is time order.
        let sql = "SELECT max(t) FROM (
                SELECT updated_at AS t FROM runs WHERE id = ?1
                UNION ALL SELECT max(updated_at) FROM run_issues WHERE run_id = ?1
                UNION ALL SELECT at FROM (
                    SELECT at FROM events WHERE run_id = ?1 ORDER BY id DESC LIMIT 1))";
        let found: Option<Option<Ts>> = self.conn.query_row(sql, [run], |r| r.get(0)).optional()?;
        Ok(found.flatten().map(|Ts(t)| t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::testutil::{store_with_run, temp_store};
    use crate::checkpoint::{IssuePatch, IssueState};
    use crate::ids::IssueNumber;

    #[test]
    fn both_lock_file_formats_parse() {
        let holder = |pid, start_ticks| Some(LockHolder { pid, start_ticks });
        assert_eq!(LockHolder::parse("4242"), holder(4242, None));
        assert_eq!(LockHolder::parse("4242\n"), holder(4242, None));
        assert_eq!(
            LockHolder::parse("4242 987654\n"),
            holder(4242, Some(987654))
        );
        for bad in ["", "\n", "pid", "-1", "4242 x", "4242 1 2", "4242.5"] {
            assert_eq!(LockHolder::parse(bad), None, "{bad:?}");
        }
        let me = LockHolder::me();
        assert!(me.start_ticks.is_some(), "/proc/self/stat reads");
        assert_eq!(LockHolder::parse(&me.to_text()), Some(me));
    }

    #[test]
    fn a_pid_names_the_holder_only_while_it_is_the_same_process() {
        let me = LockHolder::me();
        assert!(me.is_current());
        assert!(
            LockHolder {
                start_ticks: None,
                ..me
            }
            .is_current(),
            "old format"
        );
        let reused = LockHolder {
            start_ticks: me.start_ticks.map(|t| t + 1),
            ..me
        };
        assert!(!reused.is_current(), "same pid, another start time");
        let gone = LockHolder {
            pid: i32::MAX as u32,
            start_ticks: None,
        };
        assert!(!gone.is_current());
    }

    #[test]
    fn the_writer_is_running_while_its_store_lives_and_gone_after() {
        let (dir, store) = temp_store();
        let path = store.path().to_path_buf();
        let text = std::fs::read_to_string(lock_path(&path)).unwrap();
        assert_eq!(LockHolder::parse(&text), Some(LockHolder::me()));
        let me = Some(std::process::id());
        assert_eq!(writer(&path).unwrap(), Writer::Running { pid: me });
        assert_eq!(
            writer(&path).unwrap(),
            Writer::Running { pid: me },
            "looking did not take the lock"
        );
        drop(store);
        assert_eq!(writer(&path).unwrap(), Writer::Gone);
        Store::open(&path).expect("looking left the lock free");
        assert_eq!(writer(&dir.path().join("none.db")).unwrap(), Writer::Gone);
    }

    #[test]
    fn a_held_lock_naming_another_process_has_no_known_holder() {
        let (_dir, store) = temp_store();
        let path = store.path().to_path_buf();
        let me = LockHolder::me();
        let stale = LockHolder {
            start_ticks: me.start_ticks.map(|t| t + 1),
            ..me
        };
        // Written through another handle; the store's lock stays held.
        std::fs::write(lock_path(&path), stale.to_text()).unwrap();
        assert_eq!(writer(&path).unwrap(), Writer::Running { pid: None });
        std::fs::write(lock_path(&path), format!("{}", me.pid)).unwrap();
        assert_eq!(
            writer(&path).unwrap(),
            Writer::Running { pid: Some(me.pid) },
            "the old format"
        );
    }

    #[test]
    fn the_last_update_is_the_latest_of_run_issues_and_events() {
        let (_dir, mut store, run) = store_with_run(&[1, 2]);
        let created = store.load_run(run).unwrap().updated_at;
        let first = store.last_update(run).unwrap().unwrap();
        assert!(first >= created);
        std::thread::sleep(Duration::from_millis(5));
        let issue = IssueNumber(2);
        store
            .transition(run, issue, IssueState::Running, IssuePatch::new())
            .unwrap();
        let row = store
            .load_issues(run)
            .unwrap()
            .into_iter()
            .find(|r| r.issue == issue)
            .unwrap();
        assert_eq!(store.last_update(run).unwrap(), Some(row.updated_at));
        std::thread::sleep(Duration::from_millis(5));
        store.append_event(run, None, "note", None).unwrap();
        let events = store.events(run).unwrap();
        let noted = events.last().unwrap().at;
        assert!(noted > row.updated_at);
        assert_eq!(store.last_update(run).unwrap(), Some(noted));
        assert_eq!(store.last_update(RunId(run.0 + 100)).unwrap(), None);
    }
}
