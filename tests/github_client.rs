//! The GitHub client (`OctoGitHub` over octocrab) through the library API,
//! against the sandbox GitHub on loopback: pagination, retries as the
//! sandbox's request log shows them, GitHub's own message on a 4xx, native
//! dependencies; and against a scripted loopback server where the exact
//! bytes matter: the token it sends, and `Link` next URLs followed relative
//! to the configured API base.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auto_milestone::github::auth::Token;
use auto_milestone::github::retry::RetryPolicy;
use auto_milestone::github::{
    Association, BranchProtection, GitHubApi, GitHubError, ItemState, OctoGitHub, RepoPermissions,
};
use auto_milestone::ids::{BranchName, IssueNumber};
use gh_sandbox as sb;
use gh_sandbox::{
    CODERABBIT_LOGIN, Fault, IssueSpec, PullSpec, RepoHandle, ReviewCommentSpec, ReviewSpec, Route,
    Sandbox,
};
use serde_json::json;
use support::convert::ToProduct;

const SLUG: &str = "acme/widgets";
const TOKEN: &str = "ghp_test_token_4f9a";
const MILESTONES: &str = "/repos/*/*/milestones";

/// Milliseconds instead of seconds, so retry tests stay fast; rate-limit
/// waits GitHub asks for are still honoured in full.
fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_wait: Duration::from_secs(5),
    }
}

fn client(url: &str, policy: RetryPolicy) -> OctoGitHub {
    OctoGitHub::new(url, &Token::new(TOKEN), SLUG.parse().unwrap(), policy).expect("client")
}

fn sandbox() -> (Sandbox, RepoHandle) {
    let sandbox = Sandbox::start();
    let repo = sandbox.state().add_repo(SLUG, "main");
    (sandbox, repo)
}

fn statuses(sandbox: &Sandbox, method: &str, pattern: &str) -> Vec<u16> {
    sandbox
        .requests()
        .matching(&Route::matching(method, pattern))
        .iter()
        .map(|r| r.status)
        .collect()
}

// ------------------------------------------------------- who wrote what

#[tokio::test]
async fn reviews_and_comments_say_how_their_authors_relate_to_the_repository() {
    let (sandbox, repo) = sandbox();
    repo.set_association("alice", sb::Association::Collaborator);
    repo.set_association("mallory", sb::Association::FirstTimeContributor);
    repo.set_association("carol", sb::Association::Contributor);
    let pr = repo.add_pull(PullSpec::new("A PR", "feat/issue-1-x"));
    let authors = [
        "acme",
        "octocat",
        "alice",
        "mallory",
        "carol",
        "nobody",
        CODERABBIT_LOGIN,
    ];
    for who in authors {
        repo.add_review(pr, ReviewSpec::new(who, "COMMENTED").body("r"));
        repo.add_review_comment(pr, ReviewCommentSpec::new(who, "src/a.rs", 1, "c"));
        repo.add_issue_comment(pr.0, who, "i");
    }
    let expected = [
        Association::Owner,
        Association::Collaborator, // the token's user
        Association::Collaborator,
        Association::FirstTimeContributor,
        Association::Contributor,
        Association::None,
        Association::None, // an app: only the bot list trusts it
    ];
    let gh = client(sandbox.url(), fast());
    let reviews = gh.list_reviews(pr.product()).await.unwrap();
    let inline = gh.list_review_comments(pr.product()).await.unwrap();
    let conversation = gh.list_issue_comments(pr.0).await.unwrap();
    let of = |pairs: Vec<(String, Association)>| {
        let logins: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
        assert_eq!(logins, authors);
        pairs.into_iter().map(|p| p.1).collect::<Vec<_>>()
    };
    assert_eq!(
        of(reviews
            .into_iter()
            .map(|r| (r.user, r.association))
            .collect()),
        expected
    );
    assert_eq!(
        of(inline
            .into_iter()
            .map(|c| (c.user, c.association))
            .collect()),
        expected
    );
    assert_eq!(
        of(conversation
            .into_iter()
            .map(|c| (c.user, c.association))
            .collect()),
        expected
    );
}

// ------------------------------------------------------------ pagination

#[tokio::test]
async fn every_page_of_a_milestone_is_read_and_pull_requests_left_out() {
    let (sandbox, repo) = sandbox();
    let m = repo.add_milestone("Big", sb::ItemState::Open);
    let other = repo.add_milestone("Other", sb::ItemState::Open);
    let mut expected = BTreeSet::new();
    for n in 0..250 {
        let spec = IssueSpec::new(format!("Issue {n}")).milestone(m);
        let spec = if n % 10 == 0 { spec.closed() } else { spec };
        expected.insert(repo.add_issue(spec).0);
        if n % 100 == 0 {
            repo.add_pull(PullSpec::new("A PR", format!("feat/x-{n}")).milestone(m));
            repo.add_issue(IssueSpec::new("Elsewhere").milestone(other));
        }
    }
    let gh = client(sandbox.url(), fast());
    let issues = gh.list_milestone_issues(m).await.unwrap();
    let got: BTreeSet<u64> = issues.iter().map(|i| i.number.0).collect();
    assert_eq!(got, expected);
    assert_eq!(issues.len(), 250, "no duplicates across pages");
    assert!(issues.iter().all(|i| !i.is_pull_request));
    assert_eq!(
        issues
            .iter()
            .filter(|i| i.state == ItemState::Closed)
            .count(),
        25
    );

    let pages = sandbox
        .requests()
        .matching(&Route::matching("GET", "/repos/*/*/issues"));
    let queries: Vec<String> = pages
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    // 253 items (3 are PRs) at 100 a page.
    assert_eq!(queries.len(), 3, "{queries:?}");
    for q in &queries {
        assert!(q.contains(&format!("milestone={m}")), "{q}");
        assert!(q.contains("state=all") && q.contains("per_page=100"), "{q}");
    }
    assert!(queries[1].ends_with("page=2") && queries[2].ends_with("page=3"));
    // Later pages went to the sandbox with the token: followed relative.
    assert!(
        pages
            .iter()
            .all(|r| r.status == 200 && r.auth_scheme.as_deref() == Some("Bearer"))
    );
}

#[tokio::test]
async fn milestones_list_open_and_closed_with_their_counts() {
    let (sandbox, repo) = sandbox();
    let open = repo.add_milestone("Open one", sb::ItemState::Open);
    repo.add_milestone("Closed one", sb::ItemState::Closed);
    repo.add_issue(IssueSpec::new("a").milestone(open));
    repo.add_issue(IssueSpec::new("b").milestone(open).closed());
    let gh = client(sandbox.url(), fast());
    let all = gh.list_milestones().await.unwrap();
    let summary: Vec<(&str, ItemState, u64, u64)> = all
        .iter()
        .map(|m| (m.title.as_str(), m.state, m.open_issues, m.closed_issues))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("Open one", ItemState::Open, 1, 1),
            ("Closed one", ItemState::Closed, 0, 0)
        ]
    );
}

// --------------------------------------------------------------- retries

#[tokio::test]
async fn transient_failures_are_retried_and_each_attempt_is_logged() {
    let (sandbox, repo) = sandbox();
    repo.add_milestone("M", sb::ItemState::Open);
    let route = Route::matching("GET", MILESTONES);
    sandbox
        .faults()
        .inject(route.clone(), Fault::Status(502), 2);
    sandbox.faults().inject(route, Fault::DropConnection, 1);
    let gh = client(sandbox.url(), fast());
    let all = gh.list_milestones().await.unwrap();
    assert_eq!(all.len(), 1);
    // Two 502s, a cut connection (logged as 0), then the answer.
    assert_eq!(
        statuses(&sandbox, "GET", MILESTONES),
        vec![502, 502, 0, 200]
    );
}

#[tokio::test]
async fn at_most_four_attempts_then_the_error_says_so() {
    let (sandbox, repo) = sandbox();
    repo.add_milestone("M", sb::ItemState::Open);
    let route = Route::matching("GET", MILESTONES);
    sandbox
        .faults()
        .inject(route.clone(), Fault::Status(503), 10);
    let gh = client(sandbox.url(), fast());
    let err = gh.list_milestones().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(
        err.to_string().contains("gave up after 4 attempts"),
        "{err}"
    );
    assert_eq!(statuses(&sandbox, "GET", MILESTONES), vec![503; 4]);
    assert_eq!(sandbox.faults().pending(), 6);

    sandbox.faults().clear();
    sandbox.requests().clear();
    sandbox.faults().inject(route, Fault::DropConnection, 10);
    let err = gh.list_milestones().await.unwrap_err();
    assert!(
        matches!(&err, GitHubError::Transport { detail, .. } if detail.contains("gave up after 4 attempts")),
        "{err:?}"
    );
    assert_eq!(statuses(&sandbox, "GET", MILESTONES), vec![0; 4]);
}

#[tokio::test]
async fn a_secondary_rate_limit_is_waited_out_as_retry_after_asks() {
    let (sandbox, repo) = sandbox();
    repo.add_milestone("M", sb::ItemState::Open);
    sandbox.faults().inject(
        Route::matching("GET", MILESTONES),
        Fault::SecondaryRateLimit {
            status: 403,
            retry_after: 1,
        },
        1,
    );
    let gh = client(sandbox.url(), fast());
    let started = Instant::now();
    assert_eq!(gh.list_milestones().await.unwrap().len(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retry-after: 1 was not honoured ({:?})",
        started.elapsed()
    );
    assert_eq!(statuses(&sandbox, "GET", MILESTONES), vec![403, 200]);
}

#[tokio::test]
async fn a_rate_limit_resetting_later_than_the_longest_wait_is_reported_at_once() {
    let (sandbox, repo) = sandbox();
    repo.add_milestone("M", sb::ItemState::Open);
    sandbox.faults().inject(
        Route::matching("GET", MILESTONES),
        Fault::rate_limited_for(Duration::from_secs(3600)),
        1,
    );
    let gh = client(sandbox.url(), fast());
    let err = gh.list_milestones().await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("API rate limit exceeded"), "{err}");
    assert_eq!(statuses(&sandbox, "GET", MILESTONES), vec![403]);
}

// ------------------------------------------------------------ 4xx errors

#[tokio::test]
async fn a_client_error_fails_at_once_with_githubs_message() {
    let (sandbox, repo) = sandbox();
    repo.add_milestone("M", sb::ItemState::Open);
    sandbox.faults().inject(
        Route::matching("GET", MILESTONES),
        Fault::Error {
            status: 422,
            message: "Validation Failed".into(),
        },
        1,
    );
    let gh = client(sandbox.url(), fast());
    let err = gh.list_milestones().await.unwrap_err();
    assert_eq!(
        err,
        GitHubError::Status {
            route: "GET /repos/acme/widgets/milestones".into(),
            status: 422,
            message: "Validation Failed".into(),
        }
    );
    assert_eq!(statuses(&sandbox, "GET", MILESTONES), vec![422]);
}

#[tokio::test]
async fn a_missing_issue_is_none_after_one_request() {
    let (sandbox, repo) = sandbox();
    repo.add_issue(IssueSpec::new("Here").body("Blocked by #9"));
    let gh = client(sandbox.url(), fast());
    let found = gh
        .get_issue(IssueNumber(1))
        .await
        .unwrap()
        .expect("issue 1");
    assert_eq!(
        (found.title.as_str(), found.body.as_str()),
        ("Here", "Blocked by #9")
    );
    assert_eq!(gh.get_issue(IssueNumber(42)).await.unwrap(), None);
    assert_eq!(statuses(&sandbox, "GET", "/repos/*/*/issues/42"), vec![404]);
}

#[tokio::test]
async fn an_unknown_repository_is_githubs_not_found() {
    let sandbox = Sandbox::start();
    let gh = client(sandbox.url(), fast());
    let err = gh.list_milestones().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("Not Found"), "{err}");
    assert_eq!(sandbox.requests().all().len(), 1);
}

// ------------------------------------------------- access and protection

#[tokio::test]
async fn repository_access_reports_the_role_and_a_classic_tokens_scopes() {
    let (sandbox, repo) = sandbox();
    let gh = client(sandbox.url(), fast());
    let access = gh.repository_access().await.unwrap();
    assert_eq!(access.default_branch.0, "main");
    assert_eq!(access.permissions, Some(RepoPermissions::all()));
    assert_eq!(access.oauth_scopes, None, "no header: a fine-grained token");

    repo.set_permissions(sb::RepoPermissions::read_only());
    sandbox
        .state()
        .set_oauth_scopes(Some("public_repo, read:org"));
    let access = gh.repository_access().await.unwrap();
    assert_eq!(access.permissions.unwrap().held(), ["pull"]);
    assert_eq!(
        access.oauth_scopes.as_deref(),
        Some(&["public_repo".to_string(), "read:org".to_string()][..])
    );
    sandbox.state().set_oauth_scopes(Some(""));
    let access = gh.repository_access().await.unwrap();
    assert_eq!(
        access.oauth_scopes,
        Some(vec![]),
        "a classic token without scopes"
    );
}

#[tokio::test]
async fn branch_protection_is_read_absent_or_refused_without_admin() {
    let (sandbox, repo) = sandbox();
    let gh = client(sandbox.url(), fast());
    let main = BranchName("main".into());
    assert_eq!(gh.branch_protection(&main).await.unwrap(), None);

    repo.protect_branch(
        "main",
        sb::BranchProtection::requiring(&["ci", "lint"], true),
    );
    let read = gh.branch_protection(&main).await.unwrap();
    assert_eq!(
        read,
        Some(BranchProtection::requiring(&["ci", "lint"], true))
    );

    let missing = gh
        .branch_protection(&BranchName("nope".into()))
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    assert!(
        missing.to_string().contains("Branch not found"),
        "{missing}"
    );

    repo.set_permissions(sb::RepoPermissions {
        admin: false,
        ..sb::RepoPermissions::all()
    });
    let refused = gh.branch_protection(&main).await.unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused}");
    assert_eq!(
        statuses(&sandbox, "GET", "/repos/*/*/branches/**"),
        vec![404, 200, 404, 403],
        "no retries: each answer is final"
    );
}

#[tokio::test]
async fn a_branch_name_with_a_slash_reaches_its_protection() {
    let (sandbox, repo) = sandbox();
    repo.set_branch("release/1.0", &"a".repeat(40));
    repo.protect_branch("release/1.0", sb::BranchProtection::default());
    let gh = client(sandbox.url(), fast());
    let read = gh
        .branch_protection(&BranchName("release/1.0".into()))
        .await
        .unwrap();
    assert_eq!(read, Some(BranchProtection::default()));
}

// ---------------------------------------------------- native dependencies

#[tokio::test]
async fn native_dependencies_name_repository_and_state_and_may_be_absent() {
    let (sandbox, repo) = sandbox();
    let blocker = repo.add_issue(IssueSpec::new("Blocker").closed());
    let blocked = repo.add_issue(IssueSpec::new("Blocked"));
    let other = sandbox.state().add_repo("other/lib", "main");
    let elsewhere = other.add_issue(IssueSpec::new("Library fix"));
    repo.add_blocked_by(blocked, repo.slug(), blocker);
    repo.add_blocked_by(blocked, other.slug(), elsewhere);
    let gh = client(sandbox.url(), fast());

    let refs = gh
        .issue_blocked_by(blocked.product())
        .await
        .unwrap()
        .expect("feature on");
    let summary: Vec<(String, u64, Option<ItemState>)> = refs
        .iter()
        .map(|r| (r.repo.to_string(), r.number.0, r.state))
        .collect();
    assert_eq!(
        summary,
        vec![
            (SLUG.to_string(), blocker.0, Some(ItemState::Closed)),
            ("other/lib".to_string(), elsewhere.0, Some(ItemState::Open)),
        ]
    );
    assert_eq!(refs[1].title.as_deref(), Some("Library fix"));

    repo.set_dependencies_api(false);
    sandbox.requests().clear();
    assert_eq!(gh.issue_blocked_by(blocked.product()).await.unwrap(), None);
    assert_eq!(sandbox.requests().all().len(), 1, "a 404 is not retried");
}

// ------------------------------------------- exact bytes: token and Link

/// What the scripted server answers with.
struct Answer {
    body: String,
    link: Option<String>,
}

/// A loopback server that answers each connection with the next scripted
/// answer (closing the connection) and keeps every request's head.
struct Scripted {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    fn serve(answers: Vec<Answer>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        std::thread::spawn(move || {
            for answer in answers {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let mut reader = BufReader::new(stream);
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                seen.lock().unwrap().push(head);
                let link = answer
                    .link
                    .map(|l| format!("link: {l}\r\n"))
                    .unwrap_or_default();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n{link}\r\n{}",
                    answer.body.len(),
                    answer.body
                );
                let _ = reader.get_mut().write_all(response.as_bytes());
            }
        });
        Scripted { url, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn milestone_json(number: u64, title: &str) -> serde_json::Value {
    json!({
        "url": format!("https://api.github.com/repos/acme/widgets/milestones/{number}"),
        "html_url": format!("https://github.com/acme/widgets/milestone/{number}"),
        "id": number,
        "node_id": format!("MI_{number}"),
        "number": number,
        "state": "open",
        "title": title,
        "open_issues": 1,
        "closed_issues": 0,
        "created_at": "2024-01-01T00:00:00Z"
    })
}

#[tokio::test]
async fn the_token_is_sent_as_a_bearer_credential_with_githubs_headers() {
    let server = Scripted::serve(vec![Answer {
        body: json!([milestone_json(1, "M")]).to_string(),
        link: None,
    }]);
    let gh = client(&server.url, fast());
    assert_eq!(gh.list_milestones().await.unwrap().len(), 1);
    let heads = server.heads();
    assert_eq!(heads.len(), 1);
    let head = &heads[0];
    assert!(
        head.starts_with("GET /repos/acme/widgets/milestones?state=all&per_page=100 HTTP/1.1"),
        "{head}"
    );
    let expected = format!("Bearer {TOKEN}");
    assert_eq!(header(head, "authorization"), Some(expected.as_str()));
    assert_eq!(header(head, "accept"), Some("application/vnd.github+json"));
    assert_eq!(header(head, "x-github-api-version"), Some("2022-11-28"));
}

#[tokio::test]
async fn a_link_next_url_is_followed_relative_to_the_configured_base() {
    // The next page is announced on another host (127.0.0.2:1, closed). A
    // client that followed it as given would fail there, and octocrab would
    // not send the token to it; the client must ask its own base instead.
    let next = "http://127.0.0.2:1/repos/acme/widgets/milestones?state=all&per_page=100&page=2";
    let server = Scripted::serve(vec![
        Answer {
            body: json!([milestone_json(1, "First")]).to_string(),
            link: Some(format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"")),
        },
        Answer {
            body: json!([milestone_json(2, "Second")]).to_string(),
            link: None,
        },
    ]);
    let gh = client(&server.url, fast());
    let titles: Vec<String> = gh
        .list_milestones()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect();
    assert_eq!(titles, vec!["First", "Second"]);
    let heads = server.heads();
    assert_eq!(heads.len(), 2);
    assert!(
        heads[1].starts_with("GET /repos/acme/widgets/milestones?state=all&per_page=100&page=2 "),
        "{}",
        heads[1]
    );
    let expected = format!("Bearer {TOKEN}");
    assert_eq!(header(&heads[1], "authorization"), Some(expected.as_str()));
    let host = header(&heads[1], "host").unwrap();
    assert!(server.url.ends_with(host), "{host} vs {}", server.url);
}

#[tokio::test]
async fn a_github_enterprise_base_keeps_its_path_on_every_page() {
    // GHES serves the API under /api/v3 and its Link headers carry that
    // prefix: the next page must not become /api/v3/api/v3/...
    let next =
        "http://127.0.0.2:1/api/v3/repos/acme/widgets/milestones?state=all&per_page=100&page=2";
    let server = Scripted::serve(vec![
        Answer {
            body: json!([milestone_json(1, "First")]).to_string(),
            link: Some(format!("<{next}>; rel=\"next\"")),
        },
        Answer {
            body: json!([milestone_json(2, "Second")]).to_string(),
            link: None,
        },
    ]);
    let gh = client(&format!("{}/api/v3", server.url), fast());
    assert_eq!(gh.list_milestones().await.unwrap().len(), 2);
    let request_lines: Vec<String> = server
        .heads()
        .iter()
        .map(|h| h.lines().next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        request_lines,
        vec![
            "GET /api/v3/repos/acme/widgets/milestones?state=all&per_page=100 HTTP/1.1",
            "GET /api/v3/repos/acme/widgets/milestones?state=all&per_page=100&page=2 HTTP/1.1",
        ]
    );
}

#[tokio::test]
async fn every_read_is_conditional_and_an_unchanged_answer_costs_a_free_304() {
    let (sandbox, repo) = sandbox();
    let pr = repo.add_pull(PullSpec::new("A PR", "feat/issue-1"));
    let gh = client(sandbox.url(), fast());
    let first = gh.get_pull(pr.product()).await.unwrap();
    let again = gh.get_pull(pr.product()).await.unwrap();
    assert_eq!(first, again, "the stored answer stands in for the 304");
    let reviews = gh.list_reviews(pr.product()).await.unwrap();
    assert_eq!(gh.list_reviews(pr.product()).await.unwrap(), reviews);
    repo.push_pull_head(pr, &sb::fake_sha("moved"));
    let moved = gh.get_pull(pr.product()).await.unwrap();
    assert_eq!(moved.head_sha.0, sb::fake_sha("moved"), "a change is read");

    let pulls = sandbox
        .requests()
        .matching(&Route::matching("GET", "/repos/*/*/pulls/*"));
    let seen: Vec<(u16, bool)> = pulls
        .iter()
        .map(|r| (r.status, r.if_none_match.is_some()))
        .collect();
    assert_eq!(seen, [(200, false), (304, true), (200, true)]);
    let lists = statuses(&sandbox, "GET", "/repos/*/*/pulls/*/reviews");
    assert_eq!(lists, [200, 304]);
}

#[tokio::test]
async fn waits_slow_down_as_the_rate_limit_runs_low_and_304s_cost_nothing() {
    let (sandbox, repo) = sandbox();
    sandbox.set_rate_limit(40);
    let pr = repo.add_pull(PullSpec::new("A PR", "feat/issue-1"));
    let gh = client(sandbox.url(), fast());
    for _ in 0..20 {
        gh.get_pull(pr.product()).await.unwrap();
    }
    assert_eq!(sandbox.rate_limit().used(), 1, "one 200, then free 304s");
    assert_eq!(gh.poll_factor(), 1.0);
    for n in 0..34 {
        let _ = gh.get_issue(IssueNumber(1000 + n)).await;
    }
    // 35 of 40 spent: 5 left, a quarter (10) is comfortable, so twice as slow.
    assert_eq!(sandbox.rate_limit().remaining(), 5);
    assert_eq!(gh.poll_factor(), 2.0);
}
