//! The live view over an in-memory terminal: the ANSI sequences of each
//! redraw, the throttle, lines above the tree, holds, and the ticker.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::checkpoint::{IssueState, RunStatus};
use crate::ids::PrNumber;
use crate::status::fixture::{at, issues, run};

/// A terminal in memory; `wrote` hears of every write.
#[derive(Clone, Default)]
struct Term(Arc<Mutex<Vec<u8>>>, Option<std::sync::mpsc::Sender<()>>);

impl io::Write for Term {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        if let Some(wrote) = &self.1 {
            let _ = wrote.send(());
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Term {
    /// What was written, with the local clock of each line replaced by `T`.
    fn text(&self) -> String {
        let raw = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        regex::Regex::new(r"\d\d:\d\d:\d\d  ")
            .unwrap()
            .replace_all(&raw, "T  ")
            .into_owned()
    }
}

/// The checkpoint's rows, changed by the test as a run would.
#[derive(Clone)]
struct Rows(Arc<Mutex<(RunRow, Vec<IssueRow>)>>);

impl Rows {
    fn new() -> Rows {
        Rows(Arc::new(Mutex::new((run(RunStatus::Running), issues()))))
    }

    fn set(&self, issue: u64, state: IssueState) {
        let mut rows = self.0.lock().unwrap();
        let row = rows.1.iter_mut().find(|r| r.issue.0 == issue).unwrap();
        row.state = state;
    }

    fn finish(&self, status: RunStatus) {
        let mut rows = self.0.lock().unwrap();
        rows.0.status = status;
        rows.0.finished_at = Some(at(2412));
    }

    /// The tree as `status` would print it now.
    fn tree(&self, activity: &BTreeMap<IssueNumber, String>) -> String {
        let rows = self.0.lock().unwrap();
        tree::render(&TreeInput {
            run: &rows.0,
            issues: &rows.1,
            activity,
            now: at(725),
        })
    }
}

impl RunSource for Rows {
    fn load(&mut self) -> Option<(RunRow, Vec<IssueRow>)> {
        Some(self.0.lock().unwrap().clone())
    }
}

const AROUND: Surroundings = Surroundings {
    wall: || at(725),
    size: || Size {
        cols: 200,
        rows: 60,
    },
};

fn progressed(issue: u64, from: IssueState, to: IssueState) -> IssueProgressed {
    IssueProgressed {
        issue: IssueNumber(issue),
        from,
        to,
        pr: None,
        note: None,
    }
}

fn note(issue: u64, text: &str) -> IssueNoted {
    IssueNoted {
        issue: IssueNumber(issue),
        text: text.into(),
    }
}

fn none() -> BTreeMap<IssueNumber, String> {
    BTreeMap::new()
}

fn up(tree: &str) -> String {
    format!("\r\x1b[{}A\x1b[J", tree.lines().count())
}

#[test]
fn state_changes_redraw_the_tree_in_place_and_the_end_prints_it_whole() {
    let (term, rows) = (Term::default(), Rows::new());
    let mut live = Live::new(
        term.clone(),
        Box::new(rows.clone()),
        Verbosity::Normal,
        AROUND,
        None,
    );
    let first = rows.tree(&none());
    live.transition(
        &progressed(1002, IssueState::Running, IssueState::Running),
        "Wire the CLI",
    );
    assert_eq!(term.text(), format!("\x1b[?25l{first}"));

    rows.set(1002, IssueState::Failed);
    let second = rows.tree(&none());
    live.transition(
        &progressed(1002, IssueState::Running, IssueState::Failed),
        "Wire the CLI",
    );
    let outcome = "T  #1002 Wire the CLI: running → failed\n";
    assert_eq!(
        term.text(),
        format!("\x1b[?25l{first}{}{outcome}{second}", up(&first))
    );

    rows.finish(RunStatus::Partial);
    let last = rows.tree(&none());
    live.finished(&RunEnd::Finished(RunStatus::Partial));
    assert_eq!(
        term.text(),
        format!(
            "\x1b[?25l{first}{}{outcome}{second}{}{last}\nT  run finished: partial\n\x1b[?25h",
            up(&first),
            up(&second)
        )
    );
    live.note(&note(155, "late"));
    let end = term.text();
    assert!(
        end.ends_with("\x1b[?25hT  #155   late\n"),
        "after the end, lines only: {end:?}"
    );
    drop(live);
    assert_eq!(
        term.text().matches("\x1b[?25h").count(),
        1,
        "cursor shown once"
    );
    assert_eq!(
        term.text().matches("\x1b[?25l").count(),
        1,
        "and hidden once"
    );
}

#[test]
fn other_changes_are_throttled_and_drawn_when_due() {
    let (term, rows) = (Term::default(), Rows::new());
    let console = Console::new(None);
    let mut view = View::new(
        term.clone(),
        Box::new(rows.clone()),
        console,
        Verbosity::Normal,
        AROUND,
    );
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let tree = rows.tree(&none());

    view.note(&note(155, "first note"), ms(0));
    let after_first = format!("\x1b[?25lT  #155   first note\n{tree}");
    assert_eq!(term.text(), after_first);

    view.note(&note(155, "second note"), ms(50));
    view.tick(ms(100));
    assert_eq!(term.text(), after_first, "within the gap nothing is drawn");

    view.tick(ms(200));
    assert_eq!(
        term.text(),
        format!("{after_first}{}T  #155   second note\n{tree}", up(&tree))
    );
    view.tick(ms(300));
    assert_eq!(term.text().matches("second note").count(), 1);
    view.tick(ms(1200));
    assert_eq!(
        term.text().matches(&tree).count(),
        3,
        "the clocks refresh once a second"
    );
}

#[test]
fn activities_show_in_the_tree_and_with_verbose_as_lines() {
    for verbosity in [Verbosity::Normal, Verbosity::Verbose] {
        let (term, rows) = (Term::default(), Rows::new());
        let mut view = View::new(
            term.clone(),
            Box::new(rows.clone()),
            Console::new(None),
            verbosity,
            AROUND,
        );
        let doing = IssueActivity {
            issue: IssueNumber(155),
            text: "waiting for CI: 2 pending".into(),
        };
        view.activity(&doing, Instant::now());
        let mut activity = none();
        activity.insert(IssueNumber(155), doing.text.clone());
        let tree = rows.tree(&activity);
        assert!(tree.contains("└ waiting for CI: 2 pending"), "{tree}");
        let line = match verbosity {
            Verbosity::Verbose => "T  #155   … waiting for CI: 2 pending\n",
            _ => "",
        };
        assert_eq!(term.text(), format!("\x1b[?25l{line}{tree}"));
    }
}

#[test]
fn a_state_change_clears_the_activity_of_the_state_it_left() {
    let (term, rows) = (Term::default(), Rows::new());
    let mut view = View::new(
        term.clone(),
        Box::new(rows.clone()),
        Console::new(None),
        Verbosity::Normal,
        AROUND,
    );
    let doing = IssueActivity {
        issue: IssueNumber(1002),
        text: "implement worker exited 0".into(),
    };
    view.activity(&doing, Instant::now());
    rows.set(1002, IssueState::PrOpen);
    let mut moved = progressed(1002, IssueState::Running, IssueState::PrOpen);
    moved.pr = Some(PrNumber(170));
    view.transition(&moved, "Wire the CLI", Instant::now());
    let now = rows.tree(&none());
    assert!(term.text().ends_with(&now), "{}", term.text());
}

#[test]
fn queued_lines_go_above_the_tree_and_a_hold_leaves_the_tree_alone() {
    let (term, rows) = (Term::default(), Rows::new());
    let console = Console::new(None);
    let mut view = View::new(
        term.clone(),
        Box::new(rows.clone()),
        console.clone(),
        Verbosity::Normal,
        AROUND,
    );
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let tree = rows.tree(&none());

    console.push("WARN a log line".into());
    view.tick(ms(0));
    let drawn = format!("\x1b[?25lWARN a log line\n{tree}");
    assert_eq!(term.text(), drawn);

    let hold = console.hold();
    console.push("── merge PR #162? ──".into());
    view.tick(ms(500));
    view.note(&note(155, "a note while held"), ms(600));
    view.tick(ms(5000));
    let held = format!("{drawn}── merge PR #162? ──\nT  #155   a note while held\n");
    assert_eq!(term.text(), held, "nothing erased or redrawn while held");

    drop(hold);
    view.tick(ms(5001));
    assert_eq!(term.text(), format!("{held}{tree}"), "a fresh tree below");
}

#[test]
fn dropping_the_view_early_shows_the_cursor() {
    let (term, rows) = (Term::default(), Rows::new());
    let mut live = Live::new(
        term.clone(),
        Box::new(rows),
        Verbosity::Normal,
        AROUND,
        None,
    );
    live.note(&note(155, "hello"));
    assert!(term.text().starts_with("\x1b[?25l"));
    drop(live);
    assert!(term.text().ends_with("\x1b[?25h"), "{:?}", term.text());
}

#[test]
fn the_ticker_prints_queued_lines_without_any_event_and_stops_at_the_end() {
    let (wrote, writes) = std::sync::mpsc::channel();
    let term = Term(Arc::default(), Some(wrote));
    let mut live = Live::new(
        term.clone(),
        Box::new(Rows::new()),
        Verbosity::Normal,
        AROUND,
        Some(Duration::from_millis(5)),
    );
    live.console().push("from another thread".into());
    while !term.text().contains("from another thread\n") {
        let heard = writes.recv_timeout(Duration::from_secs(10));
        assert!(heard.is_ok(), "the ticker never drew: {:?}", term.text());
    }
    live.finished(&RunEnd::Finished(RunStatus::Completed));
    assert!(live.ticker.is_none(), "joined");
    let end = term.text();
    assert!(
        end.ends_with("T  run finished: completed\n\x1b[?25h"),
        "{end:?}"
    );
}

#[test]
fn the_checkpoint_is_read_again_only_after_a_commit() {
    use crate::checkpoint::{IssuePatch, NewIssue, NewRun, Store};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.db");
    let mut writer = Store::open(&path).unwrap();
    let run_id = writer
        .create_run(&NewRun {
            repo: "acme/widgets".parse().unwrap(),
            target_key: "issues:1".into(),
            target_label: "Issues #1".into(),
            options: serde_json::json!({}),
            plan: serde_json::json!({}),
            budget_usd: None,
            issues: vec![NewIssue {
                number: IssueNumber(1),
                title: "One".into(),
                wave: 1,
            }],
        })
        .unwrap();
    let mut source = CheckpointSource::open(&path, run_id).unwrap();
    let (_, issues) = source.load().expect("the first load reads the rows");
    assert_eq!(issues[0].state, IssueState::Pending);
    assert!(
        source.load().is_none(),
        "nothing committed: the last rows stand"
    );
    writer
        .transition(
            run_id,
            IssueNumber(1),
            IssueState::Running,
            IssuePatch::new(),
        )
        .unwrap();
    let (_, issues) = source.load().expect("a commit is read");
    assert_eq!(issues[0].state, IssueState::Running);
    assert!(source.load().is_none());
}
