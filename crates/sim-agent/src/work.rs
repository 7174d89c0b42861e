//! Work mode, the stand-in for `/auto-issue N`: read the issue, then do what
//! its directives script: branch, commit, push and open the PR, or fail in
//! one of the ways real workers fail.

use std::time::Duration;

use crate::branch;
use crate::checkout::{Checkout, short};
use crate::console::{Console, Finish};
use crate::content::{self, SIM_DIR};
use crate::directives::{self, Directives, Outcome};
use crate::github::{GitHub, Issue, NewPull, Pull};
use crate::setup::{SimArgs, SimEnv, SimError};

/// The exit status of `outcome=crash` (and `fix=crash`).
pub const EXIT_CRASH: i32 = 3;
/// The exit status of `outcome=pr-then-fail`.
pub const EXIT_AFTER_PR: i32 = 1;
/// How often a slow worker says it is still working.
pub const HEARTBEAT: Duration = Duration::from_millis(200);

pub async fn run(args: &SimArgs, env: &SimEnv) -> Result<Finish, SimError> {
    let number = args.number;
    let client = env.client()?;
    let issue = read_issue(&client, number)
        .await?
        .ok_or_else(|| SimError::Missing(format!("find issue #{number} in {}", env.repo)))?;
    if issue.is_pull_request() {
        return Err(SimError::Missing(format!(
            "work on #{number}: it is a pull request, not an issue"
        )));
    }
    let d = directives::parse(&issue.body)?;
    let console = &env.console;
    console.out(&format!("Working on issue #{number}: {}", issue.title));
    match d.outcome {
        Outcome::Hang => return Ok(hang().await),
        Outcome::Crash => return Ok(crash(console, d.cost_usd)),
        _ => {}
    }
    if let Some(slow) = d.slow {
        keep_busy(console, slow, HEARTBEAT).await;
    }
    if d.outcome == Outcome::NoPush {
        console.out("Done: the change looks complete.");
        return Ok(Finish::ok("Done: the change looks complete.", d.cost_usd));
    }
    let branch = d
        .branch
        .clone()
        .or_else(|| env.branch.clone())
        .unwrap_or_else(|| branch::for_issue("feat", number, &issue.title));
    commit_and_push(env, &issue, &branch, &d).await?;
    if d.outcome == Outcome::PushNoPr {
        let summary = format!("Pushed {branch}; no pull request opened.");
        console.out(&summary);
        return Ok(Finish::ok(summary, d.cost_usd));
    }
    let pr = open_pull(&client, console, &issue, &branch).await?;
    let summary = format!("PR: #{}\nURL: {}", pr.number, pr.html_url);
    console.out(&summary);
    if d.outcome == Outcome::PrThenFail {
        console.err("error: the session ended with an error after opening the pull request");
        return Ok(Finish::failed(EXIT_AFTER_PR, summary, d.cost_usd));
    }
    Ok(Finish::ok(summary, d.cost_usd))
}

/// The issue, or `None` when GitHub answers 404.
pub async fn read_issue(client: &GitHub, number: u64) -> Result<Option<Issue>, SimError> {
    client
        .issue(number)
        .await
        .map_err(SimError::github(format!("read issue #{number}")))
}

async fn commit_and_push(
    env: &SimEnv,
    issue: &Issue,
    branch: &str,
    d: &Directives,
) -> Result<(), SimError> {
    let checkout = Checkout::new(&env.cwd);
    checkout.start_branch(branch).await?;
    let path = content::issue_file(issue.number);
    let text = content::work_file(issue.number, &issue.title, d);
    write_file(&checkout, &path, &text).await?;
    let message = format!(
        "{}: {} (#{})",
        branch::kind_of(branch),
        issue.title,
        issue.number
    );
    let sha = checkout.commit(&[SIM_DIR], &message).await?;
    env.console.tool(
        &format!("git commit -m {message:?}"),
        &format!("[{branch} {}] {message}", short(&sha)),
    );
    checkout.push(branch).await?;
    env.console.tool(
        &format!("git push -u origin {branch}"),
        &format!("Pushed {branch} to origin"),
    );
    Ok(())
}

/// Writes `text` to `path` inside the checkout, creating directories.
pub async fn write_file(checkout: &Checkout, path: &str, text: &str) -> Result<(), SimError> {
    let full = checkout.dir().join(path);
    if let Some(parent) = full.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(SimError::io(format!("create {}", parent.display())))?;
    }
    tokio::fs::write(&full, text)
        .await
        .map_err(SimError::io(format!("write {}", full.display())))
}

/// Opens the PR against the default branch, or reports the open one a
/// previous run of this worker left.
async fn open_pull(
    client: &GitHub,
    console: &Console,
    issue: &Issue,
    branch: &str,
) -> Result<Pull, SimError> {
    let existing = client
        .pulls_for_branch(branch)
        .await
        .map_err(SimError::github(format!("list pull requests for {branch}")))?;
    if let Some(open) = existing.into_iter().find(|p| p.state == "open") {
        console.out(&format!("A pull request for {branch} is already open."));
        return Ok(open);
    }
    let base = client
        .default_branch()
        .await
        .map_err(SimError::github("read the default branch"))?;
    let n = issue.number;
    let pull = NewPull {
        title: issue.title.clone(),
        head: branch.to_string(),
        base,
        body: format!("Simulated work for #{n}.\n\nCloses #{n}"),
    };
    client
        .create_pull(&pull)
        .await
        .map_err(SimError::github(format!(
            "open a pull request for {branch}"
        )))
}

/// Prints a few lines the way a dying agent might and ends with status 3.
pub fn crash(console: &Console, cost_usd: f64) -> Finish {
    console.out("Running the project's checks...");
    console.err("panic: the agent process ran out of memory");
    console.err("error: the session ended unexpectedly");
    Finish::failed(
        EXIT_CRASH,
        "The session ended unexpectedly (simulated crash).",
        cost_usd,
    )
}

/// Never finishes and never prints: a frozen worker, for stall timeouts.
pub async fn hang() -> Finish {
    std::future::pending().await
}

/// Works for `total`, saying so every `every` so a stall watchdog sees a
/// live worker.
pub async fn keep_busy(console: &Console, total: Duration, every: Duration) {
    let started = tokio::time::Instant::now();
    loop {
        let elapsed = started.elapsed();
        if elapsed >= total {
            return;
        }
        console.out(&format!("Working... ({} ms)", elapsed.as_millis()));
        tokio::time::sleep(every.min(total - elapsed)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slow_worker_prints_a_heartbeat_until_its_time_is_up() {
        let console = Console::capture();
        let started = tokio::time::Instant::now();
        keep_busy(
            &console,
            Duration::from_millis(50),
            Duration::from_millis(20),
        )
        .await;
        assert!(started.elapsed() >= Duration::from_millis(50));
        let lines = console.transcript().said();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines.iter().all(|l| l.starts_with("Working...")));
    }

    #[test]
    fn a_crash_prints_and_ends_with_status_three() {
        let console = Console::capture();
        let finish = crash(&console, 0.5);
        assert_eq!(finish.exit, EXIT_CRASH);
        assert!(finish.is_error());
        assert_eq!(finish.cost_usd, 0.5);
        let t = console.transcript();
        assert!(!t.stdout.is_empty() && !t.stderr.is_empty());
    }
}
