//! Fix modes, the stand-ins for the CI fix, review fix and "changes"
//! workers: check out the PR branch as `origin` has it, edit the worker's
//! files, commit and push; nothing to fix means nothing pushed.

use crate::branch;
use crate::checkout::{Checkout, short};
use crate::console::Finish;
use crate::content::{self, BUG_MARKER, CI_MARKER, SIM_DIR};
use crate::directives::{self, Directives, FixOutcome};
use crate::github::{GitHub, Pull};
use crate::setup::{Mode, SimArgs, SimEnv, SimError};
use crate::work::{HEARTBEAT, crash, hang, keep_busy, read_issue, write_file};

pub async fn run(args: &SimArgs, env: &SimEnv) -> Result<Finish, SimError> {
    let number = args.number;
    let client = env.client()?;
    let pr = client
        .pull(number)
        .await
        .map_err(SimError::github(format!("read pull request #{number}")))?;
    let head = pr.head.branch.as_str();
    let issue = env.issue.or_else(|| issue_of(&pr));
    let d = directives_for(&client, issue).await?;
    let console = &env.console;
    console.out(&format!("{} on PR #{number} ({head})", doing(args.mode)));
    match d.fix {
        FixOutcome::Hang => return Ok(hang().await),
        FixOutcome::Crash => return Ok(crash(console, d.cost_usd)),
        FixOutcome::None | FixOutcome::Push => {}
    }
    if let Some(slow) = d.slow {
        keep_busy(console, slow, HEARTBEAT).await;
    }
    if d.fix == FixOutcome::None {
        console.out("Done: I could not find anything to change.");
        return Ok(Finish::ok("No changes made.", d.cost_usd));
    }
    let checkout = Checkout::new(&env.cwd);
    checkout.checkout_remote(head).await?;
    let target = issue.map_or_else(|| content::pull_file(number), content::issue_file);
    if !edit(&checkout, args, &target).await? {
        let summary = format!("Nothing to fix on {head}.");
        console.out(&summary);
        return Ok(Finish::ok(summary, d.cost_usd));
    }
    let message = format!("fix: {} (PR #{number})", doing(args.mode).to_lowercase());
    let sha = checkout.commit(&[SIM_DIR], &message).await?;
    checkout.push(head).await?;
    let summary = format!("Pushed {} to {head} for PR #{number}.", short(&sha));
    console.out(&summary);
    Ok(Finish::ok(summary, d.cost_usd))
}

fn doing(mode: Mode) -> &'static str {
    match mode {
        Mode::FixCi => "Fixing CI",
        Mode::FixReview => "Addressing review comments",
        Mode::Changes | Mode::Work => "Making the requested changes",
    }
}

/// The issue a PR belongs to: the one its body closes, else the one its
/// branch is named after.
fn issue_of(pr: &Pull) -> Option<u64> {
    content::closed_issue(&pr.body).or_else(|| branch::issue_of(&pr.head.branch))
}

/// The issue's directives; the defaults when the issue is unknown or gone.
async fn directives_for(client: &GitHub, issue: Option<u64>) -> Result<Directives, SimError> {
    let Some(number) = issue else {
        return Ok(Directives::default());
    };
    match read_issue(client, number).await? {
        Some(issue) => Ok(directives::parse(&issue.body)?),
        None => Ok(Directives::default()),
    }
}

/// Makes the mode's edit in the checkout; false when there was nothing to do.
async fn edit(checkout: &Checkout, args: &SimArgs, target: &str) -> Result<bool, SimError> {
    match args.mode {
        Mode::FixCi => strip_marker(checkout, CI_MARKER).await,
        Mode::FixReview => {
            let stripped = strip_marker(checkout, BUG_MARKER).await?;
            if args.text.trim().is_empty() {
                return Ok(stripped);
            }
            append(checkout, target, &content::addressed_line(&args.text)).await?;
            Ok(true)
        }
        Mode::Changes | Mode::Work => {
            if args.text.trim().is_empty() {
                return Ok(false);
            }
            append(checkout, target, &content::changes_block(&args.text)).await?;
            Ok(true)
        }
    }
}

/// Removes the lines carrying `marker` from every tracked file under `sim/`.
async fn strip_marker(checkout: &Checkout, marker: &str) -> Result<bool, SimError> {
    let mut changed = false;
    for path in checkout.tracked_files(SIM_DIR).await? {
        let text = read_file(checkout, &path).await?;
        if let Some(kept) = content::without_lines_containing(&text, marker) {
            write_file(checkout, &path, &kept).await?;
            changed = true;
        }
    }
    Ok(changed)
}

async fn append(checkout: &Checkout, path: &str, addition: &str) -> Result<(), SimError> {
    let full = checkout.dir().join(path);
    let text = match tokio::fs::read_to_string(&full).await {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(SimError::io(format!("read {}", full.display()))(e)),
    };
    write_file(checkout, path, &content::appended(&text, addition)).await
}

async fn read_file(checkout: &Checkout, path: &str) -> Result<String, SimError> {
    let full = checkout.dir().join(path);
    tokio::fs::read_to_string(&full)
        .await
        .map_err(SimError::io(format!("read {}", full.display())))
}
