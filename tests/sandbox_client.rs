//! octocrab's own typed calls against the sandbox GitHub: the routes, query
//! parameters and bodies octocrab builds are the ones the sandbox serves, and
//! its answers decode into octocrab's models (the product's client is built
//! on them).

mod support;

use gh_sandbox::{IssueSpec, ItemState, PrNumber, ReviewSpec, Sandbox};
use octocrab::Octocrab;
use octocrab::params::State;
use octocrab::params::pulls::MergeMethod;
use octocrab::params::repos::{Commitish, Reference};
use support::world::{World, git};

fn octocrab(sandbox: &Sandbox) -> Octocrab {
    Octocrab::builder()
        .base_uri(sandbox.url())
        .expect("the sandbox's URL is a URI")
        .personal_token("t".to_string())
        .build()
        .expect("octocrab builds")
}

#[tokio::test]
async fn planning_calls_decode() {
    let sandbox = Sandbox::start();
    let repo = sandbox.state().add_repo("acme/widgets", "main");
    let m = repo.add_milestone("OB3 Phase 1", ItemState::Open);
    repo.add_issue(IssueSpec::new("one").milestone(m));
    repo.add_issue(IssueSpec::new("two").milestone(m).closed());
    let gh = octocrab(&sandbox);

    assert_eq!(
        gh.repos("acme", "widgets")
            .get()
            .await
            .unwrap()
            .default_branch
            .as_deref(),
        Some("main")
    );
    let milestone = gh.issues("acme", "widgets").get_milestone(1).await.unwrap();
    assert_eq!(
        (milestone.title.as_str(), milestone.open_issues),
        ("OB3 Phase 1", Some(1))
    );
    let page = gh
        .issues("acme", "widgets")
        .list()
        .milestone(m)
        .state(State::All)
        .per_page(100)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        gh.issues("acme", "widgets").get(1).await.unwrap().title,
        "one"
    );
}

#[tokio::test]
async fn review_loop_calls_decode_on_a_git_backed_repo() {
    let world = World::new();
    let (repo, work) = (&world.repo, world.work());
    git(&work, &["checkout", "-q", "-b", "feat/issue-1-x"]);
    std::fs::write(work.join("x.rs"), "fn x() {}\n").unwrap();
    git(&work, &["add", "x.rs"]);
    git(&work, &["commit", "-q", "-m", "x"]);
    git(&work, &["push", "-q", "origin", "feat/issue-1-x"]);
    let head = git(&work, &["rev-parse", "HEAD"]).trim().to_string();
    let gh = octocrab(&world.sandbox);
    let pulls = gh.pulls("acme", "widgets");

    let created = pulls
        .create("Add x", "feat/issue-1-x", "main")
        .body("Closes #9")
        .send()
        .await
        .unwrap();
    assert_eq!(created.number, 1);
    let listed = pulls
        .list()
        .head("acme:feat/issue-1-x")
        .state(State::All)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(pulls.get(1).await.unwrap().head.sha, head);

    repo.add_check_run(&head, "ci/test", "completed", Some("success"));
    repo.add_status(&head, "ci/lint", "success", None);
    let runs = gh
        .checks("acme", "widgets")
        .list_check_runs_for_git_ref(Commitish(head.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(runs.check_runs[0].conclusion.as_deref(), Some("success"));
    let branch = Reference::Branch("feat/issue-1-x".to_string());
    let combined = gh
        .repos("acme", "widgets")
        .combined_status_for_ref(&branch)
        .await
        .unwrap();
    assert_eq!(
        (combined.sha.as_str(), combined.total_count),
        (head.as_str(), 1)
    );

    repo.add_review(
        PrNumber(1),
        ReviewSpec::new("coderabbitai[bot]", "COMMENTED"),
    );
    assert_eq!(pulls.list_reviews(1).send().await.unwrap().items.len(), 1);
    assert!(
        pulls
            .list_comments(Some(1))
            .send()
            .await
            .unwrap()
            .items
            .is_empty()
    );
    gh.issues("acme", "widgets")
        .create_comment(1, "@coderabbitai review")
        .await
        .unwrap();
    assert_eq!(
        gh.issues("acme", "widgets")
            .list_comments(1)
            .send()
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    assert!(
        !pulls.update_branch(1).await.unwrap(),
        "not behind: 422, so octocrab says false"
    );
    let merged = pulls
        .merge(1)
        .method(MergeMethod::Squash)
        .sha(head)
        .title("Add x (#1)")
        .send()
        .await
        .unwrap();
    assert!(merged.merged);
    assert!(pulls.is_merged(1).await.unwrap());
    gh.repos("acme", "widgets")
        .delete_ref(&branch)
        .await
        .unwrap();
    assert_eq!(repo.deleted_branches(), ["feat/issue-1-x"]);
}
