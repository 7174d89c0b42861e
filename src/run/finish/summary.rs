//! The end-of-run summary in the spec's form (issues processed / merged /
//! failed / skipped, the PRs, each failure with its reason), with each
//! issue's duration, fix attempts and cost; and the notification sent when
//! the run is over.

use chrono::{DateTime, Utc};

use crate::checkpoint::{IssueRow, IssueState, RunStatus};
use crate::notify::Digest;
use crate::status::tree::{elapsed, issue_seconds};

/// What the summary is made from.
pub struct SummaryInput<'a> {
    pub label: &'a str,
    pub status: RunStatus,
    pub issues: &'a [IssueRow],
    pub now: DateTime<Utc>,
}

fn count(issues: &[IssueRow], state: IssueState) -> usize {
    issues.iter().filter(|r| r.state == state).count()
}

fn duration(row: &IssueRow, now: DateTime<Utc>) -> String {
    issue_seconds(row, now).map_or_else(|| "-".into(), elapsed)
}

fn heading(label: &str, status: RunStatus) -> String {
    match status {
        RunStatus::Completed => format!("{label} Complete"),
        RunStatus::Partial => format!("{label} Finished: partial (some issues failed)"),
        RunStatus::Failed => format!("{label} Finished: failed (nothing merged)"),
        other => format!("{label}: {other}"),
    }
}

/// The summary printed at the end of a run.
pub fn render(input: &SummaryInput) -> String {
    let issues = input.issues;
    let mut out = format!("{}\n\n", heading(input.label, input.status));
    out.push_str(&format!(
        "Issues: {} processed, {} merged, {} failed, {} skipped\n",
        issues.len(),
        count(issues, IssueState::Merged),
        count(issues, IssueState::Failed),
        count(issues, IssueState::Skipped)
    ));
    let prs: Vec<String> = issues
        .iter()
        .filter_map(|r| r.pr)
        .map(|p| p.to_string())
        .collect();
    out.push_str(&format!(
        "PRs: {}\n",
        if prs.is_empty() {
            "none".into()
        } else {
            prs.join(", ")
        }
    ));
    let reasons = |state: IssueState, pick: fn(&IssueRow) -> Option<&String>| -> String {
        issues
            .iter()
            .filter(|r| r.state == state)
            .map(|r| {
                format!(
                    "- {}: {}\n",
                    r.issue,
                    pick(r).map(String::as_str).unwrap_or("no reason recorded")
                )
            })
            .collect()
    };
    let failed = reasons(IssueState::Failed, |r| r.last_error.as_ref());
    if !failed.is_empty() {
        out.push_str(&format!("\nFailed issues:\n{failed}"));
    }
    let skipped = reasons(IssueState::Skipped, |r| r.skip_reason.as_ref());
    if !skipped.is_empty() {
        out.push_str(&format!("\nSkipped issues:\n{skipped}"));
    }
    out.push_str("\nPer issue:\n");
    for r in issues {
        let pr =
            r.pr.map(|p| format!("PR {p}"))
                .unwrap_or_else(|| "no PR".into());
        let fixes = format!(
            "CI fixes {}, review rounds {}",
            r.ci_fix_attempts, r.review_rounds
        );
        let cost = if r.cost_usd > 0.0 {
            format!(", ${:.2}", r.cost_usd)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {} {}: {}, {pr}, {}, {fixes}{cost}\n",
            r.issue,
            r.title,
            r.state,
            duration(r, input.now)
        ));
    }
    let total: f64 = issues.iter().map(|r| r.cost_usd).sum();
    if total > 0.0 {
        out.push_str(&format!("Total cost: ${total:.2}\n"));
    }
    out
}

/// The spec's closing notification.
pub fn notification(input: &SummaryInput) -> String {
    let merged = count(input.issues, IssueState::Merged);
    let failed: Vec<String> = input
        .issues
        .iter()
        .filter(|r| r.state == IssueState::Failed)
        .map(|r| r.issue.to_string())
        .collect();
    let title = match input.status {
        RunStatus::Completed => "MILESTONE COMPLETE",
        RunStatus::Partial => "MILESTONE FINISHED (PARTIAL)",
        _ => "MILESTONE FAILED",
    };
    format!(
        "{title}\n{}: {merged}/{} issues merged successfully.\nFailed: {}",
        input.label,
        input.issues.len(),
        if failed.is_empty() {
            "none".into()
        } else {
            failed.join(", ")
        }
    )
}

/// The summary's numbers, for the notification hooks.
pub fn digest(input: &SummaryInput) -> Digest {
    let issues = input.issues;
    Digest {
        merged: count(issues, IssueState::Merged),
        failed: count(issues, IssueState::Failed),
        skipped: count(issues, IssueState::Skipped),
        total: issues.len(),
        cost_usd: issues.iter().map(|r| r.cost_usd).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::RunId;
    use crate::ids::{IssueNumber, PrNumber};

    fn row(n: u64, title: &str, state: IssueState) -> IssueRow {
        let at = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        IssueRow {
            run_id: RunId(1),
            issue: IssueNumber(n),
            title: title.into(),
            wave: 1,
            state,
            branch: None,
            pr: (state == IssueState::Merged).then_some(PrNumber(n + 100)),
            head_sha: None,
            worktree: None,
            attempts: 1,
            ci_fix_attempts: u32::from(n == 2),
            review_rounds: 0,
            review_step: None,
            machine: None,
            last_error: (state == IssueState::Failed)
                .then(|| "worker exited 0 but pushed no branch".to_string()),
            skip_reason: (state == IssueState::Skipped)
                .then(|| "blocked by #3, which failed".to_string()),
            cost_usd: if n == 1 { 0.42 } else { 0.0 },
            worker: None,
            worker_mark: None,
            session: None,
            activity: None,
            started_at: at("2026-11-23T10:00:00Z"),
            finished_at: at("2026-11-23T10:04:12Z"),
            updated_at: at("2026-11-23T10:04:12Z").unwrap(),
        }
    }

    fn fixture() -> Vec<IssueRow> {
        vec![
            row(1, "Add KeyPair type", IssueState::Merged),
            row(2, "Implement generator", IssueState::Merged),
            row(3, "Add storage service", IssueState::Failed),
            row(4, "Use storage", IssueState::Skipped),
        ]
    }

    #[test]
    fn the_summary_counts_lists_prs_and_gives_each_reason() {
        let issues = fixture();
        let input = SummaryInput {
            label: "Milestone \"OB3\"",
            status: RunStatus::Partial,
            issues: &issues,
            now: Utc::now(),
        };
        let text = render(&input);
        assert!(
            text.starts_with("Milestone \"OB3\" Finished: partial"),
            "{text}"
        );
        assert!(
            text.contains("Issues: 4 processed, 2 merged, 1 failed, 1 skipped\n"),
            "{text}"
        );
        assert!(text.contains("PRs: #101, #102\n"), "{text}");
        assert!(
            text.contains("Failed issues:\n- #3: worker exited 0 but pushed no branch\n"),
            "{text}"
        );
        assert!(
            text.contains("Skipped issues:\n- #4: blocked by #3, which failed\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  #2 Implement generator: merged, PR #102, 4m12s, CI fixes 1, review rounds 0\n"
            ),
            "{text}"
        );
        assert!(text.contains("  #1 Add KeyPair type: merged, PR #101, 4m12s, CI fixes 0, review rounds 0, $0.42\n"), "{text}");
        assert!(text.contains("Total cost: $0.42"), "{text}");
    }

    #[test]
    fn a_completed_run_uses_the_specs_heading_and_notification() {
        let issues = vec![row(1, "Add KeyPair type", IssueState::Merged)];
        let input = SummaryInput {
            label: "Milestone \"OB3\"",
            status: RunStatus::Completed,
            issues: &issues,
            now: Utc::now(),
        };
        assert!(render(&input).starts_with("Milestone \"OB3\" Complete\n"));
        assert_eq!(
            notification(&input),
            "MILESTONE COMPLETE\nMilestone \"OB3\": 1/1 issues merged successfully.\nFailed: none"
        );
    }

    #[test]
    fn the_notification_names_failed_issues() {
        let issues = fixture();
        let input = SummaryInput {
            label: "Milestone \"OB3\"",
            status: RunStatus::Partial,
            issues: &issues,
            now: Utc::now(),
        };
        let text = notification(&input);
        assert!(text.starts_with("MILESTONE FINISHED (PARTIAL)\n"), "{text}");
        assert_eq!(
            digest(&input),
            Digest {
                merged: 2,
                failed: 1,
                skipped: 1,
                total: 4,
                cost_usd: 0.42
            }
        );
        assert!(
            text.ends_with("2/4 issues merged successfully.\nFailed: #3"),
            "{text}"
        );
    }
}
