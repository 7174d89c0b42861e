//! A small key/value table for state that belongs to the installation, not
//! to a run, such as the Telegram `getUpdates` offset (saved so a restart
//! does not read old replies again). Not logged as events: it has no run.

use super::cached::Cached;
use rusqlite::{OptionalExtension, params};

use super::codec::now_text;
use super::error::Result;
use super::store::Store;

impl Store {
    pub fn kv_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets `key` to `value`, replacing any previous value.
    pub fn kv_set(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO kv (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, value, now_text()],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::checkpoint::testutil::temp_store;

    #[test]
    fn values_round_trip_and_are_replaced() {
        let (_dir, mut store) = temp_store();
        assert_eq!(store.kv_get("telegram.offset").unwrap(), None);
        store.kv_set("telegram.offset", "1001").unwrap();
        store.kv_set("other", "x").unwrap();
        store.kv_set("telegram.offset", "1002").unwrap();
        assert_eq!(
            store.kv_get("telegram.offset").unwrap().as_deref(),
            Some("1002")
        );
        assert_eq!(store.kv_get("other").unwrap().as_deref(), Some("x"));
    }
}
