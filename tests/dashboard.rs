//! The dashboard (`src/dashboard`): over HTTP (the token, the JSON state of
//! a checkpoint built with the store's API, live updates after a write, the
//! answer endpoint with and without a sink, `auto-milestone serve` through
//! the binary), and in a real headless Chromium over WebDriver (the graph's
//! nodes and colours, a screenshot, a change shown without a reload); and
//! a real sandbox run with `--dashboard`, whose checkpoint the page reads.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use auto_milestone::checkpoint::{
    IssuePatch, IssueState, NewIssue, NewQuestion, NewRun, QuestionKind, RunId, Store,
};
use auto_milestone::dashboard::{AnswerSink, Dashboard, RunChoice, Served};
use auto_milestone::ids::{BranchName, CommitSha, IssueNumber, PrNumber, RepoSlug};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

const HEAD: &str = "5e1f0c0ffee5e1f0c0ffee5e1f0c0ffee5e1f0c0";

/// A checkpoint with a writer open on it, its log directory, and its run.
struct Checkpoint {
    _dir: tempfile::TempDir,
    db: PathBuf,
    logs: PathBuf,
    store: Store,
    run: RunId,
}

/// A run of five issues in two waves: #1 merged, #2 reviewing with a
/// worker log, #4 failed in wave 1; #3 pending behind #1 and #2, and #5
/// awaiting approval behind #1 with an open merge question, in wave 2.
fn checkpoint() -> Checkpoint {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state").join("state.db");
    let logs = dir.path().join("state").join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut store = Store::open(&db).unwrap();
    let titles = [
        (1, "Add the parser", 1),
        (2, "Add the printer", 1),
        (3, "Wire them", 2),
        (4, "Port the docs", 1),
        (5, "Ship it", 2),
    ];
    let blockers = |n: u64| match n {
        3 => vec![1, 2],
        5 => vec![1],
        _ => vec![],
    };
    let wave = |w: u32| {
        let issues: Vec<Value> = titles
            .iter()
            .filter(|t| t.2 == w)
            .map(|t| json!({"number": t.0, "title": t.1, "blocked_by": blockers(t.0)}))
            .collect();
        json!({"wave": w, "issues": issues})
    };
    let run = store
        .create_run(&NewRun {
            repo: RepoSlug::new("acme", "widgets"),
            target_key: "milestone:M1".into(),
            target_label: "Milestone \"M1\"".into(),
            options: json!({}),
            plan: json!({"execution_waves": [wave(1), wave(2)]}),
            budget_usd: Some(10.0),
            issues: titles
                .iter()
                .map(|t| NewIssue {
                    number: IssueNumber(t.0),
                    title: t.1.into(),
                    wave: t.2,
                })
                .collect(),
        })
        .unwrap();
    let pr = |n: u64| {
        IssuePatch::new()
            .pr(PrNumber(100 + n))
            .branch(BranchName(format!("issue-{n}")))
    };
    let mut go = |n: u64, to: IssueState, patch: IssuePatch| {
        store.transition(run, IssueNumber(n), to, patch).unwrap();
    };
    go(1, IssueState::Running, IssuePatch::new());
    go(1, IssueState::PrOpen, pr(1));
    go(1, IssueState::Reviewing, IssuePatch::new());
    go(1, IssueState::Merged, IssuePatch::new());
    go(2, IssueState::Running, IssuePatch::new());
    go(2, IssueState::PrOpen, pr(2));
    go(2, IssueState::Reviewing, IssuePatch::new());
    go(
        4,
        IssueState::Failed,
        IssuePatch::new().last_error("the worker exited with code 1"),
    );
    go(5, IssueState::Running, IssuePatch::new());
    go(
        5,
        IssueState::PrOpen,
        pr(5).head_sha(CommitSha(HEAD.into())),
    );
    go(5, IssueState::Reviewing, IssuePatch::new());
    go(5, IssueState::AwaitingApproval, IssuePatch::new());
    store.add_cost(run, IssueNumber(1), 0.5).unwrap();
    store.add_cost(run, IssueNumber(2), 0.25).unwrap();
    store
        .insert_question(&NewQuestion {
            id: "q5".into(),
            run_id: run,
            issue: Some(IssueNumber(5)),
            pr: Some(PrNumber(105)),
            head_sha: Some(CommitSha(HEAD.into())),
            kind: QuestionKind::Merge,
            channel: "terminal".into(),
            text: "Merge PR #105 (Ship it)?".into(),
        })
        .unwrap();
    let log: String = (1..=100).map(|i| format!("worker line {i}\n")).collect();
    std::fs::write(logs.join("issue-2.log"), log).unwrap();
    Checkpoint {
        _dir: dir,
        db,
        logs,
        store,
        run,
    }
}

async fn serve(cp: &Checkpoint, sink: Option<Arc<dyn AnswerSink>>) -> Served {
    Dashboard::new(cp.db.clone(), cp.logs.clone(), RunChoice::Latest, sink)
        .start()
        .await
        .unwrap()
}

/// `path` on the server with the right token.
fn with_token(served: &Served, path: &str) -> String {
    let token = served.url().split("token=").nth(1).unwrap();
    format!("http://{}{path}?token={token}", served.addr())
}

async fn state(served: &Served) -> Value {
    let res = reqwest::get(with_token(served, "/api/state"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn issue(state: &Value, n: u64) -> &Value {
    state["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == n)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_needs_the_token() {
    let cp = checkpoint();
    let served = serve(&cp, None).await;
    let url = served.url().to_string();
    assert!(
        url.starts_with(&format!(
            "http://127.0.0.1:{}/?token=",
            served.addr().port()
        )),
        "{url}"
    );
    let token = url.split("token=").nth(1).unwrap();
    assert_eq!(token.len(), 32);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    let base = format!("http://{}", served.addr());
    let client = reqwest::Client::new();
    for path in ["/", "/app.js", "/app.css", "/api/state", "/events"] {
        let none = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(none.status(), 403, "{path} without a token");
        let wrong = client
            .get(format!("{base}{path}?token={}", "0".repeat(32)))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 403, "{path} with a wrong token");
        let bearer = client
            .get(format!("{base}{path}"))
            .bearer_auth("f".repeat(32))
            .send()
            .await
            .unwrap();
        assert_eq!(bearer.status(), 403, "{path} with a wrong bearer");
    }
    let post = client
        .post(format!("{base}/api/answer"))
        .json(&json!({"question": "q5", "head": HEAD, "answer": "merge"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    let page = client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("app.js?token={token}")), "{html}");
    let by_header = client
        .get(format!("{base}/api/state"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_state_shows_the_run_its_graph_timelines_logs_and_questions() {
    let cp = checkpoint();
    let served = serve(&cp, None).await;
    let state = state(&served).await;
    let run = &state["run"];
    assert_eq!(run["id"], cp.run.0);
    assert_eq!(run["status"], "running");
    assert_eq!(run["cost_usd"], 0.75);
    assert_eq!(
        run["counts"],
        json!({"issues": 5, "merged": 1, "failed": 1, "skipped": 0, "pending": 1, "active": 2})
    );
    assert_eq!(state["answers"], false);
    let looks: Vec<(u64, &str, u64)> = state["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["number"].as_u64().unwrap(),
                i["look"].as_str().unwrap(),
                i["wave"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        looks,
        [
            (1, "merged", 1),
            (2, "running", 1),
            (4, "failed", 1),
            (3, "pending", 2),
            (5, "question", 2)
        ]
    );
    assert_eq!(issue(&state, 3)["blocked_by"], json!([1, 2]));
    assert_eq!(issue(&state, 5)["blocked_by"], json!([1]));
    assert_eq!(
        issue(&state, 1)["pr_url"],
        "https://github.com/acme/widgets/pull/101"
    );
    assert_eq!(
        issue(&state, 4)["last_error"],
        "the worker exited with code 1"
    );
    let phases: Vec<&str> = issue(&state, 1)["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["running", "pr open", "reviewing", "merged"]);
    let first = &issue(&state, 1)["timeline"][0];
    assert!(first["duration_s"].is_number(), "{first}");
    assert_eq!(
        issue(&state, 1)["timeline"][3]["cost_usd"],
        0.5,
        "the cost lands in the phase it was spent in"
    );
    assert_eq!(issue(&state, 2)["timeline"][2]["ongoing"], true);
    let log = &issue(&state, 2)["logs"][0];
    assert_eq!(
        log["path"],
        cp.logs.join("issue-2.log").display().to_string()
    );
    let lines = log["lines"].as_array().unwrap();
    assert_eq!(
        (lines.len(), lines[39].as_str()),
        (40, Some("worker line 100"))
    );
    let q = &state["questions"][0];
    assert_eq!(
        (
            q["id"].as_str(),
            q["pr"].as_u64(),
            q["head_sha"].as_str(),
            q["issue"].as_u64()
        ),
        (Some("q5"), Some(105), Some(HEAD), Some(5))
    );
}

/// The stream's text until it holds `count` update events (or `wait` passes).
async fn updates(res: &mut reqwest::Response, seen: &mut String, count: usize, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    while seen.matches("event: update").count() < count {
        let chunk = tokio::time::timeout_at(deadline, res.chunk()).await;
        match chunk {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no update event {count} in time ({other:?}); got {seen:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_write_is_streamed_to_the_page() {
    let mut cp = checkpoint();
    let served = serve(&cp, None).await;
    let mut res = reqwest::get(with_token(&served, "/events")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    updates(&mut res, &mut seen, 1, Duration::from_secs(5)).await;
    // Let the poller settle on the current version before writing.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let before = seen.matches("event: update").count();
    cp.store.add_cost(cp.run, IssueNumber(2), 1.0).unwrap();
    updates(&mut res, &mut seen, before + 1, Duration::from_secs(5)).await;
    assert_eq!(state(&served).await["run"]["cost_usd"], 1.75);
}

/// Answers as an approval engine would: merges the head it asked about.
struct Engine;

#[async_trait]
impl AnswerSink for Engine {
    async fn answer(
        &self,
        question_id: &str,
        head_sha: &str,
        text: &str,
    ) -> Result<String, String> {
        if head_sha != HEAD {
            return Err(format!("the head moved: {question_id} asked about {HEAD}"));
        }
        Ok(format!("{question_id}: {text} recorded"))
    }
}

async fn post_answer(served: &Served, head: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .post(with_token(served, "/api/answer"))
        .json(&json!({"question": "q5", "head": head, "answer": "merge"}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_go_to_the_sink_and_a_read_only_page_refuses_them() {
    let cp = checkpoint();
    let read_only = serve(&cp, None).await;
    assert_eq!(
        post_answer(&read_only, HEAD).await,
        (
            409,
            "read-only: answer in the running process's page, Telegram or terminal".into()
        )
    );
    let live = serve(&cp, Some(Arc::new(Engine))).await;
    assert_eq!(state(&live).await["answers"], true);
    assert_eq!(
        post_answer(&live, HEAD).await,
        (200, "q5: merge recorded".into())
    );
    let (code, text) = post_answer(&live, "0000000").await;
    assert_eq!(
        (code, text.starts_with("the head moved")),
        (409, true),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_prints_the_url_and_serves_the_checkpoint() {
    let cp = checkpoint();
    let home = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_auto-milestone"))
        .args(["serve", "--db"])
        .arg(&cp.db)
        .current_dir(home.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("GIT_CEILING_DIRECTORIES", home.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("serve prints its URL")
        .unwrap()
        .unwrap();
    let url = line
        .strip_prefix("Dashboard: ")
        .unwrap_or_else(|| panic!("{line}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let (base, token) = url.split_once("/?token=").unwrap();
    assert_eq!(
        reqwest::get(format!("{base}/api/state"))
            .await
            .unwrap()
            .status(),
        403
    );
    let state: Value = reqwest::get(format!("{base}/api/state?token={token}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["run"]["id"], cp.run.0);
    assert_eq!(state["issues"].as_array().unwrap().len(), 5);
    assert_eq!(post_token(base, token).await, 409);
    child.kill().await.unwrap();
}

async fn post_token(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/answer?token={token}"))
        .json(&json!({"question": "q5", "head": HEAD, "answer": "skip"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sandbox_run_with_dashboard_prints_its_page_and_the_page_reads_its_checkpoint() {
    let world = support::world::World::new();
    let a = world.issue("Add the widget type", "", "");
    let b = world.issue("Store widgets", &format!("Blocked by {a}"), "");
    let out = tokio::task::spawn_blocking(move || {
        let out = world.run(&[support::world::MILESTONE, "--dashboard"]);
        (world, out)
    });
    let (world, out) = out.await.unwrap();
    let all = support::world::text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("Dashboard: "))
        .unwrap_or_else(|| panic!("no URL:\n{all}"));
    let token = line.split("?token=").nth(1).unwrap_or("");
    assert!(
        line.starts_with("Dashboard: http://127.0.0.1:") && token.len() == 32,
        "{line}"
    );
    assert_eq!(
        all.matches(token).count(),
        1,
        "the token is printed once, nowhere else"
    );

    let served = Dashboard::new(
        world.db(),
        world.state_dir().join("logs"),
        RunChoice::Latest,
        None,
    )
    .start()
    .await
    .unwrap();
    let state = state(&served).await;
    assert_eq!(state["run"]["status"], "completed", "{state:#}");
    assert_eq!(issue(&state, b.0)["blocked_by"], json!([a.0]));
    for n in [a.0, b.0] {
        let issue = issue(&state, n);
        assert_eq!(issue["look"], "merged");
        let labels: Vec<&str> = issue["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["label"].as_str().unwrap())
            .collect();
        assert!(
            labels.contains(&"worker") && labels.last() == Some(&"merged"),
            "#{n}: {labels:?}"
        );
        assert!(
            !issue["logs"].as_array().unwrap().is_empty(),
            "#{n} has its worker log: {issue:#}"
        );
    }
}

mod browser {
    //! Headless Chromium driven over WebDriver's JSON protocol with reqwest.

    use super::*;

    const CHROMIUM: &str = "/usr/bin/chromium";
    const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
    const MERGED: &str = "rgb(45, 164, 78)";

    /// A chromedriver on a free loopback port and one headless session.
    pub struct Browser {
        driver: tokio::process::Child,
        base: String,
        session: String,
        http: reqwest::Client,
        _profile: tempfile::TempDir,
    }

    impl Browser {
        pub async fn start() -> Browser {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let driver = tokio::process::Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("start chromedriver");
            let base = format!("http://127.0.0.1:{port}");
            let http = reqwest::Client::new();
            ready(&http, &base).await;
            let profile = tempfile::tempdir().unwrap();
            let caps = json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display())]
                }
            }}});
            let res: Value = http
                .post(format!("{base}/session"))
                .json(&caps)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let session = res["value"]["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no session: {res}"))
                .to_string();
            Browser {
                driver,
                base,
                session,
                http,
                _profile: profile,
            }
        }

        async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
            let url = format!("{}/session/{}{path}", self.base, self.session);
            let mut req = self.http.request(method, url);
            if let Some(body) = body {
                req = req.json(&body);
            }
            let res: Value = req.send().await.unwrap().json().await.unwrap();
            assert!(
                res["value"].get("error").is_none(),
                "WebDriver {path}: {res}"
            );
            res["value"].clone()
        }

        pub async fn open(&self, url: &str) {
            self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
                .await;
        }

        pub async fn js(&self, script: &str, args: Value) -> Value {
            self.call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({"script": script, "args": args})),
            )
            .await
        }

        pub async fn js_async(&self, script: &str, args: Value) -> Value {
            self.call(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script": script, "args": args})),
            )
            .await
        }

        pub async fn screenshot(&self) -> String {
            self.call(reqwest::Method::GET, "/screenshot", None)
                .await
                .as_str()
                .unwrap()
                .to_string()
        }

        /// Evaluates `script` until it returns `want` (or fails after 10 s).
        pub async fn until(&self, script: &str, want: Value) -> Value {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                let got = self.js(script, json!([])).await;
                if got == want || tokio::time::Instant::now() > deadline {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        pub async fn quit(mut self) {
            self.call(reqwest::Method::DELETE, "", None).await;
            let _ = self.driver.kill().await;
        }
    }

    async fn ready(http: &reqwest::Client, base: &str) {
        for _ in 0..100 {
            if let Ok(res) = http.get(format!("{base}/status")).send().await
                && let Ok(status) = res.json::<Value>().await
                && status["value"]["ready"] == true
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver at {base} never became ready");
    }

    /// Each node's computed fill, by issue number.
    const FILLS: &str =
        "return Object.fromEntries([...document.querySelectorAll('#graph-svg g.node')]
        .map(g => [g.dataset.issue, getComputedStyle(g.querySelector('rect')).fill]));";

    /// How many pixels of the screenshot (base64 PNG) are the merged green,
    /// decoded by the browser itself.
    const GREEN_PIXELS: &str = "const [png, done] = arguments; const img = new Image();
        img.onload = () => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
          const x = c.getContext('2d'); x.drawImage(img, 0, 0); const d = x.getImageData(0, 0, c.width, c.height).data;
          let n = 0; for (let i = 0; i < d.length; i += 4) {
            if (Math.abs(d[i] - 45) < 6 && Math.abs(d[i+1] - 164) < 6 && Math.abs(d[i+2] - 78) < 6) n++; }
          done(n); };
        img.onerror = () => done(-1); img.src = 'data:image/png;base64,' + png;";

    #[tokio::test(flavor = "multi_thread")]
    async fn the_page_draws_the_graph_and_follows_the_checkpoint_live() {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            eprintln!(
                "SKIPPED: the browser test needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
            );
            return;
        }
        let mut cp = checkpoint();
        let served = serve(&cp, None).await;
        let browser = Browser::start().await;
        browser.open(served.url()).await;
        let want = json!({
            "1": MERGED, "2": "rgb(9, 105, 218)", "3": "rgb(140, 149, 159)",
            "4": "rgb(207, 34, 46)", "5": "rgb(212, 167, 44)"
        });
        assert_eq!(browser.until(FILLS, want.clone()).await, want);
        let edges = browser.js("return [...document.querySelectorAll('#graph-svg path.edge')].map(e => e.dataset.from + '>' + e.dataset.to).sort();", json!([])).await;
        assert_eq!(edges, json!(["1>3", "1>5", "2>3"]));
        let text = browser
            .js("return document.body.textContent;", json!([]))
            .await;
        let text = text.as_str().unwrap();
        for part in [
            "worker line 100",
            "PR #105",
            "Merge PR #105 (Ship it)?",
            "$0.75",
            "the worker exited with code 1",
        ] {
            assert!(text.contains(part), "the page lacks {part:?}:\n{text}");
        }

        let png = browser.screenshot().await;
        if let Some(path) = std::env::var_os("DASHBOARD_SCREENSHOT_B64") {
            // To look at the page: the screenshot as base64 (`base64 -d`).
            std::fs::write(path, &png).unwrap();
        }
        assert!(
            png.starts_with("iVBORw0KGgo"),
            "not a PNG: {}",
            &png[..png.len().min(20)]
        );
        let green = browser
            .js_async(GREEN_PIXELS, json!([png]))
            .await
            .as_i64()
            .unwrap();
        assert!(
            green > 500,
            "the merged node's green is in the screenshot ({green} pixels)"
        );

        // A read-only page shows why it refuses an answer.
        browser
            .js(
                "document.querySelector('.question-card button[data-answer=merge]').click();",
                json!([]),
            )
            .await;
        let refused = browser
            .until(
                "return document.querySelector('.answer-result.refused')?.textContent ?? null;",
                json!("read-only: answer in the running process's page, Telegram or terminal"),
            )
            .await;
        assert_eq!(
            refused,
            json!("read-only: answer in the running process's page, Telegram or terminal")
        );

        // A change in the checkpoint reaches the open page without a reload.
        browser.js("window.notReloaded = true;", json!([])).await;
        cp.store
            .transition(
                cp.run,
                IssueNumber(2),
                IssueState::Merged,
                IssuePatch::new(),
            )
            .unwrap();
        let node = "return getComputedStyle(document.querySelector('#graph-svg g.node[data-issue=\"2\"] rect')).fill;";
        assert_eq!(browser.until(node, json!(MERGED)).await, json!(MERGED));
        assert_eq!(
            browser
                .js("return window.notReloaded === true;", json!([]))
                .await,
            json!(true)
        );
        assert_eq!(
            browser
                .js(
                    "return document.getElementById('merged-count').textContent;",
                    json!([])
                )
                .await,
            json!("2")
        );
        browser.quit().await;
    }
}

/// Polls `f` every 100 ms until it gives a value, for at most a minute.
async fn eventually<T>(what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {what}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_given_on_the_run_s_page_merges_the_pr() {
    let world = support::world::World::new();
    let issue = world.issue("Add the widget type", "Depends on: none", "");
    // Nobody answers on the terminal: only the page does.
    let nobody = support::world::Human::new(|_| None);
    let running = world.start(&[support::world::MILESTONE, "--dashboard"], nobody);
    let url = eventually("the dashboard's URL", async || {
        let err = running.stderr();
        let line = err.lines().find(|l| l.starts_with("Dashboard: "))?;
        Some(line.trim_start_matches("Dashboard: ").to_string())
    })
    .await;
    let (base, token) = url.split_once("/?token=").unwrap();
    let api = |path: &str| format!("{base}{path}?token={token}");
    let question = eventually("the merge question on the page", async || {
        let state: Value = reqwest::get(api("/api/state"))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        state["questions"].as_array()?.first().cloned()
    })
    .await;
    let post = async |head: &str, answer: &str| {
        let body = json!({"question": question["id"], "head": head, "answer": answer});
        let res = reqwest::Client::new()
            .post(api("/api/answer"))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    // An answer about another head than the question's is refused, with why.
    let (status, why) = post(&"f".repeat(40), "merge").await;
    assert_eq!(status, 409, "{why}");
    assert!(why.contains("The PR changed"), "{why}");
    let (status, said) = post(question["head_sha"].as_str().unwrap(), "merge").await;
    assert_eq!(status, 200, "{said}");
    // The question is closed now: a second answer is refused.
    let (status, again) = post(question["head_sha"].as_str().unwrap(), "skip").await;
    assert_eq!(status, 409, "{again}");
    assert!(again.contains("already answered (by web)"), "{again}");

    let out = tokio::task::spawn_blocking(move || running.wait())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", support::world::text(&out));
    assert_eq!(
        world.row(issue).state,
        auto_milestone::checkpoint::IssueState::Merged
    );
    let (pr, pull) = world.pull_of(issue);
    assert_eq!(Some(pr.0), question["pr"].as_u64());
    assert!(pull.merged, "PR {pr} is merged on GitHub");
    let answered = world.store().question(question["id"].as_str().unwrap());
    assert_eq!(
        answered.unwrap().unwrap().answered_by.as_deref(),
        Some("web")
    );
}
