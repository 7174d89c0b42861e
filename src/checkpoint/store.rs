//! Opening the checkpoint: the writer (one per file, enforced by a lock file)
//! and read-only readers, connection settings, and the write-transaction
//! helper every write goes through.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::error::{CheckpointError, Result};
use super::liveness::{LockHolder, lock_path};
use super::schema;

/// How long a statement waits for another connection's lock before failing.
/// Under WAL only a checkpoint of the log or a second writer can block us.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The checkpoint database. A writable `Store` is the only writer of its file
/// (a second [`Store::open`] of the same file fails while the first lives);
/// any number of [`Store::open_read_only`] readers may run beside it.
pub struct Store {
    pub(super) conn: Connection,
    path: PathBuf,
    read_only: bool,
    /// Held for the writer's lifetime; the OS releases it if we crash.
    _lock: Option<File>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl Store {
    /// Opens (creating it and its directories if needed) and migrates the
    /// checkpoint at `path` for writing. A relative path is made absolute
    /// here so the database never silently depends on the current directory.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = absolute(path.as_ref())?;
        if path.exists() {
            // Judged before anything is written: the WAL switch below
            // already changes a file's header.
            probe(&path, true)?;
            schema::check(&read_only(&path)?, &path)?;
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|source| CheckpointError::Io {
                path: dir.into(),
                source,
            })?;
        }
        let lock = lock_writer(&path)?;
        let mut conn = Connection::open(&path)?;
        configure_writer(&conn, &path)?;
        schema::migrate(&mut conn, &path)?;
        Ok(Store {
            conn,
            path,
            read_only: false,
            _lock: Some(lock),
        })
    }

    /// Opens an existing checkpoint for reading only (the `status` command).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store> {
        let path = absolute(path.as_ref())?;
        if !path.exists() {
            return Err(CheckpointError::NoCheckpoint { path });
        }
        probe(&path, false)?;
        let conn = read_only(&path)?;
        let found = schema::check(&conn, &path)?;
        if found == 0 {
            // The writer created the file but has not migrated it yet.
            return Err(CheckpointError::NoCheckpoint { path });
        }
        if found < schema::known_version() {
            return Err(CheckpointError::OlderSchema {
                path,
                found,
                known: schema::known_version(),
            });
        }
        Ok(Store {
            conn,
            path,
            read_only: true,
            _lock: None,
        })
    }

    /// Whether `path` holds an auto-milestone checkpoint (of any schema
    /// version this or another build wrote), judged read-only.
    pub fn is_checkpoint(path: &Path) -> bool {
        path.is_file()
            && probe(path, false).is_ok()
            && read_only(path)
                .and_then(|conn| schema::check(&conn, path))
                .is_ok_and(|version| version > 0)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// A number that changes whenever another connection commits to the
    /// database (`PRAGMA data_version`), so a reader can tell that what it
    /// read last is still current.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        schema::user_version(&self.conn)
    }

    /// Runs `f` in one IMMEDIATE transaction and commits it; any error rolls
    /// everything back. IMMEDIATE takes the write lock up front, so a reader
    /// can never make us fail half-way when a read would upgrade to a write.
    pub(super) fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(CheckpointError::ReadOnly);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// A read-only connection to `path`.
fn read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.set_prepared_statement_cache_capacity(super::cached::STATEMENTS);
    Ok(conn)
}

/// What every SQLite database file starts with.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses an existing `path` SQLite cannot use as our checkpoint, before
/// SQLite opens it, so the error says what is wrong and nothing is written:
/// a directory, a file this user may not read (or, `writing`, write), or a
/// file that is not a SQLite database. An empty file is a new database.
/// What is inside a SQLite file is `schema::check`'s to judge.
fn probe(path: &Path, writing: bool) -> Result<()> {
    if path.is_dir() {
        return Err(CheckpointError::NotAFile { path: path.into() });
    }
    let inaccessible = |reason| CheckpointError::Inaccessible {
        path: path.into(),
        writing,
        reason,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(writing)
        .open(path)
        .map_err(inaccessible)?;
    let mut head = Vec::with_capacity(SQLITE_HEADER.len());
    (&mut file)
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut head)
        .map_err(inaccessible)?;
    if !head.is_empty() && head != SQLITE_HEADER {
        return Err(CheckpointError::NotSqlite { path: path.into() });
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|source| CheckpointError::Io {
        path: path.into(),
        source,
    })
}

/// Settings for the single writer:
/// - WAL, so the `status` command reads while the run writes;
/// - `synchronous=FULL`: WAL with NORMAL may lose the last commits on power
///   loss, and we persist a state *before* acting on it (merging, pushing),
///   so a commit that returned must survive. We write a few rows a minute,
///   so the extra fsync per commit costs nothing that matters;
/// - foreign keys, which SQLite leaves off unless asked, per connection.
fn configure_writer(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(
            path = %path.display(),
            mode,
            "checkpoint is not in WAL mode (is it on a network filesystem?); readers may wait for the writer"
        );
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(super::cached::STATEMENTS);
    Ok(())
}

/// `<db>.lock` beside the database, locked exclusively for the writer's
/// lifetime and holding its pid and start time (see [`LockHolder`]), for the
/// error message of a second writer and for `status` to tell a live run
/// from a dead one.
fn lock_writer(db: &Path) -> Result<File> {
    let lock_path = lock_path(db);
    let io = |source| CheckpointError::Io {
        path: lock_path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io)?;
    match try_lock_patiently(&file) {
        Ok(()) => {
            file.set_len(0).map_err(io)?;
            file.write_all(LockHolder::me().to_text().as_bytes())
                .map_err(io)?;
            Ok(file)
        }
        Err(TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&lock_path)
                .ok()
                .and_then(|s| LockHolder::parse(&s))
                .map(|h| h.pid);
            Err(CheckpointError::Locked {
                path: db.to_path_buf(),
                holder,
            })
        }
        Err(TryLockError::Error(source)) => Err(io(source)),
    }
}

/// Takes the lock, trying again for a moment: `status` holds a shared lock
/// for an instant when it looks, which must not refuse a writer starting then.
fn try_lock_patiently(file: &File) -> std::result::Result<(), TryLockError> {
    for _ in 1..LOCK_TRIES {
        match file.try_lock() {
            Err(TryLockError::WouldBlock) => std::thread::sleep(LOCK_PAUSE),
            other => return other,
        }
    }
    file.try_lock()
}

/// How often and how far apart [`try_lock_patiently`] tries: 50 ms in all,
/// far more than a look takes and unnoticeable to a refused second writer.
const LOCK_TRIES: u32 = 6;
const LOCK_PAUSE: Duration = Duration::from_millis(10);

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::checkpoint::testutil::{new_run, temp_store};

    fn pragma<T: rusqlite::types::FromSql>(store: &Store, name: &str) -> T {
        store
            .conn
            .pragma_query_value(None, name, |r| r.get(0))
            .unwrap()
    }

    /// The checkpoint actor may run on any thread (e.g. a `SyncArbiter`).
    #[test]
    fn a_store_can_move_to_another_thread() {
        fn send<T: Send + 'static>() {}
        send::<Store>();
    }

    #[test]
    fn open_creates_directories_and_applies_every_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b").join("checkpoint.db");
        let store = Store::open(&path).unwrap();
        assert!(path.is_file());
        assert_eq!(
            store.schema_version().unwrap(),
            schema::MIGRATIONS.len() as i64
        );
        assert_eq!(
            pragma::<i32>(&store, "application_id"),
            schema::APPLICATION_ID
        );
    }

    #[test]
    fn writer_uses_wal_full_sync_and_foreign_keys() {
        let (_dir, store) = temp_store();
        assert_eq!(pragma::<String>(&store, "journal_mode"), "wal");
        assert_eq!(pragma::<i64>(&store, "synchronous"), 2, "FULL");
        assert_eq!(pragma::<i64>(&store, "foreign_keys"), 1);
        assert_eq!(pragma::<i64>(&store, "busy_timeout"), 5000);
    }

    #[test]
    fn reopening_keeps_data_and_applies_nothing_twice() {
        let (dir, mut store) = temp_store();
        let path = store.path().to_path_buf();
        let run = store.create_run(&new_run("milestone:M1", &[1, 2])).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::known_version());
        assert_eq!(store.load_issues(run).unwrap().len(), 2);
        assert_eq!(store.events(run).unwrap().len(), 1);
        drop(dir);
    }

    #[test]
    fn a_newer_schema_is_refused_by_writer_and_reader() {
        let (_dir, store) = temp_store();
        let path = store.path().to_path_buf();
        drop(store);
        let raw = Connection::open(&path).unwrap();
        raw.pragma_update(None, "user_version", schema::known_version() + 1)
            .unwrap();
        drop(raw);
        for err in [
            Store::open(&path).unwrap_err(),
            Store::open_read_only(&path).unwrap_err(),
        ] {
            assert!(
                matches!(err, CheckpointError::NewerSchema { found, .. } if found == schema::known_version() + 1)
            );
            assert!(err.to_string().contains("upgrade auto-milestone"), "{err}");
        }
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_lives() {
        let (_dir, store) = temp_store();
        let err = Store::open(store.path()).unwrap_err();
        match &err {
            CheckpointError::Locked { holder, .. } => assert_eq!(*holder, Some(std::process::id())),
            other => panic!("expected Locked, got {other}"),
        }
        assert!(
            err.to_string()
                .contains(&format!("(pid {})", std::process::id())),
            "{err}"
        );
        let path = store.path().to_path_buf();
        drop(store);
        Store::open(&path).unwrap();
    }

    #[test]
    fn reading_a_missing_checkpoint_says_there_is_none_yet() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open_read_only(dir.path().join("none.db")).unwrap_err();
        assert!(matches!(err, CheckpointError::NoCheckpoint { .. }));
        assert!(err.to_string().contains("no checkpoint yet"), "{err}");
        assert!(
            !dir.path().join("none.db").exists(),
            "a reader must not create the file"
        );
    }

    /// Every file in `dir` with its bytes (directories as `None`).
    fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
        let mut all: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let bytes = path.is_file().then(|| fs::read(&path).unwrap());
                (path, bytes)
            })
            .collect();
        all.sort();
        all
    }

    #[test]
    fn what_is_not_a_checkpoint_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        fs::write(&text, "these are my notes, not a database\n").unwrap();
        let short = dir.path().join("short.db");
        fs::write(&short, "SQLite").unwrap();
        let folder = dir.path().join("folder.db");
        fs::create_dir(&folder).unwrap();
        let foreign = dir.path().join("foreign.db");
        let conn = Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE workflows (id TEXT); INSERT INTO workflows VALUES ('x')")
            .unwrap();
        drop(conn);
        let before = snapshot(dir.path());

        for path in [&text, &short] {
            for err in [
                Store::open(path).unwrap_err(),
                Store::open_read_only(path).unwrap_err(),
            ] {
                assert!(matches!(err, CheckpointError::NotSqlite { .. }), "{err}");
                assert!(err.to_string().contains("not a SQLite database"), "{err}");
                assert!(
                    err.to_string()
                        .contains("move it away or point --db elsewhere"),
                    "{err}"
                );
            }
        }
        for err in [
            Store::open(&folder).unwrap_err(),
            Store::open_read_only(&folder).unwrap_err(),
        ] {
            assert!(matches!(err, CheckpointError::NotAFile { .. }), "{err}");
            assert!(err.to_string().contains("it is a directory"), "{err}");
        }
        for err in [
            Store::open(&foreign).unwrap_err(),
            Store::open_read_only(&foreign).unwrap_err(),
        ] {
            assert!(
                matches!(err, CheckpointError::NotACheckpoint { .. }),
                "{err}"
            );
            assert!(err.to_string().contains("move it away"), "{err}");
        }
        let after = snapshot(dir.path());
        let names = |all: &[(PathBuf, Option<Vec<u8>>)]| -> Vec<PathBuf> {
            all.iter().map(|(p, _)| p.clone()).collect()
        };
        assert_eq!(
            names(&after),
            names(&before),
            "no lock, WAL or journal beside them"
        );
        assert!(after == before, "nothing written");
    }

    #[test]
    fn only_our_own_files_are_checkpoints() {
        let (dir, store) = temp_store();
        assert!(Store::is_checkpoint(store.path()));
        let other = dir.path().join("other.db");
        let conn = Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE workflows (id TEXT)")
            .unwrap();
        assert!(!Store::is_checkpoint(&other));
        let empty = dir.path().join("empty.db");
        fs::write(&empty, "").unwrap();
        assert!(!Store::is_checkpoint(&empty));
        assert!(!Store::is_checkpoint(dir.path()));
        assert!(!Store::is_checkpoint(&dir.path().join("none.db")));
    }

    #[test]
    fn an_empty_file_becomes_a_new_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.db");
        fs::write(&path, "").unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::known_version());
    }

    #[test]
    fn a_reader_cannot_write() {
        let (_dir, mut writer) = temp_store();
        let run = writer.create_run(&new_run("milestone:M1", &[1])).unwrap();
        let mut reader = Store::open_read_only(writer.path()).unwrap();
        assert!(reader.is_read_only());
        let err = reader
            .create_run(&new_run("milestone:M2", &[1]))
            .unwrap_err();
        assert!(matches!(err, CheckpointError::ReadOnly), "{err}");
        assert!(matches!(
            reader.kv_set("k", "v").unwrap_err(),
            CheckpointError::ReadOnly
        ));
        // Below the store's own check, SQLite refuses too.
        let raw = reader.conn.execute(
            "INSERT INTO kv (key, value, updated_at) VALUES ('k', 'v', 'x')",
            [],
        );
        assert!(raw.is_err());
        assert_eq!(reader.load_run(run).unwrap().id, run);
    }

    /// Under WAL neither side waits for the other: a reader sees the last
    /// commit while a write is in progress, and a write commits while a
    /// reader holds a snapshot. In rollback-journal mode the commit below
    /// would wait out the busy timeout and fail.
    #[test]
    fn a_writer_and_a_reader_work_at_the_same_time() {
        let (_dir, mut writer) = temp_store();
        writer.kv_set("offset", "1").unwrap();
        let reader = Store::open_read_only(writer.path()).unwrap();
        let started = std::time::Instant::now();

        writer
            .conn
            .execute_batch("BEGIN IMMEDIATE; UPDATE kv SET value = '2';")
            .unwrap();
        assert_eq!(reader.kv_get("offset").unwrap().as_deref(), Some("1"));
        writer.conn.execute_batch("COMMIT").unwrap();
        assert_eq!(reader.kv_get("offset").unwrap().as_deref(), Some("2"));

        reader.conn.execute_batch("BEGIN").unwrap();
        assert_eq!(reader.kv_get("offset").unwrap().as_deref(), Some("2"));
        writer.kv_set("offset", "3").unwrap();
        assert_eq!(
            reader.kv_get("offset").unwrap().as_deref(),
            Some("2"),
            "snapshot"
        );
        reader.conn.execute_batch("COMMIT").unwrap();
        assert_eq!(reader.kv_get("offset").unwrap().as_deref(), Some("3"));

        assert!(
            started.elapsed() < BUSY_TIMEOUT / 2,
            "someone waited for a lock"
        );
    }

    #[test]
    fn a_reader_opens_a_checkpoint_whose_writer_has_closed() {
        let (_dir, mut writer) = temp_store();
        writer.kv_set("k", "v").unwrap();
        let path = writer.path().to_path_buf();
        drop(writer);
        let reader = Store::open_read_only(&path).unwrap();
        assert_eq!(reader.kv_get("k").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn a_relative_path_is_made_absolute() {
        let store = Store::open_read_only("definitely-missing.db").unwrap_err();
        match store {
            CheckpointError::NoCheckpoint { path } => assert!(path.is_absolute()),
            other => panic!("expected NoCheckpoint, got {other}"),
        }
    }
}
