//! The page's JSON state, read from the checkpoint: the run and its totals,
//! each issue with its blockers, colour, timeline and worker logs, and the
//! open questions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use super::logs;
use super::timeline;
use crate::checkpoint::{
    CheckpointError, IssueRow, IssueState, QuestionRow, RunRow, Store, Timestamp,
};
use crate::ids::RepoSlug;

/// Which run the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunChoice {
    /// The newest run of any target (`serve` with no target).
    Latest,
    /// The newest run of this target in this repository.
    Target { repo: RepoSlug, target_key: String },
}

/// Where the page's state comes from.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    pub db: &'a Path,
    pub log_dir: &'a Path,
    pub run: &'a RunChoice,
    /// Whether the answer endpoint takes answers.
    pub answers: bool,
}

/// The state as the page reads it; a checkpoint that is missing or holds no
/// run yet gives `run: null` and a `message`.
pub fn snapshot(source: &Source<'_>, now: Timestamp) -> Value {
    let mut value = match Store::open_read_only(source.db) {
        Ok(store) => match read(&store, source, now) {
            Ok(value) => value,
            Err(e) => waiting(format!("cannot read the checkpoint: {e}")),
        },
        Err(CheckpointError::NoCheckpoint { path }) => waiting(format!(
            "no checkpoint at {} yet: the run has not started",
            path.display()
        )),
        Err(e) => waiting(format!("cannot open the checkpoint: {e}")),
    };
    value["checkpoint"] = json!(source.db.display().to_string());
    value["answers"] = json!(source.answers);
    value["now"] = json!(now);
    value
}

fn waiting(message: String) -> Value {
    json!({ "run": null, "issues": [], "questions": [], "message": message })
}

fn read(store: &Store, source: &Source<'_>, now: Timestamp) -> crate::checkpoint::Result<Value> {
    let run = match source.run {
        RunChoice::Latest => store.latest_run_any()?,
        RunChoice::Target { repo, target_key } => store.latest_run(repo, target_key)?,
    };
    let Some(run) = run else {
        return Ok(waiting(
            "the checkpoint holds no run for this target yet".into(),
        ));
    };
    let issues = store.load_issues(run.id)?;
    let questions = store.open_questions(run.id)?;
    let asked: BTreeSet<u64> = questions
        .iter()
        .filter_map(|q| q.issue.map(|i| i.0))
        .collect();
    let blockers = blockers(&run.plan, &issues);
    let mut rows = Vec::new();
    for row in &issues {
        let events = store.issue_events(run.id, row.issue)?;
        let phases = timeline::phases(&events, !row.state.is_final(), now);
        let look = look(row.state, asked.contains(&row.issue.0));
        let blocked_by = blockers.get(&row.issue.0).cloned().unwrap_or_default();
        rows.push(issue_json(
            row,
            &run.repo,
            look,
            blocked_by,
            phases,
            source.log_dir,
        ));
    }
    Ok(json!({
        "run": run_json(&run, &issues),
        "issues": rows,
        "questions": questions.iter().map(|q| question_json(q, &run.repo)).collect::<Vec<_>>(),
        "message": null,
    }))
}

/// Each issue's blockers among the run's issues, from the stored plan's waves.
pub fn blockers(plan: &Value, issues: &[IssueRow]) -> BTreeMap<u64, Vec<u64>> {
    let known: BTreeSet<u64> = issues.iter().map(|r| r.issue.0).collect();
    let mut out = BTreeMap::new();
    let waves = plan["execution_waves"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for issue in waves
        .iter()
        .flat_map(|w| w["issues"].as_array().into_iter().flatten())
    {
        let Some(number) = issue["number"].as_u64() else {
            continue;
        };
        let by: Vec<u64> = issue["blocked_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .filter(|b| known.contains(b))
            .collect();
        out.insert(number, by);
    }
    out
}

/// The node's colour class: a waiting question wins over the state.
pub fn look(state: IssueState, asked: bool) -> &'static str {
    match state {
        _ if asked => "question",
        IssueState::AwaitingApproval => "question",
        IssueState::Merged => "merged",
        IssueState::Failed => "failed",
        IssueState::Skipped => "skipped",
        IssueState::Pending => "pending",
        IssueState::Running | IssueState::PrOpen | IssueState::Reviewing => "running",
    }
}

fn pr_url(repo: &RepoSlug, pr: u64) -> String {
    format!("https://github.com/{}/{}/pull/{pr}", repo.owner, repo.name)
}

fn run_json(run: &RunRow, issues: &[IssueRow]) -> Value {
    let count = |s: IssueState| issues.iter().filter(|r| r.state == s).count();
    let active = issues
        .iter()
        .filter(|r| !r.state.is_final() && r.state != IssueState::Pending)
        .count();
    json!({
        "id": run.id.0,
        "repo": run.repo.to_string(),
        "target": run.target_label,
        "status": run.status.as_str(),
        "cost_usd": run.cost_usd_total,
        "budget_usd": run.budget_usd,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": {
            "issues": issues.len(),
            "merged": count(IssueState::Merged),
            "failed": count(IssueState::Failed),
            "skipped": count(IssueState::Skipped),
            "pending": count(IssueState::Pending),
            "active": active,
        },
    })
}

fn issue_json(
    row: &IssueRow,
    repo: &RepoSlug,
    look: &str,
    blocked_by: Vec<u64>,
    phases: Vec<timeline::Phase>,
    log_dir: &Path,
) -> Value {
    let pr = row.pr.map(|p| p.0);
    let logs: Vec<logs::LogTail> = logs::issue_logs(log_dir, row.issue.0, pr, row.machine.as_ref())
        .iter()
        .filter_map(|p| logs::tail(p))
        .collect();
    json!({
        "number": row.issue.0,
        "title": row.title,
        "wave": row.wave,
        "state": row.state.as_str(),
        "look": look,
        "blocked_by": blocked_by,
        "pr": pr,
        "pr_url": pr.map(|p| pr_url(repo, p)),
        "branch": row.branch.as_ref().map(|b| b.0.clone()),
        "head_sha": row.head_sha.as_ref().map(|h| h.0.clone()),
        "attempts": row.attempts,
        "ci_fix_attempts": row.ci_fix_attempts,
        "review_rounds": row.review_rounds,
        "cost_usd": row.cost_usd,
        "last_error": row.last_error,
        "skip_reason": row.skip_reason,
        "worker_pid": row.worker.map(|w| w.pid),
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "timeline": phases,
        "logs": logs,
    })
}

fn question_json(q: &QuestionRow, repo: &RepoSlug) -> Value {
    let pr = q.pr.map(|p| p.0);
    json!({
        "id": q.id,
        "kind": q.kind.as_str(),
        "issue": q.issue.map(|i| i.0),
        "pr": pr,
        "pr_url": pr.map(|p| pr_url(repo, p)),
        "head_sha": q.head_sha.as_ref().map(|h| h.0.clone()),
        "text": q.text,
        "asked_at": q.asked_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_turns_a_node_amber_whatever_its_state() {
        assert_eq!(look(IssueState::Reviewing, true), "question");
        assert_eq!(look(IssueState::AwaitingApproval, false), "question");
        assert_eq!(look(IssueState::PrOpen, false), "running");
        assert_eq!(look(IssueState::Merged, false), "merged");
        assert_eq!(look(IssueState::Pending, false), "pending");
    }

    #[test]
    fn missing_checkpoints_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.db");
        let source = Source {
            db: &db,
            log_dir: dir.path(),
            run: &RunChoice::Latest,
            answers: false,
        };
        let value = snapshot(&source, chrono::Utc::now());
        assert!(value["run"].is_null());
        assert!(
            value["message"].as_str().unwrap().contains("no checkpoint"),
            "{value}"
        );
        assert_eq!(value["answers"], false);
    }
}
