//! One check's verdict (`Check`), and the report of all of them: plain text
//! for a person, JSON for a script, and the exit code.

use serde::Serialize;
use serde_json::{Value, json};

use crate::command::exit::Exit;

/// How a check came out.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Ready for a run.
    Ok,
    /// A run can go ahead, but something is missing, unverified or worth knowing.
    Warn,
    /// A run would fail (or do something else than the user means) until fixed.
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check: what was looked at (`name`), what was found (`detail`), and
/// what the user should do about it (`fix`, for warnings and failures).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// A check that could not be made because one before it failed; the
    /// fix is that one's.
    pub fn not_checked(name: &'static str, why: impl std::fmt::Display) -> Check {
        Check {
            name,
            status: Status::Warn,
            detail: format!("not checked: {why}"),
            fix: None,
        }
    }
}

/// Every check, in the order they were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// 0 when nothing failed, 1 otherwise; warnings do not fail.
    pub fn exit(&self) -> Exit {
        if self.count(Status::Fail) == 0 {
            Exit::Success
        } else {
            Exit::Failure
        }
    }

    /// One line per check (`status  name  detail`), its fix indented below,
    /// then the counts. Plain text, aligned with spaces, no colour.
    pub fn text(&self) -> String {
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for c in &self.checks {
            out.push_str(&format!(
                "{:<4}  {:<width$}  {}\n",
                c.status.label(),
                c.name,
                c.detail
            ));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("{:<4}  {:<width$}  fix: {fix}\n", "", ""));
            }
        }
        out.push_str(&format!("\n{}\n", self.summary()));
        out
    }

    /// `1 failed, 2 warnings, 8 ok`.
    pub fn summary(&self) -> String {
        let (fail, warn) = (self.count(Status::Fail), self.count(Status::Warn));
        let plural = if warn == 1 { "warning" } else { "warnings" };
        format!(
            "{fail} failed, {warn} {plural}, {} ok",
            self.count(Status::Ok)
        )
    }

    /// `{"checks": [{name, status, detail, fix}], "failed", "warnings", "ok"}`.
    pub fn json(&self) -> Value {
        json!({
            "checks": self.checks,
            "failed": self.count(Status::Fail),
            "warnings": self.count(Status::Warn),
            "ok": self.count(Status::Ok),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            checks: vec![
                Check::ok("git", "git version 2.43.0"),
                Check::warn("telegram", "not configured", "set TELEGRAM_BOT_TOKEN"),
                Check::fail("worker", "`claude` is not on PATH", "install it"),
                Check::not_checked("auto-issue", "the worker is missing"),
            ],
        }
    }

    #[test]
    fn text_aligns_one_line_per_check_with_its_fix_below() {
        assert_eq!(
            report().text(),
            "ok    git         git version 2.43.0\n\
             warn  telegram    not configured\n\
             \x20                 fix: set TELEGRAM_BOT_TOKEN\n\
             fail  worker      `claude` is not on PATH\n\
             \x20                 fix: install it\n\
             warn  auto-issue  not checked: the worker is missing\n\
             \n1 failed, 2 warnings, 1 ok\n"
        );
    }

    #[test]
    fn any_failure_exits_1_and_warnings_alone_exit_0() {
        let mut r = report();
        assert_eq!(r.exit(), Exit::Failure);
        r.checks.retain(|c| c.status != Status::Fail);
        assert_eq!(r.exit(), Exit::Success);
        assert_eq!(r.summary(), "0 failed, 2 warnings, 1 ok");
    }

    #[test]
    fn json_lists_every_check_with_its_fix_or_null() {
        let v = report().json();
        assert_eq!(v["checks"].as_array().unwrap().len(), 4);
        assert_eq!(v["checks"][0]["status"], "ok");
        assert_eq!(v["checks"][0]["fix"], Value::Null);
        assert_eq!(v["checks"][2]["name"], "worker");
        assert_eq!(v["checks"][2]["fix"], "install it");
        assert_eq!(
            (v["failed"].as_u64(), v["warnings"].as_u64()),
            (Some(1), Some(2))
        );
    }
}
