//! GitHub's JSON shapes, rendered from the sandbox model: the fields GitHub
//! sends (so octocrab's models decode them), with URLs on the sandbox's base.

pub mod actions;
pub mod checks;
pub mod graphql;
pub mod issues;
pub mod protection;
pub mod pulls;
pub mod rules;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::model::Repo;

/// Builds the URLs of one repository on the sandbox's base.
#[derive(Clone, Copy)]
pub struct Urls<'a> {
    pub base: &'a str,
    pub owner: &'a str,
    pub name: &'a str,
}

impl<'a> Urls<'a> {
    pub fn of(base: &'a str, repo: &'a Repo) -> Self {
        Self {
            base,
            owner: &repo.slug.owner,
            name: &repo.slug.name,
        }
    }

    /// An API URL below `/repos/{owner}/{name}`.
    pub fn api(&self, rest: &str) -> String {
        format!("{}/repos/{}/{}{}", self.base, self.owner, self.name, rest)
    }

    /// A web URL below `/{owner}/{name}` (the sandbox serves none; they only need to be URLs).
    pub fn html(&self, rest: &str) -> String {
        format!("{}/{}/{}{}", self.base, self.owner, self.name, rest)
    }
}

/// A timestamp as GitHub writes it: `2024-05-01T12:00:00Z`.
pub fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn opt_ts(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |t| Value::String(ts(t)))
}

/// A GraphQL node id in GitHub's style (opaque to clients).
pub fn node_id(prefix: &str, id: u64) -> String {
    format!("{prefix}_kwDOSbx{id:08}")
}

/// A user's stable id: CodeRabbit's real one, a hash for everyone else.
pub fn user_id(login: &str) -> u64 {
    if login == super::sim::CODERABBIT_LOGIN {
        return 136_622_811;
    }
    login.bytes().fold(7u64, |h, b| {
        (h.wrapping_mul(31) + u64::from(b)) % 99_999_989
    }) + 1
}

fn url_login(login: &str) -> String {
    login.replace('[', "%5B").replace(']', "%5D")
}

/// A user (`simple-user`): `[bot]` logins are of type `Bot`.
pub fn user(base: &str, login: &str) -> Value {
    let id = user_id(login);
    let kind = if login.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    };
    let u = format!("{base}/users/{}", url_login(login));
    json!({
        "login": login,
        "id": id,
        "node_id": node_id("U", id),
        "avatar_url": format!("{base}/avatars/u/{id}?v=4"),
        "gravatar_id": "",
        "url": u,
        "html_url": format!("{base}/{}", url_login(login)),
        "followers_url": format!("{u}/followers"),
        "following_url": format!("{u}/following{{/other_user}}"),
        "gists_url": format!("{u}/gists{{/gist_id}}"),
        "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{u}/subscriptions"),
        "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"),
        "events_url": format!("{u}/events{{/privacy}}"),
        "received_events_url": format!("{u}/received_events"),
        "type": kind,
        "user_view_type": "public",
        "site_admin": false
    })
}

pub fn label(urls: Urls, name: &str) -> Value {
    let id = user_id(name) + 5_000_000_000;
    json!({
        "id": id,
        "node_id": node_id("LA", id),
        "url": urls.api(&format!("/labels/{}", name.replace(' ', "%20"))),
        "name": name,
        "color": "ededed",
        "default": false,
        "description": null
    })
}

/// A repository (`full-repository`).
pub fn repository(base: &str, repo: &Repo) -> Value {
    let urls = Urls::of(base, repo);
    let full_name = repo.slug.to_string();
    let value = json!({
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.slug.name,
        "full_name": full_name,
        "private": false,
        "owner": user(base, &repo.slug.owner),
        "html_url": urls.html(""),
        "description": null,
        "fork": false,
        "url": urls.api(""),
        "archive_url": urls.api("/{archive_format}{/ref}"),
        "branches_url": urls.api("/branches{/branch}"),
        "comments_url": urls.api("/comments{/number}"),
        "commits_url": urls.api("/commits{/sha}"),
        "compare_url": urls.api("/compare/{base}...{head}"),
        "contents_url": urls.api("/contents/{+path}"),
        "git_refs_url": urls.api("/git/refs{/sha}"),
        "issue_comment_url": urls.api("/issues/comments{/number}"),
        "issues_url": urls.api("/issues{/number}"),
        "labels_url": urls.api("/labels{/name}"),
        "milestones_url": urls.api("/milestones{/number}"),
        "pulls_url": urls.api("/pulls{/number}"),
        "statuses_url": urls.api("/statuses/{sha}"),
        "clone_url": format!("{}.git", urls.html(""))
    });
    let settings = json!({
        "homepage": null,
        "language": null,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "size": 0,
        "default_branch": repo.default_branch,
        "open_issues_count": repo.items.values().filter(|i| i.state == crate::types::ItemState::Open).count(),
        "is_template": false,
        "topics": [],
        "has_issues": true,
        "has_projects": false,
        "has_wiki": false,
        "has_pages": false,
        "has_downloads": false,
        "archived": false,
        "disabled": false,
        "visibility": "public",
        "pushed_at": ts(repo.created_at),
        "created_at": ts(repo.created_at),
        "updated_at": ts(repo.created_at),
        "permissions": repo.permissions,
        "allow_rebase_merge": true,
        "allow_squash_merge": true,
        "allow_merge_commit": true,
        "allow_update_branch": true,
        "delete_branch_on_merge": false,
        "subscribers_count": 0,
        "network_count": 0
    });
    merge(value, settings)
}

/// `a` with the fields of `b` added (both objects).
pub fn merge(mut a: Value, b: Value) -> Value {
    if let (Value::Object(a_map), Value::Object(b_map)) = (&mut a, b) {
        a_map.extend(b_map);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RepoSlug;

    #[test]
    fn repository_decodes_as_octocrab_repository() {
        let repo = Repo::new(RepoSlug::new("acme", "widgets"), 7, "trunk");
        let value = repository("http://127.0.0.1:1", &repo);
        let decoded: octocrab::models::Repository = serde_json::from_value(value).unwrap();
        assert_eq!(decoded.default_branch.as_deref(), Some("trunk"));
        assert_eq!(decoded.full_name.as_deref(), Some("acme/widgets"));
        assert_eq!(decoded.owner.unwrap().login, "acme");
    }

    #[test]
    fn bots_are_typed_and_urls_encode_brackets() {
        let value = user("http://127.0.0.1:1", "coderabbitai[bot]");
        let decoded: octocrab::models::Author = serde_json::from_value(value).unwrap();
        assert_eq!(decoded.r#type, "Bot");
        assert_eq!(decoded.id.0, 136_622_811);
        assert!(
            decoded
                .url
                .as_str()
                .ends_with("/users/coderabbitai%5Bbot%5D")
        );
        assert_eq!(user_id("octocat"), user_id("octocat"));
        assert_ne!(user_id("octocat"), user_id("hubot"));
    }

    #[test]
    fn labels_decode_as_octocrab_labels() {
        let repo = Repo::new(RepoSlug::new("acme", "widgets"), 7, "main");
        let decoded: octocrab::models::Label = serde_json::from_value(label(
            Urls::of("http://127.0.0.1:1", &repo),
            "good first issue",
        ))
        .unwrap();
        assert_eq!(decoded.name, "good first issue");
    }
}
