//! Statements kept prepared: every checkpoint write and read goes through
//! here, so SQLite parses each statement once per connection instead of on
//! every call (parsing was most of the checkpoint thread's CPU).

use rusqlite::{Connection, Params, Row};

/// How many distinct statements one connection keeps prepared: the
/// checkpoint has fewer than this, counting the shapes of dynamic patches.
pub const STATEMENTS: usize = 128;

/// `execute` and `query_row` over the connection's statement cache.
pub trait Cached {
    /// Runs one statement; returns the rows it changed.
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// Runs a query and maps its first row.
    fn row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
