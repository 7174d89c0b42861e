//! A small key/value table for state that belongs to the installation, not
//! to a run, such as the Telegram `getUpdates` offset (saved so a restart
//! does not read old replies again). Not logged as events: it has no run.

use rusqlite::{OptionalExtension, params};

use super::codec::now_text;
use super::error::Result;
use super::store::Store;

impl Store {
    pub fn kv_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets `key` to `value`, replacing any previous value.
    pub fn kv_set(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO kv (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, value, now_text()],
            )?;
            Ok(())
        })
    }
}
