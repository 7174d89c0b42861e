//! How domain values map to SQLite columns: numbers as INTEGER, names and
//! states as TEXT, timestamps as RFC 3339 text, JSON as text.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, Value, ValueRef};

use super::error::CheckpointError;
use super::model::{IssueState, QuestionKind, QuestionStatus, RunId, RunStatus, Timestamp};
use crate::ids::{BranchName, CommitSha, IssueNumber, PrNumber, RepoSlug};

/// Fixed millisecond precision and a `Z` suffix, so stored timestamps also
/// sort correctly as plain text.
pub(crate) fn ts_text(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn now_text() -> String {
    ts_text(Utc::now())
}

/// A timestamp column.
pub(crate) struct Ts(pub Timestamp);

impl FromSql for Ts {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        DateTime::parse_from_rfc3339(value.as_str()?)
            .map(|t| Ts(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// A JSON text column.
pub(crate) struct Json(pub serde_json::Value);

impl FromSql for Json {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_str(value.as_str()?)
            .map(Json)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// A path column; paths that are not UTF-8 cannot be stored as text.
pub(crate) fn path_text(path: &Path) -> Result<&str, CheckpointError> {
    path.to_str()
        .ok_or_else(|| CheckpointError::NonUtf8Path(path.to_path_buf()))
}

pub(crate) struct PathCol(pub PathBuf);

impl FromSql for PathCol {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Ok(PathCol(PathBuf::from(value.as_str()?)))
    }
}

pub(crate) fn u64_to_sql(v: u64) -> rusqlite::Result<ToSqlOutput<'static>> {
    i64::try_from(v)
        .map(|i| ToSqlOutput::Owned(Value::Integer(i)))
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

pub(crate) fn u64_from_sql(value: ValueRef<'_>) -> FromSqlResult<u64> {
    let i = value.as_i64()?;
    u64::try_from(i).map_err(|_| FromSqlError::OutOfRange(i))
}

macro_rules! number_column {
    ($($ty:ident),+) => {$(
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                u64_to_sql(self.0)
            }
        }
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                u64_from_sql(value).map($ty)
            }
        }
    )+};
}
number_column!(IssueNumber, PrNumber);

impl ToSql for RunId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Value::Integer(self.0)))
    }
}

impl FromSql for RunId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_i64().map(RunId)
    }
}

macro_rules! string_column {
    ($($ty:ident),+) => {$(
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.0.as_bytes())))
            }
        }
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str().map(|s| $ty(s.to_string()))
            }
        }
    )+};
}
string_column!(CommitSha, BranchName);

macro_rules! enum_column {
    ($($ty:ident),+) => {$(
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_str().as_bytes())))
            }
        }
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    )+};
}
enum_column!(RunStatus, IssueState, QuestionKind, QuestionStatus);

impl ToSql for RepoSlug {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Value::Text(self.to_string())))
    }
}

impl FromSql for RepoSlug {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_millis_and_parse_back() {
        let t = DateTime::parse_from_rfc3339("2025-03-04T05:06:07.891234+02:00").unwrap();
        let text = ts_text(t.with_timezone(&Utc));
        assert_eq!(text, "2025-03-04T03:06:07.891Z");
        let back = Ts::column_result(ValueRef::Text(text.as_bytes()))
            .unwrap()
            .0;
        assert_eq!(ts_text(back), text);
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        assert!(IssueNumber(u64::MAX).to_sql().is_err());
        assert!(IssueNumber::column_result(ValueRef::Integer(-1)).is_err());
        assert_eq!(
            PrNumber::column_result(ValueRef::Integer(7)).unwrap(),
            PrNumber(7)
        );
    }
}
