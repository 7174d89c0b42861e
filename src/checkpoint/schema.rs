//! The schema as an append-only list of migrations, tracked in
//! `PRAGMA user_version` (cargo's sqlite helper style): migration `i` brings
//! the database from version `i` to `i + 1` in one transaction. Never edit a
//! shipped migration; append a new one.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::error::{CheckpointError, Result};

/// Marks the file as ours (`PRAGMA application_id`, "AMIL"), so a random
/// SQLite file, such as the original tool's shared `execution-state.db`, is
/// refused instead of migrated.
pub const APPLICATION_ID: i32 = 0x414d_494c;

pub const MIGRATIONS: &[&str] = &[
    // 1: the first shipped schema.
    r#"
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    repo           TEXT NOT NULL COLLATE NOCASE,
    target_key     TEXT NOT NULL CHECK (target_key <> ''),
    target_label   TEXT NOT NULL,
    options        TEXT NOT NULL CONSTRAINT options_is_json CHECK (json_valid(options)),
    plan           TEXT NOT NULL CONSTRAINT plan_is_json CHECK (json_valid(plan)),
    status         TEXT NOT NULL DEFAULT 'running' CONSTRAINT run_status_known
                   CHECK (status IN ('running', 'interrupted', 'completed', 'partial', 'failed')),
    cost_usd_total REAL NOT NULL DEFAULT 0 CHECK (cost_usd_total >= 0),
    budget_usd     REAL CHECK (budget_usd IS NULL OR budget_usd >= 0),
    started_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    finished_at    TEXT,
    CONSTRAINT run_finished_iff_final
        CHECK ((finished_at IS NOT NULL) = (status IN ('completed', 'partial', 'failed')))
) STRICT;

CREATE INDEX runs_by_target ON runs (repo, target_key, id);

-- At most one resumable run per target: starting again must resume it.
CREATE UNIQUE INDEX one_unfinished_run_per_target ON runs (repo, target_key)
    WHERE status IN ('running', 'interrupted');

CREATE TABLE run_issues (
    run_id             INTEGER NOT NULL REFERENCES runs (id),
    issue              INTEGER NOT NULL CHECK (issue > 0),
    title              TEXT NOT NULL,
    wave               INTEGER NOT NULL CHECK (wave >= 0),
    state              TEXT NOT NULL DEFAULT 'pending' CONSTRAINT issue_state_known
                       CHECK (state IN ('pending', 'running', 'pr_open', 'reviewing',
                                        'awaiting_approval', 'merged', 'skipped', 'failed')),
    branch             TEXT,
    pr                 INTEGER CHECK (pr IS NULL OR pr > 0),
    head_sha           TEXT,
    worktree           TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ci_fix_attempts    INTEGER NOT NULL DEFAULT 0 CHECK (ci_fix_attempts >= 0),
    review_rounds      INTEGER NOT NULL DEFAULT 0 CHECK (review_rounds >= 0),
    review_step        TEXT CONSTRAINT review_step_is_json
                       CHECK (review_step IS NULL OR json_valid(review_step)),
    last_error         TEXT,
    skip_reason        TEXT,
    cost_usd           REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    worker_pid         INTEGER CHECK (worker_pid IS NULL OR worker_pid > 0),
    worker_start_ticks INTEGER,
    started_at         TEXT,
    finished_at        TEXT,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (run_id, issue),
    CONSTRAINT worker_pid_has_start_ticks
        CHECK ((worker_pid IS NULL) = (worker_start_ticks IS NULL)),
    CONSTRAINT pr_state_has_pr_number
        CHECK (state NOT IN ('pr_open', 'reviewing', 'awaiting_approval', 'merged')
               OR pr IS NOT NULL),
    CONSTRAINT skipped_has_reason CHECK (state <> 'skipped' OR skip_reason IS NOT NULL),
    CONSTRAINT failed_has_error CHECK (state <> 'failed' OR last_error IS NOT NULL),
    CONSTRAINT issue_finished_iff_final
        CHECK ((finished_at IS NOT NULL) = (state IN ('merged', 'skipped', 'failed')))
) STRICT;

-- Issue events carry issue states, run events (issue IS NULL) run statuses.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    issue      INTEGER,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind <> ''),
    from_state TEXT,
    to_state   TEXT,
    detail     TEXT,
    FOREIGN KEY (run_id, issue) REFERENCES run_issues (run_id, issue),
    CONSTRAINT event_states_known CHECK (
        CASE WHEN issue IS NULL THEN
            coalesce(from_state, 'running') IN ('running', 'interrupted', 'completed', 'partial', 'failed')
            AND coalesce(to_state, 'running') IN ('running', 'interrupted', 'completed', 'partial', 'failed')
        ELSE
            coalesce(from_state, 'pending') IN ('pending', 'running', 'pr_open', 'reviewing',
                                                'awaiting_approval', 'merged', 'skipped', 'failed')
            AND coalesce(to_state, 'pending') IN ('pending', 'running', 'pr_open', 'reviewing',
                                                  'awaiting_approval', 'merged', 'skipped', 'failed')
        END)
) STRICT;

CREATE INDEX events_by_run ON events (run_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE questions (
    id              TEXT PRIMARY KEY CHECK (id <> ''),
    run_id          INTEGER NOT NULL REFERENCES runs (id),
    issue           INTEGER,
    pr              INTEGER CHECK (pr IS NULL OR pr > 0),
    head_sha        TEXT,
    kind            TEXT NOT NULL CONSTRAINT question_kind_known
                    CHECK (kind IN ('merge', 'plan', 'budget')),
    channel         TEXT NOT NULL CHECK (channel <> ''),
    chat_message_id INTEGER,
    text            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open' CONSTRAINT question_status_known
                    CHECK (status IN ('open', 'answered', 'void')),
    answer          TEXT,
    answered_by     TEXT,
    asked_at        TEXT NOT NULL,
    answered_at     TEXT,
    reminded_at     TEXT,
    FOREIGN KEY (run_id, issue) REFERENCES run_issues (run_id, issue),
    CONSTRAINT answered_has_answer
        CHECK ((status = 'answered') = (answer IS NOT NULL AND answered_at IS NOT NULL)),
    CONSTRAINT merge_question_names_head
        CHECK (kind <> 'merge' OR (issue IS NOT NULL AND pr IS NOT NULL AND head_sha IS NOT NULL))
) STRICT;

CREATE INDEX open_questions_by_run ON questions (run_id) WHERE status = 'open';
CREATE INDEX questions_by_message ON questions (channel, chat_message_id)
    WHERE chat_message_id IS NOT NULL;

-- One open question per thing asked about, so a restart cannot ask twice.
CREATE UNIQUE INDEX one_open_question ON questions (run_id, kind, coalesce(issue, 0))
    WHERE status = 'open';

CREATE TABLE kv (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE worktrees (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    issue      INTEGER NOT NULL,
    path       TEXT NOT NULL CHECK (path <> ''),
    branch     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    removed_at TEXT,
    FOREIGN KEY (run_id, issue) REFERENCES run_issues (run_id, issue)
) STRICT;

CREATE INDEX worktrees_by_run ON worktrees (run_id, id);
CREATE UNIQUE INDEX one_live_worktree_per_path ON worktrees (run_id, path)
    WHERE removed_at IS NULL;
"#,
    // 2: the agent's session (to continue it after an interruption), the
    // worker's mark (the environment entry its processes carry, to find them
    // after a crash) and its live activity (what `status` shows).
    r#"
ALTER TABLE run_issues ADD COLUMN session_id TEXT CHECK (session_id IS NULL OR session_id <> '');
ALTER TABLE run_issues ADD COLUMN session_kind TEXT;
ALTER TABLE run_issues ADD COLUMN worker_mark TEXT;
ALTER TABLE run_issues ADD COLUMN activity TEXT
    CONSTRAINT activity_is_json CHECK (activity IS NULL OR json_valid(activity));
"#,
    // 3: the issue machine's whole state (`issue::IssueMachine`), of which
    // `state` and the other columns are projections written with it. Rows
    // of older runs have none; the issue actor builds one from their
    // columns (and `review_step`) the first time it takes them up.
    r#"
ALTER TABLE run_issues ADD COLUMN machine TEXT
    CONSTRAINT machine_is_json CHECK (machine IS NULL OR json_valid(machine));
"#,
];

/// The schema version this build writes.
pub fn known_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub(crate) fn user_version(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT user_version FROM pragma_user_version", [], |r| {
            r.get(0)
        })?,
    )
}

/// Whether the file has any table of its own (an empty file has none).
fn has_tables(conn: &Connection) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Refuses files that are not ours and schemas newer than this build.
/// Returns the version found.
pub(crate) fn check(conn: &Connection, path: &Path) -> Result<i64> {
    let found = user_version(conn)?;
    let app_id: i32 = conn.query_row(
        "SELECT application_id FROM pragma_application_id",
        [],
        |r| r.get(0),
    )?;
    let ours = if found == 0 {
        !has_tables(conn)?
    } else {
        app_id == APPLICATION_ID
    };
    if !ours {
        return Err(CheckpointError::NotACheckpoint {
            path: path.to_path_buf(),
        });
    }
    if found > known_version() {
        return Err(CheckpointError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known: known_version(),
        });
    }
    Ok(found)
}

/// Applies every migration the database has not seen, each in its own
/// transaction together with the `user_version` bump.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found = check(conn, path)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if index == 0 {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(path = %path.display(), version, "migrated checkpoint schema");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::model::{IssueState, QuestionKind, QuestionStatus, RunStatus};

    fn quoted(values: impl IntoIterator<Item = &'static str>) -> String {
        values
            .into_iter()
            .map(|v| format!("'{v}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The CHECK lists are written out in SQL; they must name exactly the
    /// Rust enums' values, or a valid state could not be stored.
    #[test]
    fn check_lists_match_the_enums() {
        let sql = MIGRATIONS[0];
        let lists = [
            quoted(IssueState::ALL.iter().map(|s| s.as_str())),
            quoted(RunStatus::ALL.iter().map(|s| s.as_str())),
            quoted(QuestionKind::ALL.iter().map(|s| s.as_str())),
            quoted(QuestionStatus::ALL.iter().map(|s| s.as_str())),
        ];
        let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        for list in lists {
            assert!(
                flat.contains(&format!("IN ({list})")),
                "no CHECK list ({list})"
            );
        }
    }

    #[test]
    fn migrations_apply_to_an_empty_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), known_version());
        assert!(has_tables(&conn).unwrap());
        migrate(&mut conn, &path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), known_version());
    }

    #[test]
    fn foreign_databases_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE workflows (id TEXT)")
            .unwrap();
        let err = migrate(&mut conn, &path).unwrap_err();
        assert!(
            matches!(err, CheckpointError::NotACheckpoint { .. }),
            "{err}"
        );
        assert_eq!(user_version(&conn).unwrap(), 0);
    }
}
