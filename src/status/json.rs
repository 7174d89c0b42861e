//! `status --json`: one object with the run's fields, its issues with their
//! columns, the count per state and the total cost, for scripts.

use serde_json::{Value, json};

use crate::checkpoint::{IssueRow, IssueState, RunRow, Timestamp};

/// The run as one JSON object; `now` gives running issues their elapsed time.
pub fn render(run: &RunRow, issues: &[IssueRow], now: Timestamp) -> Value {
    let counts: serde_json::Map<String, Value> = IssueState::ALL
        .iter()
        .map(|&s| {
            let n = issues.iter().filter(|r| r.state == s).count();
            (s.as_str().to_string(), json!(n))
        })
        .collect();
    json!({
        "id": run.id,
        "repo": run.repo.to_string(),
        "target": run.target_key,
        "target_label": run.target_label,
        "status": run.status,
        "options": run.options,
        "started_at": ts(Some(run.started_at)),
        "updated_at": ts(Some(run.updated_at)),
        "finished_at": ts(run.finished_at),
        "budget_usd": run.budget_usd,
        "cost_usd_total": run.cost_usd_total,
        "counts": counts,
        "issues": issues.iter().map(|r| issue(r, now)).collect::<Vec<_>>(),
    })
}

fn issue(row: &IssueRow, now: Timestamp) -> Value {
    json!({
        "issue": row.issue,
        "title": row.title,
        "wave": row.wave,
        "state": row.state,
        "branch": row.branch,
        "pr": row.pr,
        "head_sha": row.head_sha,
        "worktree": row.worktree,
        "attempts": row.attempts,
        "ci_fix_attempts": row.ci_fix_attempts,
        "review_rounds": row.review_rounds,
        "last_error": row.last_error,
        "skip_reason": row.skip_reason,
        "cost_usd": row.cost_usd,
        "worker_pid": row.worker.map(|w| w.pid),
        "activity": row.worker.and(row.activity.clone()),
        "session_id": row.session.as_ref().map(|s| s.id.clone()),
        "started_at": ts(row.started_at),
        "finished_at": ts(row.finished_at),
        "updated_at": ts(Some(row.updated_at)),
        "elapsed_secs": super::tree::issue_seconds(row, now),
    })
}

fn ts(t: Option<Timestamp>) -> Value {
    match t {
        Some(t) => json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::RunStatus;
    use crate::status::fixture::{at, issues, run};

    #[test]
    fn one_object_with_run_fields_issues_counts_and_cost() {
        let value = render(&run(RunStatus::Running), &issues(), at(725));
        assert_eq!(value["id"], 7);
        assert_eq!(value["repo"], "acme/widgets");
        assert_eq!(value["target"], "milestone:OB3 Phase 1");
        assert_eq!(value["status"], "running");
        assert_eq!(value["started_at"], "2024-05-01T14:00:00Z");
        assert_eq!(value["finished_at"], Value::Null);
        assert_eq!(value["cost_usd_total"], 4.2);
        assert_eq!(value["budget_usd"], 25.0);
        assert_eq!(value["counts"]["merged"], 1);
        assert_eq!(value["counts"]["awaiting_approval"], 0);
        let listed = value["issues"].as_array().unwrap();
        assert_eq!(listed.len(), 6);
        let reviewing = &listed[2];
        assert_eq!(reviewing["issue"], 155);
        assert_eq!(reviewing["state"], "reviewing");
        assert_eq!(reviewing["pr"], 162);
        assert_eq!(reviewing["branch"], "feat/issue-155-storage");
        assert_eq!(reviewing["ci_fix_attempts"], 1);
        assert_eq!(reviewing["worker_pid"], 4242);
        assert_eq!(reviewing["elapsed_secs"], 455);
        assert_eq!(
            listed[1]["last_error"],
            "worker exited 0 but pushed no branch\nsecond line"
        );
        assert_eq!(listed[3]["skip_reason"], "blocked by #154 (failed)");
        assert_eq!(listed[5]["elapsed_secs"], Value::Null);
    }
}
