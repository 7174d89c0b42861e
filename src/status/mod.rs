//! The `status` command: reads the checkpoint (during a run, from another
//! terminal, or after it) and shows a run as the wave tree or as JSON, and
//! what `--resume` would do with an interrupted one.

pub mod json;
pub mod preview;
pub mod process;
pub mod tree;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, anyhow};
use clap::Args;

pub use preview::{ResumeAction, resume_preview};
pub use process::Process;
pub use tree::TreeInput;

use crate::checkpoint::liveness;
use crate::checkpoint::{CheckpointError, IssueRow, RunRow, RunStatus, Store, Timestamp};
use crate::command::context;
use crate::command::exit::Exit;
use crate::command::{CommandError, CommonArgs};
use crate::ids::{IssueNumber, RepoSlug};
use crate::paths;
use crate::plan::Target;
use crate::worker::Activity;

/// How to start a run, for messages that find none.
const START_HINT: &str =
    "start one with `auto-milestone \"<milestone name>\"` or `auto-milestone <issue numbers>`";

/// The arguments of `status` and `serve`: which run to show.
#[derive(Debug, Args, Clone, Default)]
pub struct StatusArgs {
    /// The milestone name or issue numbers whose latest run to show (default: the latest run of any target)
    #[arg(value_name = "TARGET", num_args = 0..)]
    pub target: Vec<String>,
}

impl StatusArgs {
    /// The target named, if any.
    pub fn target(&self) -> Result<Option<Target>, CommandError> {
        if self.target.is_empty() {
            return Ok(None);
        }
        let target = Target::parse(&self.target).map_err(|e| CommandError::Usage(e.to_string()))?;
        Ok(Some(target))
    }
}

/// `auto-milestone status [TARGET] [--json]`.
pub fn main(args: StatusArgs, common: CommonArgs) -> Result<Exit, CommandError> {
    let target = args.target()?;
    report(target.as_ref(), &common)?;
    Ok(Exit::Success)
}

/// Finds the run and prints it.
fn report(target: Option<&Target>, common: &CommonArgs) -> anyhow::Result<()> {
    let settings = context::load_settings(common, |_| {})?;
    let cwd =
        std::env::current_dir().map_err(|e| anyhow!("cannot read the current directory: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let root = runtime.block_on(context::checkout_root(&cwd));
    let choice = runtime.block_on(paths::checkpoint_to_read(root.as_deref(), &cwd, &settings))?;
    choice.announce();
    let db = choice.path();
    let store = open(db)?;
    let repo = match target {
        Some(_) => Some(runtime.block_on(context::resolve_repo(&settings, root.as_deref()))?),
        None => None,
    };
    let run = find_run(&store, db, target.zip(repo.as_ref()))?;
    let issues = store.load_issues(run.id)?;
    let now = chrono::Utc::now();
    let writer = liveness::writer(db)
        .with_context(|| format!("check whether a run holds {}", db.display()))?;
    let process = Process::decide(run.status, writer);
    let last_seen = store.last_update(run.id)?.unwrap_or(run.updated_at);
    if common.json {
        let mut value = json::render(&run, &issues, now);
        value["process"] = process.json(last_seen);
        println!("{value:#}");
    } else {
        print!("{}", show(&run, &issues, now, process, last_seen));
    }
    Ok(())
}

/// The latest run for the target in the repository, or of all.
fn find_run(
    store: &Store,
    db: &Path,
    target: Option<(&Target, &RepoSlug)>,
) -> anyhow::Result<RunRow> {
    let Some((target, repo)) = target else {
        return store.latest_run_any()?.ok_or_else(|| {
            anyhow!(
                "the checkpoint {} holds no run yet; {START_HINT}",
                db.display()
            )
        });
    };
    store.latest_run(repo, &target.key())?.ok_or_else(|| {
        anyhow!(
            "the checkpoint {} holds no run for {} in {repo}; start one with `{}`",
            db.display(),
            target.label(),
            command_for(&target.key())
        )
    })
}

/// What each issue's running worker is doing, as the run last recorded it.
pub fn recorded_activity(issues: &[IssueRow]) -> BTreeMap<IssueNumber, String> {
    issues
        .iter()
        .filter(|row| row.worker.is_some())
        .filter_map(|row| {
            let activity: Activity = serde_json::from_value(row.activity.clone()?).ok()?;
            Some((row.issue, format!("agent: {}", activity.describe())))
        })
        .collect()
}

/// The tree with whether its process lives below the header's first line
/// (`last_seen` in local time), and for an interrupted or crashed run what a
/// resume would do and how.
fn show(
    run: &RunRow,
    issues: &[IssueRow],
    now: Timestamp,
    process: Process,
    last_seen: Timestamp,
) -> String {
    let activity = recorded_activity(issues);
    let mut out = tree::render(&TreeInput {
        run,
        issues,
        activity: &activity,
        now,
    });
    if let Some(line) = process.line(last_seen, &chrono::Local) {
        let after_header = out.find('\n').map_or(out.len(), |i| i + 1);
        out.insert_str(after_header, &line);
    }
    if process == Process::Crashed {
        // The tree believes the checkpoint; its workers died with the run.
        out = out.replace("\nWorkers running now: none\n", "").replace(
            "\nWorkers running now: ",
            "\nWorkers recorded when the run stopped: ",
        );
    }
    if run.status == RunStatus::Interrupted || process == Process::Crashed {
        out.push('\n');
        out.push_str(&preview::render(run, issues));
        out.push_str(&format!(
            "Resume it with: {} --resume\n",
            command_for(&run.target_key)
        ));
    }
    out
}

fn open(db: &Path) -> anyhow::Result<Store> {
    match Store::open_read_only(db) {
        Ok(store) => Ok(store),
        Err(CheckpointError::NoCheckpoint { path }) => Err(anyhow!(
            "no checkpoint at {}: no run has started here yet; {START_HINT} (or point --db at another checkpoint)",
            path.display()
        )),
        Err(e) => Err(e.into()),
    }
}

/// The command that runs the target a run was for: `auto-milestone "OB3 Phase 1"`.
pub fn command_for(target_key: &str) -> String {
    match target_key.split_once(':') {
        Some(("issues", numbers)) => format!("auto-milestone {numbers}"),
        Some(("milestone", name)) => format!("auto-milestone {}", shell_quote(name)),
        _ => format!("auto-milestone {}", shell_quote(target_key)),
    }
}

/// Double quotes where they suffice (as the spec writes milestone names),
/// single quotes where the shell would expand something inside them.
fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_alphanumeric() || " ._-/#:,".contains(c))
    {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::fixture::{at, issues, run};

    #[test]
    fn commands_name_the_target_as_typed() {
        assert_eq!(
            command_for("milestone:OB3 Phase 1"),
            "auto-milestone \"OB3 Phase 1\""
        );
        assert_eq!(command_for("issues:153,154"), "auto-milestone 153,154");
        assert_eq!(
            command_for("milestone:It's $HOME"),
            r"auto-milestone 'It'\''s $HOME'"
        );
    }

    #[test]
    fn an_interrupted_run_adds_the_resume_preview_and_command() {
        let text = show_as(RunStatus::Interrupted, &issues(), Process::Stopped);
        assert!(
            text.contains("\nWhat --resume would do with run 7"),
            "{text}"
        );
        assert!(
            text.ends_with("Resume it with: auto-milestone \"OB3 Phase 1\" --resume\n"),
            "{text}"
        );
        assert!(
            text.contains("\nProcess: stopped (interrupted)\n"),
            "{text}"
        );
        let text = show_as(RunStatus::Partial, &issues(), Process::Finished);
        assert!(!text.contains("--resume"), "{text}");
        assert!(!text.contains("Process:"), "{text}");
    }

    /// `show` at 14:12:05 for a run last seen at 14:10 UTC.
    fn show_as(status: RunStatus, rows: &[IssueRow], process: Process) -> String {
        show(&run(status), rows, at(725), process, at(600))
    }

    #[test]
    fn a_live_run_names_its_process_under_the_first_header_line() {
        let text = show_as(
            RunStatus::Running,
            &issues(),
            Process::Running { pid: Some(99) },
        );
        let lines: Vec<&str> = text.lines().take(3).collect();
        assert!(lines[0].ends_with(" · running"), "{text}");
        assert_eq!(lines[1], "Process: running (pid 99)", "{text}");
        assert!(lines[2].starts_with("Started "), "{text}");
        assert!(
            text.contains("\nWorkers running now: #155 (pid 4242)"),
            "{text}"
        );
        assert!(!text.contains("--resume"), "{text}");
    }

    #[test]
    fn a_crashed_run_says_when_it_was_last_seen_and_how_to_resume_it() {
        let text = show_as(RunStatus::Running, &issues(), Process::Crashed);
        let local = at(600).with_timezone(&chrono::Local).format("%H:%M");
        assert_eq!(
            text.lines().nth(1),
            Some(format!("Process: crashed at {local} (no process)").as_str()),
            "{text}"
        );
        assert!(!text.contains("Workers running now"), "{text}");
        assert!(
            text.contains("\nWorkers recorded when the run stopped: #155 (pid 4242)"),
            "{text}"
        );
        assert!(
            text.ends_with("Resume it with: auto-milestone \"OB3 Phase 1\" --resume\n"),
            "{text}"
        );
        let idle: Vec<IssueRow> = issues()
            .into_iter()
            .map(|row| IssueRow {
                worker: None,
                ..row
            })
            .collect();
        let text = show_as(RunStatus::Running, &idle, Process::Crashed);
        assert!(!text.contains("Workers"), "{text}");
    }

    #[test]
    fn a_running_worker_shows_the_tool_its_agent_runs() {
        let mut rows = issues();
        let line = r#"{"type":"assistant","message":{"id":"m1","content":[{"type":"tool_use","name":"Bash","input":{"command":"cargo test"}}]}}"#;
        let mut activity = Activity::default();
        activity.feed(line);
        for row in &mut rows {
            row.activity = Some(serde_json::to_value(&activity).unwrap());
        }
        let shown = recorded_activity(&rows);
        let with_worker: Vec<_> = rows
            .iter()
            .filter(|r| r.worker.is_some())
            .map(|r| r.issue)
            .collect();
        assert_eq!(
            shown.keys().copied().collect::<Vec<_>>(),
            with_worker,
            "only live workers"
        );
        assert!(
            shown
                .values()
                .all(|a| a == "agent: Bash: cargo test · turn 1"),
            "{shown:?}"
        );
        let text = show_as(RunStatus::Running, &rows, Process::Running { pid: None });
        assert!(text.contains("agent: Bash: cargo test · turn 1"), "{text}");
    }
}
