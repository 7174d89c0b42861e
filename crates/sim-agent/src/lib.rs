//! sim-agent: the simulated coding agent that stands in for Claude Code in
//! auto-milestone's demo and tests.
//!
//! `auto-milestone sim-worker [--mode M] [--text T] N` (the host embeds
//! [`Args`] as a hidden subcommand and hands it to [`main`]) stands in for
//! `claude -p "/auto-issue N"` and the fix workers, so the orchestrator is
//! exercised for real: the worker runs in the directory it is given (a
//! checkout or worktree whose `origin` is a local bare repository), commits
//! and pushes with git (argv only), and opens the PR through GitHub's REST
//! API ([`github`]: `GITHUB_API_URL`, token from `GITHUB_TOKEN` / `GH_TOKEN`).
//! It depends on nothing of auto-milestone's.
//!
//! What it does is scripted by the issue: `<!-- sim: key[=value], ... -->`
//! comments in the issue body (grammar in [`directives`]):
//!
//! | key | effect |
//! | --- | --- |
//! | `outcome=pr` (default) | branch from HEAD, commit `sim/issue-N.md`, push, open the PR (`Closes #N`), print `PR: #n` / `URL: ...`, exit 0 |
//! | `outcome=no-push` | do nothing useful, exit 0 |
//! | `outcome=push-no-pr` | commit and push, no PR, exit 0 |
//! | `outcome=crash` | print a few lines, exit 3, push nothing |
//! | `outcome=hang` | print one line, then stay silent until killed |
//! | `outcome=pr-then-fail` | open the PR, then exit 1 |
//! | `branch=NAME` | use this branch instead of `AUTO_MILESTONE_BRANCH` |
//! | `slow=300ms` | work that long first, printing a heartbeat line every 200ms |
//! | `fail-ci` | the file carries `CI_FAIL` (the sandbox CI fails the commit) |
//! | `review-bug`, `review-nit` | the file carries a `BUG:` / `NIT:` line (sandbox CodeRabbit findings) |
//! | `cost=USD` | `total_cost_usd` of the envelope (default 0.25) |
//! | `fix=push\|none\|crash\|hang` | how fix modes end (`none`: exit 0, push nothing) |
//!
//! Modes (`--mode`, N is then the PR): `fix-ci` removes `CI_FAIL` lines,
//! `fix-review` removes `BUG:` lines and appends `addressed: <first line of
//! --text>`, `changes` appends `--text` verbatim; each commits and pushes to
//! the PR branch, and pushes nothing when there was nothing to change.
//!
//! It prints Claude Code's event stream (`--output-format stream-json
//! --verbose`): a `system`/`init` event with its session id first, what it
//! says and the commands it runs as `assistant` events, and a `result` event
//! with the cost last (`is_error` true on a non-zero exit), except for a
//! hanging worker, which never ends. `--resume <session>` runs the
//! session's task again under the same id, as `claude -p --resume` would
//! continue it; an unknown session fails with only a result event. With `AUTO_MILESTONE_SIM_TRACE=<dir>` each run appends a
//! `start` and an `end` line to `<dir>/trace.jsonl`.

mod args;
mod branch;
mod checkout;
mod console;
mod content;
pub mod directives;
mod fix;
pub mod git;
pub mod github;
mod session;
mod setup;
pub mod trace;
mod work;

use std::process::ExitCode;

pub use args::Args;
pub use console::{Console, Finish, Format, Transcript, envelope};
pub use content::{BUG_MARKER, CI_MARKER, NIT_MARKER, SIM_DIR};
pub use directives::{Directives, FixOutcome, Outcome};
pub use setup::{EXIT_FAILED, EXIT_SETUP, Mode, SimArgs, SimEnv, SimError};
pub use trace::TraceEvent;
pub use work::{EXIT_AFTER_PR, EXIT_CRASH};

/// Runs one simulated worker to its end and returns its exit status. The
/// envelope is printed last; a `hang` outcome never returns.
pub async fn run(args: SimArgs, env: &SimEnv) -> i32 {
    let (args, session) = match start_session(args, env).await {
        Ok(started) => started,
        Err((id, e)) => {
            let finish = failed(&env.console, &e);
            env.console.result(&finish, &id);
            return finish.exit;
        }
    };
    record(env, &args, "start", None);
    let result = match args.mode {
        Mode::Work => work::run(&args, env).await,
        Mode::FixCi | Mode::FixReview | Mode::Changes => fix::run(&args, env).await,
    };
    let finish = result.unwrap_or_else(|e| failed(&env.console, &e));
    env.console.result(&finish, &session);
    record(env, &args, "end", Some(finish.exit));
    finish.exit
}

/// A new session (saved for a later resume) or the resumed one, announced
/// with its `init` event. An unknown session ends the run before it starts,
/// with only a result event, as the real CLI's does.
async fn start_session(
    args: SimArgs,
    env: &SimEnv,
) -> Result<(SimArgs, String), (String, SimError)> {
    if let Some(id) = args.resume.clone() {
        let resumed = session::load(&env.cwd, &id)
            .await
            .map_err(|e| (id.clone(), e))?;
        env.console.init(&id);
        return Ok((resumed, id));
    }
    let id = session::new_id(&args);
    session::save(&env.cwd, &id, &args)
        .await
        .map_err(|e| (id.clone(), e))?;
    env.console.init(&id);
    Ok((args, id))
}

/// The agent as a process (auto-milestone's `sim-worker` subcommand): reads
/// the process's environment and working directory, runs the worker on a
/// single-threaded runtime.
pub fn main(args: &Args) -> ExitCode {
    let console = Console::Process(args.output_format.parse().unwrap_or_default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let code = match runtime {
        Ok(runtime) => runtime.block_on(async {
            let setup = SimArgs::from_cli(args)
                .and_then(|a| Ok((a, SimEnv::from_process(console.clone())?)));
            match setup {
                Ok((args, env)) => run(args, &env).await,
                Err(e) => {
                    let finish = failed(&console, &e);
                    console.result(&finish, "sim-setup");
                    finish.exit
                }
            }
        }),
        Err(e) => {
            let e = SimError::Setup(format!("start a tokio runtime: {e}"));
            let finish = failed(&console, &e);
            console.result(&finish, "sim-setup");
            finish.exit
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn failed(console: &Console, e: &SimError) -> Finish {
    let message = format!("failed to {e}");
    console.err(&format!("error: {message}"));
    Finish::failed(e.exit_code(), message, 0.0)
}

/// Appends a trace event when tracing is on; a trace that cannot be written
/// is reported on stderr and does not change the run.
fn record(env: &SimEnv, args: &SimArgs, event: &str, exit: Option<i32>) {
    let Some(dir) = &env.trace_dir else { return };
    let mut e = TraceEvent::now(event, args.mode.as_str(), &env.cwd);
    match args.mode {
        Mode::Work => e.issue = Some(args.number),
        _ => (e.issue, e.pr) = (env.issue, Some(args.number)),
    }
    e.exit = exit;
    if let Err(err) = trace::append(dir, &e) {
        env.console.err(&format!(
            "warning: could not write the sim trace in {}: {err}",
            dir.display()
        ));
    }
}
