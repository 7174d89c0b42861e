//! The notification hooks, through the binary: a local receiver on
//! 127.0.0.1 stands in for Slack, Discord and a generic webhook while a
//! sandbox milestone runs; what it receives is each service's format with
//! the summary's numbers. A hook that fails costs a warning, never the run,
//! and a hook URL that is not http(s) is refused at start.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use auto_milestone::checkpoint::{IssueState, RunStatus};
use auto_milestone::ids::IssueNumber;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use serde_json::Value;
use support::world::{Human, MILESTONE, Prompt, World, text};

/// Each hook URL's path stands for the service's secret: it must never show in a log.
const SECRET: &str = "s3cr3t-hook-path";

/// One post the receiver got.
#[derive(Clone, Debug)]
struct Post {
    path: String,
    body: Value,
}

type Posts = Arc<Mutex<Vec<Post>>>;

/// An HTTP server on 127.0.0.1 recording every post; paths under `/fail/`
/// answer 500, the rest 200.
struct Receiver {
    url: String,
    posts: Posts,
    _runtime: tokio::runtime::Runtime,
}

async fn record(State(posts): State<Posts>, uri: Uri, body: Bytes) -> StatusCode {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_string();
    let failing = path.starts_with("/fail/");
    posts.lock().unwrap().push(Post { path, body });
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

impl Receiver {
    fn start() -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let posts = Posts::default();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port for the receiver");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(record)
            .with_state(posts.clone());
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url,
            posts,
            _runtime: runtime,
        }
    }

    /// The three hook settings, pointing here under `prefix` (`/fail` for 500s).
    fn point(&self, world: &mut World, prefix: &str) {
        let url = |path: &str| format!("{}{prefix}{path}", self.url);
        world.set(
            "AUTO_MILESTONE_NOTIFY_SLACK_URL",
            &url(&format!("/slack/services/T0/B0/{SECRET}")),
        );
        world.set(
            "AUTO_MILESTONE_NOTIFY_DISCORD_URL",
            &url(&format!("/discord/api/webhooks/1/{SECRET}")),
        );
        world.set(
            "AUTO_MILESTONE_NOTIFY_WEBHOOK_URL",
            &url(&format!("/hook/{SECRET}")),
        );
    }

    fn posts_to(&self, service: &str) -> Vec<Value> {
        self.posts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.path.contains(&format!("/{service}/")))
            .map(|p| p.body.clone())
            .collect()
    }

    fn events(&self, event: &str) -> Vec<Value> {
        self.posts_to("hook")
            .into_iter()
            .filter(|b| b["event"] == event)
            .collect()
    }
}

fn three_issues(world: &World) -> [IssueNumber; 3] {
    let a = world.issue("Add the widget type", "", "");
    let b = world.issue("Store widgets", &format!("Blocked by {a}"), "");
    let c = world.issue("Document widgets", "Depends on: none", "");
    [a, b, c]
}

/// The run's log file and stderr, where a hook's failure is told.
fn logs(world: &World, out: &std::process::Output) -> String {
    let mut all = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Ok(dir) = std::fs::read_dir(world.state_dir().join("logs")) {
        for entry in dir.map_while(Result::ok) {
            all.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    all
}

#[test]
fn a_finished_run_posts_its_summary_to_slack_discord_and_the_webhook() {
    let receiver = Receiver::start();
    let mut world = World::new();
    receiver.point(&mut world, "");
    three_issues(&world);
    let out = world.run(&[MILESTONE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(world.latest_run().status, RunStatus::Completed);

    let slack = receiver.posts_to("slack");
    let summary = slack
        .iter()
        .find(|b| {
            b["text"]
                .as_str()
                .is_some_and(|t| t.contains("3/3 issues merged"))
        })
        .unwrap_or_else(|| panic!("no Slack summary among {slack:?}"));
    assert!(
        summary["text"]
            .as_str()
            .unwrap()
            .starts_with("*MILESTONE COMPLETE*\n"),
        "{summary}"
    );

    let discord = receiver.posts_to("discord");
    let summary = discord
        .iter()
        .find(|b| {
            b["content"]
                .as_str()
                .is_some_and(|t| t.contains("3/3 issues merged"))
        })
        .unwrap_or_else(|| panic!("no Discord summary among {discord:?}"));
    assert!(summary.get("text").is_none(), "Discord's format: {summary}");

    let finished = receiver.events("run_finished");
    assert_eq!(finished.len(), 1, "one closing notice: {finished:?}");
    let hook = &finished[0];
    assert_eq!(hook["run"], world.latest_run().id.0, "{hook}");
    assert_eq!(hook["summary"]["merged"], 3, "{hook}");
    assert_eq!(hook["summary"]["failed"], 0, "{hook}");
    assert_eq!(hook["summary"]["skipped"], 0, "{hook}");
    assert_eq!(hook["summary"]["total"], 3, "{hook}");
    assert!(hook["summary"]["cost_usd"].is_number(), "{hook}");
    assert!(
        hook["text"]
            .as_str()
            .unwrap()
            .contains("3/3 issues merged successfully"),
        "{hook}"
    );
}

#[test]
fn a_hook_answering_500_does_not_fail_the_run_and_its_secret_is_not_logged() {
    let receiver = Receiver::start();
    let mut world = World::new();
    receiver.point(&mut world, "/fail");
    three_issues(&world);
    let out = world.run(&[MILESTONE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(world.latest_run().status, RunStatus::Completed);
    for service in ["slack", "discord", "hook"] {
        assert_eq!(
            receiver.posts_to(service).len(),
            1,
            "{service} was tried once, not again"
        );
    }
    let logs = logs(&world, &out);
    assert!(
        logs.contains("the notification hook refused a notice")
            && logs.contains("slack")
            && logs.contains("127.0.0.1")
            && logs.contains("500"),
        "the failure is logged with the service and host\n{logs}"
    );
    assert!(!logs.contains(SECRET), "a hook's path was logged\n{logs}");
}

#[test]
fn a_question_left_waiting_is_posted_once_naming_the_pr() {
    let receiver = Receiver::start();
    let mut world = World::new();
    receiver.point(&mut world, "");
    world.set("AUTO_MILESTONE_TELEGRAM_REMINDER", "300ms");
    let issue = world.issue("Add the widget type", "", "");
    // A slow human: each merge question waits well past the reminder.
    let human = Human::new(|p| match p {
        Prompt::Merge { pr, .. } => {
            std::thread::sleep(Duration::from_millis(1500));
            Some(format!("merge #{pr}"))
        }
        Prompt::Plan => Some("approve".into()),
        Prompt::Budget => Some("stop".into()),
    });
    let out = world.start(&[MILESTONE], human).wait();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(world.row(issue).state, IssueState::Merged);
    let pr = world.row(issue).pr.expect("a PR");
    let waiting = receiver.events("question_waiting");
    assert_eq!(waiting.len(), 1, "once per question: {waiting:?}");
    let said = waiting[0]["text"].as_str().unwrap();
    assert!(
        said.contains(&format!("PR {pr} for issue {issue}")),
        "names the PR: {said}"
    );
    assert_eq!(waiting[0]["summary"], Value::Null);
    let slack = receiver.posts_to("slack");
    assert!(
        slack.iter().any(|b| b["text"]
            .as_str()
            .is_some_and(|t| t.contains("without an answer"))),
        "Slack is told too: {slack:?}"
    );
}

#[test]
fn a_hook_url_that_is_not_http_is_refused_at_start_naming_the_setting() {
    let mut world = World::new();
    world.set("AUTO_MILESTONE_NOTIFY_SLACK_URL", "ftp://x");
    let issues = three_issues(&world);
    let out = world.run_unattended(&[MILESTONE]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("notify.slack_url must be an http(s) URL, not ftp:")
            && stderr.contains("https://hooks.slack.com/services/"),
        "{stderr}"
    );
    for issue in issues {
        assert!(world.pulls_for(issue).is_empty(), "nothing ran");
    }
}
