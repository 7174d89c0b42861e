//! `GET /repos/{o}/{r}/rules/branches/{branch}`: the rules that apply to a
//! branch (whether or not it exists, as on GitHub), paginated; `[]` without any.

use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;

use super::super::api::{ApiError, ApiResult, Params, slug};
use super::super::pagination::{list_reply, paginate};
use super::super::shapes::rules::branch_rules;
use super::App;

pub async fn branch(
    State(app): State<App>,
    Path((owner, name, branch)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let params = Params::parse(query.as_deref());
    let rules = app
        .state
        .read(|w| w.repo(&slug).map(|r| branch_rules(r, &branch)));
    let rules = rules.ok_or_else(ApiError::not_found)?;
    Ok(list_reply(paginate(rules, &params, &app.url(uri.path()))))
}

#[cfg(test)]
mod tests {
    use octocrab::models::rulesets::{RepoRule, RulesetSourceType};

    use crate::RequiredChecks;
    use crate::testkit::TestSandbox;

    #[tokio::test]
    async fn a_branch_lists_the_merge_queue_rule_only_while_it_requires_the_queue() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        let main = "/repos/acme/widgets/rules/branches/main";
        let none = t.raw("GET", main, None).await;
        assert_eq!((none.status, none.json()), (200, serde_json::json!([])));
        repo.enable_merge_queue("main");
        repo.enable_merge_queue("release/1.x");
        let rules: Vec<RepoRule> = t.client.get(main, None::<&()>).await.unwrap();
        assert_eq!(rules.len(), 1);
        let rule = &rules[0];
        assert_eq!(rule.rule_type, "merge_queue");
        assert_eq!(
            rule.ruleset_source_type,
            Some(RulesetSourceType::Repository)
        );
        assert_eq!(rule.additional_properties["ruleset_source"], "acme/widgets");
        let parameters = &rule.additional_properties["parameters"];
        assert_eq!(parameters["merge_method"], "SQUASH");
        assert_eq!(parameters["grouping_strategy"], "ALLGREEN");
        assert_eq!(parameters["check_response_timeout_minutes"], 60);
        let slashed = t
            .raw(
                "GET",
                "/repos/acme/widgets/rules/branches/release/1.x",
                None,
            )
            .await;
        assert_eq!(slashed.json()[0]["ruleset_id"], rule.ruleset_id.unwrap().0);
        let other = t
            .raw("GET", "/repos/acme/widgets/rules/branches/dev", None)
            .await;
        assert_eq!(
            other.json(),
            serde_json::json!([]),
            "a branch without the rule"
        );
        repo.disable_merge_queue("main");
        assert_eq!(t.raw("GET", main, None).await.json(), serde_json::json!([]));
        assert_eq!(
            t.status("/repos/acme/nothing/rules/branches/main").await,
            404
        );
    }

    #[tokio::test]
    async fn a_ruleset_can_require_up_to_date_branches_and_binds_merges() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        let pr = repo.add_pull(crate::PullSpec::new("A", "feat/a"));
        repo.set_mergeable_state(pr, Some("behind"));
        let strict = RequiredChecks {
            contexts: vec!["ci/test".into()],
            strict: true,
        };
        repo.set_ruleset_checks("main", Some(strict));
        repo.enable_merge_queue("main");
        let rules = t
            .raw("GET", "/repos/acme/widgets/rules/branches/main", None)
            .await
            .json();
        let types: Vec<&str> = rules
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["required_status_checks", "merge_queue"]);
        let parameters = &rules[0]["parameters"];
        assert_eq!(parameters["strict_required_status_checks_policy"], true);
        assert_eq!(
            parameters["required_status_checks"][0]["context"],
            "ci/test"
        );
        repo.disable_merge_queue("main");
        let merge = "/repos/acme/widgets/pulls/1/merge";
        assert_eq!(
            t.raw("PUT", merge, None).await.status,
            405,
            "behind a strict rule"
        );
        repo.set_ruleset_checks("main", None);
        assert_eq!(
            t.raw("GET", "/repos/acme/widgets/rules/branches/main", None)
                .await
                .json(),
            serde_json::json!([])
        );
        assert_eq!(t.raw("PUT", merge, None).await.status, 200);
    }
}
