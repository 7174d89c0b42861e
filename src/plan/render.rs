//! The plan as text, in the spec's format: a header, one block per wave, then
//! short sections (closed, blocked, cycles, outside and external blockers,
//! related issues, orphans, planning status) only when they have something
//! to say.

use std::fmt::Write;

use super::report::{MissingState, Plan};
use super::waves::arrow_path;
use crate::github::ItemState;
use crate::ids::IssueNumber;

impl Plan {
    /// The plan as the terminal shows it; ends with a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.header(&mut out);
        self.waves(&mut out);
        self.closed(&mut out);
        self.blocked(&mut out);
        self.cycles(&mut out);
        self.missing(&mut out);
        self.external(&mut out);
        self.related(&mut out);
        self.orphans(&mut out);
        self.status(&mut out);
        out
    }

    fn header(&self, out: &mut String) {
        let issues = self.scheduled().count();
        let waves = self.execution_waves.len();
        let _ = writeln!(
            out,
            "{} — {issues} {} in {waves} {}",
            self.target,
            plural(issues, "issue", "issues"),
            plural(waves, "wave", "waves")
        );
    }

    fn waves(&self, out: &mut String) {
        for wave in &self.execution_waves {
            let after = match wave.wave {
                1 => "no blockers".to_string(),
                n => format!("after Wave {}", n - 1),
            };
            let _ = writeln!(out, "\nWave {} ({after}):", wave.wave);
            for issue in &wave.issues {
                let _ = write!(out, "  {} - {}", issue.number, issue.title);
                if !issue.blocked_by.is_empty() {
                    let _ = write!(out, " → blocked by {}", comma_refs(&issue.blocked_by));
                }
                out.push('\n');
            }
        }
    }

    fn closed(&self, out: &mut String) {
        if !self.closed_issues.is_empty() {
            let _ = writeln!(
                out,
                "\nAlready closed (not scheduled): {}",
                comma_refs(&self.closed_issues)
            );
        }
    }

    fn blocked(&self, out: &mut String) {
        let lines = self.blocked_issues.iter().map(|b| {
            format!(
                "{} - {} → {}",
                b.number,
                self.title_or_blank(b.number),
                b.reason
            )
        });
        section(out, "Cannot start:", lines);
    }

    fn cycles(&self, out: &mut String) {
        let lines = self.validation.circular_deps.iter().map(|c| arrow_path(c));
        section(
            out,
            "Circular dependencies (each issue is blocked by the next):",
            lines,
        );
    }

    fn missing(&self, out: &mut String) {
        let lines = self.validation.missing_deps.iter().map(|m| {
            let title = m
                .title
                .as_ref()
                .map(|t| format!(" \"{t}\""))
                .unwrap_or_default();
            let verdict = match m.state {
                MissingState::Closed => "closed, satisfied",
                MissingState::Open => "open, cannot start",
                MissingState::NotFound => "not found, cannot start",
            };
            format!("{} needs {}{title} ({verdict})", m.issue, m.dependency)
        });
        section(out, "Blockers outside this run:", lines);
    }

    fn external(&self, out: &mut String) {
        let lines = self.validation.external_deps.iter().map(|e| {
            let state = match e.state {
                Some(ItemState::Closed) => "closed",
                Some(ItemState::Open) => "open, check by hand",
                None => "state unknown, check by hand",
            };
            format!("{} needs {}#{} ({state})", e.issue, e.repo, e.number.0)
        });
        section(out, "Blockers in other repositories (not tracked):", lines);
    }

    fn related(&self, out: &mut String) {
        let lines = self
            .dependency_graph
            .iter()
            .filter(|(_, n)| !n.soft.is_empty())
            .map(|(k, n)| format!("{k} relates to {}", n.soft.join(", ")));
        section(out, "Related, not enforced:", lines);
    }

    fn orphans(&self, out: &mut String) {
        let lines = self
            .validation
            .orphans
            .iter()
            .map(|&n| format!("{n} - {}", self.title_or_blank(n)));
        section(
            out,
            "No dependency information (planned as independent):",
            lines,
        );
    }

    fn status(&self, out: &mut String) {
        if self.needs_review() {
            let lines = self.planning_issues.iter().map(|l| format!("- {l}"));
            section(out, "Planning status: needs review", lines);
        }
    }

    fn title_or_blank(&self, n: IssueNumber) -> &str {
        self.title_of(n).unwrap_or("")
    }
}

/// A blank line, a title, and indented lines; nothing when there are no lines.
fn section(out: &mut String, title: &str, lines: impl Iterator<Item = String>) {
    let mut lines = lines.peekable();
    if lines.peek().is_none() {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    for line in lines {
        let _ = writeln!(out, "  {line}");
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn comma_refs(list: &[IssueNumber]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::github::ItemState;
    use crate::ids::IssueNumber;
    use crate::plan::analyze;
    use crate::plan::graph::tests::{input, issue, open};
    use crate::plan::graph::{OutsideIssue, PlanInput};
    use crate::plan::target::Target;

    fn titled(n: u64, title: &str, body: &str) -> crate::github::Issue {
        let mut i = open(n, body);
        i.title = title.into();
        i
    }

    fn milestone(issues: Vec<crate::github::Issue>) -> PlanInput {
        let mut inp = input(issues);
        inp.target = Target::Milestone("OB3 Phase 1".into());
        inp
    }

    #[test]
    fn the_spec_example_renders_exactly() {
        let plan = analyze(&milestone(vec![
            titled(153, "Add KeyPair type", "Depends on: none"),
            titled(154, "Implement generator", "Depends on: none"),
            titled(155, "Add storage service", "Blocked by #153"),
        ]));
        assert_eq!(
            plan.render(),
            "Milestone \"OB3 Phase 1\" — 3 issues in 2 waves\n\
             \n\
             Wave 1 (no blockers):\n\
             \x20 #153 - Add KeyPair type\n\
             \x20 #154 - Implement generator\n\
             \n\
             Wave 2 (after Wave 1):\n\
             \x20 #155 - Add storage service → blocked by #153\n"
        );
    }

    #[test]
    fn singular_forms_and_several_blockers() {
        let plan = analyze(&milestone(vec![titled(1, "Only", "Depends on: none")]));
        assert!(
            plan.render()
                .starts_with("Milestone \"OB3 Phase 1\" — 1 issue in 1 wave\n")
        );

        let plan = analyze(&milestone(vec![
            titled(1, "A", "Depends on: none"),
            titled(2, "B", "Depends on: none"),
            titled(3, "C", "Blocked by #1, #2"),
            titled(4, "D", "After #3"),
        ]));
        let text = plan.render();
        assert!(text.contains("  #3 - C → blocked by #1, #2\n"), "{text}");
        assert!(
            text.contains("Wave 3 (after Wave 2):\n  #4 - D → blocked by #3\n"),
            "{text}"
        );
    }

    #[test]
    fn troubled_plans_explain_themselves() {
        let mut inp = milestone(vec![
            titled(12, "Cyc A", "Blocked by #14"),
            titled(14, "Cyc B", "Blocked by #12"),
            titled(
                20,
                "Needs infra",
                "Blocked by #99 and #98 and other/lib#4\nSee also #12",
            ),
            titled(21, "Free", ""),
            titled(22, "Free too", ""),
            issue(23, ItemState::Closed, ""),
        ]);
        inp.outside.insert(
            IssueNumber(99),
            Some(OutsideIssue {
                title: "Infra".into(),
                state: ItemState::Open,
            }),
        );
        inp.outside.insert(
            IssueNumber(98),
            Some(OutsideIssue {
                title: "Old".into(),
                state: ItemState::Closed,
            }),
        );
        let text = analyze(&inp).render();
        for expected in [
            "Milestone \"OB3 Phase 1\" — 2 issues in 1 wave\n",
            "\nAlready closed (not scheduled): #23\n",
            "\nCannot start:\n  #12 - Cyc A → in a dependency cycle: #12 → #14 → #12\n",
            "  #20 - Needs infra → blocked by #99, which is open and not in this run\n",
            "\nCircular dependencies (each issue is blocked by the next):\n  #12 → #14 → #12\n",
            "  #20 needs #99 \"Infra\" (open, cannot start)\n",
            "  #20 needs #98 \"Old\" (closed, satisfied)\n",
            "\nBlockers in other repositories (not tracked):\n  #20 needs other/lib#4 (state unknown, check by hand)\n",
            "\nRelated, not enforced:\n  #20 relates to #12\n",
            "\nNo dependency information (planned as independent):\n  #21 - Free\n  #22 - Free too\n",
            "\nPlanning status: needs review\n  - circular dependency #12 → #14 → #12",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn a_ready_plan_has_no_extra_sections() {
        let plan = analyze(&milestone(vec![titled(1, "A", "Depends on: none")]));
        let text = plan.render();
        assert_eq!(text.matches("\n\n").count(), 1, "{text}");
    }
}
